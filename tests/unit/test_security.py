"""Secure by default: Pod Security "restricted", read-only root filesystems, NetworkPolicies."""

import pytest

from harness.paths import shipped_values_params
from harness.network_policy import hook_events, hook_weight, policies_selecting, selects
from harness.pod_security import pod_specs, pod_templates, violations
from harness.render import render_chart

VALUES_FILES = shipped_values_params()
POLICIES_ON = {"global": {"networkPolicy": {"enabled": True}}}
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


# Hooks that run after the release's ordinary objects exist; the others (pre-install, ...) run
# before them, so a pod of theirs is only covered by a policy created in the same hook, earlier.
HOOKS_AFTER_THE_RELEASE = {"post-install", "post-upgrade", "test", "test-success"}


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_with_network_policies_on_every_pod_is_default_deny(values_file):
    """Every pod of the chart, hook and test Jobs included, is selected by a NetworkPolicy that
    restricts both directions and exists by the time the pod starts."""
    manifest = render_chart(values_files=(values_file,), values=POLICIES_ON)
    for obj, template in pod_templates(manifest):
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        matching = policies_selecting(manifest, template["metadata"].get("labels", {}))
        assert matching, f"{where} is selected by no NetworkPolicy"
        assert all(set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} for p in matching), where
        events = hook_events(obj)
        if events and not events <= HOOKS_AFTER_THE_RELEASE:
            assert all(hook_events(p) == events and hook_weight(p) < hook_weight(obj) for p in matching), \
                f"{where} runs in the {sorted(events)} hook, before its NetworkPolicy exists"


def test_the_secret_generator_may_only_reach_the_api_server():
    [policy] = policies_selecting(render_chart(values=POLICIES_ON),
                                  {"app.kubernetes.io/name": "agent-observability",
                                   "app.kubernetes.io/instance": "obs",
                                   "app.kubernetes.io/component": "secret-generator"})
    assert policy["spec"].get("ingress", []) == []
    [rule] = policy["spec"]["egress"]
    assert "to" not in rule  # the API server is not a pod: its address is the cluster's
    assert rule["ports"] == [{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}]


# Who may reach web, send OTLP and scrape, narrowed by the user to their own peers.
INGRESS_CONTROLLER = {"app.kubernetes.io/name": "ingress-nginx"}
AGENTS = {"team": "agents"}
NARROWED = {**POLICIES_ON,
            "langfuse": {"networkPolicy": {"webIngressFrom": [
                {"namespaceSelector": {}, "podSelector": {"matchLabels": INGRESS_CONTROLLER}}]}},
            "otel-collector": {"networkPolicy": {
                "otlpIngressFrom": [{"namespaceSelector": {}, "podSelector": {"matchLabels": AGENTS}}],
                "metricsIngressFrom": [{"namespaceSelector": {}, "podSelector": {"matchLabels": AGENTS}}]}}}


def workloads_selected(peers: list[dict], manifest) -> set[str]:
    """The workloads of a render (hooks and tests included) whose pods one of these selectors selects."""
    return {f"{obj['kind']}/{obj['metadata']['name']}" for obj, template in pod_templates(manifest)
            if any(selects(peer, template["metadata"].get("labels", {})) for peer in peers)}


def admitted_on(manifest, policy_name: str, port: str) -> tuple[list[dict], set[str]]:
    """The peers of a policy's ingress rule for `port`, and the workloads of the render they admit."""
    [rule] = [rule for rule in manifest.get("NetworkPolicy", policy_name)["spec"]["ingress"]
              if {"port": port, "protocol": "TCP"} in rule["ports"]]
    peers = [peer["podSelector"] for peer in rule["from"]]
    return peers, workloads_selected(peers, manifest)


def test_narrowed_peers_keep_the_releases_own_clients():
    manifest = render_chart(values=NARROWED)
    # the helm test pods (each one's own egress policy limits it to what it checks)
    tests = {f"Job/{name}" for name in manifest.names("Job") if name.startswith("obs-test-")}
    assert len(tests) == 2
    peers, admitted = admitted_on(manifest, "obs-langfuse-web", "http")
    assert any(selects(peer, INGRESS_CONTROLLER) for peer in peers)
    # the collector exports the traces to web
    assert admitted == {"StatefulSet/obs-otel-collector"} | tests
    peers, admitted = admitted_on(manifest, "obs-otel-collector", "otlp-http")
    assert any(selects(peer, AGENTS) for peer in peers)
    assert admitted == tests
    peers, admitted = admitted_on(manifest, "obs-otel-collector", "metrics")
    assert any(selects(peer, AGENTS) for peer in peers)
    assert admitted == {"StatefulSet/obs-prometheus"} | tests


