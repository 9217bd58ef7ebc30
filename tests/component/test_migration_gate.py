"""LangFuse's migration gate (the `wait-for-migrations` init container of web and worker), run
as rendered with Node.js against stand-ins for the two things it asks.

- PostgreSQL: a stub `prisma` answers `prisma migrate status` with Prisma's exit status and
  text (exit 0 in sync, 1 otherwise: MigrateStatus.ts); no Prisma engine can be downloaded here.
- ClickHouse: a stand-in for ClickHouse's HTTP interface holding golang-migrate's
  `schema_migrations` rows (version Int64, dirty UInt8, sequence UInt64: database/clickhouse/
  clickhouse.go at v4.19.1, the CLI LangFuse v4.16.0's web image builds) and answering the one
  query golang-migrate itself uses to read the current version (Version(): the row with the
  highest sequence). No ClickHouse server can be installed here.
- The image's working directory, /app, carries the ClickHouse migration files of v4.16.0
  (tests/component/data), newest 0046.

Only paths, the ClickHouse address and the Secrets' values are replaced; the script, its
arguments and every other setting are the rendered ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.network import free_port
from harness.render import render_chart

MIGRATIONS = Path(__file__).parent / "data" / "langfuse-v4.16.0-clickhouse-migrations.txt"
NEWEST = 46
CLICKHOUSE_PASSWORD = "clickhouse-component-test"
VERSION_QUERY = "SELECT version, dirty FROM schema_migrations ORDER BY sequence DESC LIMIT 1"


class FakeClickHouse:
    """ClickHouse's HTTP interface over golang-migrate's schema_migrations, on 127.0.0.1."""

    def __init__(self):
        self.rows: list[tuple[int, int, int]] | None = None  # None: the table does not exist
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                query = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                fake.requests.append({"user": self.headers.get("X-ClickHouse-User"),
                                      "key": self.headers.get("X-ClickHouse-Key"),
                                      "params": parse_qs(urlsplit(self.path).query), "query": query})
                if not query.startswith(VERSION_QUERY):
                    return self.answer(400, "Code: 62. DB::Exception: not the query golang-migrate reads its version with")
                if fake.rows is None:
                    return self.answer(404, "Code: 60. DB::Exception: Unknown table expression identifier "
                                            "'schema_migrations' in scope SELECT version, dirty FROM "
                                            "schema_migrations. (UNKNOWN_TABLE)")
                if not fake.rows:
                    return self.answer(200, "")
                version, dirty, _ = max(fake.rows, key=lambda row: row[2])
                # As ClickHouse 26 prints it (older servers quote the Int64: the gate reads both).
                self.answer(200, json.dumps({"version": version, "dirty": dirty}) + "\n")

            def answer(self, status, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def migrate(self, start: int, end: int, fail_at: int | None = None):
        """What `migrate up` writes: each version dirty before it runs, clean after."""
        for version in range(start, end + 1):
            self.rows = (self.rows or []) + [(version, 1, time.time_ns())]
            if version == fail_at:
                return
            self.rows.append((version, 0, time.time_ns()))

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Gate:
    """The rendered init container, started locally; its output collected as it comes."""

    def __init__(self, command, env, cwd):
        self.process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def holds_for(self, seconds: float) -> bool:
        """Still waiting after `seconds`."""
        time.sleep(seconds)
        return self.process.poll() is None

    def opens_within(self, seconds: float) -> bool:
        try:
            return self.process.wait(timeout=seconds) == 0
        except subprocess.TimeoutExpired:
            return False

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def clickhouse():
    fake = FakeClickHouse()
    yield fake
    fake.stop()


@pytest.fixture
def prisma(tmp_path):
    """A stub `prisma`: set .exit and .text to Prisma's answer to `migrate status`."""
    class Prisma:
        def __init__(self):
            self.directory = tmp_path / "bin"
            self.directory.mkdir()
            self.set(0, "Database schema is up to date!")
            script = self.directory / "prisma"
            # The schema path must be the image's (web/Dockerfile line 186 copies packages/shared/prisma).
            script.write_text(f"""#!/bin/sh
[ "$1 $2" = "migrate status" ] && [ -f "${{3#--schema=}}" ] || {{ echo "unexpected: prisma $*"; exit 2; }}
cat {tmp_path}/prisma.text
exit $(cat {tmp_path}/prisma.exit)
""")
            script.chmod(0o755)
            # The image's ENTRYPOINT program, which the chart's command names first: it only
            # forwards signals to what follows `--`, so a stand-in that runs it is enough here.
            dumb_init = self.directory / "dumb-init"
            dumb_init.write_text('#!/bin/sh\n[ "$1" = "--" ] && shift\nexec "$@"\n')
            dumb_init.chmod(0o755)

        def set(self, exit_code, text):
            (tmp_path / "prisma.exit").write_text(str(exit_code))
            (tmp_path / "prisma.text").write_text(text + "\n")

    return Prisma()


