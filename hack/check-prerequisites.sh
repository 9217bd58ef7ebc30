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

# Go: the oldest toolchain every pinned tool builds with (Prometheus needs 1.26.7).
go_needed=1.26.7
if ! command -v go >/dev/null 2>&1; then
  complain "Go >= $go_needed is not installed (the tools are built from their Go modules)"
else
  go_found="$(go env GOVERSION 2>/dev/null | sed 's/^go//')"
  version_at_least "$go_found" "$go_needed" || complain "Go >= $go_needed is needed, found $go_found"
fi

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

node_needed=20
if ! command -v node >/dev/null 2>&1; then
  complain "Node.js >= $node_needed is not installed (it runs the chart's secret generator in the tests)"
else
  node_found="$(node --version | sed 's/^v//')"
  version_at_least "$node_found" "$node_needed" || complain "Node.js >= $node_needed is needed, found $node_found"
fi

[ "$problems" -eq 0 ]
