"""Argo CD's sync of the chart on a real API server, without Argo CD: the render its repo server
makes for the example ApplicationSet's `obs-kind` Application, applied the way its controller
applies it (PreSync hooks by wave, then every resource server-side as `argocd-controller` with
forced conflicts, then the succeeded hooks deleted), and its server-side diff: a dry-run apply of
a fresh render compared with the live objects. Then an upgrade that renames the migration Job,
and the prune that removes the old one.

The tests run in file order and share one namespace and one Application, as syncs do.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from harness import gitops
from harness.cluster import run_secret_generator
from harness.paths import REPO_ROOT, tool

[APPLICATION] = [app for app in gitops.generated_applications(gitops.example("ApplicationSet", "agent-observability"))
                 if app["metadata"]["name"] == "obs-kind"]
APP = APPLICATION["metadata"]["name"]
SOURCE = APPLICATION["spec"]["source"]
CHART_DIR = REPO_ROOT / SOURCE["path"]
RELEASE = SOURCE["helm"]["releaseName"]
VALUE_FILES = [(CHART_DIR / path).resolve() for path in SOURCE["helm"]["valueFiles"]]
TRACKING = "argocd.argoproj.io/tracking-id"
GENERATED_LABEL = "app.kubernetes.io/created-by=secret-generator"
# Not watched by Argo CD (argocd-cm resource.exclusions and coreExcludedResources), or children
# of a StatefulSet (claims from its volumeClaimTemplates), so never extraneous.
IGNORED_BY_ARGOCD = {"Endpoints", "EndpointSlice", "Event", "Lease", "PersistentVolumeClaim"}
# Metadata the API server writes, not the apply: left out of the comparison.
SERVER_METADATA = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp")


@pytest.fixture(scope="module")
def kubectl(cluster, restricted_namespace):
    def kubectl(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([tool("kubectl"), "--kubeconfig", str(cluster.kubeconfig),
                                 "--namespace", restricted_namespace, *args],
                                input=stdin, capture_output=True, text=True, check=False, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}\n{result.stderr or result.stdout}")
        return result
    return kubectl


@pytest.fixture(scope="module")
def render(cluster, kubectl, restricted_namespace):
    """A fresh render of the Application, as Argo CD's repo server makes it for this cluster:
    its Kubernetes version and every API version it serves; `extra_values` plays the part of the
    Application's inline `helm.valuesObject` (one more --values after the value files)."""
    version = client.VersionApi(cluster.api).get_code().git_version
    kube_version = re.match(r"v?(\d+\.\d+\.\d+)", version).group(1)
    api_versions = gitops.api_version_strings(served_resources(kubectl))

    def render(extra_values: dict | None = None) -> str:
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as extra:
            yaml.safe_dump(extra_values or {}, extra)
            extra.flush()
            files = VALUE_FILES + ([Path(extra.name)] if extra_values else [])
            return gitops.argocd_render(CHART_DIR, RELEASE, restricted_namespace, kube_version, api_versions, files)
    return render


def served_resources(kubectl) -> dict[str, list[str]]:
    """{group/version: [Kind, ...]} of every resource the cluster lists and watches, in every
    version it serves (discovery, as Argo CD's ServerGroupsAndResources)."""
    def kinds(path: str) -> list[str]:
        listing = json.loads(kubectl("get", "--raw", path).stdout)
        return [r["kind"] for r in listing["resources"] if {"list", "watch"} <= set(r.get("verbs", []))]
    served = {"v1": kinds("/api/v1")}
    for group in json.loads(kubectl("get", "--raw", "/apis").stdout)["groups"]:
        for version in group["versions"]:
            served[version["groupVersion"]] = kinds(f"/apis/{version['groupVersion']}")
    return served


def tracked(objects: list[dict], namespace: str) -> str:
    """The objects as Argo CD applies them: with its tracking annotation, as one YAML stream."""
    for obj in objects:
        obj["metadata"].setdefault("annotations", {})[TRACKING] = gitops.tracking_id(APP, obj, namespace)
    return yaml.safe_dump_all(objects)


def apply(kubectl, objects: list[dict], namespace: str, *flags: str) -> subprocess.CompletedProcess:
    return kubectl("apply", "--server-side", "--force-conflicts", "--field-manager", gitops.ARGOCD_FIELD_MANAGER,
                   *flags, "-f", "-", stdin=tracked(objects, namespace))


