"""SeaweedFS run with the object-storage chart's command line, S3 identity file and bucket hook.

`weed` is built from its Go module at the image's version (hack/tools/weed). Only file paths
and ports are moved (into a scratch directory, onto free ports); every other flag, the init
container's script that writes the S3 identities and the postStart hook that creates the
buckets are taken from the rendered StatefulSet as they are. The S3 keys are the ones the
chart's secret generator makes. The image's /etc/seaweedfs/filer.toml (leveldb2 under /data)
is SeaweedFS' default store, which is what runs here.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import time
import uuid

import pytest
import requests
from minio import Minio
from minio.error import S3Error

from harness import secrets_api
from harness.network import answers, free_port, host_addresses, listening_sockets, url_host
from harness.paths import BIN_DIR
from harness.render import render_chart
from harness.server import Server

WEED = BIN_DIR / "weed"
BUCKET = "langfuse"
# The chart's ports, as the image's defaults and the bucket hook know them.
CHART_PORTS = {"master": 9333, "volume": 8080, "filer": 8888, "s3": 8333}


def statefulset_containers(manifest, name):
    spec = manifest.get("StatefulSet", name)["spec"]["template"]["spec"]
    return {c["name"]: c for c in spec.get("initContainers", []) + spec["containers"]}


def free_port_pair() -> int:
    """A free port whose gRPC companion, 10000 above, is free too: SeaweedFS derives each gRPC
    port that way, and `weed shell -master=host:port` finds the master's by it."""
    while True:
        port = free_port()
        if port + 10000 < 65536:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port + 10000)) != 0:
                    return port


def localised_command(command: list[str], scratch, ports: dict[str, int]) -> list[str]:
    """The chart's command with /data and /run/seaweedfs in `scratch`, and every component's
    port moved to a free one (gRPC stays 10000 above, as in the chart)."""
    moved = []
    for arg in command:
        if arg.startswith("-s3.port="):
            continue
        moved.append(arg.replace("/data", str(scratch / "data")).replace("/run/seaweedfs", str(scratch / "run")))
    moved[0] = str(WEED)
    return moved + [f"-{component}.port={ports[component]}" for component in CHART_PORTS]


@pytest.fixture(scope="module")
def seaweedfs(tmp_path_factory):
    """SeaweedFS started as the chart starts it, with the buckets its postStart hook creates."""
    if not WEED.exists():
        pytest.skip("weed (SeaweedFS) is not built: `make tools` builds it from its Go module (hack/tools/weed)")
    reason = secrets_api.missing_reason()
    if reason:
        pytest.skip(reason)
    scratch = tmp_path_factory.mktemp("seaweedfs")
    for folder in ("data", "run", "home", "generator"):
        (scratch / folder).mkdir()
    manifest = render_chart()
    with secrets_api.SecretsApi("127.0.0.1", "observability", scratch / "generator") as api:
        generated = secrets_api.run_secret_generator(manifest, api, scratch / "generator")
    assert generated.returncode == 0, generated.stderr
    keys = api.decoded("obs-object-storage-auth")

    containers = statefulset_containers(manifest, "obs-object-storage")
    init_script = containers["write-s3-config"]["command"][-1].replace("/run/seaweedfs", str(scratch / "run"))
    subprocess.run(["sh", "-c", init_script], check=True,
                   env={"PATH": os.environ["PATH"], "S3_ACCESS_KEY_ID": keys["access-key-id"],
                        "S3_SECRET_ACCESS_KEY": keys["secret-access-key"]})

    container = containers["seaweedfs"]
    ports = {component: free_port_pair() for component in CHART_PORTS}
    ports |= {f"{component}.grpc": ports[component] + 10000 for component in CHART_PORTS}
    command = localised_command(container["command"], scratch, ports)
    env = {var["name"]: var["value"] for var in container["env"]} | {"HOME": str(scratch / "home")}
    server = Server("weed", scratch / "weed.log")
    server.launch(command, f"http://127.0.0.1:{ports['s3']}/status", env=env, cwd=scratch, timeout=180)
    hook = container["lifecycle"]["postStart"]["exec"]["command"]
    hook = [*hook[:-1], hook[-1].replace(f"127.0.0.1:{CHART_PORTS['master']}", f"127.0.0.1:{ports['master']}")]
    hook_env = {"PATH": f"{BIN_DIR}:{os.environ['PATH']}", "HOME": str(scratch / "home")}
    try:
        created = subprocess.run(hook, env=hook_env, cwd=scratch, capture_output=True, text=True, timeout=300)
        assert created.returncode == 0, f"the bucket hook failed:\n{created.stderr}\n{server.log()}"
        yield {"ports": ports, "keys": keys, "server": server, "hook": (hook, hook_env, scratch)}
    finally:
        server.stop()


def s3_client(seaweedfs, host="127.0.0.1", access_key=None, secret_key=None) -> Minio:
    keys = seaweedfs["keys"]
    return Minio(f"{url_host(host)}:{seaweedfs['ports']['s3']}", secure=False, region="us-east-1",
                 access_key=access_key or keys["access-key-id"], secret_key=secret_key or keys["secret-access-key"])


