#!/usr/bin/env bash
# Copies the CloudNativePG CRD manifests the postgres chart's CloudNativePG objects are validated
# against (Cluster, ScheduledBackup; the Barman Cloud plugin's ObjectStore) into ./bin/crds, beside
# the Prometheus Operator's. They come from the releases pinned by hack/tools/cloudnative-pg,
# downloaded from the Go module proxy and verified against its go.sum, so the offline schema
# validation and the e2e tier check the same CRD versions on every machine.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tool_dir="$repo_root/hack/tools/cloudnative-pg"
target="$repo_root/bin/crds"

# module, then the CRD files inside it
operator=(github.com/cloudnative-pg/cloudnative-pg
  config/crd/bases/postgresql.cnpg.io_clusters.yaml config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml)
barman_cloud=(github.com/cloudnative-pg/plugin-barman-cloud config/crd/bases/barmancloud.cnpg.io_objectstores.yaml)

mkdir -p "$target"
for pinned in operator barman_cloud; do
  declare -n entry="$pinned"
  module="${entry[0]}"
  version="$(cd "$tool_dir" && go list -m -f '{{.Version}}' "$module")"
  echo "==> fetching the CRDs of $module $version"
  module_dir="$(cd "$tool_dir" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  for crd in "${entry[@]:1}"; do
    install -m 0644 "$module_dir/$crd" "$target/"
  done
done
echo "    bin/crds ready (CloudNativePG)"
