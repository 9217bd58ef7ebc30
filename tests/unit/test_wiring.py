"""The umbrella's components find each other: what one chart names of another's is that object.

Inside agent-observability the charts that connect to a component (the collector to LangFuse,
LangFuse to its stores, Prometheus to the collector) cannot see that component's values, so
every name is "<release>-<component>[-<object>]", derived in one place, and a value that would
change one side only is refused with what to set. tests/unit/test_references.py checks every
render resolves; these tests check the settings a user makes to move a reference.
"""

from __future__ import annotations

import re

import pytest

from harness.kube_schema import names_over_their_limits
from harness.paths import SUBCHARTS, shipped_values_files
from harness.render import RenderError, render_chart, render_notes

from unit.test_secrets import generated  # the secret generator's spec: Secret name → keys


COMPONENTS = [chart.name for chart in SUBCHARTS]
# The longest release name whose every derived name fits its limit (validate.yaml says why).
LONGEST_RELEASE = 36


@pytest.mark.parametrize("override", ["nameOverride", "fullnameOverride"])
@pytest.mark.parametrize("component", COMPONENTS)
def test_renaming_a_component_inside_the_umbrella_is_refused_with_the_value_to_remove(component, override):
    with pytest.raises(RenderError) as failure:
        render_chart(values={component: {override: "renamed"}})
    assert f"{component}.{override}" in failure.value.stderr
    assert f"obs-{component}" in failure.value.stderr  # the name it keeps


def secret_names_read_by(manifest, workload: str) -> set[str]:
    """The Secrets a workload's containers read variables from."""
    return {value[1] for container in manifest.containers(workload)
            for value in manifest.env(workload, container).values()
            if isinstance(value, tuple) and value[0] == "secret"}


def test_one_setting_names_the_project_keys_secret_for_langfuse_the_collector_the_agents_and_the_generator():
    values = {"global": {"langfuse": {"projectKeys": {"existingSecret": "my-keys"}}}}
    manifest = render_chart(values=values)
    assert "my-keys" in secret_names_read_by(manifest, "obs-langfuse-web")
    assert "my-keys" in secret_names_read_by(manifest, "obs-otel-collector")
    assert "obs-langfuse-project-keys" not in generated(manifest)
    notes = render_notes(values=values)
    assert "secretKeyRef: {name: my-keys, key: public-key}" in notes
    assert "project API keys in Secret my-keys" in notes


@pytest.mark.parametrize("path", [
    pytest.param({"langfuse": {"init": {"projectKeys": {"existingSecret": "my-keys"}}}},
                 id="langfuse.init.projectKeys.existingSecret"),
    pytest.param({"otel-collector": {"langfuse": {"projectKeys": {"existingSecret": "my-keys"}}}},
                 id="otel-collector.langfuse.projectKeys.existingSecret"),
])
def test_naming_the_project_keys_secret_for_one_chart_only_is_refused_with_the_one_setting(path):
    with pytest.raises(RenderError) as failure:
        render_chart(values=path)
    assert "global.langfuse.projectKeys.existingSecret" in failure.value.stderr
    assert "my-keys" in failure.value.stderr


def test_with_langfuse_elsewhere_the_collector_reads_the_project_keys_the_one_setting_names():
    values = {"langfuse": {"enabled": False},
              "global": {"langfuse": {"projectKeys": {"existingSecret": "cloud-keys"}}},
              "otel-collector": {"langfuse": {"endpoint": "https://cloud.langfuse.com/api/public/otel"}}}
    manifest = render_chart(values=values)
    assert "cloud-keys" in secret_names_read_by(manifest, "obs-otel-collector")


STORE_SETTINGS = {"postgres": "database", "clickhouse": "clickhouse", "valkey": "redis", "object-storage": "s3"}


@pytest.mark.parametrize("store", STORE_SETTINGS)
def test_a_bundled_stores_secret_named_on_one_side_only_is_refused_with_the_other_setting(store):
    setting = f"langfuse.{STORE_SETTINGS[store]}.existingSecret"
    with pytest.raises(RenderError) as failure:
        render_chart(values={store: {"auth": {"existingSecret": "my-store-secret"}}})
    assert f"{store}.auth.existingSecret" in failure.value.stderr
    assert f"also set {setting}: my-store-secret" in failure.value.stderr
    with pytest.raises(RenderError) as failure:
        render_chart(values={"langfuse": {STORE_SETTINGS[store]: {"existingSecret": "my-store-secret"}}})
    assert f"also set {store}.auth.existingSecret: my-store-secret" in failure.value.stderr


