"""The valkey chart's sentinel mode, run for real: three pods' Valkey and Sentinel (Debian's
redis-server, `--sentinel` for Sentinel) on the rendered valkey.conf, sentinel.conf and init
script, and a writer configured as LangFuse is (ioredis at LangFuse's pin, from the rendered
REDIS_SENTINEL_* of LangFuse's ConfigMap). The primary's pod is killed (SIGKILL) under load:
the Sentinels promote a replica, the writer carries on to it, and no write acknowledged with
WAIT 1 is lost.

Localised only where a machine is not a cluster: each pod's DNS name becomes a loopback
address of its own (127.x.y.<ordinal + 1>), `bind *` that address, and the files' paths a
scratch directory; ports, passwords, quorum and timeouts are the rendered ones.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness.network import answers
from harness.render import render_chart

from test_data_store_configs import PASSWORD, redis_cli, statefulset_containers

REPOSITORY = Path(__file__).resolve().parents[2]
IOREDIS = REPOSITORY / ".cache" / "ioredis" / "node_modules"
CLIENT = Path(__file__).parent / "ioredis" / "langfuse_client.js"
VALUES = {"valkey": {"sentinel": {"enabled": True}}, "langfuse": {"redis": {"sentinel": {"enabled": True}}}}


def eventually(check, what, timeout=60.0):
    """Polls check() until it returns something true; the deadline only bounds a hung test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Pod:
    """One pod of the StatefulSet: its init script, then Valkey and its Sentinel."""

    def __init__(self, ordinal, address, scratch, rendered, localise):
        self.ordinal, self.address, self.rendered, self.localise = ordinal, address, rendered, localise
        self.directory = scratch / f"pod-{ordinal}"
        self.processes = []

    def start(self):
        run, config, data = (self.directory / name for name in ("run", "config", "data"))
        for directory in (run, config, data):
            directory.mkdir(parents=True, exist_ok=True)
        local = self.localise(self)
        (config / "valkey.conf").write_text(local(self.rendered["valkey.conf"]))
        (config / "sentinel.conf").write_text(local(self.rendered["sentinel.conf"]))
        init = subprocess.run(["sh", "-c", local(self.rendered["init"])], capture_output=True, text=True,
                              env={"PATH": os.environ["PATH"], "VALKEY_PASSWORD": PASSWORD, "REDISCLI_AUTH": PASSWORD,
                                   "POD_NAME": f"obs-valkey-{self.ordinal}"})
        assert init.returncode == 0, init.stderr
        logs = self.directory / "logs"
        logs.mkdir(exist_ok=True)
        self.processes = [
            subprocess.Popen(["redis-server", str(config / "valkey.conf")], stdout=(logs / "valkey.log").open("w"),
                             stderr=subprocess.STDOUT),
            subprocess.Popen(["redis-server", str(run / "sentinel.conf"), "--sentinel"],
                             stdout=(logs / "sentinel.log").open("w"), stderr=subprocess.STDOUT),
        ]
        eventually(lambda: answers(self.address, 6379) and answers(self.address, 26379), f"pod {self.ordinal}", 20)
        return init.stdout

    def kill(self):
        """The pod is lost: its Valkey and its Sentinel at once, without a chance to hand over."""
        for process in self.processes:
            process.send_signal(signal.SIGKILL)
        for process in self.processes:
            process.wait(timeout=10)

    def cli(self, *args, port=6379):
        return redis_cli(port, *args, password=PASSWORD, host=self.address)


@pytest.fixture
def sentinel_pods(tmp_path):
    for program in ("redis-server", "redis-cli", "node"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (make tools)")
    if not (IOREDIS / "ioredis").is_dir():
        pytest.skip("ioredis is not installed: make ioredis")
    manifest = render_chart(values=VALUES)
    config_map = manifest.get("ConfigMap", "obs-valkey")["data"]
    init_script = statefulset_containers(manifest, "obs-valkey")["write-auth-config"]["command"][-1]
    rendered = {"valkey.conf": config_map["valkey.conf"], "sentinel.conf": config_map["sentinel.conf"],
                "init": init_script}
    langfuse_env = next(c["data"] for c in manifest.of_kind("ConfigMap") if "REDIS_SENTINEL_NODES" in c.get("data", {}))
    hosts = [node.rsplit(":", 1)[0] for node in langfuse_env["REDIS_SENTINEL_NODES"].split(",")]
    subnet = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}"
    addresses = {host: f"{subnet}.{ordinal + 1}" for ordinal, host in enumerate(hosts)}

    def localise(pod):
        def local(text):
            for host, address in addresses.items():
                text = text.replace(host, address)
            return (text.replace("bind * -::*", f"bind {pod.address}").replace("/run/valkey", str(pod.directory / "run"))
                    .replace("/etc/valkey", str(pod.directory / "config")).replace("dir /data", f"dir {pod.directory / 'data'}")
                    .replace("valkey-cli", "redis-cli"))
        return local

    pods = [Pod(ordinal, addresses[host], tmp_path, rendered, localise) for ordinal, host in enumerate(hosts)]
    try:
        yield pods, langfuse_env, addresses
    finally:
        for pod in pods:
            for process in pod.processes:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)


