#!/usr/bin/env bash
# Builds prometheus and promtool into ./bin from the wrapper module hack/tools/prometheus, which
# pins github.com/prometheus/prometheus. Prometheus publishes its Go module as v0.3XX.Y for the
# release v3.XX.Y, so the release version is derived from the module version and stamped where
# Prometheus' own build (promu) puts it: `prometheus --version` then names the same release as
# the image tag quay.io/prometheus/prometheus:v3.XX.Y.
#
# Built without the `builtinassets` tag, so the web UI is not embedded (it needs a Node build);
# the tests use the HTTP API only, which is complete without it.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tool_dir="$repo_root/hack/tools/prometheus"
module_version="$(cd "$tool_dir" && go list -m -f '{{.Version}}' github.com/prometheus/prometheus)"
if [[ ! "$module_version" =~ ^v0\.([0-9]+)([0-9]{2})\.([0-9]+)$ ]]; then
  echo "cannot derive the Prometheus release from module version $module_version (expected v0.3XX.Y)" >&2
  exit 1
fi
version="${BASH_REMATCH[1]}.$((10#${BASH_REMATCH[2]})).${BASH_REMATCH[3]}"

ldflags="-s -w -X github.com/prometheus/common/version.Version=$version"

echo "==> building prometheus, promtool $version from github.com/prometheus/prometheus $module_version (a cold build takes about ten minutes)"
start=$SECONDS
(cd "$tool_dir" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$repo_root/bin/" \
  github.com/prometheus/prometheus/cmd/prometheus \
  github.com/prometheus/prometheus/cmd/promtool)
echo "    Prometheus $version and promtool ready in $((SECONDS - start))s"
