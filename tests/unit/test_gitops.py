"""The chart under Argo CD and Flux: rendered exactly as Argo CD's repo server renders it, every
Helm hook has a sync phase Argo CD runs, and the objects in examples/ are valid, use the
shipped values files and the chart's version, and configure what this chart needs.

How Argo CD renders and maps hooks, and where that is read upstream: harness/gitops.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile

import pytest
import yaml

from harness import gitops, kube_schema
from harness.paths import KUBE_VERSION_NEWEST, REPO_ROOT, UMBRELLA_CHART, declared_api_versions, tool
from harness.render import render_chart

CHART = yaml.safe_load((UMBRELLA_CHART / "Chart.yaml").read_text())
APPLICATION_SET = gitops.example("ApplicationSet", "agent-observability")
OCI_APPLICATION = gitops.example("Application", "obs")
APPLICATIONS = gitops.generated_applications(APPLICATION_SET) + [OCI_APPLICATION]
HELM_RELEASE = gitops.example("HelmRelease", "obs")
OCI_REPOSITORY = gitops.example("OCIRepository", "agent-observability")
KNOWN_KINDS = {("argoproj.io/v1alpha1", "Application"), ("argoproj.io/v1alpha1", "ApplicationSet"),
               ("helm.toolkit.fluxcd.io/v2", "HelmRelease"), ("source.toolkit.fluxcd.io/v1", "OCIRepository"),
               ("v1", "Namespace")}


@pytest.fixture(scope="module")
def published_chart(tmp_path_factory):
    """The chart as `make publish` pushes it (`helm package`), unpacked: what an OCI source gets."""
    work = tmp_path_factory.mktemp("published")
    subprocess.run([tool("helm"), "package", str(UMBRELLA_CHART), "--destination", str(work)],
                   check=True, capture_output=True)
    with tarfile.open(work / f"{CHART['name']}-{CHART['version']}.tgz") as archive:
        archive.extractall(work, filter="data")
    return work / CHART["name"]


def helm_source(application: dict) -> dict:
    [source] = [s for s in application["spec"].get("sources", [application["spec"].get("source")]) if "helm" in s]
    return source


def chart_dir_and_value_files(application: dict, published_chart):
    """Where Argo CD renders the Application's chart, and its value files as local paths: a Git
    source's chart is its path in this repository, value files relative to it; an OCI source's
    chart is the published package, and `$values/` the root of the Git source with `ref: values`."""
    source = helm_source(application)
    value_files = source["helm"]["valueFiles"]
    if source["repoURL"].startswith("oci://"):
        [ref] = [s["ref"] for s in application["spec"]["sources"] if "ref" in s]
        assert all(f.startswith(f"${ref}/") for f in value_files)
        return published_chart, [REPO_ROOT / f.removeprefix(f"${ref}/") for f in value_files]
    chart_dir = REPO_ROOT / source["path"]
    return chart_dir, [(chart_dir / f).resolve() for f in value_files]


_renders: dict[str, str] = {}


def argocd_render(application: dict, published_chart, fresh: bool = False) -> str:
    """The Application's manifests as Argo CD generates them; kept for the next test unless fresh."""
    name = application["metadata"]["name"]
    if fresh or name not in _renders:
        chart_dir, value_files = chart_dir_and_value_files(application, published_chart)
        rendered = gitops.argocd_render(chart_dir, helm_source(application)["helm"]["releaseName"],
                                        application["spec"]["destination"]["namespace"], KUBE_VERSION_NEWEST,
                                        # The destination cluster serves what its values files need too.
                                        [*gitops.schema_api_versions(KUBE_VERSION_NEWEST),
                                         *declared_api_versions(value_files)], value_files)
        if fresh:
            return rendered
        _renders[name] = rendered
    return _renders[name]


def by_application(test):
    return pytest.mark.parametrize("application", APPLICATIONS, ids=[a["metadata"]["name"] for a in APPLICATIONS])(test)


# -- Argo CD renders the chart -------------------------------------------------------------------

def test_the_render_command_is_argocd_repo_servers():
    command = gitops.argocd_template_command("obs", "observability", "1.37.0", ["v1", "v1/ConfigMap"],
                                             [REPO_ROOT / "values" / "kind.yaml"])
    assert command[1:] == ["template", ".", "--name-template", "obs", "--namespace", "observability",
                           "--kube-version", "1.37.0", "--values", str(REPO_ROOT / "values" / "kind.yaml"),
                           "--api-versions", "v1", "--api-versions", "v1/ConfigMap", "--include-crds"]


@by_application
def test_argocd_renders_each_application_byte_identically(application, published_chart):
    first = argocd_render(application, published_chart)
    second = argocd_render(application, published_chart, fresh=True)
    assert first == second, "two renders differ: Argo CD would be OutOfSync forever and rotate what differs"
    kube_schema.validate_all(gitops.objects_of(first), KUBE_VERSION_NEWEST)


