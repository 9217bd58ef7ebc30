"""Values the component tests render the monitoring half with: budgets and objectives the
promtool tests (rules/*_test.yaml) and the dashboard queries are written against."""

MONITORING_VALUES = {"monitoring": {
    "budgets": {"tenants": [{"tenant": "acme", "monthlyUsd": 100}, {"tenant": "globex", "monthlyUsd": 1000}]},
    "objectives": [{"agent": "planner", "successRatio": 0.99, "latency": {"thresholdSeconds": 10, "ratio": 0.95}},
                   {"agent": "batch", "successRatio": 0.9}],
}}
RULES_CONFIG_MAP = "obs-prometheus-rules"
RULES_KEY = "agent-observability.yaml"
