#!/usr/bin/env bash
# Deletes the local cluster `make up` created (CLUSTER=kind or kwok), with everything in it.
set -euo pipefail
source "$(dirname "$0")/local-cluster.sh"
case "$cluster" in
  kind) echo "==> deleting kind cluster $name"; kind delete cluster --name "$name" ;;
  kwok) echo "==> deleting KWOK cluster $name"; KWOK_WORKDIR="$repo_root/.cache/kwok" kwokctl delete cluster --name "$name" ;;
  *) echo "unknown CLUSTER=$cluster: use kind or kwok" >&2; exit 1 ;;
esac
rm -f "$kubeconfig"
