"""The chart as Argo CD sees it: the `helm template` its repo server runs, the sync phase each
Helm hook maps to, and the objects in examples/argocd and examples/flux with their CRD schemas.

Argo CD is read at v3.5.7 (github.com/argoproj/argo-cd/v3 on the Go module proxy, the version
hack/tools/gitops-crds pins) and its in-tree gitops-engine at v3.5.1:
- util/helm/cmd.go, Cmd.template: `helm template . --name-template <release> --namespace <ns>
  --kube-version <v> [--set...] --values <file>... [--values <inline values>]
  --api-versions <each>... --include-crds [--skip-schema-validation] [--skip-tests]`, run in the
  chart's directory (util/helm/helm.go passes "." as the chart path);
- reposerver/repository/repository.go, helmTemplate: the release is the Application's name unless
  `helm.releaseName`; the kube version goes through k8s version.ParseGeneric(...).String(), so
  "1.37.0" (no "v"); the API versions come from the cluster;
- util/argo/argo.go, APIResourcesToStrings: every "group/version" and "group/version/Kind" of the
  resources the cluster lists and watches, sorted;
- gitops-engine/pkg/sync/hook/helm/type.go, delete_policy.go, weight.go, and
  gitops-engine/pkg/sync/sync_phase.go: the Helm hook mapping below;
- controller/hook.go: pre-delete (Argo CD 3.3 and later) and post-delete (2.10 and later) run
  when the Application is deleted, outside any sync phase;
- common/common.go: ArgoCDSSAManager, the field manager of its server-side applies.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from . import kube_schema
from .paths import BIN_DIR, REPO_ROOT, tool

EXAMPLE_DIRS = (REPO_ROOT / "examples" / "argocd", REPO_ROOT / "examples" / "flux")
GITOPS_CRD_DIR = BIN_DIR / "gitops-crds"
ARGOCD_FIELD_MANAGER = "argocd-controller"

# Helm hook -> Argo CD sync phase (gitops-engine hook/helm/type.go). Any other value is ignored;
# a hook object whose values all are ignored is never applied ("test" is how Argo CD skips the
# chart's helm tests).
HELM_HOOK_PHASES = {"pre-install": "PreSync", "pre-upgrade": "PreSync",
                    "post-install": "PostSync", "post-upgrade": "PostSync"}
HELM_TEST_HOOKS = {"test", "test-success"}
# Helm hooks Argo CD does not run in a sync: rollbacks have no equivalent, and the delete hooks
# run only on Application deletion, pre-delete not at all before Argo CD 3.3.
UNSUPPORTED_HELM_HOOKS = {"pre-rollback", "post-rollback", "pre-delete", "post-delete", "test-failure"}
# helm.sh/hook-delete-policy -> argocd.argoproj.io/hook-delete-policy (hook/helm/delete_policy.go).
HELM_DELETE_POLICIES = {"before-hook-creation": "BeforeHookCreation", "hook-succeeded": "HookSucceeded",
                        "hook-failed": "HookFailed"}


class GitOpsRenderError(Exception):
    """`helm template` failed as Argo CD runs it; the message carries Helm's stderr."""


def argocd_template_command(release: str, namespace: str, kube_version: str, api_versions: list[str],
                            value_files: list[Path], helm: str = "helm") -> list[str]:
    """The argument list Argo CD's repo server passes, for an Application with valueFiles only."""
    command = [tool(helm), "template", ".", "--name-template", release, "--namespace", namespace,
               "--kube-version", kube_version]
    for value_file in value_files:
        command += ["--values", str(Path(value_file).resolve())]
    for api_version in api_versions:
        command += ["--api-versions", api_version]
    return command + ["--include-crds"]


