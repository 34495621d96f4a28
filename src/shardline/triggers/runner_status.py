"""The standalone runner's status: saved into its SQLite state file every second and at shutdown, and read back by
`shardline triggers status --state` (another process) in the form a server answers, with when it was saved."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol

import orjson

from shardline.clock import Clock
from shardline.settings import DEFAULT_ACCOUNT_ID
from shardline.storage.backend import ReadView, StorageBackend, StoredCheckpoint, WriteView
from shardline.storage.sqlite.runner_status_views import (
    StoredRunnerStatus,
    runner_status_reader,
    runner_status_writer,
)
from shardline.triggers.mapping_wire import mapping_to_wire
from shardline.triggers.mappings import MappingConfig
from shardline.triggers.runtime import WAITING_FOR_LEASE
from shardline.triggers.status import MappingStatus, ShardStatus

logger = logging.getLogger(__name__)

SAVE_INTERVAL_SECONDS = 1.0
# A running runner saves every second; one silent for longer than this was killed, hung or lost its disk.
SILENT_AFTER_SECONDS = 5.0

RUNNING = "running"
STOPPED = "stopped"
SILENT = "silent"  # saved as running, but not for SILENT_AFTER_SECONDS: killed without a clean shutdown
UNKNOWN = "unknown"  # no status saved for this mapping (never run here, or by a runner that did not save one)
NEVER_SAVED_REASON = "No status saved: no runner has run this mapping with this state file"


def shardline_status(status: MappingStatus) -> dict[str, Any]:
    """shardline's visibility beyond Lambda's fields: per shard the position and iterator age, and the counters."""
    return {
        "Shards": [
            {"ShardId": shard.shard_id, "Position": shard.position,
             "IteratorAgeMilliseconds": shard.iterator_age_ms, "Finished": shard.finished}
            for shard in status.shards
        ],
        "Counters": dataclasses.asdict(status.counters),
    }


def status_document(status: MappingStatus, *, region: str, account_id: str) -> dict[str, Any]:
    """The mapping as ListEventSourceMappings answers it on a server, ShardlineStatus included."""
    wire = mapping_to_wire(status.config, status, region=region, account_id=account_id,
                           event_source_arn=status.stream_arn)
    wire["ShardlineStatus"] = shardline_status(status)
    return wire


class StatusSource(Protocol):
    def list(self) -> list[MappingStatus]: ...


class RunnerStatusRecorder:
    """Saves what the runtime reports about its mappings, every `interval` seconds while `run` runs and once more
    at shutdown (`stop_and_save`), so a stopped runner's last status stays readable and marked as stopped."""

    def __init__(
        self, runtime: StatusSource, storage: StorageBackend, clock: Clock, *, region: str, account_id: str,
        process_id: str, interval: float = SAVE_INTERVAL_SECONDS,
    ) -> None:
        self._runtime = runtime
        self._storage = storage
        self._clock = clock
        self._region = region
        self._account_id = account_id
        self._process_id = process_id
        self._interval = interval

    async def run(self) -> None:
        """Saves now and then every interval until cancelled; a failed save is logged and tried again."""
        while True:
            try:
                await self.save()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a full disk or a locked file must not stop the mappings
                logger.warning("triggers: cannot save the runner status: %r", error)
            await asyncio.sleep(self._interval)

    async def save(
        self, *, stopped: bool = False, shards_of: Mapping[str, tuple[ShardStatus, ...]] | None = None
    ) -> None:
        """Saves the status of every mapping this runner runs. `shards_of` stands in for the shards of a mapping
        that reports none (its shard workers are already stopped)."""
        now = self._clock.now()
        rows: list[StoredRunnerStatus] = []
        for status in self._runtime.list():
            if status.state_transition_reason == WAITING_FOR_LEASE:
                continue  # another runner on this state file runs it, and saves its status
            if not status.shards and shards_of:
                status = dataclasses.replace(status, shards=shards_of.get(status.config.uuid, ()))
            document = status_document(status, region=self._region, account_id=self._account_id)
            rows.append(StoredRunnerStatus(status.config.uuid, orjson.dumps(document), now, self._process_id,
                                           stopped))
        if not rows:
            return

        def write(view: WriteView) -> None:
            runner_status_writer(view).put_runner_statuses(rows)

        await self._storage.write(write)

    async def stop_and_save(self, stop_runtime: Callable[[], Awaitable[None]]) -> None:
        """Stops the runtime, then saves the final status marked as stopped: counters as they ended, and the
        shards as they were just before the stop (a stopped runtime has no shard workers to report)."""
        before = {status.config.uuid: status.shards for status in self._runtime.list()}
        await stop_runtime()
        await self.save(stopped=True, shards_of=before)