def image_workdir(tmp_path, cluster_enabled: bool) -> Path:
    """/app of the web image: the Prisma schema and the ClickHouse migrations up.sh would run
    (only that directory, so reading the other one fails)."""
    app = tmp_path / "app"
    (app / "packages/shared/prisma").mkdir(parents=True)
    (app / "packages/shared/prisma/schema.prisma").write_text("// the image's schema\n")
    migrations = app / "packages/shared/clickhouse/migrations" / ("clustered" if cluster_enabled else "unclustered")
    migrations.mkdir(parents=True)
    for name in MIGRATIONS.read_text().splitlines():
        if name and not name.startswith("#"):
            (migrations / name).write_text("-- migration\n")
    # The chart's command ends in the image's web/entrypoint.sh, which runs the migrations the
    # ConfigMap disables for the gate and then execs its arguments: only that last step matters
    # here (the gate's Prisma stub reads no DATABASE_URL).
    (app / "web").mkdir()
    entrypoint = app / "web/entrypoint.sh"
    entrypoint.write_text('#!/bin/sh\nexec "$@"\n')
    entrypoint.chmod(0o755)
    return app


@pytest.fixture
def start_gate(node, tmp_path, clickhouse, prisma):
    """Start the rendered gate of `deployment` with `values` for the langfuse section."""
    started = []

    def start(deployment="obs-langfuse-web", values=None, clickhouse_url=None, umbrella=None):
        manifest = render_chart(values={"langfuse": values or {}, **(umbrella or {})})
        pod = manifest.get("Deployment", deployment)["spec"]["template"]["spec"]
        [gate] = [c for c in pod["initContainers"] if c["name"] == "wait-for-migrations"]
        command = list(gate.get("command", []) + gate["args"])
        # Files mounted from the chart's ConfigMaps, at a local path instead of the mount path.
        volumes = {v["name"]: v for v in pod["volumes"]}
        for mount in gate.get("volumeMounts", []):
            source = volumes[mount["name"]].get("configMap")
            if source:
                local = tmp_path / mount["name"]
                local.mkdir(exist_ok=True)
                for key, text in manifest.get("ConfigMap", source["name"])["data"].items():
                    (local / key).write_text(text)
                command = [arg.replace(mount["mountPath"], str(local)) for arg in command]
        env = {}
        for source in gate.get("envFrom", []):
            env.update(manifest.get("ConfigMap", source["configMapRef"]["name"])["data"])
        for var in gate.get("env", []):
            ref = var.get("valueFrom", {}).get("secretKeyRef")
            env[var["name"]] = (CLICKHOUSE_PASSWORD if var["name"] == "CLICKHOUSE_PASSWORD" else "secret") if ref \
                else var["value"]
        env["CLICKHOUSE_URL"] = clickhouse_url or f"http://127.0.0.1:{clickhouse.port}"
        env["PATH"] = f"{prisma.directory}:{Path(node).parent}:/usr/bin:/bin"
        cluster = env["CLICKHOUSE_CLUSTER_ENABLED"] != "false"
        gate_process = Gate(command, env, image_workdir(tmp_path, cluster))
        started.append(gate_process)
        return gate_process

    yield start
    for gate_process in started:
        gate_process.stop()


