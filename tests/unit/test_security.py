"""Secure by default: Pod Security "restricted", read-only root filesystems, NetworkPolicies."""

import pytest

from harness.paths import shipped_values_params
from harness.pod_security import pod_specs, violations
from harness.render import render_chart

VALUES_FILES = shipped_values_params()
EVERYTHING_ON = {"global": {"networkPolicy": {"enabled": True}},
                 "langfuse": {"web": {"autoscaling": {"enabled": True}, "ingress": {
                     "enabled": True, "host": "langfuse.example.com"}}}}


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_every_pod_meets_pod_security_restricted(values_file):
    manifest = render_chart(values_files=(values_file,))
    problems = {where: violations(spec) for where, spec in pod_specs(manifest)}
    assert {where: found for where, found in problems.items() if found} == {}


def test_every_container_has_a_read_only_root_filesystem():
    for where, spec in pod_specs(render_chart()):
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, \
                f"{where}/{container['name']}"


def test_every_container_has_resource_requests_and_a_memory_limit():
    for where, spec in pod_specs(render_chart()):
        for container in spec.get("initContainers", []) + spec["containers"]:
            resources = container.get("resources", {})
            assert resources.get("requests", {}).get("cpu"), f"{where}/{container['name']}"
            assert resources.get("requests", {}).get("memory"), f"{where}/{container['name']}"
            assert resources.get("limits", {}).get("memory"), f"{where}/{container['name']}"


def test_the_checker_catches_a_privileged_root_container():
    spec = {"containers": [{"name": "bad", "securityContext": {"privileged": True, "runAsUser": 0}}],
            "volumes": [{"name": "host", "hostPath": {"path": "/"}}]}
    found = " ".join(violations(spec))
    for rule in ("privileged", "allowPrivilegeEscalation", "drop ALL", "runAsNonRoot",
                 "user 0", "seccompProfile", "hostPath"):
        assert rule in found


def test_no_network_policies_unless_asked_for():
    assert render_chart().of_kind("NetworkPolicy") == []


def test_with_network_policies_on_every_pod_is_default_deny():
    manifest = render_chart(values=EVERYTHING_ON)
    policies = manifest.of_kind("NetworkPolicy")

    def selected(pod_labels):
        for policy in policies:
            selector = policy["spec"]["podSelector"]
            if not all(pod_labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()):
                continue
            if all(pod_labels.get(e["key"]) in e["values"] for e in selector.get("matchExpressions", [])):
                yield policy

    for obj in manifest:
        if obj["kind"] not in ("Deployment", "StatefulSet", "Job"):
            continue
        if obj["metadata"].get("annotations", {}).get("helm.sh/hook"):
            continue  # the secret generator runs before the policies exist
        labels = obj["spec"]["template"]["metadata"]["labels"]
        matching = list(selected(labels))
        assert matching, f"{obj['kind']}/{obj['metadata']['name']} is selected by no NetworkPolicy"
        assert all(set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} for p in matching)


@pytest.mark.parametrize("store, port", [("postgres", "postgres"), ("clickhouse", "http"),
                                         ("clickhouse", "native"), ("valkey", "redis"),
                                         ("object-storage", "s3")])
def test_only_langfuse_may_reach_a_data_store(store, port):
    policy = render_chart(values=EVERYTHING_ON).get("NetworkPolicy", f"obs-{store}")
    [rule] = policy["spec"]["ingress"]
    assert {"port": port, "protocol": "TCP"} in rule["ports"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "langfuse"}}}]


def test_langfuse_egress_is_limited_to_dns_its_stores_and_https():
    policy = render_chart(values=EVERYTHING_ON).get("NetworkPolicy", "obs-langfuse-worker")
    ports = {(p["port"], p["protocol"]) for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert ports == {(53, "UDP"), (53, "TCP"), (5432, "TCP"), (8123, "TCP"), (9000, "TCP"),
                     (6379, "TCP"), (443, "TCP"), (8333, "TCP")}


def test_langfuse_web_accepts_connections_only_on_its_port():
    policy = render_chart(values=EVERYTHING_ON).get("NetworkPolicy", "obs-langfuse-web")
    assert policy["spec"]["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]


def test_langfuse_egress_follows_clickhouse_tls_and_a_database_behind_pgbouncer():
    policy = render_chart(values={**EVERYTHING_ON, "langfuse": {
        "clickhouse": {"tls": True},
        "database": {"port": 6432, "directHost": "db.internal", "directPort": 5432}}}).get(
        "NetworkPolicy", "obs-langfuse-worker")
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert {8443, 9440, 6432, 5432} <= ports
    assert not {8123, 9000} & ports