@by_application
def test_every_helm_hook_has_a_sync_phase_argocd_runs(application, published_chart):
    phases = gitops.objects_by_phase(gitops.objects_of(argocd_render(application, published_chart)))
    for obj in phases["PreSync"] + phases["PostSync"] + phases["Skipped"]:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        hooks = set(gitops.helm_hooks(obj))
        annotations = obj["metadata"]["annotations"]
        assert not hooks & gitops.UNSUPPORTED_HELM_HOOKS, f"{where}: Argo CD never runs {hooks}"
        assert hooks <= set(gitops.HELM_HOOK_PHASES) or hooks <= gitops.HELM_TEST_HOOKS, \
            f"{where}: {hooks} mixes a test hook with a phase hook, or is unknown"
        assert not [key for key in annotations if key.startswith("argocd.argoproj.io/")], \
            f"{where}: an Argo CD annotation would make Argo CD ignore its Helm hooks"
        assert str(gitops.hook_wave(obj)) == annotations.get("helm.sh/hook-weight", "0"), \
            f"{where}: Argo CD reads a hook weight that is not an integer as 0"
        policies = [p.strip() for p in annotations.get("helm.sh/hook-delete-policy", "").split(",") if p]
        assert set(policies) <= set(gitops.HELM_DELETE_POLICIES), f"{where}: {policies}"
        # Argo CD applies a named hook with `kubectl apply`: without this policy a Job that
        # exists from a failed sync would not run again.
        assert "before-hook-creation" in policies, f"{where}: {policies}"
    # What runs where: the secret generator before the sync, the helm tests never.
    assert {o["metadata"]["labels"]["app.kubernetes.io/component"] for o in phases["PreSync"]} == {"secret-generator"}
    assert phases["PostSync"] == []
    assert {o["metadata"]["labels"]["app.kubernetes.io/component"] for o in phases["Skipped"]} <= {"test"}
    # The generator's Job runs after its ServiceAccount, Role, RoleBinding and ConfigMap exist.
    [job] = [o for o in phases["PreSync"] if o["kind"] == "Job"]
    assert all(gitops.hook_wave(o) < gitops.hook_wave(job) for o in phases["PreSync"] if o is not job)


