"""Helm against a cluster: install, upgrade, rollback, test, uninstall, with errors that show Helm's stderr."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from .cluster import run
from .paths import UMBRELLA_CHART, tool


@dataclass
class Release:
    """One Helm release of the umbrella chart in one namespace of one cluster."""

    name: str
    namespace: str
    kubeconfig: Path
    chart: Path = UMBRELLA_CHART

    def helm(self, *args: str, timeout: int = 600) -> str:
        return run([tool("helm"), *args, "--namespace", self.namespace, "--kubeconfig", str(self.kubeconfig)],
                   timeout=timeout)

    def install(self, *values_files: Path, extra: tuple[str, ...] = ()) -> str:
        return self._deploy("install", values_files, extra)

    def upgrade(self, *values_files: Path, extra: tuple[str, ...] = ()) -> str:
        return self._deploy("upgrade", values_files, extra)

    def _deploy(self, verb: str, values_files, extra) -> str:
        """`helm install|upgrade`, waiting for every workload and Job (Helm 4 waits for Jobs only when asked)."""
        args = [verb, self.name, str(self.chart), "--wait", "--wait-for-jobs", "--timeout", "5m"]
        for values_file in values_files:
            args += ["--values", str(values_file)]
        return self.helm(*args, *extra)

    def uninstall_if_installed(self) -> None:
        """`helm uninstall --wait`, unless a test already uninstalled the release: the end of a
        module's release fixture, whichever test ran last."""
        if self.name in self.helm("list", "--short").split():
            self.helm("uninstall", self.name, "--wait", "--timeout", "5m")

    def status(self) -> dict:
        return json.loads(self.helm("status", self.name, "--output", "json"))

    def hooks(self) -> list[dict]:
        """The release's hook manifests, as stored by Helm."""
        return [doc for doc in yaml.safe_load_all(self.helm("get", "hooks", self.name)) if doc]
