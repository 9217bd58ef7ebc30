#!/usr/bin/env bash
# Stops `make tools` with one line per missing or too old prerequisite: the program, the
# version needed, and where the README says how to get it. Everything else `make tools`
# installs into the repository itself.
set -uo pipefail

readme="README.md, section Prerequisites"
problems=0
complain() { echo "missing prerequisite: $1 (see $readme)" >&2; problems=$((problems + 1)); }

# version_at_least <found> <needed>: dotted versions, numerically.
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

# need_version <name> <needed> <command> <why> <version function>: complains when the command is
# missing (saying why it is needed) or older than needed.
need_version() {
  local name="$1" needed="$2" command="$3" why="$4" found
  if ! command -v "$command" >/dev/null 2>&1; then
    complain "$name >= $needed is not installed ($why)"
    return
  fi
  found="$("$5")"
  version_at_least "$found" "$needed" || complain "$name >= $needed is needed, found $found"
}
go_version() { go env GOVERSION 2>/dev/null | sed 's/^go//'; }
node_version() { node --version | sed 's/^v//'; }

# Go: the oldest toolchain every pinned tool builds with (Prometheus needs 1.26.7).
need_version Go 1.26.7 go "the tools are built from their Go modules" go_version

python_needed=3.11
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  complain "Python >= $python_needed ($python) is not installed"
else
  python_found="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if ! version_at_least "$python_found" "$python_needed"; then
    complain "Python >= $python_needed is needed, found $python_found ($python)"
  elif ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    complain "Python's venv module with ensurepip ($python -m venv; Debian: apt-get install python3-venv)"
  fi
fi

need_version Node.js 20 node "it runs the chart's secret generator in the tests" node_version

[ "$problems" -eq 0 ]