@by_application
def test_nothing_rendered_keeps_argocd_out_of_sync(application, published_chart):
    synced = gitops.objects_by_phase(gitops.objects_of(argocd_render(application, published_chart)))["Sync"]
    keys = [(o["kind"], o["metadata"].get("name")) for o in synced]
    assert all(name for _, name in keys), "Argo CD cannot track an object without a name (generateName)"
    assert len(keys) == len(set(keys))
    for obj in synced:
        # The TTL controller would delete a finished Job, and every sync would create it again.
        assert not (obj["kind"] == "Job" and "ttlSecondsAfterFinished" in obj["spec"]), obj["metadata"]["name"]
    # An HPA owns its target's replicas; a rendered `replicas` would be reset by every sync.
    for hpa in (o for o in synced if o["kind"] == "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        [workload] = [o for o in synced if o["kind"] == target["kind"] and o["metadata"]["name"] == target["name"]]
        assert "replicas" not in workload["spec"], f"{target['kind']}/{target['name']} renders replicas under an HPA"


def test_generated_secrets_are_invisible_to_argocd_label_tracking():
    """With `application.resourceTrackingMethod: label` Argo CD counts every object labelled
    app.kubernetes.io/instance=<app> as the Application's: a generated Secret with that label
    would be OutOfSync as extraneous, and pruned (its credentials rotated) by `prune: true`."""
    config_map = render_chart(values_files=(REPO_ROOT / "values" / "gitops.yaml", REPO_ROOT / "values" / "kind.yaml")) \
        .get("ConfigMap", "obs-secret-generator")
    secrets = json.loads(config_map["data"]["secrets.json"])["secrets"]
    assert secrets
    for secret in secrets:
        assert "app.kubernetes.io/instance" not in secret["labels"], secret["name"]


# -- The examples --------------------------------------------------------------------------------

def test_examples_pass_yamllint():
    result = subprocess.run([sys.executable, "-m", "yamllint", "--strict",
                             "--config-file", str(REPO_ROOT / "ci" / "lintconf.yaml"), *map(str, gitops.EXAMPLE_DIRS)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_examples_are_known_kinds_with_their_required_fields():
    found = gitops.example_objects()
    assert {path.parent for path, _ in found} == set(gitops.EXAMPLE_DIRS)
    for path, obj in found:
        where = f"{path.relative_to(REPO_ROOT)}: {obj.get('kind')}"
        assert (obj.get("apiVersion"), obj.get("kind")) in KNOWN_KINDS, where
        assert obj["metadata"]["name"], where
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"], where
    for application in APPLICATIONS:
        spec = application["spec"]
        assert spec["project"] and spec["destination"]["namespace"]
        for source in spec.get("sources", [spec.get("source")]):
            assert source["repoURL"] and source["targetRevision"]
    for flux in (HELM_RELEASE, OCI_REPOSITORY):
        assert flux["spec"]["interval"]
    assert OCI_REPOSITORY["spec"]["url"]
    assert set(HELM_RELEASE["spec"]["chartRef"]) >= {"kind", "name"}


def test_examples_validate_against_the_argocd_and_flux_crds():
    missing = gitops.gitops_crds_missing_reason()
    if missing:
        pytest.skip(missing)
    problems = []
    for _, obj in gitops.example_objects():
        if obj["kind"] == "Namespace":
            problems += kube_schema.problems(obj, KUBE_VERSION_NEWEST)
        else:
            problems += gitops.crd_problems(obj, KUBE_VERSION_NEWEST)
    for application in gitops.generated_applications(APPLICATION_SET):
        problems += gitops.crd_problems(application, KUBE_VERSION_NEWEST)
    assert problems == []


def test_the_examples_deploy_every_shipped_values_file():
    shipped = {path.name for path in (REPO_ROOT / "values").glob("*.yaml")}
    deployed_by_argocd = set()
    for application in APPLICATIONS:
        _, value_files = chart_dir_and_value_files(application, UMBRELLA_CHART)
        assert all(path.is_file() and path.parent == REPO_ROOT / "values" for path in value_files), value_files
        deployed_by_argocd |= {path.name for path in value_files}
    assert deployed_by_argocd == shipped
    # Flux reads them from a ConfigMap made with `--from-file=values/<name>`: keys are file names.
    keys = [ref["valuesKey"] for ref in HELM_RELEASE["spec"]["valuesFrom"]]
    assert set(keys) <= shipped and keys[0] == "gitops.yaml"


def test_the_documented_configmap_has_the_keys_the_flux_release_reads():
    readme = (REPO_ROOT / "examples" / "flux" / "README.md").read_text()
    created = re.findall(r"--from-file=values/(\S+)", readme)
    assert created == [ref["valuesKey"] for ref in HELM_RELEASE["spec"]["valuesFrom"]]


def test_the_oci_sources_are_the_published_chart_at_its_version():
    chart_url = f"oci://ghcr.io/agent-observability/charts/{CHART['name']}"
    source = helm_source(OCI_APPLICATION)
    assert (source["repoURL"], source["targetRevision"], source["path"]) == (chart_url, CHART["version"], ".")
    assert OCI_REPOSITORY["spec"]["url"] == chart_url
    assert OCI_REPOSITORY["spec"]["ref"] == {"tag": CHART["version"]}
    assert OCI_REPOSITORY["spec"]["layerSelector"]["mediaType"] == "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


@by_application
def test_argocd_applications_sync_server_side_into_a_restricted_namespace(application):
    spec = application["spec"]
    assert {"ServerSideApply=true", "CreateNamespace=true"} <= set(spec["syncPolicy"]["syncOptions"])
    assert "ServerSideDiff=true" in application["metadata"]["annotations"]["argocd.argoproj.io/compare-options"]
    assert spec["syncPolicy"]["automated"]["prune"] is True
    labels = spec["syncPolicy"]["managedNamespaceMetadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    # The chart needs no exceptions: the e2e tier shows a re-applied render changes nothing.
    assert "ignoreDifferences" not in spec
    assert helm_source(application)["helm"]["releaseName"] == "obs"


# -- Flux ----------------------------------------------------------------------------------------

def test_flux_release_remediates_failures_and_leaves_crds_alone():
    spec = HELM_RELEASE["spec"]
    assert spec["chartRef"] == {"kind": "OCIRepository", "name": OCI_REPOSITORY["metadata"]["name"]}
    assert OCI_REPOSITORY["metadata"]["namespace"] == HELM_RELEASE["metadata"]["namespace"]
    assert spec["install"]["remediation"]["retries"] >= 1
    assert spec["upgrade"]["remediation"]["retries"] >= 1
    assert spec["upgrade"]["remediation"]["strategy"] == "rollback"
    assert spec["test"]["enable"] is True
    # `Skip` because the chart ships no CRDs: no crds/ directory anywhere, none rendered.
    assert spec["install"]["crds"] == spec["upgrade"]["crds"] == "Skip"
    assert not [path for path in UMBRELLA_CHART.rglob("crds") if path.is_dir()]
    rendered = gitops.argocd_render(UMBRELLA_CHART, "obs", "observability", KUBE_VERSION_NEWEST, [], [])
    assert "CustomResourceDefinition" not in {obj["kind"] for obj in gitops.objects_of(rendered)}


def test_flux_release_renders_with_its_values():
    """helm-controller merges valuesFrom in order, later keys winning (as Helm merges --values);
    the ConfigMap's keys are the shipped files, so the release renders as these files do."""
    files = tuple(REPO_ROOT / "values" / ref["valuesKey"] for ref in HELM_RELEASE["spec"]["valuesFrom"])
    manifest = render_chart(values_files=files, release=HELM_RELEASE["spec"]["releaseName"],
                            namespace=HELM_RELEASE["metadata"]["namespace"])
    assert manifest.get("Deployment", "obs-langfuse-web")
