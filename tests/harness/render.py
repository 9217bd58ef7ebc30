"""Render a chart with `helm template` and return its objects, parsed and schema-validated.

Rendering is how Argo CD sees the chart, so every render names the release, the namespace
and the Kubernetes version explicitly. Identical renders within one test run are served
from a cache: most tests read the same few renders.
"""

from __future__ import annotations

import copy
import functools
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jmespath
import yaml

from . import kube_schema
from .paths import KUBE_VERSION_NEWEST, UMBRELLA_CHART, declared_api_versions, tool

DEFAULT_RELEASE = "obs"
DEFAULT_NAMESPACE = "observability"


class RenderError(Exception):
    """`helm template` failed; the message carries Helm's stderr, which is what users see."""

    def __init__(self, command: list[str], stderr: str):
        self.command = command
        self.stderr = stderr.strip()
        super().__init__(f"{' '.join(command)}\n{self.stderr}")


@dataclass(frozen=True)
class Manifest:
    """The objects of one render, with lookups by kind and name."""

    objects: tuple[dict, ...]

    def __iter__(self):
        return iter(self.objects)

    def __len__(self):
        return len(self.objects)

    def of_kind(self, kind: str) -> list[dict]:
        return [obj for obj in self.objects if obj["kind"] == kind]

    def names(self, kind: str) -> list[str]:
        return sorted(obj["metadata"]["name"] for obj in self.of_kind(kind))

    def get(self, kind: str, name: str) -> dict:
        """The one object of this kind and name; KeyError naming what exists otherwise."""
        for obj in self.of_kind(kind):
            if obj["metadata"]["name"] == name:
                return obj
        raise KeyError(f"no {kind} named {name!r}; {kind} objects rendered: {self.names(kind)}")

    def find(self, kind: str, name: str, expression: str):
        """A jmespath lookup inside one object, e.g. find('Deployment', 'obs-web', 'spec.replicas')."""
        return jmespath.search(expression, self.get(kind, name))

    def workloads(self, component: str | None = None) -> list[dict]:
        """The objects that run pods (WORKLOAD_KINDS); with `component`, those whose pods carry
        that app.kubernetes.io/component label (e.g. "migration": LangFuse's migration Job,
        whose name ends in a hash of its inputs)."""
        return [obj for obj in self.objects if obj["kind"] in WORKLOAD_KINDS and (
            component is None or pod_template(obj)["metadata"].get("labels", {})
            .get("app.kubernetes.io/component") == component)]

    def workload(self, name: str) -> dict:
        """The one workload of this name, whatever its kind (a collector is a StatefulSet or a
        Deployment); KeyError naming what exists otherwise."""
        found = [obj for obj in self.workloads() if obj["metadata"]["name"] == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} workloads named {name!r}; rendered: "
                           f"{sorted(obj['metadata']['name'] for obj in self.workloads())}")
        return found[0]

    def containers(self, name: str) -> dict[str, dict]:
        """Container name → spec of a workload's pod, init containers included."""
        spec = pod_template(self.workload(name))["spec"]
        return {container["name"]: container for container in spec.get("initContainers", []) + spec["containers"]}

    def env(self, name: str, container: str) -> dict[str, object]:
        """A container's environment: variable → its value, ("secret", name, key) for a Secret's
        key, or ("configMap", name, key) for a ConfigMap's the render does not have; the
        rendered ConfigMaps of envFrom and configMapKeyRef are read in, as the kubelet does."""
        spec = self.containers(name)[container]
        env: dict[str, object] = {}
        for source in spec.get("envFrom", []):
            if "configMapRef" in source:
                env.update(self.get("ConfigMap", source["configMapRef"]["name"]).get("data", {}))
        for var in spec.get("env", []):
            reference = var.get("valueFrom", {})
            if "secretKeyRef" in reference:
                env[var["name"]] = ("secret", reference["secretKeyRef"]["name"], reference["secretKeyRef"]["key"])
            elif "configMapKeyRef" in reference:
                ref = reference["configMapKeyRef"]
                data = next((obj.get("data", {}) for obj in self.of_kind("ConfigMap")
                             if obj["metadata"]["name"] == ref["name"]), None)
                env[var["name"]] = data[ref["key"]] if data is not None else ("configMap", ref["name"], ref["key"])
            else:
                env[var["name"]] = var.get("value")
        return env