@pytest.mark.parametrize("deployment", ["obs-langfuse-web", "obs-langfuse-worker"])
def test_the_gate_opens_when_postgres_and_clickhouse_have_this_images_schema(start_gate, clickhouse, deployment):
    clickhouse.migrate(1, NEWEST)
    gate = start_gate(deployment)
    assert gate.opens_within(15), gate.output
    # It read the version as LangFuse's own ClickHouse user, in LangFuse's database.
    request = clickhouse.requests[-1]
    assert (request["user"], request["key"], request["params"]["database"]) == (
        "default", CLICKHOUSE_PASSWORD, ["default"])


def test_the_gate_holds_while_clickhouse_is_behind_although_postgres_is_current(start_gate, clickhouse, prisma):
    # A LangFuse release that adds only ClickHouse migrations: PostgreSQL is already current.
    clickhouse.migrate(1, NEWEST - 1)
    gate = start_gate()
    assert gate.holds_for(3), gate.output
    assert f"at version {NEWEST - 1}, this image needs {NEWEST}" in gate.output
    # The migration Job catches up: the gate opens on its next look.
    clickhouse.migrate(NEWEST, NEWEST)
    assert gate.opens_within(15), gate.output


def test_the_gate_holds_before_clickhouse_was_ever_migrated(start_gate, clickhouse):
    gate = start_gate()
    assert gate.holds_for(3), gate.output
    assert "ClickHouse: not migrated yet" in gate.output and "UNKNOWN_TABLE" in gate.output
    clickhouse.rows = []  # golang-migrate has created its table but not yet finished a migration
    clickhouse.migrate(1, NEWEST)
    assert gate.opens_within(15), gate.output


def test_a_clickhouse_migration_that_failed_halfway_stops_the_pods_and_says_what_to_do(start_gate, clickhouse):
    clickhouse.migrate(1, NEWEST, fail_at=NEWEST)
    gate = start_gate()
    assert gate.holds_for(3), gate.output
    job = render_chart().of_kind("Job")
    [job_name] = [j["metadata"]["name"] for j in job if j["metadata"]["name"].startswith("obs-langfuse-migrate-")]
    assert f"migration {NEWEST} failed halfway (dirty" in gate.output
    assert f"kubectl logs -n observability job/{job_name} --all-containers" in gate.output
    assert "Troubleshooting" in gate.output


def test_the_gate_holds_while_postgres_is_not_migrated(start_gate, clickhouse, prisma):
    clickhouse.migrate(1, NEWEST)
    prisma.set(1, "Following migration have not yet been applied:\n20260101000000_new_table")
    gate = start_gate()
    assert gate.holds_for(3), gate.output
    assert "PostgreSQL: not migrated yet" in gate.output and "20260101000000_new_table" in gate.output
    prisma.set(0, "Database schema is up to date!")
    assert gate.opens_within(15), gate.output


def test_the_gate_holds_while_clickhouse_cannot_be_reached(start_gate):
    gate = start_gate(clickhouse_url=f"http://127.0.0.1:{free_port()}")
    assert gate.holds_for(3), gate.output
    assert "ClickHouse: not reachable" in gate.output


def test_a_clustered_clickhouse_is_checked_against_the_clustered_migrations(start_gate, clickhouse):
    # Only the clustered migrations are in this stand-in image: reading the other ones would fail.
    clickhouse.migrate(1, NEWEST)
    # The bundled ClickHouse in cluster mode too: the umbrella refuses the two switches disagreeing.
    gate = start_gate(values={"clickhouse": {"clusterEnabled": True}},
                      umbrella={"clickhouse": {"cluster": {"enabled": True}}})
    assert gate.opens_within(15), gate.output
