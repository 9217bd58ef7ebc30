#!/usr/bin/env bash
# Builds one pinned Go tool into ./bin from its wrapper module under hack/tools/<module-dir>.
#
# The wrapper module's go.mod pins the version and its go.sum pins the checksums, so a
# fresh machine builds exactly what CI built, even for modules the checksum database does
# not know. The version read from go.mod is stamped into the binary where the tool needs
# it (ldflags), because `helm version` and kwokctl's version detection read it.
#
# Usage: hack/build-go-tool.sh <module-dir> <go-module> <main-package> <binary> [ldflag-var ...]
#   each ldflag-var is a Go variable path; it receives the module's version.
set -euo pipefail

module_dir="$1" go_module="$2" main_package="$3" binary="$4"
shift 4

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tool_dir="$repo_root/hack/tools/$module_dir"
version="$(cd "$tool_dir" && go list -m -f '{{.Version}}' "$go_module")"

ldflags="-s -w"
for var in "$@"; do
  ldflags+=" -X $var=$version"
done

echo "==> building $binary $version from $go_module (a cold build takes one to three minutes)"
start=$SECONDS
(cd "$tool_dir" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$repo_root/bin/$binary" "$main_package")
echo "    $binary $version ready in $((SECONDS - start))s"