# The kinds whose objects run pods, and where each keeps its pod template.
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


def pod_template(workload: dict) -> dict:
    """The pod template of a workload (a CronJob's inside its Job template)."""
    spec = workload["spec"]
    return spec["jobTemplate"]["spec"]["template"] if workload["kind"] == "CronJob" else spec["template"]


def render_chart(
    chart: Path | str = UMBRELLA_CHART,
    values: dict | None = None,
    values_files: tuple[Path | str, ...] = (),
    release: str = DEFAULT_RELEASE,
    namespace: str = DEFAULT_NAMESPACE,
    kube_version: str = KUBE_VERSION_NEWEST,
    helm: str = "helm",
    validate: bool = True,
    set_values: tuple[str, ...] = (),
    api_versions: tuple[str, ...] = (),
) -> Manifest:
    """Render `chart` and return its objects; raise RenderError with Helm's stderr on failure.

    values are applied after values_files, like a last `--values`; set_values
    ("key.path[0]=value") after both, each as a `--set`, which types its values as Helm's
    command line does (integers, booleans, null; everything else a string). With validate
    (the default) every object is checked against the Kubernetes `kube_version` API schema and
    a kube_schema.SchemaViolation lists all problems. api_versions ("group/version/Kind") are
    what the API server serves beyond Kubernetes' own, each an `--api-versions`, as Argo CD
    passes its cluster's (the chart's .Capabilities.APIVersions), and those the values files
    declare are added (paths.declared_api_versions).
    """
    key = json.dumps(
        [str(chart), values or {}, [str(f) for f in values_files], release, namespace,
         kube_version, helm, list(set_values), list(api_versions)],
        sort_keys=True,
    )
    # A copy, so a test that edits an object cannot change what the next test reads.
    manifest = copy.deepcopy(_render_cached(key))
    if validate:
        kube_schema.validate_all(manifest, kube_version)
    return manifest


def render_text(chart, values=None, values_files=(), release=DEFAULT_RELEASE,
                namespace=DEFAULT_NAMESPACE, kube_version=KUBE_VERSION_NEWEST, helm="helm",
                set_values=(), api_versions=()) -> str:
    """The raw output of `helm template`, for the few tests that compare bytes."""
    command = [tool(helm), "template", release, str(chart), "--namespace", namespace, "--kube-version", kube_version]
    for api_version in (*api_versions, *(v for v in declared_api_versions(values_files) if v not in api_versions)):
        command += ["--api-versions", api_version]
    return _run_helm(command, values, values_files, set_values)


def _run_helm(command: list[str], values: dict | None, values_files, set_values=()) -> str:
    """Run a helm command with the values files, then `values` (a temporary file), then each of
    set_values as a `--set`; its stdout, or RenderError with helm's stderr."""
    for values_file in values_files:
        command = command + ["--values", str(values_file)]
    for assignment in set_values:
        command = command + ["--set", assignment]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as overrides:
        if values:
            yaml.safe_dump(values, overrides)
            overrides.flush()
            command = command + ["--values", overrides.name]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RenderError(command, result.stderr)
    return result.stdout


def render_notes(chart: Path | str = UMBRELLA_CHART, values: dict | None = None, values_files=(),
                 release: str = DEFAULT_RELEASE, namespace: str = DEFAULT_NAMESPACE) -> str:
    """The notes `helm install` prints (NOTES.txt), from a client-side dry run: `helm template`
    does not render them."""
    output = _run_helm([tool("helm"), "install", release, str(chart), "--namespace", namespace,
                        "--dry-run=client", "--output", "json"], values, values_files)
    return json.loads(output)["info"]["notes"]


@functools.lru_cache(maxsize=256)
def _render_cached(key: str) -> Manifest:
    chart, values, values_files, release, namespace, kube_version, helm, set_values, api_versions = json.loads(key)
    text = render_text(chart, values, values_files, release, namespace, kube_version, helm, set_values, api_versions)
    objects = tuple(doc for doc in yaml.safe_load_all(text) if doc)
    return Manifest(objects)


def render_cache_info():
    """Hits and misses of the render cache (the harness's own tests read it)."""
    return _render_cached.cache_info()
