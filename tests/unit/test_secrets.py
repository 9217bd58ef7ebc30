"""Credentials: referenced, never rendered; generated once in the cluster when not provided."""

import json
import re

import pytest

from harness.paths import UMBRELLA_CHART, shipped_values_params
from harness.render import render_chart

CREDENTIAL_NAME = re.compile(r"PASSWORD|SECRET|SALT|ENCRYPTION|_AUTH$|ACCESS_KEY|PUBLIC_KEY")
VALUES_FILES = shipped_values_params()
ENCRYPTION_KEY = "0123456789abcdef" * 4


def generator_spec(manifest):
    return json.loads(manifest.get("ConfigMap", "obs-secret-generator")["data"]["secrets.json"])


def generated(manifest):
    return {s["name"]: s["keys"] for s in generator_spec(manifest)["secrets"]}


def secret_references(manifest):
    """Every (Secret name, key) a pod of the release reads."""
    refs = set()
    for obj in manifest:
        spec = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.add((ref["name"], ref["key"]))
    return refs


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_no_credential_is_rendered_as_a_plain_value(values_file):
    manifest = render_chart(values_files=(values_file,))
    for obj in manifest:
        spec = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            for var in container.get("env", []):
                if CREDENTIAL_NAME.search(var["name"]):
                    assert "value" not in var, f"{obj['metadata']['name']}: {var['name']} has a value"
        if obj["kind"] == "ConfigMap":
            assert not [k for k in obj["data"] if CREDENTIAL_NAME.search(k) and k != "secrets.json"]
    assert manifest.of_kind("Secret") == []


def test_every_secret_a_pod_reads_is_generated_with_that_key():
    manifest = render_chart()
    keys = generated(manifest)
    for name, key in secret_references(manifest):
        assert key in keys.get(name, {}), f"{name}/{key} is read but nobody creates it"


def test_generated_values_have_the_required_shapes():
    keys = generated(render_chart())
    assert keys["obs-langfuse-secrets"]["encryption-key"] == "hex:32"  # 64 hex characters
    assert keys["obs-langfuse-project-keys"] == {"public-key": "prefixed-uuid:pk-lf-",
                                                 "secret-key": "prefixed-uuid:sk-lf-"}


def test_a_secret_you_name_is_used_and_not_generated():
    manifest = render_chart(values={"postgres": {"auth": {"existingSecret": "my-db"}},
                                    "langfuse": {"secrets": {"existingSecret": "mine"},
                                                 "database": {"existingSecret": "my-db"}}})
    assert "obs-langfuse-secrets" not in generated(manifest)
    assert "obs-postgres-auth" not in generated(manifest)
    assert ("mine", "encryption-key") in secret_references(manifest)
    assert ("my-db", "password") in secret_references(manifest)


def test_nothing_to_generate_renders_no_generator():
    manifest = render_chart(values={"langfuse": {"enabled": False}, "postgres": {"enabled": False},
                                    "clickhouse": {"enabled": False}, "valkey": {"enabled": False},
                                    "object-storage": {"enabled": False}, "otel-collector": {"enabled": False},
                                    "monitoring": {"grafana": {"admin": {"existingSecret": "my-grafana"}}}})
    assert not [o for o in manifest if "secret-generator" in o["metadata"]["name"]]


def test_the_generator_is_a_hook_that_runs_before_every_install_and_upgrade():
    manifest = render_chart()
    for kind in ("Job", "ConfigMap", "ServiceAccount", "Role", "RoleBinding"):
        annotations = manifest.get(kind, "obs-secret-generator")["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    job = manifest.get("Job", "obs-secret-generator")
    config = manifest.get("ConfigMap", "obs-secret-generator")
    assert int(job["metadata"]["annotations"]["helm.sh/hook-weight"]) > \
        int(config["metadata"]["annotations"]["helm.sh/hook-weight"])


def test_the_generator_may_touch_only_the_release_secrets():
    manifest = render_chart()
    rules = manifest.get("Role", "obs-secret-generator")["rules"]
    assert all(rule["resources"] == ["secrets"] for rule in rules)
    named = [rule for rule in rules if "resourceNames" in rule]
    assert named[0]["verbs"] == ["get", "patch"]
    assert set(named[0]["resourceNames"]) == set(generated(manifest))
    assert [rule["verbs"] for rule in rules if "resourceNames" not in rule] == [["create"]]


def test_secrets_given_as_values_are_rendered_into_a_secret_and_roll_the_pods():
    secrets = {"existingSecret": "", "nextauthSecret": "nextauth-value", "salt": "salt-value", "encryptionKey": ENCRYPTION_KEY}
    manifest = render_chart(values={"langfuse": {"secrets": secrets}})
    secret = manifest.get("Secret", "obs-langfuse-secrets")
    assert secret["stringData"]["encryption-key"] == ENCRYPTION_KEY
    assert "obs-langfuse-secrets" not in generated(manifest)
    rotated = render_chart(values={"langfuse": {"secrets": secrets | {"salt": "rotated-salt"}}})
    path = "spec.template.metadata.annotations.\"checksum/secrets\""
    assert manifest.find("Deployment", "obs-langfuse-web", path) != \
        rotated.find("Deployment", "obs-langfuse-web", path)


def test_no_template_generates_or_looks_up_a_value():
    # Argo CD renders on every comparison: a random value would rotate on every sync, and
    # `lookup` sees nothing there. (Byte-identical renders: test_values_files.) A validate.yaml
    # renders no object, only refusals: one may look at the cluster to refuse a change Helm can
    # see (the clickhouse chart's topology switch), which Argo CD then does not refuse.
    for path in UMBRELLA_CHART.rglob("*"):
        if path.is_file() and "templates" in path.relative_to(UMBRELLA_CHART).parts:
            text = path.read_text()
            assert not re.search(r"rand(Alpha|Alpha[Nn]um|Numeric|Ascii|Bytes)|uuidv4", text), path
            if path.name != "validate.yaml":
                assert "lookup" not in text, path
