#!/usr/bin/env bash
# Builds ./bin/otelcol, the collector the component tests and the benchmark run: the
# OpenTelemetry Collector Builder (ocb, pinned by hack/tools/ocb) generates its sources from
# hack/tools/otelcol/manifest.yaml (the chart's image version and exactly the components the
# chart configures), and Go compiles them against the module versions and checksums pinned by
# hack/tools/otelcol/go.mod and go.sum. Only the Go module proxy is needed.
#
# Usage: hack/build-otelcol.sh            build bin/otelcol from the pins
#        hack/build-otelcol.sh --update   re-resolve the pins after editing manifest.yaml
#          (the checksum database does not know every version the proxy serves, so go.sum
#          records what the proxy served; review its diff)
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
pins="$repo_root/hack/tools/otelcol"
work="$repo_root/.cache/otelcol"
version="$(sed -n 's/^  version: *//p' "$pins/manifest.yaml")"
mkdir -p "$work" "$repo_root/bin"

echo "==> building otelcol $version with the OpenTelemetry Collector Builder (about two minutes cold, seconds when cached)"
start=$SECONDS
ocb_version="$(cd "$repo_root/hack/tools/ocb" && go list -m -f '{{.Version}}' go.opentelemetry.io/collector/cmd/builder)"
(cd "$repo_root/hack/tools/ocb" && CGO_ENABLED=0 go build -trimpath -o "$work/ocb" go.opentelemetry.io/collector/cmd/builder)
echo "    ocb $ocb_version ready"

# ocb writes the sources to dist.output_path; the manifest stays free of machine paths.
rm -rf "$work/src"
sed "s|^dist:|dist:\n  output_path: $work/src|" "$pins/manifest.yaml" > "$work/manifest.yaml"

if [[ "${1:-}" == "--update" ]]; then
  GOSUMDB=off "$work/ocb" --config "$work/manifest.yaml" --skip-compilation >"$work/ocb.log" 2>&1 \
    || { cat "$work/ocb.log"; exit 1; }
  cp "$work/src/go.mod" "$work/src/go.sum" "$pins/"
  echo "    wrote hack/tools/otelcol/go.mod and go.sum; run \`make tools\` to build"
  exit 0
fi

"$work/ocb" --config "$work/manifest.yaml" --skip-compilation --skip-get-modules >"$work/ocb.log" 2>&1 \
  || { cat "$work/ocb.log"; exit 1; }
cp "$pins/go.mod" "$pins/go.sum" "$work/src/"
echo "    sources generated; compiling"
"$work/ocb" --config "$work/manifest.yaml" --skip-generate --skip-get-modules >>"$work/ocb.log" 2>&1 \
  || { cat "$work/ocb.log"; exit 1; }
mv "$work/src/otelcol" "$repo_root/bin/otelcol"
echo "    otelcol $version ready in $((SECONDS - start))s"
