"""Contract tests for trigger leases in the storage port: which process runs a mapping, until when.
Every backend must pass them."""

from __future__ import annotations

from pathlib import Path

from shardline.storage.backend import StorageBackend, StoredCheckpoint, StoredMapping, WriteView
from tests.backends.conftest import BackendFactory

MAPPING = "6f1c5a2e-0000-4000-8000-000000000001"
OTHER = "6f1c5a2e-0000-4000-8000-000000000002"


async def _acquire(backend: StorageBackend, mapping: str, holder: str, now: float, duration: float) -> bool:
    return await backend.write(lambda view: view.acquire_trigger_lease(mapping, holder, now, duration))


async def _holder(backend: StorageBackend, mapping: str, now: float) -> str | None:
    return await backend.read(lambda view: view.trigger_lease_holder(mapping, now))


def test_a_free_lease_is_taken_and_then_refused_to_others(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        assert await _holder(backend, MAPPING, 100.0) is None
        assert await _acquire(backend, MAPPING, "p1", 100.0, 10.0) is True
        assert await _holder(backend, MAPPING, 105.0) == "p1"
        assert await _acquire(backend, MAPPING, "p2", 105.0, 10.0) is False
        assert await _holder(backend, MAPPING, 105.0) == "p1"

    factory.run(tmp_path, scenario)


def test_renewing_extends_the_lease(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        assert await _acquire(backend, MAPPING, "p1", 100.0, 10.0) is True
        assert await _acquire(backend, MAPPING, "p1", 108.0, 10.0) is True
        # Without the renewal the lease would have ended at 110.
        assert await _holder(backend, MAPPING, 115.0) == "p1"
        assert await _acquire(backend, MAPPING, "p2", 115.0, 10.0) is False
        assert await _holder(backend, MAPPING, 118.0) is None

    factory.run(tmp_path, scenario)


def test_an_expired_lease_goes_to_the_next_taker(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        assert await _acquire(backend, MAPPING, "p1", 100.0, 10.0) is True
        assert await _acquire(backend, MAPPING, "p2", 109.9, 10.0) is False
        assert await _acquire(backend, MAPPING, "p2", 110.0, 10.0) is True
        assert await _holder(backend, MAPPING, 111.0) == "p2"
        # The old holder cannot renew once it has lost the lease.
        assert await _acquire(backend, MAPPING, "p1", 111.0, 10.0) is False

    factory.run(tmp_path, scenario)


def test_release_frees_only_the_holders_own_lease(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        assert await _acquire(backend, MAPPING, "p1", 100.0, 10.0) is True
        await backend.write(lambda view: view.release_trigger_lease(MAPPING, "p2"))
        assert await _holder(backend, MAPPING, 101.0) == "p1"
        await backend.write(lambda view: view.release_trigger_lease(MAPPING, "p1"))
        assert await _holder(backend, MAPPING, 101.0) is None
        assert await _acquire(backend, MAPPING, "p2", 101.0, 10.0) is True

    factory.run(tmp_path, scenario)


def test_leases_of_mappings_are_separate(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        assert await _acquire(backend, MAPPING, "p1", 100.0, 10.0) is True
        assert await _acquire(backend, OTHER, "p2", 100.0, 10.0) is True
        assert await _holder(backend, MAPPING, 101.0) == "p1"
        assert await _holder(backend, OTHER, 101.0) == "p2"

    factory.run(tmp_path, scenario)


def test_deleting_a_mapping_frees_its_lease(factory: BackendFactory, tmp_path: Path) -> None:
    def store(view: WriteView) -> None:
        view.put_trigger_mapping(StoredMapping(MAPPING, b"{}", 100.0))
        view.put_trigger_checkpoint(StoredCheckpoint(MAPPING, "arn:stream", "shard-1", "5", False, 100.0))

    async def scenario(backend: StorageBackend) -> None:
        await backend.write(store)
        assert await _acquire(backend, MAPPING, "p1", 100.0, 10.0) is True
        await backend.write(lambda view: view.delete_trigger_mapping(MAPPING))
        assert await _holder(backend, MAPPING, 101.0) is None
        assert await backend.read(lambda view: view.list_trigger_checkpoints(MAPPING)) == []

    factory.run(tmp_path, scenario)


def test_a_lease_survives_reopening(persistent_factory: BackendFactory, tmp_path: Path) -> None:
    async def take(backend: StorageBackend) -> None:
        assert await _acquire(backend, MAPPING, "p1", 100.0, 10.0) is True

    async def check(backend: StorageBackend) -> None:
        assert await _holder(backend, MAPPING, 105.0) == "p1"
        assert await _acquire(backend, MAPPING, "p2", 105.0, 10.0) is False

    persistent_factory.run(tmp_path, take)
    persistent_factory.run(tmp_path, check)
