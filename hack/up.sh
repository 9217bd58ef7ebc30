#!/usr/bin/env bash
# Brings agent-observability up on a local cluster and says how to reach it.
#
#   CLUSTER=kind (default)  a kind cluster: every container really runs (needs Docker and
#                           access to the images' registries).
#   CLUSTER=kwok            a KWOK cluster from the binaries `make tools` built: the API server,
#                           controllers and scheduler are real, the nodes are simulated, and no
#                           container runs. For machines that cannot pull images.
#   VALUES="a.yaml b.yaml"  your values files (spaces or commas between them, paths relative to
#                           where make runs), applied after values/kind.yaml in that order.
#   UP_DRY_RUN=1            say what would be done (the helm command; on KWOK, the volumes) and
#                           stop before touching any cluster.
# RELEASE, NAMESPACE and CLUSTER_NAME choose another release, namespace or cluster
# (hack/local-cluster.sh): a second release goes into the same cluster.
set -euo pipefail

source "$(dirname "$0")/local-cluster.sh"
export KUBECONFIG="$kubeconfig"
chart="$repo_root/charts/agent-observability"
python="$repo_root/.venv/bin/python"

case "$cluster" in
  kind|kwok) ;;
  *) fail "unknown CLUSTER=$cluster: use kind or kwok" ;;
esac

# values/kind.yaml is the base; the user's files follow it, so theirs win.
values_args=(--values "$repo_root/values/kind.yaml")
user_values="${VALUES:-}"
read -ra user_values <<< "${user_values//,/ }"
for file in "${user_values[@]}"; do
  [ -f "$file" ] || fail "VALUES names $file, which is not a file (paths are relative to $PWD)"
  values_args+=(--values "$(cd "$(dirname "$file")" && pwd)/$(basename "$file")")
done
helm_command=(helm upgrade --install "$release" "$chart" --namespace "$namespace" "${values_args[@]}"
  --wait --wait-for-jobs --timeout 15m)

# claims_per_release: the PersistentVolumeClaims one release with these values makes: its
# claims, and each StatefulSet's claim templates times its replicas.
claims_per_release() {
  helm template "$release" "$chart" --namespace "$namespace" "${values_args[@]}" | "$python" -c '
import sys, yaml
objects = [o for o in yaml.safe_load_all(sys.stdin) if o]
print(sum(1 for o in objects if o["kind"] == "PersistentVolumeClaim")
      + sum(len(o["spec"].get("volumeClaimTemplates", [])) * o["spec"].get("replicas", 1)
            for o in objects if o["kind"] == "StatefulSet"))'
}

# KWOK has no volume provisioner: static PersistentVolumes stand in, enough free ones for this
# release and one more of the same size (a second `make up RELEASE=...`, or your own
# `helm install`), so no claim stays Pending until helm's deadline.
volumes_wanted=0
if [ "$cluster" = kwok ]; then
  claims="$(claims_per_release)"
  volumes_wanted=$((2 * claims))
fi

if [ -n "${UP_DRY_RUN:-}" ]; then
  echo "${helm_command[*]}"
  [ "$cluster" = kwok ] && echo "free PersistentVolumes kept: $volumes_wanted"
  exit 0
fi

mkdir -p "$repo_root/.cache"
case "$cluster" in
  kind)
    command -v docker >/dev/null && docker info >/dev/null 2>&1 ||
      fail "kind needs a running Docker engine; on a machine without one use: make up CLUSTER=kwok"
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
    fi
    free="$(kubectl get pv -o jsonpath='{range .items[?(@.status.phase=="Available")]}{.metadata.name}{"\n"}{end}' | grep -c . || true)"
    step "PersistentVolumes: $free free, keeping $volumes_wanted (this release's claims and one more release's)"
    index="$(kubectl get pv -o name | grep -c '^persistentvolume/local-volume-' || true)"
    while [ "$free" -lt "$volumes_wanted" ]; do
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
      index=$((index + 1))
      free=$((free + 1))
    done
    ;;
esac

step "namespace $namespace, enforcing Pod Security \"restricted\""
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl label namespace "$namespace" --overwrite >/dev/null \
  pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted

step "helm upgrade --install $release with ${values_args[*]//--values /} (waits for every workload and the migration Job; up to 15 minutes)"
"${helm_command[@]}"

if [ "$cluster" = kwok ]; then
  # The generator's Job was marked complete without running, so no Secret exists yet; its
  # script, run here against the same API server, creates them as the Job would have.
  step "the secret generator's script, with this machine's Node.js (its Job ran nothing on KWOK)"
  command -v node >/dev/null || fail "Node.js is not installed: it runs the secret generator (README, Prerequisites)"
  "$python" "$repo_root/hack/run-secret-generator.py" "$release" "$namespace" "$kubeconfig"
fi

password() { echo "kubectl -n $namespace get secret $1 -o jsonpath='{.data.password}' | base64 -d"; }
cat <<INFO

agent-observability is up ($cluster cluster "$name", namespace $namespace, release $release).
  export KUBECONFIG=$kubeconfig PATH=$bin:\$PATH   # kubectl and helm from make tools

LangFuse login: admin@agent-observability.local
  password: $(password "$release-langfuse-admin")
Project API keys (for the LangFuse SDK and the collector): Secret $release-langfuse-project-keys
  kubectl -n $namespace get secret $release-langfuse-project-keys -o jsonpath='{.data.public-key}' | base64 -d
Grafana login: admin
  password: $(password "$release-grafana-admin")
INFO
if [ "$cluster" = kind ]; then
  cat <<INFO
LangFuse UI and API:
  kubectl -n $namespace port-forward svc/$release-langfuse-web 3000:3000   # then http://localhost:3000
OTLP for your agents, and the GenAI metrics (port 8889, /metrics):
  kubectl -n $namespace port-forward svc/$release-otel-collector 4318:4318  # OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318
Grafana dashboards (folder "AI agents") and alerts:
  kubectl -n $namespace port-forward svc/$release-grafana 3001:3000         # then http://localhost:3001
Prometheus: kubectl -n $namespace port-forward svc/$release-prometheus 9090:9090
Check the release (Jobs that call LangFuse's API with the project keys and send OTLP to the collector):
  helm test $release -n $namespace
Remove everything: make down CLUSTER=$cluster
INFO
else
  cat <<INFO
What KWOK simulates: its nodes. Kubernetes admitted, scheduled and "ran" every object, but no
container runs, so LangFuse, the stores, the collector, Prometheus and Grafana do not answer.
What is real: the API objects and what the controllers did with them, e.g.
  kubectl -n $namespace get pods,jobs,pvc,secrets     # every pod Running, every claim Bound
  helm -n $namespace status $release                  # and helm get, upgrade, rollback, uninstall
What does not apply here (it needs running containers: use kind):
  kubectl port-forward and kubectl logs, which helm's notes above suggest, and make demo;
  helm test $release -n $namespace: its Jobs' pods are marked Succeeded without running, so a
  pass shows only that the test objects were admitted and scheduled, not that anything works.
Remove everything: make down CLUSTER=$cluster
INFO
fi