def test_langfuse_on_another_port_is_refused_until_the_collector_exports_to_that_port():
    with pytest.raises(RenderError) as failure:
        render_chart(values={"langfuse": {"web": {"service": {"port": 80}}}})
    assert "set otel-collector.langfuse.endpoint to http://obs-langfuse-web:80/api/public/otel" in failure.value.stderr
    manifest = render_chart(values={"langfuse": {"web": {"service": {"port": 80}}},
                                    "otel-collector": {"langfuse": {
                                        "endpoint": "http://{{ .Release.Name }}-langfuse-web:80/api/public/otel"}}})
    assert manifest.find("Service", "obs-langfuse-web", "spec.ports[0].port") == 80


@pytest.mark.parametrize("values_file", shipped_values_files(), ids=lambda path: path.name)
def test_every_name_of_a_release_with_the_longest_allowed_name_fits_untruncated(values_file):
    # The pg_dump CronJob's names too, where the file keeps the bundled StatefulSet (a
    # CloudNativePG Cluster backs itself up).
    values = {} if "cloudnativepg" in values_file.read_text() else {"postgres": {"backup": {"enabled": True}}}
    release = "r" * LONGEST_RELEASE
    try:
        manifest = render_chart(values_files=(values_file,), release=release, values=values)
    except RenderError as refusal:
        # A file may allow less (ClickHouse's cluster mode names a longer StatefulSet): the
        # refusal says by how much, and that length must then fit.
        shorter = re.search(r"use a release name \(or fullnameOverride\) (\d+) characters shorter", refusal.stderr)
        assert shorter, refusal.stderr
        release = "r" * (LONGEST_RELEASE - int(shorter.group(1)))
        manifest = render_chart(values_files=(values_file,), release=release, values=values)
    assert names_over_their_limits(manifest) == []
    assert all(obj["metadata"]["name"].startswith(release) for obj in manifest
               if obj["kind"] not in ("CustomResourceDefinition",))


def test_a_release_name_one_character_too_long_is_refused_with_the_limit():
    with pytest.raises(RenderError) as failure:
        render_chart(release="r" * (LONGEST_RELEASE + 1))
    assert f"at most {LONGEST_RELEASE} characters" in failure.value.stderr


@pytest.mark.parametrize("setting", ["database", "clickhouse", "redis"])
def test_langfuse_reading_a_bundled_stores_password_under_another_key_is_refused(setting):
    with pytest.raises(RenderError) as failure:
        render_chart(values={"langfuse": {setting: {"passwordKey": "pw"}}})
    assert f"langfuse.{setting}.passwordKey" in failure.value.stderr


def test_the_generated_grafana_admin_secret_has_the_key_grafana_reads():
    manifest = render_chart(values={"monitoring": {"grafana": {"admin": {"passwordKey": "admin-password"}}}})
    assert list(generated(manifest)["obs-grafana-admin"]) == ["admin-password"]


def test_a_collector_without_langfuse_reading_the_keys_nothing_generates_is_refused():
    with pytest.raises(RenderError) as failure:
        render_chart(values={"langfuse": {"enabled": False}, "otel-collector": {
            "langfuse": {"endpoint": "https://cloud.langfuse.com/api/public/otel"}}})
    assert "set global.langfuse.projectKeys.existingSecret" in failure.value.stderr


@pytest.mark.parametrize("values, message", [
    ({"clickhouse": {"service": {"httpPort": 4222}}}, "also set langfuse.clickhouse.httpPort: 4222"),
    ({"clickhouse": {"service": {"nativePort": 9001}}}, "also set langfuse.clickhouse.nativePort: 9001"),
    ({"postgres": {"service": {"port": 6543}}}, "also set langfuse.database.port: 6543"),
    ({"valkey": {"service": {"port": 6380}}}, "also set langfuse.redis.port: 6380"),
    ({"langfuse": {"database": {"port": 1061}}}, "also set langfuse.database.port: 5432"),
    ({"object-storage": {"service": {"s3Port": 9000}}}, "remove object-storage.service.s3Port from your values"),
], ids=["clickhouse-http", "clickhouse-native", "postgres", "valkey", "langfuse-side", "object-storage"])
def test_a_bundled_store_on_another_port_than_langfuse_connects_to_is_refused_with_the_setting(values, message):
    with pytest.raises(RenderError) as failure:
        render_chart(values=values)
    assert message in failure.value.stderr


def test_a_bundled_store_moved_to_another_port_together_with_langfuse_renders_wired():
    manifest = render_chart(values={"clickhouse": {"service": {"httpPort": 4222}},
                                    "langfuse": {"clickhouse": {"httpPort": 4222}}})
    assert manifest.get("ConfigMap", "obs-langfuse")["data"]["CLICKHOUSE_URL"] == "http://obs-clickhouse:4222"
    assert 4222 in [port["port"] for port in manifest.get("Service", "obs-clickhouse")["spec"]["ports"]]