def argocd_render(chart_dir: Path, release: str, namespace: str, kube_version: str, api_versions: list[str],
                  value_files: list[Path]) -> str:
    """The manifests Argo CD generates: `helm template` run in the chart's directory. Never cached."""
    command = argocd_template_command(release, namespace, kube_version, api_versions, value_files)
    result = subprocess.run(command, cwd=chart_dir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GitOpsRenderError(f"{' '.join(command)}\n{result.stderr.strip()}")
    return result.stdout


def objects_of(text: str) -> list[dict]:
    # libyaml's parser: the ApplicationSet CRD alone is 1.4 MB.
    return [doc for doc in yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if doc]


def api_version_strings(resources_by_group_version: dict[str, list[str]]) -> list[str]:
    """APIResourcesToStrings: {"apps/v1": ["Deployment", ...]} -> ["apps/v1", "apps/v1/Deployment", ...]."""
    found = set()
    for group_version, kinds in resources_by_group_version.items():
        found.add(group_version)
        found.update(f"{group_version}/{kind}" for kind in kinds)
    return sorted(found)


@cache
def schema_api_versions(kube_version: str) -> list[str]:
    """Offline stand-in for a cluster's discovery: the kinds with object metadata in the
    Kubernetes OpenAPI schema of kube_version (a superset: alpha versions included)."""
    major, minor = kube_version.split(".")[:2]
    definitions = json.loads((resources.files("kubernetes_validate") / "kubernetes-json-schema"
                              / f"v{major}.{minor}.0-local-strict" / "_definitions.json").read_text())["$defs"]
    kinds: dict[str, list[str]] = {}
    for definition in definitions.values():
        if "metadata" not in definition.get("properties", {}):
            continue
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            if not gvk["kind"].endswith("List"):
                group_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                kinds.setdefault(group_version, []).append(gvk["kind"])
    return api_version_strings(kinds)


def helm_hooks(obj: dict) -> list[str]:
    value = obj["metadata"].get("annotations", {}).get("helm.sh/hook")
    return [hook.strip() for hook in value.split(",")] if value else []


def is_hook(obj: dict) -> bool:
    """gitops-engine hook.IsHook: an Argo CD hook annotation, or a Helm one other than crd-install."""
    annotations = obj["metadata"].get("annotations", {})
    if "argocd.argoproj.io/hook" in annotations:
        return annotations["argocd.argoproj.io/hook"] != "Skip"
    return "helm.sh/hook" in annotations and annotations["helm.sh/hook"] != "crd-install"


def sync_phases(obj: dict) -> list[str]:
    """The sync phases Argo CD applies the object in (sync_phase.go): ["Sync"] for a plain
    resource, the mapped phases for a Helm hook, [] for a hook Argo CD never applies."""
    if not is_hook(obj):
        return ["Sync"]
    argocd_hooks = obj["metadata"].get("annotations", {}).get("argocd.argoproj.io/hook")
    if argocd_hooks:  # an Argo CD hook annotation overrides the object's Helm hooks
        return sorted({hook.strip() for hook in argocd_hooks.split(",")} & {"PreSync", "Sync", "PostSync", "SyncFail"})
    return sorted({HELM_HOOK_PHASES[hook] for hook in helm_hooks(obj) if hook in HELM_HOOK_PHASES})


def hook_wave(obj: dict) -> int:
    """helm.sh/hook-weight as Argo CD reads it (hook/helm/weight.go: not an integer counts as 0)."""
    try:
        return int(obj["metadata"].get("annotations", {}).get("helm.sh/hook-weight", "0"))
    except ValueError:
        return 0


def objects_by_phase(objects: list[dict]) -> dict[str, list[dict]]:
    """{"PreSync": [...], "Sync": [...], "PostSync": [...], "Skipped": [...]}, each phase in the
    order Argo CD applies it: by wave, then as rendered (Helm already sorts by kind)."""
    phases: dict[str, list[dict]] = {"PreSync": [], "Sync": [], "PostSync": [], "Skipped": []}
    for obj in objects:
        for phase in sync_phases(obj) or ["Skipped"]:
            phases[phase].append(obj)
    for phase in ("PreSync", "PostSync"):
        phases[phase].sort(key=hook_wave)
    return phases


def tracking_id(application: str, obj: dict, namespace: str) -> str:
    """The argocd.argoproj.io/tracking-id annotation (util/argo/resource_tracking.go)."""
    group = obj["apiVersion"].rpartition("/")[0]
    namespace = obj["metadata"].get("namespace", namespace)
    return f"{application}:{group}/{obj['kind']}:{namespace}/{obj['metadata']['name']}"


def example_files() -> list[Path]:
    return sorted(path for directory in EXAMPLE_DIRS for path in directory.rglob("*.yaml"))


def example_objects() -> list[tuple[Path, dict]]:
    return [(path, obj) for path in example_files() for obj in objects_of(path.read_text())]


def example(kind: str, name: str) -> dict:
    [found] = [obj for _, obj in example_objects() if obj["kind"] == kind and obj["metadata"]["name"] == name]
    return found


def generated_applications(application_set: dict) -> list[dict]:
    """The Applications of an ApplicationSet with a list generator and a Go template that only
    substitutes {{.key}} (what the examples use); anything else fails."""
    [generator] = application_set["spec"]["generators"]
    template = json.dumps(application_set["spec"]["template"])
    applications = []
    for element in generator["list"]["elements"]:
        def substitute(match, element=element):
            return str(element[match.group(1)])  # KeyError = missingkey=error
        rendered = re.sub(r"\{\{\s*\.(\w+)\s*\}\}", substitute, template)
        assert "{{" not in rendered, f"template syntax beyond {{{{.key}}}}: {rendered}"
        applications.append({"apiVersion": application_set["apiVersion"], "kind": "Application",
                             **json.loads(rendered)})
        applications[-1]["metadata"].setdefault("namespace", application_set["metadata"]["namespace"])
    return applications


def gitops_crds_missing_reason() -> str | None:
    if not any(GITOPS_CRD_DIR.glob("*.yaml")):
        return "bin/gitops-crds has no Argo CD and Flux CRDs (make tools fetches them)"
    return None


def crd_problems(obj: dict, kube_version: str) -> list[str]:
    """Schema violations of a custom resource against its CRD in bin/gitops-crds, as strict as
    the API server's structural schema (unknown fields rejected); CEL rules are not evaluated."""
    schema = kube_schema.crd_schema(obj["apiVersion"], obj["kind"], GITOPS_CRD_DIR)
    where = f"{obj['kind']}/{obj['metadata'].get('name')}"
    if schema is None:
        return [f"{where}: no CRD in bin/gitops-crds serves {obj['apiVersion']} {obj['kind']}"]
    validator = jsonschema.Draft202012Validator(schema, registry=kube_schema._registry(kube_version))
    return [f"{where}: {'.'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
            for error in validator.iter_errors(obj)]
