#!/usr/bin/env bash
# Copies CRD manifests out of Go modules into a directory of ./bin: the Prometheus Operator's,
# CloudNativePG's and KEDA's into bin/crds (the chart's own objects are validated against
# them), Argo CD's and Flux's into bin/gitops-crds (examples/ is). Each module comes at the
# version its wrapper module hack/tools/<tool> pins, from the Go module proxy, verified against
# that go.sum, so the offline validation checks the same CRD versions on every machine. Nothing
# is built.
#
# Usage: hack/fetch-crds.sh <tool> <target directory under the repository> <module>:<path>...
#   each <module>:<path> a CRD manifest at <path> inside <module>.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tool_dir="$repo_root/hack/tools/$1"
target="$repo_root/$2"
shift 2

mkdir -p "$target"
declare -A module_dirs
for crd in "$@"; do
  module="${crd%%:*}"
  if [[ -z "${module_dirs[$module]:-}" ]]; then
    version="$(cd "$tool_dir" && go list -m -f '{{.Version}}' "$module")"
    echo "==> fetching CRDs of $module $version into ${target#"$repo_root"/}"
    module_dirs[$module]="$(cd "$tool_dir" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  fi
  install -m 0644 "${module_dirs[$module]}/${crd#*:}" "$target/"
done
echo "    ${target#"$repo_root"/} ready"
