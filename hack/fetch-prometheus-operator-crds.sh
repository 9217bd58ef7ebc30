#!/usr/bin/env bash
# Copies the Prometheus Operator's CRD manifests the chart's objects are validated against
# (ServiceMonitor, PodMonitor, PrometheusRule, AlertmanagerConfig) into ./bin/crds. They come
# from the module pinned by hack/tools/prometheus-operator, downloaded from the Go module proxy
# and verified against its go.sum, so the offline schema validation checks the same CRD version
# on every machine.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tool_dir="$repo_root/hack/tools/prometheus-operator"
module=github.com/prometheus-operator/prometheus-operator
crds=(servicemonitors podmonitors prometheusrules alertmanagerconfigs)

version="$(cd "$tool_dir" && go list -m -f '{{.Version}}' "$module")"
echo "==> fetching the Prometheus Operator $version CRDs (${crds[*]})"
module_dir="$(cd "$tool_dir" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
mkdir -p "$repo_root/bin/crds"
for crd in "${crds[@]}"; do
  install -m 0644 "$module_dir/example/prometheus-operator-crd/monitoring.coreos.com_$crd.yaml" "$repo_root/bin/crds/"
done
echo "    bin/crds ready"
