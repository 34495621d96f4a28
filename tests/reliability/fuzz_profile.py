"""How hard the fuzz harnesses try: a short default for `make test`, a long run with
SHARDLINE_RELIABILITY=long (for `make test-all` and before releases)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("SHARDLINE_RELIABILITY", "").lower() == "long"

# Examples per served operation (24 operations): ~20 keeps the whole fuzz run well under a minute.
# SHARDLINE_FUZZ_EXAMPLES overrides it, to hunt one operation harder (`-k BatchWriteItem`).
EXAMPLES_PER_OPERATION = int(os.environ.get("SHARDLINE_FUZZ_EXAMPLES", "400" if LONG else "20"))
TRANSPORT_EXAMPLES = 1_000 if LONG else 60

FUZZ_SETTINGS = settings(
    deadline=None,
    database=None,  # nothing written into the checkout
    derandomize=not LONG,  # the short run is the same every time; the long one explores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.function_scoped_fixture],
    print_blob=True,
)
