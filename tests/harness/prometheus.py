"""Prometheus (bin/prometheus) as a process on loopback, and promtool, for the component tests.

The binaries are built from the pinned Prometheus module (hack/build-prometheus.sh) at the
version of the image quay.io/prometheus/prometheus, so rules, scrape configurations and
queries are checked by the same parser and engine that run them in a cluster. Without the web
UI (not embedded in this build); everything here goes through the HTTP API.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Sequence

import requests
import yaml

from .network import free_port
from .paths import BIN_DIR
from .server import Server

PROMETHEUS = BIN_DIR / "prometheus"
PROMTOOL = BIN_DIR / "promtool"


def missing_reason() -> str | None:
    """Why Prometheus and promtool cannot run here, or None."""
    for binary in (PROMETHEUS, PROMTOOL):
        if not binary.exists():
            return f"bin/{binary.name} is not built (make tools builds it: hack/build-prometheus.sh)"
    return None


class PrometheusError(AssertionError):
    """Prometheus' HTTP API answered with an error; the message is Prometheus' own."""


def _promtool(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(PROMTOOL), *args], capture_output=True, text=True, cwd=cwd, input=stdin,
                          env={"PATH": os.environ["PATH"]}, timeout=60, check=False)


def check_rules(path: Path) -> subprocess.CompletedProcess:
    """`promtool check rules`: the rule file parses, and every expression is valid PromQL."""
    return _promtool("check", "rules", str(path))


def test_rules(paths: Sequence[Path], cwd: Path) -> subprocess.CompletedProcess:
    """`promtool test rules` on unit test files; their rule_files are found from `cwd`."""
    return _promtool("test", "rules", *map(str, paths), cwd=cwd)


test_rules.__test__ = False  # a helper named like a test: not for pytest to collect


def check_metrics(exposition: str) -> subprocess.CompletedProcess:
    """`promtool check metrics` on a scrape's text: it parses, and it follows the naming
    conventions (a counter is named `_total`, nothing else is)."""
    return _promtool("check", "metrics", stdin=exposition)


def check_config(path: Path) -> subprocess.CompletedProcess:
    """`promtool check config`: the configuration and the rule files it names are valid."""
    return _promtool("check", "config", str(path))


class Prometheus(Server):
    """bin/prometheus on `config` (a prometheus.yml as a dict), listening on 127.0.0.1:`port`.

    `rule_files` maps file names to rule files (YAML text or a dict); they are written beside the
    configuration, which lists them unless it names its own rule_files. The TSDB and the log
    live in `workdir`. `flags` are added to the command line (e.g. --enable-feature=...), `env`
    to its environment (e.g. POD_NAME, which the chart's external labels read).
    """

    def __init__(self, config: dict, workdir: Path, rule_files: dict[str, str | dict] | None = None,
                 flags: Sequence[str] = (), port: int | None = None, env: dict[str, str] | None = None):
        super().__init__("prometheus", workdir / "prometheus.log")
        self.config = dict(config)
        self.workdir = workdir
        self.rule_files = rule_files or {}
        self.flags = list(flags)
        self.env = dict(env or {})
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config_path = workdir / "prometheus.yml"

    def start(self, timeout: float = 30.0) -> "Prometheus":
        for name, content in self.rule_files.items():
            text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
            (self.workdir / name).write_text(text)
        if self.rule_files:
            self.config.setdefault("rule_files", list(self.rule_files))
        self.config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
        self.launch([str(PROMETHEUS), f"--config.file={self.config_path}", f"--storage.tsdb.path={self.workdir / 'data'}",
                     f"--web.listen-address=127.0.0.1:{self.port}", *self.flags],
                    f"{self.url}/-/ready", env=self.env, cwd=self.workdir, timeout=timeout)
        return self

    def _api(self, path: str, **params) -> dict | list:
        """The `data` of one API answer; PrometheusError with Prometheus' message otherwise."""
        answer = requests.get(f"{self.url}/api/v1/{path}", params=params, timeout=10).json()
        if answer["status"] != "success":
            raise PrometheusError(f"{path} {params}: {answer.get('errorType')}: {answer.get('error')}")
        return answer["data"]

    def query(self, expr: str, time: float | str | None = None) -> list[dict]:
        """An instant query's result: [{"metric": {...}, "value": [t, "v"]}, ...] for a vector."""
        params = {"query": expr} | ({"time": time} if time is not None else {})
        return self._api("query", **params)["result"]

    def query_range(self, expr: str, start: float | str, end: float | str, step: float | str) -> list[dict]:
        """A range query's result: [{"metric": {...}, "values": [[t, "v"], ...]}, ...]."""
        return self._api("query_range", query=expr, start=start, end=end, step=step)["result"]

    def targets(self) -> list[dict]:
        """The active scrape targets, each with its labels, scrapeUrl, health and lastError."""
        return self._api("targets", state="active")["activeTargets"]

    def wait_for_targets_up(self, timeout: float = 30.0) -> list[dict]:
        """The active targets once there are some and every one is up; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            targets = self.targets()
            if targets and all(target["health"] == "up" for target in targets):
                return targets
            if time.monotonic() > deadline:
                states = [(t["scrapeUrl"], t["health"], t["lastError"]) for t in targets]
                raise TimeoutError(f"targets not all up after {timeout}s: {states}\n{self.log()}")
            time.sleep(0.2)

    def rules(self) -> list[dict]:
        """The rule groups, each with its rules' health, lastError and (alerts') state."""
        return self._api("rules")["groups"]

    def alerts(self) -> list[dict]:
        """The pending and firing alerts, each with its labels, annotations and state."""
        return self._api("alerts")["alerts"]
