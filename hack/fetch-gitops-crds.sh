#!/usr/bin/env bash
# Copies the Argo CD and Flux CRD manifests that examples/ is validated against (Application,
# ApplicationSet; HelmRelease, OCIRepository) into ./bin/gitops-crds. They come from the
# releases pinned by hack/tools/gitops-crds, downloaded from the Go module proxy and verified
# against its go.sum, so the offline validation checks the same CRD versions on every machine.
# Kept apart from ./bin/crds, which holds the CRDs the chart's own objects need.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tool_dir="$repo_root/hack/tools/gitops-crds"
target="$repo_root/bin/gitops-crds"

# module, then the CRD files inside it
argocd=(github.com/argoproj/argo-cd/v3 manifests/crds/application-crd.yaml manifests/crds/applicationset-crd.yaml)
helm_controller=(github.com/fluxcd/helm-controller config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml)
source_controller=(github.com/fluxcd/source-controller config/crd/bases/source.toolkit.fluxcd.io_ocirepositories.yaml)

mkdir -p "$target"
for pinned in argocd helm_controller source_controller; do
  declare -n entry="$pinned"
  module="${entry[0]}"
  version="$(cd "$tool_dir" && go list -m -f '{{.Version}}' "$module")"
  echo "==> fetching the CRDs of $module $version"
  module_dir="$(cd "$tool_dir" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  for crd in "${entry[@]:1}"; do
    install -m 0644 "$module_dir/$crd" "$target/"
  done
done
echo "    bin/gitops-crds ready"
