"""Alertmanager (bin/alertmanager) as a process on loopback, and amtool, for the unit and
component tests.

Both are built from the pinned Alertmanager module (hack/build-alertmanager.sh) at the version of
the image quay.io/prometheus/alertmanager the monitoring chart runs, so the rendered configuration
and notification texts are checked by the parser and notifiers that run them in a cluster.
Without the web UI (not built); everything here goes through the API v2.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import requests
import yaml

from .network import free_port
from .paths import BIN_DIR
from .render import Manifest
from .server import Server

ALERTMANAGER = BIN_DIR / "alertmanager"
AMTOOL = BIN_DIR / "amtool"
# Where the chart mounts the configuration ConfigMap and the receivers' Secrets in the pod.
CONFIG_DIR = "/etc/alertmanager/config/"
SECRETS_DIR = "/etc/alertmanager/secrets/"
# The settings of Alertmanager v0.35.0 that read a credential from a file.
CREDENTIAL_FILE_KEYS = ("api_url_file", "auth_password_file", "routing_key_file", "webhook_url_file", "url_file")


def missing_reason() -> str | None:
    """Why Alertmanager and amtool cannot run here, or None."""
    for binary in (ALERTMANAGER, AMTOOL):
        if not binary.exists():
            return f"bin/{binary.name} is not built (make tools builds it: hack/build-alertmanager.sh)"
    return None


def rendered_files(manifest: Manifest, config_map: str) -> dict[str, str]:
    """The files of the rendered Alertmanager ConfigMap: alertmanager.yml and the templates."""
    return dict(manifest.get("ConfigMap", config_map)["data"])


def credential_files(config: dict) -> list[str]:
    """Every credential file the configuration reads (the *_file settings of its receivers)."""
    return [settings[key] for receiver in config.get("receivers", [])
            for kind, configs in receiver.items() if kind.endswith("_configs")
            for settings in configs for key in CREDENTIAL_FILE_KEYS if key in settings]


def write_config(files: dict[str, str], workdir: Path, secrets: dict[str, str] | None = None) -> Path:
    """Write the rendered files into `workdir` as they are mounted in the pod, with the paths of
    the configuration directory and of the mounted Secrets rewritten into `workdir`; `secrets`
    maps "<Secret>/<key>" to the credential the kubelet would put in that file. Returns the path
    of alertmanager.yml."""
    secrets_dir = workdir / "secrets"
    for name, text in files.items():
        text = text.replace(CONFIG_DIR, f"{workdir}/").replace(SECRETS_DIR, f"{secrets_dir}/")
        (workdir / name).write_text(text)
    for path, value in (secrets or {}).items():
        target = secrets_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(value)
    return workdir / "alertmanager.yml"


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(AMTOOL), *args], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"]}, timeout=60, check=False)


def check_config(path: Path) -> subprocess.CompletedProcess:
    """`amtool check-config`: the configuration and the templates it loads are valid."""
    return amtool("check-config", str(path))


def routed_receivers(path: Path, labels: dict[str, str]) -> list[str]:
    """The receivers the configuration's routing tree gives an alert with `labels`
    (`amtool config routes test`), in order."""
    result = amtool("config", "routes", "test", f"--config.file={path}",
                    *[f"{name}={value}" for name, value in labels.items()])
    if result.returncode != 0:
        raise AssertionError(f"amtool config routes test failed: {result.stdout}{result.stderr}")
    return [name for name in re.split(r"[,\s]+", result.stdout.strip()) if name]


class Alertmanager(Server):
    """bin/alertmanager on `config_path`, listening on 127.0.0.1:`port`, its state in `workdir`.

    Alone (peers None) its cluster is off, as the chart runs one replica; with `peers`
    (host:port of others' cluster listeners) it gossips on `cluster_port`, as the chart's
    replicas do.
    """

    def __init__(self, config_path: Path, workdir: Path, port: int | None = None,
                 cluster_port: int | None = None, peers: list[str] | None = None, name: str = "alertmanager"):
        super().__init__(name, workdir / f"{name}.log")
        self.config_path = config_path
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cluster_port = cluster_port
        self.peers = peers

    def start(self, timeout: float = 30.0) -> "Alertmanager":
        cluster = ["--cluster.listen-address="]
        if self.peers is not None:
            cluster = [f"--cluster.listen-address=127.0.0.1:{self.cluster_port}",
                       *[f"--cluster.peer={peer}" for peer in self.peers],
                       "--cluster.settle-timeout=2s", "--cluster.pushpull-interval=1s",
                       "--cluster.gossip-interval=100ms"]
        self.launch([str(ALERTMANAGER), f"--config.file={self.config_path}",
                     f"--storage.path={self.workdir / (self.name + '-data')}",
                     f"--web.listen-address=127.0.0.1:{self.port}", *cluster],
                    f"{self.url}/-/ready", cwd=self.workdir, timeout=timeout)
        return self

    def post_alerts(self, alerts: list[dict]) -> None:
        """POST /api/v2/alerts: each alert {labels, annotations, startsAt?, endsAt?}."""
        answer = requests.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=10)
        answer.raise_for_status()

    def alerts(self, **filters) -> list[dict]:
        """GET /api/v2/alerts: each with its labels and status (state, inhibitedBy, silencedBy)."""
        return requests.get(f"{self.url}/api/v2/alerts", params=filters, timeout=10).json()

    def silences(self) -> list[dict]:
        return requests.get(f"{self.url}/api/v2/silences", timeout=10).json()

    def status(self) -> dict:
        """GET /api/v2/status: the configuration, the version, the cluster and its peers."""
        return requests.get(f"{self.url}/api/v2/status", timeout=10).json()

    def wait_for(self, condition, what: str, timeout: float = 30.0):
        """Poll `condition()` until it returns something truthy; TimeoutError naming `what`."""
        deadline = time.monotonic() + timeout
        while True:
            found = condition()
            if found:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not seen after {timeout}s:\n{self.log()}")
            time.sleep(0.2)


def loaded_config(alertmanager: Alertmanager) -> dict:
    """The configuration the running Alertmanager loaded (secrets masked by Alertmanager)."""
    return yaml.safe_load(alertmanager.status()["config"]["original"])