# --- reading it back ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SavedRunnerState:
    statuses: dict[str, StoredRunnerStatus]
    checkpoints: dict[str, list[StoredCheckpoint]]


async def load_runner_state(storage: StorageBackend, uuids: Iterable[str] | None = None) -> SavedRunnerState:
    """The saved statuses and the checkpoints of the mappings named (of every saved status when None)."""
    wanted = None if uuids is None else list(uuids)

    def read(view: ReadView) -> SavedRunnerState:
        statuses = {row.mapping_uuid: row for row in runner_status_reader(view).list_runner_statuses()}
        names = list(statuses) if wanted is None else wanted
        return SavedRunnerState(statuses, {uuid: view.list_trigger_checkpoints(uuid) for uuid in names})

    return await storage.read(read)


@dataclasses.dataclass(frozen=True)
class _Unsaved:
    state: str
    state_transition_reason: str
    last_processing_result: str
    last_modified: float


def runner_status_view(
    uuid: str, saved: SavedRunnerState, now: float, *, config: MappingConfig | None = None,
    region: str = "us-east-1", account_id: str = DEFAULT_ACCOUNT_ID,
) -> dict[str, Any]:
    """One mapping as `triggers status --state` shows it: the saved server form, its shards merged with the
    checkpoints (which are saved after every batch, so they are the freshest positions, LATEST and TRIM_HORIZON
    starts included), and ShardlineStatus.SavedAt and .Runner saying how current it is. A mapping with no
    saved status is shown from its `config` and checkpoints."""
    row = saved.statuses.get(uuid)
    if row is not None:
        document: dict[str, Any] = orjson.loads(row.document)
    elif config is not None:
        state = _Unsaved("Enabled" if config.enabled else "Disabled", NEVER_SAVED_REASON, "Unknown", 0.0)
        document = mapping_to_wire(config, state, region=region, account_id=account_id)
        document["ShardlineStatus"] = {"Shards": [], "Counters": {}}
    else:
        raise KeyError(uuid)
    extra = dict(document.get("ShardlineStatus") or {})
    extra["Shards"] = _merged_shards(extra.get("Shards") or [], saved.checkpoints.get(uuid, []))
    extra["SavedAt"] = None if row is None else row.saved_at
    extra["Runner"] = _runner_state(row, now)
    if row is not None:
        extra["RunnerProcess"] = row.process_id
    document["ShardlineStatus"] = extra
    return document


def _runner_state(row: StoredRunnerStatus | None, now: float) -> str:
    if row is None:
        return UNKNOWN
    if row.stopped:
        return STOPPED
    return RUNNING if now - row.saved_at <= SILENT_AFTER_SECONDS else SILENT


def _merged_shards(saved: list[dict[str, Any]], checkpoints: list[StoredCheckpoint]) -> list[dict[str, Any]]:
    by_id = {shard["ShardId"]: shard for shard in saved}
    for point in checkpoints:
        known = by_id.get(point.shard_id, {})
        by_id[point.shard_id] = {
            "ShardId": point.shard_id, "Position": point.position,
            "IteratorAgeMilliseconds": known.get("IteratorAgeMilliseconds"),
            "Finished": point.finished or bool(known.get("Finished")),
        }
    return [by_id[shard_id] for shard_id in sorted(by_id)]
