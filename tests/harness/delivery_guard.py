"""The collector's delivery guard (HAProxy) run on the configuration the chart rendered, on
loopback only.

Only what ties the configuration to a pod is moved: the listen port to a free 127.0.0.1 port
and LangFuse's address to a local stand-in (OtlpSink, plain HTTP). Every rule, the Host header
and the status policy run as rendered. Debian's HAProxy is the 2.6 branch of the chart's image.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from .collector import rendered_workload
from .network import free_port
from .server import Server

CONFIG_KEY = "delivery-guard.cfg"
BIND = re.compile(r"^(\s*bind )127\.0\.0\.1:\d+$", re.MULTILINE)
# The server line's address and, for an https:// LangFuse, its TLS options (the stand-in is plain HTTP).
MONITOR = re.compile(r"^\s*monitor-uri (\S+)$", re.MULTILINE)
SERVER = re.compile(r"^(\s*server langfuse )\S+( init-addr libc).*$", re.MULTILINE)


def haproxy() -> str | None:
    """Debian installs it in /usr/sbin, which not every PATH has."""
    return shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)


def missing_reason() -> str | None:
    """Why the guard cannot run here, or None."""
    if haproxy() is None:
        return ("HAProxy is not installed (Debian package haproxy: hack/install-system-packages.sh "
                "installs it as root)")
    return None


def rendered_config(manifest, name: str = "obs-otel-collector") -> str | None:
    """The guard's HAProxy configuration in the collector's ConfigMap; None when the guard is off."""
    return manifest.get("ConfigMap", name)["data"].get(CONFIG_KEY)


def rendered_container(manifest, name: str = "obs-otel-collector") -> dict | None:
    containers = rendered_workload(manifest, name)["spec"]["template"]["spec"]["containers"]
    return next((container for container in containers if container["name"] == "delivery-guard"), None)


def localise(config: str, port: int, upstream: str) -> str:
    """The configuration listening on 127.0.0.1:`port` and sending to `upstream` (host:port)."""
    config, binds = BIND.subn(rf"\g<1>127.0.0.1:{port}", config)
    config, servers = SERVER.subn(rf"\g<1>{upstream}\g<2>", config)
    assert (binds, servers) == (1, 1), "the guard's configuration no longer has one bind and one server line"
    return config


def check(config: str, workdir: Path) -> subprocess.CompletedProcess:
    """`haproxy -c` on a configuration; the result carries HAProxy's message."""
    path = workdir / "delivery-guard-check.cfg"
    path.write_text(config)
    return subprocess.run([haproxy(), "-c", "-f", str(path)], capture_output=True, text=True, timeout=30,
                          check=False)


class DeliveryGuard(Server):
    """HAProxy as a process on a localised configuration, started as the image's entrypoint
    starts it (`haproxy -W -db`), ready once its monitor path (the probes') answers."""

    def __init__(self, config: str, workdir: Path, port: int):
        super().__init__("delivery guard", workdir / "delivery-guard.log")
        self.config = config
        self.workdir = workdir
        self.port = port

    @classmethod
    def rendered(cls, manifest, workdir: Path, upstream: str) -> "DeliveryGuard":
        """The guard of a render, on a free loopback port, in front of `upstream` (host:port)."""
        port = free_port()
        return cls(localise(rendered_config(manifest), port, upstream), workdir, port)

    def start(self, timeout: float = 20.0) -> "DeliveryGuard":
        path = self.workdir / CONFIG_KEY
        path.write_text(self.config)
        [health] = MONITOR.findall(self.config)
        self.launch([haproxy(), "-W", "-db", "-f", str(path)], self.url(health), timeout=timeout)
        return self

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"
