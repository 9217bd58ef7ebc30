#!/usr/bin/env bash
# Runs the example agent (examples/agent) against the stack `make up` brought up, so the
# dashboards and LangFuse have data: port-forwards to the collector and Grafana, the stand-in
# model on this machine (or a real provider with OPENAI_API_KEY and OPENAI_BASE_URL), the agent
# for DEMO_REQUESTS requests of tenants acme and globex, then says where to look.
set -euo pipefail

source "$(dirname "$0")/local-cluster.sh"
export KUBECONFIG="$kubeconfig"
requests="${DEMO_REQUESTS:-60}"
python="$repo_root/.venv/bin/python"

[ -f "$kubeconfig" ] || fail "no $cluster cluster: run \`make up CLUSTER=$cluster\` first"
kubectl get namespace "$namespace" >/dev/null 2>&1 || fail "namespace $namespace not found: run \`make up CLUSTER=$cluster\` first"
if [ -n "$(kubectl get nodes -o jsonpath='{.items[*].metadata.annotations.kwok\.x-k8s\.io/node}')" ]; then
  fail "the $cluster cluster's nodes are simulated (KWOK): no container runs, so there is no collector to send to. The demo needs running containers: \`make up\` (kind, with Docker)."
fi
step "waiting for the collector and Grafana"
# A StatefulSet with its queue claims (the default), or a Deployment without persistence.
collector="$(kubectl -n "$namespace" get statefulset,deployment -o name \
  -l "app.kubernetes.io/name=otel-collector,app.kubernetes.io/instance=$release" | head -n 1)"
[ -n "$collector" ] || fail "release $release has no collector in namespace $namespace"
kubectl -n "$namespace" rollout status "$collector" --timeout=300s >/dev/null
kubectl -n "$namespace" rollout status "deployment/$release-grafana" --timeout=300s >/dev/null

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# forward <service> <remote port>: a local port forwarded to the Service; prints the local port.
forward() {
  local log
  log="$(mktemp)"
  kubectl -n "$namespace" port-forward "svc/$1" ":$2" >"$log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 50); do
    if grep -q "Forwarding from 127.0.0.1:" "$log"; then
      sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\) .*/\1/p' "$log" | head -n 1
      return
    fi
    sleep 0.2
  done
  fail "kubectl port-forward svc/$1 did not start: $(cat "$log")"
}
step "port-forwards to the collector and Grafana"
collector_port="$(forward "$release-otel-collector" 4318)"
grafana_port="$(forward "$release-grafana" 3000)"

base_url="${OPENAI_BASE_URL:-}"
if [ -z "$base_url" ]; then
  model_port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  step "the stand-in model on port $model_port (no API key needed; it rate-limits and fails now and then)"
  "$python" "$repo_root/examples/agent/standin_model.py" --port "$model_port" >/dev/null &
  pids+=("$!")
  base_url="http://127.0.0.1:$model_port/v1"
  sleep 1
fi

step "the example agent: $requests requests of tenants acme and globex"
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$collector_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
  OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=demo \
  "$python" "$repo_root/examples/agent/support_agent.py" --base-url "$base_url" --requests "$requests" \
  --tenants acme,globex

cat <<INFO

Where to look (the port-forwards end with this script; start your own as \`make up\` printed):
  Grafana:  http://localhost:$grafana_port  (folder "AI agents": Agents overview, LLM usage and cost,
            Tools and retrieval, Telemetry pipeline health; Prometheus scrapes every 15 s)
  LangFuse: kubectl -n $namespace port-forward svc/$release-langfuse-web 3000:3000, then
            http://localhost:3000 -> Traces (one trace per request, tenant in its metadata)
INFO
if [ -t 0 ]; then
  read -r -p "Press Enter to close the port-forwards. " _
fi
