"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary directory, a free port, pg_ctl start,
and pg_ctl stop afterwards. PostgreSQL refuses to run as root, so under root (as in CI) the cluster runs as
the machine's `postgres` user, which is created when missing.

`python -m tests.postgres_cluster wire` runs the whole wire suite against a PostgreSQL-backed server.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest

POSTGRES_BIN = Path(os.environ.get("SHARDLINE_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SERVICE_USER = "postgres"
START_TIMEOUT_SECONDS = 60


def binaries_missing() -> str | None:
    """Why no cluster can be started here, or None when the PostgreSQL binaries are present."""
    for program in ("initdb", "pg_ctl", "postgres"):
        if not (POSTGRES_BIN / program).is_file():
            return f"PostgreSQL binaries not found: no {POSTGRES_BIN / program} (set SHARDLINE_POSTGRES_BIN)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _service_user() -> pwd.struct_passwd | None:
    """The account the cluster runs as: None means the current (non-root) user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin",
             SERVICE_USER],
            check=True, capture_output=True,
        )
        return pwd.getpwnam(SERVICE_USER)


@dataclass
class PostgresCluster:
    directory: Path
    port: int
    account: pwd.struct_passwd | None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres", schema: str | None = None) -> str:
        user = SERVICE_USER if self.account is not None else pwd.getpwuid(os.geteuid()).pw_name
        url = f"postgresql://{user}@127.0.0.1:{self.port}/{database}"
        if schema is not None:
            url += "?options=" + quote(f"-csearch_path={schema}")
        return url

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        user = None if self.account is None else self.account.pw_uid
        group = None if self.account is None else self.account.pw_gid
        return subprocess.run(
            list(command), check=True, capture_output=True, text=True, user=user, group=group,
            cwd=self.directory, timeout=START_TIMEOUT_SECONDS,
        )

    def start(self) -> None:
        # C locale: text sorts bytewise (shardline's schema pins COLLATE "C" anyway); no fsync: a test cluster
        # is thrown away, and fsync would dominate the run time of the suites.
        self._run(
            str(POSTGRES_BIN / "initdb"), "-D", str(self.data_dir), "--auth=trust", "--encoding=UTF8",
            "--locale=C", "--no-sync", f"--username={self.user}",
        )
        options = (
            f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory}"
            " -c fsync=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB"
        )
        self._run(
            str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.directory / "server.log"),
            "-o", options, "-w", "-t", str(START_TIMEOUT_SECONDS), "start",
        )

    @property
    def user(self) -> str:
        return SERVICE_USER if self.account is not None else pwd.getpwuid(os.geteuid()).pw_name

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def create_database(self, prefix: str = "db") -> str:
        """A new empty database; returns its name."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def create_schema(self, prefix: str = "s") -> str:
        """A new empty schema in the default database; returns its name (use url(schema=...))."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')
        return name


@contextlib.contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """Starts a cluster in a fresh temporary directory and removes both afterwards."""
    account = _service_user()
    # Under the system temporary directory, not pytest's (mode 0700, owned by root): the service user
    # must be able to reach it.
    directory = Path(tempfile.mkdtemp(prefix="shardline-pg-"))
    try:
        if account is not None:
            os.chown(directory, account.pw_uid, account.pw_gid)
        cluster = PostgresCluster(directory, _free_port(), account)
        try:
            cluster.start()
        except subprocess.CalledProcessError as error:
            log = directory / "server.log"
            detail = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"cannot start PostgreSQL: {error.stderr or error}\n{detail}") from error
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _run_wire_suite(arguments: list[str]) -> int:
    """Starts a cluster and a PostgreSQL-backed server, then runs pytest on tests/wire against it."""
    from tests.wire.conftest import start_server, stop_server

    with running_cluster() as cluster:
        database = cluster.create_database("wire")
        with tempfile.TemporaryDirectory() as data_dir:
            server = start_server(Path(data_dir), "--postgres", cluster.url(database))
            try:
                environment = {**os.environ, "SHARDLINE_ENDPOINT": server.endpoint}
                command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments]
                return subprocess.run(command, env=environment, check=False).returncode
            finally:
                stop_server(server)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "wire":
        print("usage: python -m tests.postgres_cluster wire [pytest arguments]", file=sys.stderr)
        sys.exit(2)
    missing = binaries_missing()
    if missing is not None:
        print(missing, file=sys.stderr)
        sys.exit(1)
    sys.exit(_run_wire_suite(sys.argv[2:] or ["tests/wire"]))


# --- wire tests against a PostgreSQL-backed server ----------------------------------------------------------


def adopt_wire_tests(namespace: dict[str, Any], *modules: ModuleType) -> None:
    """Copies the tests and fixtures of wire test modules into `namespace` (a test module's globals), so that
    they run again there, against the server fixtures that module defines."""
    for module in modules:
        for name, value in vars(module).items():
            # fixtures are recognised by their wrapper's type name: pytest does not export the type
            if name.startswith("test_") or type(value).__name__ == "FixtureFunctionDefinition":
                if name in namespace and namespace[name] is not value:
                    # two modules' fixtures (or tests) of one name would silently replace each other
                    raise ValueError(f"{module.__name__}.{name} collides with another adopted module's")
                namespace[name] = value


def postgres_server_fixtures() -> tuple[Any, Any, Any]:
    """`server`, `endpoint` and `dynamodb` fixtures (module scope) for a `shardline serve --postgres` process
    on a fresh database of the session's cluster; they stand in for the SQLite server of tests/wire."""
    from tests.wire.conftest import make_client, start_server, stop_server

    @pytest.fixture(scope="module")
    def server(postgres_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        database = postgres_cluster.create_database("wire")
        running = start_server(tmp_path_factory.mktemp("unused"), "--postgres", postgres_cluster.url(database))
        yield running
        stop_server(running)

    @pytest.fixture(scope="module")
    def endpoint(server: Any) -> str:
        return str(server.endpoint)

    @pytest.fixture(scope="module")
    def dynamodb(endpoint: str) -> Any:
        return make_client("dynamodb", endpoint)

    return server, endpoint, dynamodb