def test_bucket_hook_creates_the_bucket_and_runs_again_without_harm(seaweedfs):
    hook, env, cwd = seaweedfs["hook"]
    again = subprocess.run(hook, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert [bucket.name for bucket in s3_client(seaweedfs).list_buckets()] == [BUCKET]


def test_generated_keys_write_and_read_objects_over_ipv4_and_ipv6(seaweedfs):
    own = host_addresses()
    if not any(":" in a for a in own):
        pytest.skip(f"this machine has no IPv6 address beyond loopback ({own})")
    payload = b'{"id": "trace-1", "name": "agent-run"}'
    name = f"events/{uuid.uuid4()}.json"
    writer, reader = s3_client(seaweedfs, host=own[0]), s3_client(seaweedfs, host=next(a for a in own if ":" in a))
    writer.put_object(BUCKET, name, io.BytesIO(payload), len(payload), content_type="application/json")
    response = reader.get_object(BUCKET, name)
    try:
        assert response.read() == payload
    finally:
        response.close()
        response.release_conn()
    assert name in [obj.object_name for obj in reader.list_objects(BUCKET, prefix="events/", recursive=True)]
    reader.remove_object(BUCKET, name)


@pytest.mark.parametrize("credentials", ["wrong secret", "unknown access key"])
def test_wrong_keys_are_refused(seaweedfs, credentials):
    keys = seaweedfs["keys"]
    access_key, secret_key = {
        "wrong secret": (keys["access-key-id"], keys["secret-access-key"][::-1]),
        "unknown access key": ("AKIAUNKNOWNKEY000000", keys["secret-access-key"]),
    }[credentials]
    client = s3_client(seaweedfs, access_key=access_key, secret_key=secret_key)
    with pytest.raises(S3Error) as refused:
        client.put_object(BUCKET, "intruder.txt", io.BytesIO(b"x"), 1)
    assert refused.value.code in {"SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied"}
    with pytest.raises(S3Error):
        list(client.list_objects(BUCKET))


def test_anonymous_requests_are_refused(seaweedfs):
    url = f"http://127.0.0.1:{seaweedfs['ports']['s3']}/{BUCKET}/"
    assert requests.get(url, timeout=5).status_code == 403
    assert requests.put(url + "anonymous.txt", data=b"x", timeout=5).status_code == 403


def test_only_s3_answers_beyond_loopback(seaweedfs):
    """The master, volume server and filer have no authentication: nothing but the S3
    gateway (HTTP, and its gRPC port, which accepts identity changes from loopback only)
    may listen on an address other pods can reach; S3 answers on IPv4 and IPv6."""
    own = host_addresses()
    if not own:
        pytest.skip("this machine has no address beyond loopback")
    ports = seaweedfs["ports"]
    names = {port: name for name, port in ports.items()}
    listening = listening_sockets(seaweedfs["server"].process.pid)
    exposed = {names.get(port, port) for address, port in listening if address not in ("127.0.0.1", "::1")}
    assert exposed == {"s3", "s3.grpc"}
    for address in own:
        assert answers(address, ports["s3"]), f"S3 does not answer on {address}"
        for name in ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc"):
            assert not answers(address, ports[name]), f"the {name} port answers on {address}"


def shell(seaweedfs, commands: str) -> str:
    hook, env, cwd = seaweedfs["hook"]
    master = next(arg for arg in hook[-1].split() if arg.startswith("-master="))
    return subprocess.run([str(WEED), "shell", master], input=commands, env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=True).stdout


def test_the_hook_expires_langfuses_raw_events_after_the_configured_days(seaweedfs):
    """The bucket hook sets the events prefix's TTL (expiry: 30 days by default); the same
    hook with the TTL shortened to a minute shows SeaweedFS deleting an event object once it
    is that old, and keeping an object beside the prefix."""
    configured = shell(seaweedfs, "fs.configure\n")
    assert '"locationPrefix": "/buckets/langfuse/events/"' in configured and '"ttl": "30d"' in configured, configured

    hook, env, cwd = seaweedfs["hook"]
    shortened = [*hook[:-1], hook[-1].replace("-ttl=30d", "-ttl=1m")]
    assert shortened != hook
    rerun = subprocess.run(shortened, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert '"ttl": "1m"' in shell(seaweedfs, "fs.configure\n")

    client = s3_client(seaweedfs)
    event = f"events/otel/project-1/2026/12/03/13/30/{uuid.uuid4()}.json"
    media = f"media/project-1/{uuid.uuid4()}.png"
    for key in (event, media):
        client.put_object(BUCKET, key, io.BytesIO(b'{"id": "x"}'), 11)
    assert client.get_object(BUCKET, event).read() == b'{"id": "x"}'
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            try:
                client.stat_object(BUCKET, event)
            except S3Error as gone:
                assert gone.code == "NoSuchKey"
                break
            time.sleep(5)
        else:
            pytest.fail(f"{event} is still there after its one-minute TTL")
        assert client.get_object(BUCKET, media).read() == b'{"id": "x"}'
        assert event not in {item.object_name for item in client.list_objects(BUCKET, prefix="events/", recursive=True)}
    finally:
        subprocess.run(hook, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=True)
