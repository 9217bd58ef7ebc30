#!/usr/bin/env bash
# Brings agent-observability up on a local cluster and says how to reach it.
#
#   CLUSTER=kind (default)  a kind cluster: every container really runs (needs Docker and
#                           access to the images' registries).
#   CLUSTER=kwok            a KWOK cluster from the binaries `make tools` built: the API server,
#                           controllers and scheduler are real, the nodes are simulated, and no
#                           container runs. For machines that cannot pull images.
set -euo pipefail

source "$(dirname "$0")/local-cluster.sh"
export KUBECONFIG="$kubeconfig"
mkdir -p "$repo_root/.cache"

step() { echo "==> $*"; }

case "$cluster" in
  kind)
    command -v docker >/dev/null && docker info >/dev/null 2>&1 || {
      echo "kind needs a running Docker engine; on a machine without one use: make up CLUSTER=kwok" >&2
      exit 1
    }
    if kind get clusters 2>/dev/null | grep -qx "$name"; then
      step "kind cluster $name exists"
      kind export kubeconfig --name "$name" --kubeconfig "$kubeconfig"
    else
      step "creating kind cluster $name (pulls the node image the first time)"
      kind create cluster --name "$name" --config "$repo_root/ci/kind-config.yaml" --kubeconfig "$kubeconfig" --wait 120s
    fi
    ;;
  kwok)
    export KWOK_WORKDIR="$repo_root/.cache/kwok"
    if kwokctl get clusters 2>/dev/null | grep -qx "$name"; then
      step "KWOK cluster $name exists"
    else
      step "creating KWOK cluster $name (etcd, kube-apiserver, controller-manager, scheduler as processes)"
      kwokctl create cluster --name "$name" --runtime binary \
        --etcd-binary "$bin/etcd" --kube-apiserver-binary "$bin/kube-apiserver" \
        --kube-controller-manager-binary "$bin/kube-controller-manager" \
        --kube-scheduler-binary "$bin/kube-scheduler" --kwok-controller-binary "$bin/kwok" \
        --kubeconfig "$kubeconfig" --wait 120s >/dev/null
      kwokctl --name "$name" scale node --replicas 2 >/dev/null
      step "adding PersistentVolumes for the data stores (KWOK has no provisioner)"
      for index in 0 1 2 3 4 5; do
        kubectl apply -f - >/dev/null <<PV
apiVersion: v1
kind: PersistentVolume
metadata:
  name: local-volume-$index
spec:
  capacity: {storage: 500Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /tmp/local-volume-$index}
PV
      done
    fi
    ;;
  *)
    echo "unknown CLUSTER=$cluster: use kind or kwok" >&2
    exit 1
    ;;
esac

step "namespace $namespace, enforcing Pod Security \"restricted\""
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl label namespace "$namespace" --overwrite >/dev/null \
  pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted

step "helm upgrade --install $release (waits for every workload and the migration Job; up to 15 minutes)"
helm upgrade --install "$release" "$repo_root/charts/agent-observability" --namespace "$namespace" \
  --values "$repo_root/values/kind.yaml" --wait --wait-for-jobs --timeout 15m

cat <<INFO

agent-observability is up ($cluster cluster "$name", namespace $namespace, release $release).
  export KUBECONFIG=$kubeconfig

LangFuse UI and API:
  kubectl -n $namespace port-forward svc/$release-langfuse-web 3000:3000   # then http://localhost:3000
  login:    admin@agent-observability.local
  password: kubectl -n $namespace get secret $release-langfuse-admin -o jsonpath='{.data.password}' | base64 -d
Project API keys (for the LangFuse SDK and the collector): Secret $release-langfuse-project-keys
  kubectl -n $namespace get secret $release-langfuse-project-keys -o jsonpath='{.data.public-key}' | base64 -d
OTLP for your agents, and the GenAI metrics (port 8889, /metrics):
  kubectl -n $namespace port-forward svc/$release-otel-collector 4318:4318  # OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318
Grafana dashboards (folder "AI agents") and alerts:
  kubectl -n $namespace port-forward svc/$release-grafana 3001:3000         # then http://localhost:3001
  login admin, password: kubectl -n $namespace get secret $release-grafana-admin -o jsonpath='{.data.password}' | base64 -d
Prometheus: kubectl -n $namespace port-forward svc/$release-prometheus 9090:9090
Remove everything: make down CLUSTER=$cluster
INFO
if [ "$cluster" = kwok ]; then
  echo
  echo "Note: KWOK simulates its nodes. Kubernetes accepted, scheduled and 'ran' every object, but no"
  echo "container runs: LangFuse, the stores, the collector, Prometheus and Grafana do not answer. Use kind for that."
fi
