# Sourced by up.sh, demo.sh and down.sh: which local cluster, release and namespace they work on
# (override with CLUSTER, CLUSTER_NAME, NAMESPACE, RELEASE), where its kubeconfig lives, and how
# they report a step or a failure (as the make target that runs them: make up, make demo).
# shellcheck shell=bash
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo_root/bin"
cluster="${CLUSTER:-kind}"
name="${CLUSTER_NAME:-agent-observability}"
namespace="${NAMESPACE:-observability}"
release="${RELEASE:-obs}"
kubeconfig="$repo_root/.cache/$cluster-$name.kubeconfig"
export PATH="$bin:$PATH"

step() { echo "==> $*"; }
fail() { echo "make $(basename "$0" .sh): $*" >&2; exit 1; }
