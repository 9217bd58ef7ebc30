"""Pods (harness.pods) run on a Docker engine with testcontainers, all on one network.

As the kubelet would run them: volumes are host directories (a ConfigMap's or Secret's files,
read-only; an emptyDir or a claim empty and writable by any uid, as kind's volumes are), init
containers run to completion in order, then the pod's container starts; a postStart hook is
executed in it and a failing hook fails the pod; the pod is ready when its readiness probe
passes, probed from the host through the published ports. The engine must be local (the
directories are bind-mounted), as on CI runners and developer machines.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from pathlib import Path

import requests

from .pods import Container, Pod

DEFAULT_READY_TIMEOUT = 300.0
REGISTRY_HINT = "pulling needs a registry: Docker Hub and quay.io, or a mirror set in the engine"


class PodFailed(RuntimeError):
    """A container exited, a hook failed or a probe never passed; the message carries its log."""


def engine_missing_reason() -> str | None:
    """Why no container can run here, or None when a Docker engine answers."""
    try:
        from testcontainers.core.docker_client import DockerClient, get_docker_host
    except ImportError as error:
        return f"testcontainers is not installed ({error}): `make tools` installs tests/requirements.txt"
    host = get_docker_host() or "unix:///var/run/docker.sock"
    if host.startswith("unix://") and not Path(host.removeprefix("unix://")).exists():
        where = "set by DOCKER_HOST" if os.environ.get("DOCKER_HOST") else "the default; DOCKER_HOST is not set"
        return f"no Docker engine: {host.removeprefix('unix://')} does not exist ({where})"
    try:
        DockerClient().client.ping()
    except Exception as error:  # the SDK raises several kinds, all meaning "no engine here"
        return f"no Docker engine answers at {host}: {error}"
    return None


def pull(images: set[str]) -> str | None:
    """Pull the images that are not present; the reason when a registry cannot be reached.

    An image the registry does not have is a defect of the chart's pins, not of this machine:
    that raises instead.
    """
    import docker.errors
    from testcontainers.core.config import testcontainers_config
    from testcontainers.core.docker_client import DockerClient

    client = DockerClient().client
    wanted = set(images) | ({testcontainers_config.ryuk_image} if not testcontainers_config.ryuk_disabled else set())
    for image in sorted(wanted):
        try:
            client.images.get(image)
            continue
        except docker.errors.ImageNotFound:
            pass
        try:
            client.images.pull(image)
        except docker.errors.NotFound as error:
            raise AssertionError(f"{image} does not exist in its registry: {error.explanation}") from error
        except (docker.errors.APIError, requests.ConnectionError) as error:
            return f"cannot pull {image} ({getattr(error, 'explanation', None) or error}); {REGISTRY_HINT}"
    return None


class RunningPod:
    """A started pod: its container, and its ports as the host reaches them."""

    def __init__(self, pod: Pod, spec: Container, container):
        self.pod = pod
        self.spec = spec
        self.container = container  # testcontainers DockerContainer

    def host_port(self, port: str | int) -> int:
        number = self.spec.ports[port] if isinstance(port, str) else port
        return int(self.container.get_exposed_port(number))

    def url(self, port: str | int) -> str:
        return f"http://{self.container.get_container_host_ip()}:{self.host_port(port)}"

    def logs(self, tail: int = 60) -> str:
        return _tail(self.container, tail)


class PodRunner:
    """Starts pods on `network` (testcontainers Network) with their volumes under `scratch`."""

    def __init__(self, network, scratch: Path):
        self.network = network
        self.scratch = scratch
        self.run_id = uuid.uuid4().hex[:6]
        self.started: list[tuple[str, object]] = []  # (pod/container, DockerContainer), for stop() and logs

    def start(self, pod: Pod, timeout: float | None = None) -> RunningPod:
        """Init containers to completion, then the container, its postStart hook, and readiness."""
        volumes = self._volumes(pod)
        self._run_init_containers(pod, volumes)
        [spec] = pod.containers
        container = self._container(pod, spec, volumes, main=True)
        container.start()
        running = RunningPod(pod, spec, container)
        if spec.post_start:
            result = container.exec(spec.post_start)
            if result.exit_code != 0:
                raise PodFailed(f"{pod.name}: postStart hook exited with {result.exit_code}: "
                                f"{result.output.decode(errors='replace')}\n{running.logs()}")
        self._wait_ready(running, timeout or _startup_budget(spec))
        return running

    def run_to_completion(self, pod: Pod, timeout: float = 900.0) -> None:
        """A Job's pod: init containers, then the container, each of which must exit 0."""
        volumes = self._volumes(pod)
        self._run_init_containers(pod, volumes, timeout)
        for spec in pod.containers:
            self._complete(pod, spec, volumes, timeout)

    def logs(self, tail: int = 40) -> str:
        """The last lines of every container started, for a failure's message."""
        return "\n".join(f"--- {label}\n{_tail(container, tail)}" for label, container in self.started)

    def stop(self) -> None:
        for _, container in reversed(self.started):
            try:
                container.stop()
            except Exception:  # already gone; Ryuk removes what is left
                pass
        self.started.clear()
        # Containers ran as other uids: what they wrote may not be removable by this user.
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _run_init_containers(self, pod: Pod, volumes: dict[str, Path], timeout: float = 900.0) -> None:
        for spec in pod.init_containers:
            self._complete(pod, spec, volumes, timeout)

    def _complete(self, pod: Pod, spec: Container, volumes: dict[str, Path], timeout: float) -> None:
        container = self._container(pod, spec, volumes, main=False)
        container.start()
        try:
            status = container.get_wrapped_container().wait(timeout=timeout)["StatusCode"]
        except requests.RequestException as error:
            raise PodFailed(f"{pod.name}/{spec.name} did not finish within {timeout}s ({error})\n"
                            f"{_tail(container)}") from error
        if status != 0:
            raise PodFailed(f"{pod.name}/{spec.name} exited with {status}:\n{_tail(container)}")

    def _volumes(self, pod: Pod) -> dict[str, Path]:
        """One host directory per volume: files written read-only for all (a ConfigMap's
        defaultMode 0644), an empty directory writable by all (an emptyDir's 0777)."""
        paths = {}
        for volume in pod.volumes.values():
            path = self.scratch / pod.name / volume.name
            path.mkdir(parents=True)
            if volume.files is None:
                path.chmod(0o777)
            else:
                path.chmod(0o755)
                for name, content in volume.files.items():
                    (path / name).write_text(content)
                    (path / name).chmod(0o644)
            paths[volume.name] = path
        return paths

    def _container(self, pod: Pod, spec: Container, volumes: dict[str, Path], main: bool):
        from testcontainers.core.container import DockerContainer

        container = DockerContainer(spec.image, network=self.network,
                                    network_aliases=pod.aliases if main and pod.aliases else None)
        container.with_name(f"{pod.name}-{spec.name}-{self.run_id}")
        for key, value in spec.env.items():
            container.with_env(key, value)
        if spec.command is not None:
            container.with_command(spec.command)
        if main and spec.ports:
            container.with_exposed_ports(*spec.ports.values())
        for mount in spec.mounts:
            source = volumes[mount.volume]
            files = pod.volumes[mount.volume].files
            if mount.sub_path:
                source = source / mount.sub_path
                if files is None:
                    source.mkdir(parents=True, exist_ok=True)
                    source.chmod(0o777)
            if str(source) in container.volumes:
                raise PodFailed(f"{pod.name}/{spec.name}: {source} mounted twice (testcontainers keys mounts by source)")
            container.with_volume_mapping(source, mount.path, "ro" if mount.read_only or files is not None else "rw")
        options = {
            "hostname": pod.hostname if main else None,
            "entrypoint": spec.entrypoint,
            "user": spec.user,
            "group_add": spec.group_add or None,
            "read_only": spec.read_only_root,
            "cap_drop": spec.cap_drop or None,
            "security_opt": ["no-new-privileges:true"] if spec.no_new_privileges else None,
            # Kubernetes runs without swap: the limit is the limit.
            "mem_limit": spec.memory_limit,
            "memswap_limit": spec.memory_limit,
            "working_dir": spec.working_dir,
        }
        container.with_kwargs(**{key: value for key, value in options.items() if value is not None})
        self.started.append((f"{pod.name}/{spec.name}", container))
        return container

    def _wait_ready(self, running: RunningPod, timeout: float) -> None:
        probe = running.spec.readiness_probe or running.spec.startup_probe
        deadline = time.monotonic() + timeout
        while True:
            wrapped = running.container.get_wrapped_container()
            wrapped.reload()
            if wrapped.status == "exited":
                raise PodFailed(f"{running.pod.name} exited with {wrapped.attrs['State']['ExitCode']}:\n"
                                f"{running.logs()}")
            if probe is None or _passes(running, probe):
                return
            if time.monotonic() > deadline:
                raise PodFailed(f"{running.pod.name} not ready after {timeout:.0f}s "
                                f"(readiness probe {probe}):\n{running.logs()}")
            time.sleep(2)


