"""Values the component tests render the monitoring half with: tenant policies, budgets,
infrastructure allocation and objectives the promtool tests (rules/*_test.yaml) and the
dashboard queries are written against."""

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
RULES_CONFIG_MAP = "obs-prometheus-rules"
RULES_KEY = "agent-observability.yaml"
