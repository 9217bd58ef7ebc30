#!/usr/bin/env bash
# Copies KEDA's ScaledObject CRD, which the chart's ScaledObject (LangFuse's worker scaled on its
# queue, workerScaling.keda) is validated against, into ./bin/crds. It comes from the KEDA
# module pinned by hack/tools/keda-crds, downloaded from the Go module proxy and verified against
# its go.sum, so the offline validation checks the same CRD version on every machine.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tool_dir="$repo_root/hack/tools/keda-crds"
module=github.com/kedacore/keda/v2
crds=(keda.sh_scaledobjects.yaml)

version="$(cd "$tool_dir" && go list -m -f '{{.Version}}' "$module")"
echo "==> fetching the KEDA $version CRDs (${crds[*]})"
module_dir="$(cd "$tool_dir" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
mkdir -p "$repo_root/bin/crds"
for crd in "${crds[@]}"; do
  install -m 0644 "$module_dir/config/crd/bases/$crd" "$repo_root/bin/crds/"
done
echo "    bin/crds/keda.sh_scaledobjects.yaml ready"