def sentinel_master(pod, master_name):
    reply = pod.cli("sentinel", "get-master-addr-by-name", master_name, port=26379).splitlines()
    return reply[0] if reply else ""


def test_failover_under_langfuse_writes_loses_no_write_acknowledged_with_wait(sentinel_pods):
    pods, langfuse_env, addresses = sentinel_pods
    master_name = langfuse_env["REDIS_SENTINEL_MASTER_NAME"]
    starts = [pod.start() for pod in pods]
    # A fresh install: the first pod is the primary, the others replicate it.
    assert all(pods[0].address in line for line in starts), starts
    assert "role:master" in pods[0].cli("info", "replication")
    eventually(lambda: "connected_slaves:2" in pods[0].cli("info", "replication"), "two replicas")
    # Sentinels learn the replicas from the primary's INFO, every 10 s: one they have not yet
    # seen would be left following the dead primary.
    eventually(lambda: all("num-other-sentinels\n2\n" in (master := pod.cli("sentinel", "master", master_name, port=26379))
                           and "num-slaves\n2\n" in master for pod in pods), "the Sentinels to find one another and the replicas")
    # Sentinel keeps its password: no command without it.
    assert "NOAUTH" in redis_cli(26379, "sentinel", "masters", host=pods[1].address)

    nodes = langfuse_env["REDIS_SENTINEL_NODES"]
    for host, address in addresses.items():
        nodes = nodes.replace(host, address)
    env = {"PATH": os.environ["PATH"], "NODE_PATH": str(IOREDIS), "REDIS_SENTINEL_NODES": nodes,
           "REDIS_SENTINEL_MASTER_NAME": master_name, "REDIS_AUTH": PASSWORD, "REDIS_SENTINEL_PASSWORD": PASSWORD}
    writer = subprocess.Popen(["node", str(CLIENT)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    outcomes = {"plain": [], "acked": []}

    def read_outcomes():
        for line in writer.stdout:
            kind, number = line.split()
            outcomes[kind].append(int(number))

    reader = threading.Thread(target=read_outcomes, daemon=True)
    reader.start()
    try:
        eventually(lambda: len(outcomes["acked"]) >= 300, "writes acknowledged before the failover", 30)
        pods[0].kill()
        acked_before = len(outcomes["acked"])
        new_primary = eventually(lambda: (m := sentinel_master(pods[1], master_name)) not in ("", pods[0].address) and m,
                                 "the Sentinels to promote a replica")
        assert new_primary in (pods[1].address, pods[2].address)
        # The writer carries on to the new primary, WAIT included (the other replica follows it).
        eventually(lambda: len(outcomes["acked"]) >= acked_before + 300, "writes acknowledged after the failover")
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)
        reader.join(timeout=10)
        print("writer:", writer.stderr.read()[-3000:])
    promoted = next(pod for pod in pods if pod.address == new_primary)
    assert "role:master" in promoted.cli("info", "replication")

    def missing(kind):
        numbers = outcomes[kind]
        present = set()
        for start in range(0, len(numbers), 500):
            batch = numbers[start:start + 500]
            replies = promoted.cli("mget", *(f"job:{kind}:{n}" for n in batch)).splitlines()
            present.update(n for n, reply in zip(batch, replies) if reply == str(n))
        return sorted(set(numbers) - present)

    lost_acked, lost_plain = missing("acked"), missing("plain")
    # Measured, not asserted: without WAIT a write the primary acknowledged may not have reached
    # a replica when it died (Sentinel's replication is asynchronous).
    print(f"writes acknowledged: {len(outcomes['acked'])} with WAIT 1, lost {len(lost_acked)}; "
          f"{len(outcomes['plain'])} without, lost {len(lost_plain)} {lost_plain[:20]}")
    assert lost_acked == []

    # The killed pod comes back (same name, new processes): its init asks the other Sentinels and
    # it rejoins as a replica of the new primary instead of starting as a second primary.
    start = pods[0].start()
    assert f"primary is {new_primary}" in start
    eventually(lambda: f"master_host:{new_primary}" in pods[0].cli("info", "replication")
               and "master_link_status:up" in pods[0].cli("info", "replication"), "the old primary to rejoin as a replica")
