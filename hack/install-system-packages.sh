#!/usr/bin/env bash
# Installs the Debian packages the component tests run as real servers: Redis (standing in
# for Valkey, whose configuration it reads), PostgreSQL and HAProxy (the collector's delivery
# guard, the same 2.6 branch as its image). Only as root with apt-get; anywhere
# else it names what is missing, and the tests that need it skip with that reason.
set -euo pipefail

declare -A wanted=([redis-server]=redis-server [/usr/lib/postgresql/15/bin/postgres]=postgresql-15
                  [haproxy]=haproxy)
missing=()
for program in "${!wanted[@]}"; do
  command -v "$program" >/dev/null 2>&1 || [ -x "$program" ] || missing+=("${wanted[$program]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> installing Debian packages for the component tests: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "    installed"
else
  echo "note: the component tests that run ${missing[*]} will skip: install them (Debian: apt-get install ${missing[*]})"
fi
