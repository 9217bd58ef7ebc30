#!/usr/bin/env bash
# Installs one of the Node.js client libraries LangFuse uses, at the version LangFuse pins, from
# tests/component/<name>'s lockfile into .cache/<name>, for the component tests that drive it
# as LangFuse does: ioredis (the Valkey Sentinel test), dd-trace (its DogStatsD client, the
# queue metrics test). Reinstalled only when the lockfile changes; install scripts are not run.
#
# Usage: hack/install-node-client.sh <name>   (ioredis, dd-trace)
set -euo pipefail

name="${1:?usage: hack/install-node-client.sh <name>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="$root/tests/component/$name"
target="$root/.cache/$name"
[ -f "$source_dir/package-lock.json" ] || { echo "no tests/component/$name/package-lock.json" >&2; exit 1; }
package="$(sed -n 's/^    "\([^"]*\)": "[^"]*"$/\1/p' "$source_dir/package.json" | head -n 1)"
if cmp -s "$source_dir/package-lock.json" "$target/package-lock.json" 2>/dev/null \
    && [ -d "$target/node_modules/$package" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "note: npm is missing: the component tests that need $name will skip" >&2; exit 0; }
echo "==> installing $name for the component tests into .cache/$name"
rm -rf "$target"
mkdir -p "$target"
cp "$source_dir/package.json" "$source_dir/package-lock.json" "$target/"
(cd "$target" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
