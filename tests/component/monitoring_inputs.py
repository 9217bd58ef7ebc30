"""Values the component tests render the monitoring half with: tenant policies, budgets,
infrastructure allocation and objectives the promtool tests (rules/*_test.yaml) and the
dashboard queries are written against."""

import copy

from harness.paths import REPO_ROOT

MONITORING_VALUES = {
    "global": {"tenants": [
        {"name": "acme", "monthlyBudgetUsd": 100, "allowedModels": ["gpt-4o(-mini)?"],
         "rateLimits": {"requestsPerMinute": 100, "tokensPerDay": 1000}},
        {"name": "globex", "monthlyBudgetUsd": 1000, "alertAt": [{"ratio": 0.9, "severity": "warning"},
                                                                {"ratio": 1, "severity": "critical"}],
         "allowedModels": ["gpt-4o"], "rateLimits": {"requestsPerMinute": 50}}]},
    "monitoring": {
        "budgets": {"infrastructure": {"monthlyCostUsd": 1000}},
        "objectives": [{"agent": "planner", "successRatio": 0.99, "latency": {"thresholdSeconds": 10, "ratio": 0.95}},
                       {"agent": "batch", "successRatio": 0.9}],
    }}


def with_infrastructure(**infrastructure) -> dict:
    """MONITORING_VALUES with other budgets.infrastructure settings."""
    values = copy.deepcopy(MONITORING_VALUES)
    values["monitoring"]["budgets"]["infrastructure"].update(infrastructure)
    return values


def with_shares(values: dict, **shares) -> dict:
    """values with each named tenant's infrastructureShare."""
    for tenant in values["global"]["tenants"]:
        tenant["infrastructureShare"] = shares[tenant["name"]]
    return values


# The renders the promtool tests run on: rules/*_test.yaml on MONITORING_VALUES, each folder
# rules/<name>/ on its own (render_chart keyword arguments).
RULE_RENDERS = {
    ".": {"values": MONITORING_VALUES},
    "allocation-equal": {"values": with_infrastructure(allocation="equal")},
    "allocation-fixed": {"values": with_shares(with_infrastructure(allocation="fixed"), acme=0.25, globex=0.75)},
    "allocation-tokens": {"values": with_infrastructure(proportionalTo="tokens")},
    # The guide's three example tenants, as the README tells users to install them.
    "tenant-policies": {"values_files": (str(REPO_ROOT / "examples" / "tenant-policies" / "values.yaml"),)},
}
RULES_CONFIG_MAP = "obs-prometheus-rules"
RULES_KEY = "agent-observability.yaml"