def _passes(running: RunningPod, probe: dict) -> bool:
    """One probe, as the kubelet runs it: exec in the container, HTTP GET or TCP connect."""
    timeout = probe.get("timeoutSeconds", 1)
    if "exec" in probe:
        return running.container.exec(probe["exec"]["command"]).exit_code == 0
    if "httpGet" in probe:
        get = probe["httpGet"]
        try:
            response = requests.get(f"{running.url(get['port'])}{get.get('path', '/')}", timeout=timeout)
        except requests.RequestException:
            return False
        return 200 <= response.status_code < 400
    if "tcpSocket" in probe:
        try:
            with socket.create_connection((running.container.get_container_host_ip(),
                                           running.host_port(probe["tcpSocket"]["port"])), timeout=timeout):
                return True
        except OSError:
            return False
    raise PodFailed(f"{running.pod.name}: probe {probe} is of no kind the runner knows")


def _startup_budget(spec: Container) -> float:
    """How long the kubelet would wait: the startup probe's period times its failure threshold."""
    probe = spec.startup_probe
    if not probe:
        return DEFAULT_READY_TIMEOUT
    return probe.get("initialDelaySeconds", 0) + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)


def _tail(container, lines: int = 40) -> str:
    try:
        return container.get_wrapped_container().logs(tail=lines).decode(errors="replace")
    except Exception as error:  # never started, or already removed
        return f"(no log: {error})"


def unavailable(reason: str):
    """Skip naming what is missing; with CONTAINER_TIER=required (CI) fail instead, so the
    tier cannot go missing silently where it is meant to run."""
    import pytest  # only the tests call this; the harness's other users need no pytest

    if os.environ.get("CONTAINER_TIER") == "required":
        pytest.fail(f"CONTAINER_TIER=required, but {reason}")
    pytest.skip(f"{reason}: the container tier needs a Docker engine and a registry to pull the chart's images from")
