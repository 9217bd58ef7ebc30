"""LangFuse's start commands with passwords of any characters, run with the real shell and Node.js.

The image's entrypoint pastes the PostgreSQL user and password into a URL as they are, and the
ClickHouse migration pastes the ClickHouse ones into a query string; the chart's command before
it percent-encodes them. Here the rendered command runs (a stand-in for dumb-init passes it on),
a stand-in entrypoint builds the URLs exactly as the upstream scripts do, and a real PostgreSQL
checks that the password still authenticates, through host and through database.directHost.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harness import postgres
from harness.render import render_chart

# Every character that has a meaning in a URL or a query string, and a few for the shell.
AWKWARD_PASSWORD = "p@ss:w/rd%41#?&=+ ;<>'\"$(id)`id`\\é!"

# The URL of web/entrypoint.sh at langfuse/langfuse v4.16.0 ("Construct DATABASE_URL from the
# provided variables", then DATABASE_ARGS and the DIRECT_URL default), and the DSN of
# packages/shared/clickhouse/scripts/up.sh (unclustered, without TLS), as those scripts build them.
UPSTREAM_URLS = r"""
DATABASE_URL="postgresql://${DATABASE_USERNAME}:${DATABASE_PASSWORD}@${DATABASE_HOST}/${DATABASE_NAME}"
if [ -n "$DATABASE_ARGS" ]; then DATABASE_URL="${DATABASE_URL}?$DATABASE_ARGS"; fi
if [ -z "$DIRECT_URL" ]; then DIRECT_URL="${DATABASE_URL}"; fi
CLICKHOUSE_DSN="${CLICKHOUSE_MIGRATION_URL}?username=${CLICKHOUSE_USER}&password=${CLICKHOUSE_PASSWORD}&database=${CLICKHOUSE_DB}&x-multi-statement=true&x-migrations-table-engine=MergeTree"
"""


def containers(manifest):
    """Every LangFuse container by (object name, container name)."""
    names = [obj["metadata"]["name"] for obj in manifest.workloads() if obj["metadata"]["name"].startswith("obs-langfuse")]
    return {(name, container): spec for name in names for container, spec in manifest.containers(name).items()}


def run_command(container, manifest, tmp_path, env, probe):
    """Run the container's command up to the image's entrypoint, which here runs `probe` with the
    URLs the upstream scripts would build, and returns what it printed as JSON."""
    bin_dir, app = tmp_path / "bin", tmp_path / "app"
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "dumb-init").write_text('#!/bin/sh\n[ "$1" = "--" ] && shift\nexec "$@"\n')
    entrypoint = app / container["command"][-1]
    entrypoint.parent.mkdir(parents=True, exist_ok=True)
    entrypoint.write_text("#!/bin/sh\nset -e\n" + UPSTREAM_URLS + probe)
    for script in (bin_dir / "dumb-init", entrypoint):
        script.chmod(0o755)
    config = manifest.get("ConfigMap", "obs-langfuse")["data"]
    full_env = {**config, **env, "PATH": f"{bin_dir}:{postgres.POSTGRES_BIN}:{os.environ['PATH']}"}
    result = subprocess.run([*container["command"], *container.get("args", [])], cwd=app, env=full_env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture
def postgres_server(node):
    reason = postgres.missing_reason()
    if reason:
        pytest.skip(reason)
    server = postgres.PostgresServer("langfuse", AWKWARD_PASSWORD).start()
    yield server
    server.stop()


def test_a_postgres_password_of_any_characters_authenticates_through_every_langfuse_container(
        postgres_server, tmp_path):
    manifest = render_chart(values={"langfuse": {"database": {
        "directHost": "127.0.0.1", "directPort": postgres_server.port}}})
    env = {"DATABASE_HOST": f"localhost:{postgres_server.port}", "DATABASE_NAME": "postgres",
           "DATABASE_USERNAME": "langfuse", "DATABASE_PASSWORD": AWKWARD_PASSWORD, "DATABASE_ARGS": "sslmode=disable",
           "CLICKHOUSE_PASSWORD": "unused"}
    probe = ('pooled="$(psql -X -At "$DATABASE_URL" -c "select current_user")"\n'
             'direct="$(psql -X -At "$DIRECT_URL" -c "select inet_server_addr()")"\n'
             'printf \'{"pooled": "%s", "direct": "%s"}\\n\' "$pooled" "$direct"\n')
    stores = {"CLICKHOUSE_URL": "http://127.0.0.1:1"}  # the ClickHouse migration is tested below
    for (name, container_name), container in containers(manifest).items():
        if container_name == "migrate-clickhouse":
            continue
        connected = run_command(container, manifest, tmp_path / f"{name}-{container_name}", {**env, **stores}, probe)
        # DATABASE_URL reaches the server as "localhost", DIRECT_URL (database.directHost) as 127.0.0.1.
        assert connected == {"pooled": "langfuse", "direct": "127.0.0.1"}, f"{name}/{container_name}"


class FakeClickHouse(BaseHTTPRequestHandler):
    """ClickHouse's HTTP interface as far as the migration's database check goes."""

    databases = {"default"}
    queries: list[tuple[str, str]] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        query = self.rfile.read(int(self.headers["Content-Length"])).decode()
        FakeClickHouse.queries.append((self.headers["Authorization"], query))
        name = query.rsplit(" ", 1)[-1].strip("`")
        answer = ""
        if query.startswith("EXISTS DATABASE"):
            answer = "1\n" if name in self.databases else "0\n"
        elif query.startswith("CREATE DATABASE IF NOT EXISTS"):
            self.databases.add(name)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


def test_the_clickhouse_migration_creates_its_database_and_gets_the_password_through_the_query_string(tmp_path, node):
    manifest = render_chart(values={"langfuse": {"clickhouse": {"database": "langfuse"}}})
    [container] = [c for (_, name), c in containers(manifest).items() if name == "migrate-clickhouse"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeClickHouse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {"CLICKHOUSE_URL": f"http://127.0.0.1:{server.server_port}", "CLICKHOUSE_USER": "default",
               "CLICKHOUSE_PASSWORD": AWKWARD_PASSWORD, "DATABASE_PASSWORD": "unused", "DATABASE_USERNAME": "u"}
        probe = 'printf \'{"dsn": "%s"}\\n\' "$(printf %s "$CLICKHOUSE_DSN" | sed \'s/\\\\/\\\\\\\\/g; s/"/\\\\"/g\')"\n'
        dsn = run_command(container, manifest, tmp_path, env, probe)["dsn"]
    finally:
        server.shutdown()
    # golang-migrate reads the DSN's query with Go's url.ParseQuery, which decodes as parse_qs does.
    query = parse_qs(urlsplit(dsn).query, keep_blank_values=True, strict_parsing=True)
    assert query["password"] == [AWKWARD_PASSWORD]
    assert query["database"] == ["langfuse"]
    assert [q for _, q in FakeClickHouse.queries] == ["EXISTS DATABASE `langfuse`", "CREATE DATABASE IF NOT EXISTS `langfuse`"]
    assert {base64.b64decode(auth.split()[1]).decode() for auth, _ in FakeClickHouse.queries} == {
        f"default:{AWKWARD_PASSWORD}"}
