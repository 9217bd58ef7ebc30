#!/usr/bin/env bash
# Installs the Redis client LangFuse uses (ioredis, at the version LangFuse pins) into
# .cache/ioredis, from tests/component/ioredis's lockfile, for the Valkey Sentinel component
# test. Reinstalled only when the lockfile changes.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="$root/tests/component/ioredis"
target="$root/.cache/ioredis"
if cmp -s "$source_dir/package-lock.json" "$target/package-lock.json" 2>/dev/null \
    && [ -d "$target/node_modules/ioredis" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "note: npm is missing: the Sentinel component test will skip" >&2; exit 0; }
echo "==> installing ioredis for the component tests into .cache/ioredis"
rm -rf "$target"
mkdir -p "$target"
cp "$source_dir/package.json" "$source_dir/package-lock.json" "$target/"
(cd "$target" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