@pytest.mark.parametrize("values", [POLICIES_ON, NARROWED], ids=["default peers", "narrowed peers"])
@pytest.mark.parametrize("check, target", [
    ("collector-otlp", "StatefulSet/obs-otel-collector"),
    ("langfuse-api", "Deployment/obs-langfuse-web"),
])
def test_a_helm_test_pod_may_reach_what_it_checks_and_nothing_else(check, target, values):
    manifest = render_chart(values=values)
    pods = {f"{obj['kind']}/{obj['metadata']['name']}": template for obj, template in pod_templates(manifest)}
    test_pod = pods[f"Job/obs-test-{check}"]["metadata"]["labels"]
    target_pod = pods[target]["metadata"]["labels"]
    target_ports = {port["containerPort"] for c in pods[target]["spec"]["containers"] for port in c.get("ports", [])}

    [policy] = policies_selecting(manifest, test_pod)
    assert policy["spec"].get("ingress", []) == []
    dns, *rules = policy["spec"]["egress"]
    assert {p["port"] for p in dns["ports"]} == {53} and "to" not in dns
    assert rules and all(selects(peer["podSelector"], target_pod) for rule in rules for peer in rule["to"])
    assert {p["port"] for rule in rules for p in rule["ports"]} <= target_ports

    # and the target's own policy admits the test pod
    admitted = [rule for p in policies_selecting(manifest, target_pod) for rule in p["spec"]["ingress"]
                if "from" not in rule or any(selects(peer.get("podSelector", {}), test_pod)
                                             for peer in rule["from"])]
    assert admitted


STORE_PORTS = [("postgres", "postgres"), ("clickhouse", "http"), ("clickhouse", "native"),
               ("valkey", "redis"), ("object-storage", "s3")]


@pytest.mark.parametrize("store, port", STORE_PORTS)
def test_only_this_releases_langfuse_may_reach_a_data_store(store, port):
    manifest = render_chart(values=EVERYTHING_ON)
    [_] = manifest.get("NetworkPolicy", f"obs-{store}")["spec"]["ingress"]
    # Of every pod the release runs (hooks and tests included): LangFuse's web, worker and
    # migration Job, nothing else.
    peers, admitted = admitted_on(manifest, f"obs-{store}", port)
    [migration] = [name for name in admitted if name.startswith("Job/obs-langfuse-migrate-")]
    assert admitted - {migration} == {"Deployment/obs-langfuse-web", "Deployment/obs-langfuse-worker"}
    # Another release's LangFuse in the same namespace is not admitted.
    other = render_chart(values=EVERYTHING_ON, release="other")
    assert not [name for name in workloads_selected(peers, other) if "/other-langfuse" in name]


def test_langfuse_egress_is_limited_to_dns_its_stores_and_https():
    policy = render_chart(values=EVERYTHING_ON).get("NetworkPolicy", "obs-langfuse-worker")
    ports = {(p["port"], p["protocol"]) for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert ports == {(53, "UDP"), (53, "TCP"), (5432, "TCP"), (8123, "TCP"), (9000, "TCP"),
                     (6379, "TCP"), (443, "TCP"), (8333, "TCP")}


def test_langfuse_web_accepts_connections_only_on_its_port():
    policy = render_chart(values=EVERYTHING_ON).get("NetworkPolicy", "obs-langfuse-web")
    assert policy["spec"]["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]


def test_langfuse_egress_follows_clickhouse_tls_and_a_database_behind_pgbouncer():
    # Managed stores: ClickHouse Cloud over TLS, PostgreSQL behind PgBouncer (the bundled ones
    # serve neither).
    policy = render_chart(values={**EVERYTHING_ON, "postgres": {"enabled": False}, "clickhouse": {"enabled": False},
                                  "langfuse": {
        "clickhouse": {"host": "abc.clickhouse.cloud", "existingSecret": "my-ch", "tls": True},
        "database": {"host": "pgbouncer.internal", "existingSecret": "my-db", "port": 6432,
                     "directHost": "db.internal", "directPort": 5432}}}).get(
        "NetworkPolicy", "obs-langfuse-worker")
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert {8443, 9440, 6432, 5432} <= ports
    assert not {8123, 9000} & ports
