"""The render harness itself: the other unit tests rely on each of these behaviours."""

import pytest

from harness import kube_schema
from harness.paths import KUBE_VERSION_NEWEST, KUBE_VERSION_OLDEST, UMBRELLA_CHART
from harness.render import RenderError, render_cache_info, render_chart


def test_a_failing_render_raises_with_helms_own_message():
    with pytest.raises(RenderError) as failure:
        render_chart(values={"no-such-component": {"enabled": True}})
    assert "no-such-component" in failure.value.stderr
    assert "additional properties" in failure.value.stderr.lower()


def test_identical_renders_are_served_from_the_cache():
    render_chart(values={"monitoring": {"enabled": False}})
    hits_before = render_cache_info().hits
    render_chart(values={"monitoring": {"enabled": False}})
    assert render_cache_info().hits == hits_before + 1


def test_a_cached_render_cannot_be_changed_by_a_test():
    first = render_chart()
    first.objects[0]["metadata"]["name"] = "edited"
    assert render_chart().objects[0]["metadata"]["name"] != "edited"


def test_lookup_by_kind_and_name_names_what_exists_when_it_misses():
    manifest = render_chart()
    with pytest.raises(KeyError, match="obs-langfuse"):
        manifest.get("ServiceAccount", "obs-nothing")


def test_render_passes_release_and_namespace_through():
    manifest = render_chart(release="team-a", namespace="observability-a")
    assert "team-a-langfuse" in manifest.names("ServiceAccount")


def test_set_values_go_through_helms_set_after_the_values():
    manifest = render_chart(values={"langfuse": {"web": {"replicas": 2}}},
                            set_values=("langfuse.web.replicas=3",))
    assert manifest.find("Deployment", "obs-langfuse-web", "spec.replicas") == 3


def test_schema_validation_rejects_an_unknown_field():
    service_account = {"apiVersion": "v1", "kind": "ServiceAccount",
                       "metadata": {"name": "x"}, "automountServiceAccountTokens": False}
    with pytest.raises(kube_schema.SchemaViolation, match="automountServiceAccountTokens"):
        kube_schema.validate_all([service_account], KUBE_VERSION_NEWEST)


def test_schema_validation_rejects_a_kind_the_api_version_does_not_serve():
    # PodSecurityPolicy left the API in 1.25; a chart that renders one is broken everywhere.
    psp = {"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": {"name": "x"}}
    with pytest.raises(kube_schema.SchemaViolation, match="has no policy/v1beta1 PodSecurityPolicy"):
        kube_schema.validate_all([psp], KUBE_VERSION_OLDEST)


def test_schema_validation_rejects_a_wrong_type():
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
                  "spec": {"replicas": "two", "selector": {}, "template": {}}}
    with pytest.raises(kube_schema.SchemaViolation, match="spec.replicas"):
        kube_schema.validate_all([deployment], KUBE_VERSION_NEWEST)


def test_both_supported_kubernetes_versions_have_schemas():
    for version in (KUBE_VERSION_OLDEST, KUBE_VERSION_NEWEST):
        assert version.rsplit(".", 1)[0] in kube_schema.available_versions()


def test_the_umbrella_chart_is_found():
    assert (UMBRELLA_CHART / "Chart.yaml").is_file()


def test_a_workload_is_found_by_name_whatever_its_kind_and_a_job_by_its_pods_component():
    manifest = render_chart()
    assert manifest.workload("obs-otel-collector")["kind"] == "StatefulSet"
    [migration] = manifest.workloads("migration")
    assert migration["kind"] == "Job" and migration["metadata"]["name"].startswith("obs-langfuse-migrate-")
    with pytest.raises(KeyError, match="obs-langfuse-web"):
        manifest.workload("obs-langfuse")


def test_a_containers_environment_reads_its_configmaps_and_names_its_secrets():
    manifest = render_chart()
    assert list(manifest.containers("obs-langfuse-web"))[0] == "wait-for-migrations"
    env = manifest.env("obs-langfuse-web", "web")
    assert env["DATABASE_HOST"] == "obs-postgres:5432"  # from the envFrom ConfigMap obs-langfuse
    assert env["SALT"] == ("secret", "obs-langfuse-secrets", "salt")
