"""The postgres chart's backup CronJob, run for real: its exact command and script (from the
rendered CronJob and ConfigMap) against a real PostgreSQL, then the README's restore procedure
into an empty second server.

Only what points at the cluster is moved: PGHOST/PGPORT go to the local server, the Secret's
password is the local server's, and the pod's mount paths become scratch directories. The
programs are Debian's PostgreSQL 15 (the image ships 17; the script and flags are the same).
"""

from __future__ import annotations

import subprocess
import time

import pytest

from harness import postgres
from harness.paths import UMBRELLA_CHART
from harness.render import render_chart

PASSWORD = "backup-test-password"
DATABASE = "langfuse"  # the chart's auth.database
KEEP = 2
RUNS = KEEP + 1  # the last run deletes the first dump
# The README's restore command; the test runs it with these flags and no others.
RESTORE = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error"]
POSTGRES_README = UMBRELLA_CHART / "charts" / "postgres" / "README.md"

# A small LangFuse-like schema: a serial key, a foreign key, JSON, arrays, NULLs, non-ASCII
# text, bytes, timestamps, a standalone sequence, an index and a view.
SCHEMA_AND_DATA = """
CREATE TABLE projects (id serial PRIMARY KEY, name text NOT NULL UNIQUE,
                       created_at timestamptz NOT NULL DEFAULT '2025-01-01T00:00:00Z');
CREATE TABLE traces (id text PRIMARY KEY, project_id int NOT NULL REFERENCES projects (id),
                     input jsonb, tags text[], cost numeric(12, 6), payload bytea,
                     started_at timestamptz NOT NULL);
CREATE INDEX traces_by_project ON traces (project_id, started_at);
CREATE SEQUENCE invoice_numbers START 1000;
CREATE VIEW trace_counts AS SELECT project_id, count(*) AS traces FROM traces GROUP BY project_id;
CREATE TABLE backup_runs (run int PRIMARY KEY);
INSERT INTO projects (name) VALUES ('checkout-agent'), ('support-bot'), ('Überprüfung ✓');
INSERT INTO traces
  SELECT 'trace-' || n, 1 + n % 3,
         jsonb_build_object('prompt', 'question ' || n, 'tokens', n * 7),
         CASE WHEN n % 4 = 0 THEN NULL ELSE ARRAY['tenant-' || n % 5, 'prod'] END,
         CASE WHEN n % 5 = 0 THEN NULL ELSE n * 0.000125 END,
         decode(md5(n::text), 'hex'),
         '2025-06-01T00:00:00Z'::timestamptz + n * interval '1 minute'
  FROM generate_series(1, 250) AS n;
SELECT nextval('invoice_numbers') FROM generate_series(1, 42);
"""
TABLES = {"projects": "id", "traces": "id", "backup_runs": "run"}


def rows(server, database, table, key):
    """Every row of `table` in PostgreSQL's text format, ordered by its key."""
    return server.psql(f"COPY (SELECT * FROM {table} ORDER BY {key}) TO STDOUT", database).splitlines()


