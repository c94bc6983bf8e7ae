#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for tests and CI.
#   scripts/pg-cluster.sh start <dir> <port>   prints postgres://postgres@127.0.0.1:<port>/postgres
#   scripts/pg-cluster.sh stop <dir>
# The server always runs as the postgres user (never root), listens on 127.0.0.1 only and trusts
# loopback connections: it is meant for a disposable test cluster, not for data you keep.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/${PG_MAJOR}/bin}"
PG_USER="${PG_CLUSTER_USER:-postgres}"

usage() {
  echo "usage: $0 start <dir> <port> | stop <dir>" >&2
  exit 2
}

as_pg_user() {
  if [[ "$(id -un)" == "$PG_USER" ]]; then
    "$@"
  elif [[ "$(id -u)" == "0" ]]; then
    runuser -u "$PG_USER" -- "$@"
  else
    echo "run as root or as $PG_USER" >&2
    exit 1
  fi
}

is_running() {
  as_pg_user "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

start_cluster() {
  local dir="$1" port="$2"
  [[ "$port" =~ ^[0-9]+$ ]] || usage
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ "$(id -u)" == "0" ]]; then chown "$PG_USER" "$dir"; fi
  chmod 700 "$dir"

  if [[ ! -f "$dir/PG_VERSION" ]]; then
    as_pg_user "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
    cat > "$dir/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $port"
      echo "unix_socket_directories = '$dir'"
      # Disposable cluster: durability is not worth the disk flushes on a shared CI machine.
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
      echo "max_connections = 200"
    } >> "$dir/postgresql.conf"
  fi

  if ! is_running "$dir"; then
    as_pg_user "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -h 127.0.0.1" start >/dev/null
  fi
  PGOPTIONS='-c client_min_messages=warning' as_pg_user "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
    -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
  echo "postgres://postgres@127.0.0.1:${port}/postgres"
}

stop_cluster() {
  local dir="$1"
  [[ -f "$dir/PG_VERSION" ]] || { echo "no cluster in $dir" >&2; exit 0; }
  if is_running "$dir"; then
    as_pg_user "$PG_BIN/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null
  fi
}

case "${1:-}" in
  start) [[ $# -eq 3 ]] || usage; start_cluster "$2" "$3" ;;
  stop) [[ $# -eq 2 ]] || usage; stop_cluster "$2" ;;
  *) usage ;;
esac
