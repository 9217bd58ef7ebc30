"""Where replicated pods run: each tier with more than one replica spreads over nodes unless the
user says otherwise, a zone spread written as a user writes it (no labelSelector: the chart's
labels are not theirs to guess) counts the tier's own pods, and a tier of several replicas that
is down to one during a node drain is kept from going to none by a PodDisruptionBudget.

A topology spread constraint without a labelSelector is valid to the API server and counts no
pods at all (its skew is always 0), so it would silently spread nothing; the scheduler's
placement is KWOK's concern (tests/e2e), the selectors' resolution test_references'."""

import pytest

from harness.render import pod_template, render_chart

ZONE = {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule"}

# workload, the values that replicate it and spread it over zones, as a user writes them.
TIERS = [
    ("obs-langfuse-web", {"langfuse": {"web": {"replicas": 2, "topologySpreadConstraints": [ZONE]}}}),
    ("obs-langfuse-worker", {"langfuse": {"worker": {"replicas": 2, "topologySpreadConstraints": [ZONE]}}}),
    ("obs-otel-collector", {"otel-collector": {"replicas": 2, "topologySpreadConstraints": [ZONE]}}),
    ("obs-valkey", {"valkey": {"sentinel": {"enabled": True}, "topologySpreadConstraints": [ZONE]},
                    "langfuse": {"redis": {"sentinel": {"enabled": True}}}}),
    ("obs-prometheus", {"monitoring": {"prometheus": {
        "enabled": True, "replicas": 2, "topologySpreadConstraints": [ZONE]}}}),
    ("obs-alertmanager", {"monitoring": {"prometheus": {"enabled": True}, "alertmanager": {
        "enabled": True, "replicas": 2, "topologySpreadConstraints": [ZONE]}}}),
    ("obs-grafana", {"monitoring": {"prometheus": {"enabled": True}, "grafana": {
        "enabled": True, "replicas": 2, "topologySpreadConstraints": [ZONE],
        "database": {"type": "postgres", "host": "grafana-db.example.com:5432", "existingSecret": "grafana-db"}}}}),
]


def selects(selector: dict, labels: dict) -> bool:
    return selector and all(labels.get(key) == value for key, value in selector["matchLabels"].items())


@pytest.mark.parametrize("workload,values", TIERS, ids=[name for name, _ in TIERS])
def test_a_zone_spread_written_without_a_selector_counts_the_tiers_own_pods(workload, values):
    manifest = render_chart(values=values)
    pod = pod_template(manifest.workload(workload))
    labels = pod["metadata"]["labels"]
    (constraint,) = pod["spec"]["topologySpreadConstraints"]
    assert constraint["topologyKey"] == "topology.kubernetes.io/zone"
    assert selects(constraint.get("labelSelector"), labels), constraint
    others = [pod_template(w)["metadata"]["labels"] for w in manifest.workloads() if w["metadata"]["name"] != workload]
    assert not [other for other in others if selects(constraint["labelSelector"], other)], \
        "the spread also counts another tier's pods"


@pytest.mark.parametrize("workload,values", TIERS, ids=[name for name, _ in TIERS])
def test_replicas_prefer_distinct_nodes_unless_the_user_sets_an_affinity(workload, values):
    pod = pod_template(render_chart(values=values).workload(workload))
    (term,) = pod["spec"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert selects(term["podAffinityTerm"]["labelSelector"], pod["metadata"]["labels"])


def test_a_selector_the_user_wrote_is_kept_as_written():
    own = {**ZONE, "labelSelector": {"matchLabels": {"team": "agents"}}}
    pod = pod_template(render_chart(values={"otel-collector": {"topologySpreadConstraints": [own]}})
                       .workload("obs-otel-collector"))
    assert pod["spec"]["topologySpreadConstraints"] == [own]


@pytest.mark.parametrize("workload,values", TIERS[3:], ids=[name for name, _ in TIERS[3:]])
def test_a_replicated_tier_keeps_all_but_one_pod_through_a_drain(workload, values):
    manifest = render_chart(values=values)
    labels = pod_template(manifest.workload(workload))["metadata"]["labels"]
    budgets = [b for b in manifest.of_kind("PodDisruptionBudget") if selects(b["spec"]["selector"], labels)]
    assert [b["spec"].get("maxUnavailable") for b in budgets] == [1]


def test_a_single_prometheus_has_no_budget_and_no_spread():
    manifest = render_chart(values={"monitoring": {"prometheus": {"enabled": True}}})
    assert "obs-prometheus" not in manifest.names("PodDisruptionBudget")
    assert "affinity" not in pod_template(manifest.workload("obs-prometheus"))["spec"]


def test_grafana_replicas_share_one_database_and_roll_without_downtime():
    """More than one Grafana reads the same users and sessions from the database the user names
    (Grafana's [database] settings as GF_DATABASE_*), its password by reference only; a single
    Grafana on SQLite keeps Recreate, since two pods must never write one file."""
    values = dict(TIERS[-1][1])
    manifest = render_chart(values=values)
    deployment = manifest.workload("obs-grafana")
    assert deployment["spec"]["replicas"] == 2 and "strategy" not in deployment["spec"]
    env = {e["name"]: e for e in manifest.containers("obs-grafana")["grafana"]["env"]}
    assert {k: env[k].get("value") for k in ("GF_DATABASE_TYPE", "GF_DATABASE_HOST", "GF_DATABASE_NAME",
                                                 "GF_DATABASE_USER", "GF_DATABASE_SSL_MODE")} == {
        "GF_DATABASE_TYPE": "postgres", "GF_DATABASE_HOST": "grafana-db.example.com:5432",
        "GF_DATABASE_NAME": "grafana", "GF_DATABASE_USER": "grafana", "GF_DATABASE_SSL_MODE": "require"}
    assert env["GF_DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "grafana-db", "key": "password"}
    single = render_chart(values={"monitoring": {"prometheus": {"enabled": True}, "grafana": {"enabled": True}}})
    assert single.workload("obs-grafana")["spec"]["strategy"] == {"type": "Recreate"}
    assert not [e for e in single.containers("obs-grafana")["grafana"]["env"] if e["name"].startswith("GF_DATABASE")]