def snapshot(server, database):
    """What a restore must reproduce: each table's rows, the sequences' positions, the schema."""
    return {
        "rows": {table: rows(server, database, table, key) for table, key in TABLES.items()},
        "sequences": server.psql("SELECT sequencename, last_value, start_value FROM pg_sequences "
                                 "ORDER BY 1", database),
        "columns": server.psql("SELECT table_name, column_name, data_type, is_nullable, column_default "
                               "FROM information_schema.columns WHERE table_schema = 'public' "
                               "ORDER BY 1, ordinal_position", database),
        "indexes": server.psql("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
                               database),
        "constraints": server.psql("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                   "WHERE connamespace = 'public'::regnamespace ORDER BY 1", database),
        "views": server.psql("SELECT viewname, definition FROM pg_views WHERE schemaname = 'public'",
                             database),
    }


@pytest.fixture(scope="module")
def manifest():
    return render_chart(values={"postgres": {"backup": {"enabled": True, "keep": KEEP}}})


@pytest.fixture(scope="module")
def backup_pod(manifest):
    """The rendered backup pod: (container, {mount path: its volume}, {mount path: script files})."""
    pod = manifest.find("CronJob", "obs-postgres-backup", "spec.jobTemplate.spec.template.spec")
    [container] = pod["containers"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    mounts = {mount["mountPath"]: volumes[mount["name"]] for mount in container["volumeMounts"]}
    scripts = {path: manifest.get("ConfigMap", volume["configMap"]["name"])["data"]
               for path, volume in mounts.items() if "configMap" in volume}
    return container, mounts, scripts


@pytest.fixture(scope="module")
def server_args(manifest):
    """The chart's PostgreSQL server arguments (after the program name)."""
    [container] = manifest.find("StatefulSet", "obs-postgres", "spec.template.spec.containers")
    assert container["args"][0] == "postgres"
    return container["args"][1:]


@pytest.fixture(scope="module")
def source(backup_pod, server_args):
    """The database the CronJob dumps, with SCHEMA_AND_DATA loaded."""
    reason = postgres.missing_reason()
    if reason:
        pytest.skip(reason)
    container, _, _ = backup_pod
    env = {var["name"]: var.get("value") for var in container["env"]}
    assert env["PGDATABASE"] == DATABASE
    server = postgres.PostgresServer(env["PGUSER"], PASSWORD, server_args).start()
    try:
        server.psql(f"CREATE DATABASE {DATABASE}")
        server.psql(SCHEMA_AND_DATA, DATABASE)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def run_backup(backup_pod, source, tmp_path_factory):
    """Run the CronJob's command once, as its pod would, against `source`; returns the process."""
    container, mounts, scripts = backup_pod
    scratch = tmp_path_factory.mktemp("backup-pod")
    local = {path: scratch / f"volume-{index}" for index, path in enumerate(mounts)}
    for path, directory in local.items():
        directory.mkdir()
        for name, content in scripts.get(path, {}).items():
            (directory / name).write_text(content)

    def localise(value: str) -> str:
        for path, directory in local.items():
            if value == path or value.startswith(path + "/"):
                return str(directory) + value[len(path):]
        return value

    def run(password=PASSWORD):
        env = {}
        for var in container["env"]:
            if "valueFrom" in var:
                assert var["valueFrom"]["secretKeyRef"] == {"name": "obs-postgres-auth", "key": "password"}
                env[var["name"]] = password
            else:
                env[var["name"]] = localise(var["value"])
        env |= {"PGHOST": "127.0.0.1", "PGPORT": str(source.port)}
        command = [localise(arg) for arg in container["command"] + container.get("args", [])]
        return subprocess.run(command, env=postgres.client_env(**env), capture_output=True, text=True,
                              check=False)

    run.backup_dir = local[next(path for path, volume in mounts.items() if "persistentVolumeClaim" in volume)]
    return run


def dumps(directory):
    return sorted(path.name for path in directory.iterdir())


def wait_for_the_next_second():
    """Dumps are named by the second they start in, as a CronJob's runs are minutes apart."""
    time.sleep(1.02 - time.time() % 1)


@pytest.fixture(scope="module")
def backups(run_backup, source):
    """RUNS runs, each after a change to the data: (directory listing after each run, every
    dump written, the data as of the last run)."""
    listings, written = [], []
    for run in range(1, RUNS + 1):
        source.psql(f"INSERT INTO backup_runs VALUES ({run}); SELECT nextval('invoice_numbers')", DATABASE)
        if run > 1:
            wait_for_the_next_second()
        result = run_backup()
        assert result.returncode == 0, result.stderr
        [new] = set(dumps(run_backup.backup_dir)) - set(written)
        written.append(new)
        listings.append(dumps(run_backup.backup_dir))
    return listings, written, snapshot(source, DATABASE)


def test_each_run_writes_one_dump_and_keeps_only_the_newest(backups, run_backup):
    listings, written, _ = backups
    assert all(name.startswith(f"{DATABASE}-") and name.endswith(".dump") for name in written)
    assert written == sorted(written)  # names sort in the order the dumps were taken
    for run, listing in enumerate(listings, start=1):
        assert listing == written[:run][-KEEP:]
    for name in listings[-1]:
        dump = run_backup.backup_dir / name
        assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
        assert dump.stat().st_mode & 0o777 == 0o600  # the dumps hold LangFuse's secrets


def test_a_failed_run_leaves_the_earlier_dumps_alone(backups, run_backup):
    before = dumps(run_backup.backup_dir)
    wait_for_the_next_second()
    result = run_backup(password="not-the-password")
    assert result.returncode != 0
    assert "password authentication failed" in result.stderr
    assert dumps(run_backup.backup_dir) == before


def test_the_newest_dump_restores_into_an_empty_server_row_for_row(backups, run_backup, source, server_args):
    _, written, expected = backups
    target = postgres.PostgresServer(source.superuser, PASSWORD, server_args).start()
    try:
        # The README's procedure on a server other than the bundled one: create the database,
        # then pg_restore into it.
        subprocess.run(["createdb", f"--owner={source.superuser}", DATABASE], env=target.env(),
                       check=True, capture_output=True)
        result = subprocess.run([*RESTORE, f"--dbname={DATABASE}", str(run_backup.backup_dir / written[-1])],
                                env=target.env(), capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        restored = snapshot(target, DATABASE)
        assert len(restored["rows"]["traces"]) == 250
        assert restored["rows"]["backup_runs"] == [str(run) for run in range(1, RUNS + 1)]  # the newest dump
        assert restored == expected
        assert target.psql("SELECT nextval('invoice_numbers')", DATABASE) == \
            source.psql("SELECT nextval('invoice_numbers')", DATABASE)
    finally:
        target.stop()


def test_the_readme_documents_the_restore_the_test_runs():
    assert " ".join(RESTORE) in POSTGRES_README.read_text()
