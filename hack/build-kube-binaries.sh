#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and kubectl into ./bin from the
# wrapper module hack/tools/kube, which pins k8s.io/kubernetes and points each of its staging
# modules at the published tag. The version is stamped in the way Kubernetes' own build does
# it, because Helm's kubeVersion checks and kwokctl read it from the running API server.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tool_dir="$repo_root/hack/tools/kube"
version="$(cd "$tool_dir" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
minor="$(echo "$version" | cut -d. -f2)"

ldflags="-s -w"
for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $package.gitVersion=$version -X $package.gitMajor=1 -X $package.gitMinor=$minor"
  ldflags+=" -X $package.gitTreeState=clean"
done

echo "==> building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $version (a cold build takes about five minutes)"
start=$SECONDS
(cd "$tool_dir" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$repo_root/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler \
  k8s.io/kubernetes/cmd/kubectl)
echo "    Kubernetes $version control plane ready in $((SECONDS - start))s"
