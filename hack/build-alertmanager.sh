#!/usr/bin/env bash
# Builds alertmanager and amtool into ./bin from the wrapper module hack/tools/alertmanager, which
# pins github.com/prometheus/alertmanager. Alertmanager's Go module version is its release version;
# it is stamped where Alertmanager's own build (promu) puts it, so `alertmanager --version` names
# the same release as the image quay.io/prometheus/alertmanager:v0.35.0 the monitoring chart runs.
#
# The web UI is not built: the module ships its sources but not ui/app/dist, which ui/web.go
# embeds (`//go:embed app/dist`) and which Alertmanager's release build makes with Elm and Node.
# The go command refuses to overlay files in the module cache, so the build uses a copy of the
# module (checksum-verified by go.sum when downloaded) in a temporary directory, with a one-page
# app/dist saying so, through a `replace` in a temporary copy of the wrapper's go.mod. The tests
# use the HTTP API v2 and amtool only, which are complete without the UI.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
tool_dir="$repo_root/hack/tools/alertmanager"
module=github.com/prometheus/alertmanager
module_version="$(cd "$tool_dir" && go list -m -f '{{.Version}}' "$module")"
version="${module_version#v}"
module_dir="$(cd "$tool_dir" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"

work="$(mktemp -d)"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -R "$module_dir" "$work/alertmanager"
chmod -R u+w "$work/alertmanager"
for app in elm mantine; do
  mkdir -p "$work/alertmanager/ui/app/dist/$app"
  echo '<!doctype html><title>Alertmanager</title><p>This Alertmanager is built without its web UI; use the API (/api/v2).</p>' \
    > "$work/alertmanager/ui/app/dist/$app/index.html"
done
cp "$tool_dir/go.mod" "$work/go.mod"
cp "$tool_dir/go.sum" "$work/go.sum"
echo "replace $module => $work/alertmanager" >> "$work/go.mod"

ldflags="-s -w -X github.com/prometheus/common/version.Version=$version"

echo "==> building alertmanager, amtool $version from $module $module_version (a cold build takes one to two minutes)"
start=$SECONDS
(cd "$tool_dir" && CGO_ENABLED=0 go build -modfile="$work/go.mod" -trimpath -buildvcs=false -ldflags "$ldflags" \
  -o "$repo_root/bin/" "$module/cmd/alertmanager" "$module/cmd/amtool")
echo "    Alertmanager $version and amtool ready in $((SECONDS - start))s"
