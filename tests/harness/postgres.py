"""PostgreSQL servers the component tests run: Debian's PostgreSQL 15 binaries on loopback,
started with the chart's server arguments and, like the official image, password
authentication for TCP clients.

PostgreSQL refuses to run as root: when the tests do, the server runs as the `postgres` user
from a scratch directory outside pytest's root-only temporary tree.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .network import free_port, wait_for_port

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def missing_reason() -> str | None:
    """Why no server can run here, or None."""
    if not (POSTGRES_BIN / "postgres").exists():
        return "PostgreSQL 15 server binaries are not installed (apt-get install postgresql-15)"
    return None


def client_env(**extra: str) -> dict:
    """An environment whose PATH finds the PostgreSQL 15 client programs first."""
    return {"PATH": f"{POSTGRES_BIN}:{os.environ['PATH']}", **extra}


class PostgresServer:
    """One server: `superuser` and `password` as the image's POSTGRES_USER and POSTGRES_PASSWORD;
    local (socket) connections are trusted, TCP ones need the password."""

    def __init__(self, superuser: str, password: str, server_args: list[str] = ()):
        self.superuser = superuser
        self.password = password
        self.server_args = list(server_args)
        self.port = free_port()
        self.scratch = Path(tempfile.mkdtemp(prefix="agent-observability-postgres-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> PostgresServer:
        data, sockets, password_file = self.scratch / "pgdata", self.scratch / "run", self.scratch / "password"
        sockets.mkdir()
        password_file.write_text(self.password + "\n")
        # As root, the server runs as postgres: set by Popen itself, so that the process the
        # test signals and waits for is the server, not a runuser around it.
        as_postgres = {"user": "postgres", "group": "postgres", "extra_groups": []} if os.getuid() == 0 else {}
        if as_postgres:
            self.scratch.chmod(0o755)
            for path in (self.scratch, sockets, password_file):
                shutil.chown(path, "postgres", "postgres")
        # --no-sync: a scratch cluster needs no crash safety, and initdb is three times faster.
        subprocess.run([str(POSTGRES_BIN / "initdb"), "--no-sync", "-D", str(data), "-U", self.superuser,
                        "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={password_file}"],
                       check=True, capture_output=True, cwd=self.scratch, **as_postgres)
        self.process = subprocess.Popen(
            [str(POSTGRES_BIN / "postgres"), *self.server_args, "-D", str(data), "-p", str(self.port),
             "-c", f"unix_socket_directories={sockets}", "-c", "listen_addresses=127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.scratch, **as_postgres)
        try:
            self._wait_until_accepting_connections()
        except Exception:
            self.stop()
            raise
        return self

    def _wait_until_accepting_connections(self, timeout: float = 20.0) -> None:
        """The port opens before recovery ends ("the database system is starting up")."""
        wait_for_port(self.port, timeout)
        deadline = time.monotonic() + timeout
        while subprocess.run([str(POSTGRES_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                             check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL on port {self.port} not accepting connections after {timeout}s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Fast shutdown (SIGINT, the image's stop signal), then the scratch directory goes."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=20)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def env(self, database: str = "postgres") -> dict:
        """libpq's environment for a TCP connection to this server as the superuser."""
        return client_env(PGHOST="127.0.0.1", PGPORT=str(self.port), PGUSER=self.superuser,
                          PGPASSWORD=self.password, PGDATABASE=database)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run `sql` (stops at the first error) and return psql's unaligned output."""
        result = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                                env=self.env(database), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed on {sql!r}:\n{result.stderr}")
        return result.stdout