def argocd_sync(cluster, kubectl, namespace: str, manifest: str) -> dict[str, list[dict]]:
    """One sync: the PreSync hooks wave by wave (a hook with before-hook-creation is deleted
    first; the wave's Jobs must complete), the Sync phase, then the hooks with hook-succeeded
    are deleted. Returns the objects by phase."""
    phases = gitops.objects_by_phase(gitops.objects_of(manifest))
    assert phases["PostSync"] == []
    for wave in sorted({gitops.hook_wave(hook) for hook in phases["PreSync"]}):
        hooks = [hook for hook in phases["PreSync"] if gitops.hook_wave(hook) == wave]
        for hook in hooks:
            if "before-hook-creation" in hook["metadata"]["annotations"].get("helm.sh/hook-delete-policy", ""):
                kubectl("delete", hook["kind"], hook["metadata"]["name"], "--ignore-not-found", "--wait")
        apply(kubectl, hooks, namespace)
        for job in (hook for hook in hooks if hook["kind"] == "Job"):
            kubectl("wait", "--for=condition=complete", f"job/{job['metadata']['name']}", "--timeout=300s")
            [config_map] = [h for h in phases["PreSync"] if h["kind"] == "ConfigMap"]
            run_secret_generator(cluster, namespace, config_map)
    apply(kubectl, phases["Sync"], namespace)
    for hook in phases["PreSync"]:
        if "hook-succeeded" in hook["metadata"]["annotations"].get("helm.sh/hook-delete-policy", ""):
            kubectl("delete", hook["kind"], hook["metadata"]["name"], "--ignore-not-found")
    return phases


def resource(obj: dict) -> str:
    """kubectl's name of the object's resource type: Deployment.apps, ConfigMap, ..."""
    group = obj["apiVersion"].rpartition("/")[0]
    return f"{obj['kind']}.{group}" if group else obj["kind"]


def live(kubectl, objects: list[dict]) -> dict[tuple[str, str], dict]:
    names = [f"{resource(obj)}/{obj['metadata']['name']}" for obj in objects]
    listing = json.loads(kubectl("get", *names, "--output", "json").stdout)
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in listing["items"]}


def looks_like_the_applications(kubectl, of_kinds_like: list[dict]) -> list[dict]:
    """Live objects of the kinds of `of_kinds_like` that Argo CD attributes to the Application:
    by its tracking annotation, or (label tracking) by the instance label; less the kinds it
    ignores (IGNORED_BY_ARGOCD) and the children of other objects."""
    everything = json.loads(kubectl("get", ",".join(sorted({resource(o) for o in of_kinds_like})),
                                    "--output", "json").stdout)["items"]
    def attributed(obj):
        labels, annotations = obj["metadata"].get("labels", {}), obj["metadata"].get("annotations", {})
        return (annotations.get(TRACKING, "").startswith(f"{APP}:")
                or labels.get("app.kubernetes.io/instance") in (APP, RELEASE))
    return [obj for obj in everything if attributed(obj) and obj["kind"] not in IGNORED_BY_ARGOCD
            and not obj["metadata"].get("ownerReferences")]


def comparable(obj: dict) -> dict:
    obj = json.loads(json.dumps(obj))
    for key in SERVER_METADATA:
        obj["metadata"].pop(key, None)
    obj.pop("status", None)
    return obj


def differences_after_a_dry_run_sync(kubectl, objects: list[dict], namespace: str) -> list[str]:
    """Argo CD's server-side diff: each object as a dry-run apply would leave it, against the live one."""
    predicted = json.loads(apply(kubectl, objects, namespace, "--dry-run=server", "--output", "json").stdout)
    predicted = {(obj["kind"], obj["metadata"]["name"]): obj
                 for obj in predicted.get("items", [predicted])}
    current = live(kubectl, objects)
    return [f"{kind}/{name}" for (kind, name), obj in predicted.items()
            if comparable(obj) != comparable(current[(kind, name)])]


def generated_secrets(cluster, namespace: str) -> dict[str, dict]:
    secrets = client.CoreV1Api(cluster.api).list_namespaced_secret(namespace, label_selector=GENERATED_LABEL).items
    return {s.metadata.name: {"uid": s.metadata.uid, "data": s.data} for s in secrets}


