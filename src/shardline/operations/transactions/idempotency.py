"""ClientRequestToken idempotency for TransactWriteItems: a token names one request for 10 minutes after
that request completes. The same token with the same request returns the first result without writing
again; with a different request it is IdempotentParameterMismatchException.

Limits: tokens live in this process's memory, per store (they are not shared across processes or kept
across restarts), and at most MAX_TOKENS completed tokens are remembered; past that the oldest are
forgotten early. Only successful transactions are remembered: a cancelled or refused one wrote nothing,
so running it again under the same token is safe.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from shardline.errors import IdempotentParameterMismatchException, TransactionInProgressException

TOKEN_LIFETIME_SECONDS = 600.0
MAX_TOKENS = 10_000

TOKEN_PARAMETER = "ClientRequestToken"
MISMATCH = "The request uses the same client token as a previous, but non-identical request."
IN_PROGRESS = "Transaction from previous request is still in progress"


def request_fingerprint(body: Mapping[str, Any]) -> bytes:
    """Everything of a request but its token, in a canonical form."""
    rest = {name: value for name, value in body.items() if name != TOKEN_PARAMETER}
    return orjson.dumps(rest, option=orjson.OPT_SORT_KEYS)


@dataclass
class _Token:
    fingerprint: bytes
    response: dict[str, Any] | None = None  # None while the first request is still running
    completed_at: float = 0.0


class IdempotencyTokens:
    """The tokens of one store, oldest completion first. Not thread-safe: used from the event loop only,
    where begin() and complete() never interleave with each other."""

    def __init__(self, lifetime: float = TOKEN_LIFETIME_SECONDS, capacity: int = MAX_TOKENS) -> None:
        self._lifetime = lifetime
        self._capacity = capacity
        self._completed: OrderedDict[str, _Token] = OrderedDict()
        self._running: dict[str, _Token] = {}

    def __len__(self) -> int:
        return len(self._completed) + len(self._running)

    def begin(self, token: str, fingerprint: bytes, now: float) -> dict[str, Any] | None:
        """The first response again when this is a replay; otherwise None, and the token is marked as
        running until complete() or abandon(). Raises IdempotentParameterMismatchException for a
        different request under a live token, TransactionInProgressException while the first runs."""
        self._forget_expired(now)
        running = self._running.get(token)
        if running is not None:
            if running.fingerprint != fingerprint:
                raise IdempotentParameterMismatchException(MISMATCH)
            raise TransactionInProgressException(IN_PROGRESS)
        done = self._completed.get(token)
        if done is not None:
            if done.fingerprint != fingerprint:
                raise IdempotentParameterMismatchException(MISMATCH)
            assert done.response is not None
            return done.response
        self._running[token] = _Token(fingerprint)
        return None

    def complete(self, token: str, response: dict[str, Any], now: float) -> None:
        entry = self._running.pop(token, None)
        if entry is None:
            return
        entry.response = response
        entry.completed_at = now
        self._completed[token] = entry
        while len(self._completed) > self._capacity:
            self._completed.popitem(last=False)

    def abandon(self, token: str) -> None:
        self._running.pop(token, None)

    def _forget_expired(self, now: float) -> None:
        while self._completed:
            token, entry = next(iter(self._completed.items()))
            if now - entry.completed_at < self._lifetime:
                return
            del self._completed[token]


_BY_STORE: weakref.WeakKeyDictionary[object, IdempotencyTokens] = weakref.WeakKeyDictionary()


def tokens_for(store: object) -> IdempotencyTokens:
    """The token registry of one storage backend (one per store, so that separate stores in one process
    never see each other's tokens)."""
    tokens = _BY_STORE.get(store)
    if tokens is None:
        tokens = IdempotencyTokens()
        _BY_STORE[store] = tokens
    return tokens
