"""The test harness of agent-observability: one module per job (paths, render, kube_schema)."""