class TestArgoCDSync:
    state: dict = {}

    def test_a_sync_runs_the_secret_generator_first_then_applies_everything_server_side(
            self, cluster, kubectl, render, restricted_namespace):
        manifest = render()
        phases = argocd_sync(cluster, kubectl, restricted_namespace, manifest)
        [config_map] = [h for h in phases["PreSync"] if h["kind"] == "ConfigMap"]
        expected = {s["name"] for s in json.loads(config_map["data"]["secrets.json"])["secrets"]}
        secrets = generated_secrets(cluster, restricted_namespace)
        assert set(secrets) == expected
        assert set(live(kubectl, phases["Sync"])) == {(o["kind"], o["metadata"]["name"]) for o in phases["Sync"]}
        web = client.AppsV1Api(cluster.api).read_namespaced_deployment(f"{RELEASE}-langfuse-web", restricted_namespace)
        assert (gitops.ARGOCD_FIELD_MANAGER, "Apply") in {(f.manager, f.operation) for f in web.metadata.managed_fields}
        # The hooks are gone (hook-succeeded); the helm tests were never applied.
        for hook in phases["PreSync"] + phases["Skipped"]:
            assert kubectl("get", hook["kind"], hook["metadata"]["name"], check=False).returncode != 0
        self.state.update(manifest=manifest, secrets=secrets, sync=phases["Sync"])

    def test_a_fresh_render_is_in_sync_with_the_cluster(self, kubectl, render, restricted_namespace):
        assert render() == self.state["manifest"]
        objects = gitops.objects_by_phase(gitops.objects_of(self.state["manifest"]))["Sync"]
        result = kubectl("diff", "--server-side", "--force-conflicts", "--field-manager", gitops.ARGOCD_FIELD_MANAGER,
                         "-f", "-", stdin=tracked(objects, restricted_namespace), check=False)
        assert result.returncode == 0, f"kubectl diff: a sync would change this (OutOfSync forever):\n{result.stdout}" \
                                       f"{result.stderr}"
        for attempt in range(3):  # a controller may be writing metadata (e.g. a Deployment's revision)
            differing = differences_after_a_dry_run_sync(kubectl, objects, restricted_namespace)
            if not differing:
                break
            time.sleep(2)
        assert differing == [], "a dry-run sync would change these objects: Argo CD would show them OutOfSync"

    def test_argocd_finds_nothing_extraneous_with_label_or_annotation_tracking(self, kubectl):
        """An object Argo CD attributes to the Application but the render lacks is OutOfSync,
        and pruned: the generated Secrets must not be among them."""
        rendered = {(o["kind"], o["metadata"]["name"]) for o in self.state["sync"]}
        kinds = self.state["sync"] + [{"apiVersion": "v1", "kind": "Secret"}]
        extraneous = [f"{o['kind']}/{o['metadata']['name']}" for o in looks_like_the_applications(kubectl, kinds)
                      if (o["kind"], o["metadata"]["name"]) not in rendered]
        assert extraneous == []

    def test_a_second_sync_keeps_every_credential(self, cluster, kubectl, render, restricted_namespace):
        argocd_sync(cluster, kubectl, restricted_namespace, render())
        assert generated_secrets(cluster, restricted_namespace) == self.state["secrets"]
        key = base64.b64decode(self.state["secrets"][f"{RELEASE}-langfuse-secrets"]["data"]["encryption-key"])
        assert len(key) == 64

    def test_pruning_the_previous_migration_job_leaves_the_workloads_and_the_new_job(
            self, cluster, kubectl, render, restricted_namespace):
        before = {(o["kind"], o["metadata"]["name"]) for o in self.state["sync"]}
        apps = client.AppsV1Api(cluster.api)
        uids = {name: apps.read_namespaced_deployment(f"{RELEASE}-langfuse-{name}", restricted_namespace).metadata.uid
                for name in ("web", "worker")}
        # A changed setting of the web image, which the migration Job runs too (as a new LangFuse
        # version would, without pulling an image that may not exist).
        changed = {"langfuse": {"image": {"web": {"pullPolicy": "Always"}}}}
        phases = argocd_sync(cluster, kubectl, restricted_namespace, render(changed))
        after = {(o["kind"], o["metadata"]["name"]) for o in phases["Sync"]}
        # What Argo CD prunes: live objects it tracks that the new render lacks. Only the old Job.
        tracked_live = {(o["kind"], o["metadata"]["name"])
                        for o in looks_like_the_applications(kubectl, self.state["sync"] + phases["Sync"])}
        [(kind, old_job)] = tracked_live - after
        [(_, new_job)] = after - before
        assert kind == "Job" and old_job.startswith(f"{RELEASE}-langfuse-migrate-")
        assert new_job.startswith(f"{RELEASE}-langfuse-migrate-")
        kubectl("delete", "job", old_job, "--cascade=foreground", "--wait")  # PrunePropagationPolicy=foreground
        assert kubectl("get", "job", old_job, check=False).returncode != 0
        assert kubectl("get", "job", new_job).returncode == 0
        for name, uid in uids.items():
            deployment = apps.read_namespaced_deployment(f"{RELEASE}-langfuse-{name}", restricted_namespace)
            assert deployment.metadata.uid == uid, f"{name} was recreated"
            assert deployment.metadata.deletion_timestamp is None
        web = apps.read_namespaced_deployment(f"{RELEASE}-langfuse-web", restricted_namespace)
        assert web.spec.template.spec.containers[0].image_pull_policy == "Always"
        assert generated_secrets(cluster, restricted_namespace) == self.state["secrets"]
