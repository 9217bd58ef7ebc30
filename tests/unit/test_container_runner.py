"""How the container tier hands a translated pod to testcontainers (harness.containers).

No Docker engine runs here, so testcontainers' DockerContainer is replaced by a recorder with
the same methods: what is checked is what the runner asks the engine for (volumes shared by
an init container and its pod, read-only files, the security options, the order of things).
"""

from __future__ import annotations

import stat
from types import SimpleNamespace

import pytest

from harness import containers, pods
from harness.paths import REPO_ROOT
from harness.render import render_chart


class RecordingContainer:
    """testcontainers.core.container.DockerContainer's interface, recording instead of running."""

    created: list[RecordingContainer] = []
    exit_code = 0

    def __init__(self, image, network=None, network_aliases=None):
        self.image, self.network, self.aliases = image, network, network_aliases
        self.env, self.volumes, self.ports, self.kwargs, self.execs = {}, {}, {}, {}, []
        self.command, self.name, self.started = None, None, False
        self.wrapped = SimpleNamespace(status="running", attrs={"State": {"ExitCode": 0}}, reload=lambda: None,
                                       wait=lambda timeout: {"StatusCode": self.exit_code}, logs=lambda tail: b"log")
        RecordingContainer.created.append(self)

    def with_name(self, name):
        self.name = name
        return self

    def with_env(self, key, value):
        self.env[key] = value
        return self

    def with_command(self, command):
        self.command = command
        return self

    def with_exposed_ports(self, *ports):
        self.ports.update({str(port): None for port in ports})
        return self

    def with_volume_mapping(self, host, container, mode="ro"):
        self.volumes[str(host)] = {"bind": container, "mode": mode}
        return self

    def with_kwargs(self, **kwargs):
        self.kwargs = kwargs
        return self

    def start(self):
        self.started = True
        return self

    def exec(self, command):
        self.execs.append(command)
        return SimpleNamespace(exit_code=0, output=b"")

    def get_wrapped_container(self):
        return self.wrapped

    def get_exposed_port(self, port):
        return 40000 + int(port)

    def get_container_host_ip(self):
        return "127.0.0.1"

    def stop(self):
        self.started = False


@pytest.fixture
def recorder(monkeypatch):
    import testcontainers.core.container

    RecordingContainer.created = []
    RecordingContainer.exit_code = 0
    monkeypatch.setattr(testcontainers.core.container, "DockerContainer", RecordingContainer)
    return RecordingContainer


@pytest.fixture(scope="module")
def valkey():
    manifest = render_chart(values_files=(REPO_ROOT / "values" / "kind.yaml",))
    return pods.pod(manifest, "StatefulSet", "obs-valkey", pods.secret_values(manifest))


def mounts(container) -> dict[str, tuple[str, str]]:
    return {spec["bind"]: (host, spec["mode"]) for host, spec in container.volumes.items()}


def test_an_init_container_runs_first_and_shares_its_empty_dir_with_the_pod(recorder, valkey, tmp_path):
    runner = containers.PodRunner(network="net", scratch=tmp_path)
    running = runner.start(valkey, timeout=5)
    init, main = recorder.created
    assert init.env["VALKEY_PASSWORD"] == main.env["REDISCLI_AUTH"]
    assert mounts(init)["/run/valkey"] == mounts(main)["/run/valkey"]
    host, mode = mounts(main)["/run/valkey"]
    assert mode == "rw" and stat.S_IMODE((tmp_path / "obs-valkey" / "run").stat().st_mode) == 0o777
    assert main.aliases and "obs-valkey" in main.aliases and init.aliases is None
    assert main.ports == {"6379": None} and running.url("redis") == "http://127.0.0.1:46379"
    # The readiness probe is the rendered exec probe, run in the container.
    assert main.execs == [valkey.containers[0].readiness_probe["exec"]["command"]]


def test_config_map_files_are_mounted_read_only_with_the_rendered_content(recorder, valkey, tmp_path):
    containers.PodRunner(network="net", scratch=tmp_path).start(valkey, timeout=5)
    main = recorder.created[-1]
    host, mode = mounts(main)["/etc/valkey"]
    assert mode == "ro"
    assert (tmp_path / "obs-valkey" / "config" / "valkey.conf").read_text() == valkey.volumes["config"].files["valkey.conf"]
    assert stat.S_IMODE((tmp_path / "obs-valkey" / "config" / "valkey.conf").stat().st_mode) == 0o644


def test_the_pods_security_settings_become_the_engines_options(recorder, valkey, tmp_path):
    containers.PodRunner(network="net", scratch=tmp_path).start(valkey, timeout=5)
    main = recorder.created[-1]
    limit = valkey.containers[0].memory_limit
    assert main.kwargs == {"hostname": "obs-valkey-0", "entrypoint": ["valkey-server", "/etc/valkey/valkey.conf"],
                           "user": "999:999", "group_add": ["999"], "read_only": True, "cap_drop": ["ALL"],
                           "security_opt": ["no-new-privileges:true"], "mem_limit": limit, "memswap_limit": limit}
    assert main.command == []  # a command without args runs no CMD of the image


def test_a_failing_init_container_stops_the_pod_with_its_log(recorder, valkey, tmp_path):
    recorder.exit_code = 3
    with pytest.raises(containers.PodFailed, match="obs-valkey/write-auth-config exited with 3"):
        containers.PodRunner(network="net", scratch=tmp_path).start(valkey, timeout=5)
    assert len(recorder.created) == 1  # the pod's container never started


def test_without_an_engine_the_tier_skips_naming_the_socket(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert containers.engine_missing_reason() == \
        "no Docker engine: /nonexistent/docker.sock does not exist (set by DOCKER_HOST)"


def test_without_an_engine_the_tier_is_skipped_unless_it_is_required(monkeypatch):
    monkeypatch.delenv("CONTAINER_TIER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs a Docker engine and a registry"):
        containers.unavailable("no Docker engine")
    monkeypatch.setenv("CONTAINER_TIER", "required")
    with pytest.raises(pytest.fail.Exception, match="CONTAINER_TIER=required, but no Docker engine"):
        containers.unavailable("no Docker engine")
