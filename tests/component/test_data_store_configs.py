"""The stores' rendered configuration, run by the real servers (Debian's Redis and PostgreSQL).

Only file paths and ports are moved into a scratch directory; every setting, the init
container's script and the probe commands are taken from the rendered manifests as they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from harness.network import free_port, host_addresses, wait_for_port
from harness.render import render_chart

PASSWORD = "component-test-password"
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def statefulset_containers(manifest, name):
    spec = manifest.get("StatefulSet", name)["spec"]["template"]["spec"]
    return {c["name"]: c for c in spec.get("initContainers", []) + spec["containers"]}


@pytest.fixture
def valkey_server(tmp_path):
    """Redis 7 running the chart's valkey.conf, with the password written by the chart's init script."""
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.skip("redis-server is not installed (make tools installs it as root: apt-get install redis-server)")
    manifest = render_chart()
    containers = statefulset_containers(manifest, "obs-valkey")
    run_dir, data_dir = tmp_path / "run", tmp_path / "data"
    run_dir.mkdir()
    data_dir.mkdir()
    init_script = containers["write-auth-config"]["command"][-1].replace("/run/valkey", str(run_dir))
    subprocess.run(["sh", "-c", init_script], env={"VALKEY_PASSWORD": PASSWORD, "PATH": os.environ["PATH"]},
                   check=True)
    port = free_port()
    config = manifest.get("ConfigMap", "obs-valkey")["data"]["valkey.conf"]
    config = (config.replace("/run/valkey", str(run_dir)).replace("dir /data", f"dir {data_dir}")
              .replace("port 6379", f"port {port}")
              .replace("maxmemory 512mb", "maxmemory 2mb"))  # small, to reach the limit quickly
    (tmp_path / "valkey.conf").write_text(config)
    server = subprocess.Popen([redis_server, str(tmp_path / "valkey.conf")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port, containers["valkey"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def redis_cli(port, *args, password=None, host="127.0.0.1"):
    env = {"PATH": os.environ["PATH"]} | ({"REDISCLI_AUTH": password} if password else {})
    return subprocess.run(["redis-cli", "-h", host, "-p", str(port), *args], env=env, capture_output=True,
                          text=True, check=False).stdout.strip()


def test_valkey_answers_on_every_ipv4_and_ipv6_address(valkey_server):
    """LangFuse reaches Valkey through its Service: on the pod's IPv4 address, its IPv6
    address, or both (dual-stack)."""
    port, _ = valkey_server
    own = host_addresses()
    if not any(":" not in a for a in own) or not any(":" in a for a in own):
        pytest.skip(f"this machine needs an IPv4 and an IPv6 address beyond loopback; it has {own}")
    for host in ["127.0.0.1", "::1", *own]:
        assert redis_cli(port, "ping", password=PASSWORD, host=host) == "PONG", f"Valkey does not answer on {host}"


def test_valkey_refuses_clients_without_the_password(valkey_server):
    port, _ = valkey_server
    assert "NOAUTH" in redis_cli(port, "ping")
    assert redis_cli(port, "ping", password=PASSWORD) == "PONG"


def test_valkey_runs_with_noeviction_and_an_append_only_file(valkey_server):
    port, _ = valkey_server
    assert redis_cli(port, "config", "get", "maxmemory-policy", password=PASSWORD).splitlines()[1] == "noeviction"
    assert redis_cli(port, "config", "get", "appendonly", password=PASSWORD).splitlines()[1] == "yes"


def test_valkey_full_of_queue_jobs_refuses_writes_instead_of_evicting(valkey_server):
    port, _ = valkey_server
    value = "x" * 10_000
    refused = None
    for index in range(2_000):
        reply = redis_cli(port, "set", f"job:{index}", value, password=PASSWORD)
        if reply != "OK":
            refused = (index, reply)
            break
    assert refused is not None and "OOM" in refused[1]
    assert redis_cli(port, "exists", "job:0", password=PASSWORD) == "1"  # nothing was evicted


def test_valkey_readiness_probe_passes_against_the_server(valkey_server):
    port, container = valkey_server
    probe = container["readinessProbe"]["exec"]["command"]
    script = probe[-1].replace("valkey-cli", "redis-cli").replace("-h 127.0.0.1", f"-h 127.0.0.1 -p {port}")
    result = subprocess.run([*probe[:-1], script], env={"PATH": os.environ["PATH"], "REDISCLI_AUTH": PASSWORD},
                            check=False)
    assert result.returncode == 0


@pytest.fixture
def postgres_server():
    """PostgreSQL 15 started with the chart's server arguments, as the postgres user."""
    if not (POSTGRES_BIN / "postgres").exists():
        pytest.skip("PostgreSQL 15 server binaries are not installed (apt-get install postgresql-15)")
    manifest = render_chart()
    container = statefulset_containers(manifest, "obs-postgres")["postgres"]
    env = {var["name"]: var.get("value") for var in container["env"]}
    # PostgreSQL refuses to run as root: as root, the scratch directory goes to the postgres
    # user, outside pytest's root-only temporary tree.
    scratch = Path(tempfile.mkdtemp(prefix="agent-observability-postgres-"))
    data, sockets = scratch / "pgdata", scratch / "run"
    sockets.mkdir()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if as_postgres:
        scratch.chmod(0o755)
        shutil.chown(scratch, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run([*as_postgres, str(POSTGRES_BIN / "initdb"), "-D", str(data), "-U", env["POSTGRES_USER"],
                    "--auth=trust"], check=True, capture_output=True)
    port = free_port()
    assert container["args"][0] == "postgres"
    server = subprocess.Popen([*as_postgres, str(POSTGRES_BIN / "postgres"), *container["args"][1:],
                               "-D", str(data), "-p", str(port), "-c", f"unix_socket_directories={sockets}",
                               "-c", "listen_addresses=127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port, container, env
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(scratch, ignore_errors=True)


def test_postgres_runs_in_utc_with_the_charts_arguments(postgres_server):
    port, _, env = postgres_server
    query = ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", env["POSTGRES_USER"], "-d", "postgres",
             "-At", "-c", "SHOW timezone", "-c", "SHOW log_timezone"]
    assert subprocess.run(query, capture_output=True, text=True, check=True).stdout.split() == ["UTC", "UTC"]


def test_postgres_probe_command_reports_ready(postgres_server):
    port, container, env = postgres_server
    probe = container["readinessProbe"]["exec"]["command"]
    probe_env = {"PATH": f"{POSTGRES_BIN}:{os.environ['PATH']}", "PGPORT": str(port),
                 "POSTGRES_USER": env["POSTGRES_USER"], "POSTGRES_DB": "postgres"}
    assert subprocess.run(probe, env=probe_env, capture_output=True, check=False).returncode == 0


@pytest.mark.parametrize("password", ["p&ss<w>rd", "a&amp;b", "ends-with-a-newline\n", "plain"])
def test_clickhouse_reads_a_password_with_xml_characters_as_it_is(tmp_path, password):
    """The server's start command runs with a stand-in clickhouse-server that reports the
    password it would read; ClickHouse's from_env parses it as the text of an XML element."""
    container = statefulset_containers(render_chart(), "obs-clickhouse")["clickhouse"]
    reported = tmp_path / "password"
    server = tmp_path / "clickhouse-server"
    server.write_text(f'#!/bin/sh\nprintf %s "$CLICKHOUSE_DEFAULT_PASSWORD" > {reported}\n')
    server.chmod(0o755)
    subprocess.run([*container["command"], *container.get("args", [])], check=True, timeout=30,
                   env={"CLICKHOUSE_DEFAULT_PASSWORD": password, "PATH": f"{tmp_path}:{os.environ['PATH']}"})
    # src/Common/Config/ConfigProcessor.cpp: parseString("<from_env>" + value + "</from_env>").
    read = ElementTree.fromstring(f"<from_env>{reported.read_text()}</from_env>").text or ""
    assert read == password
