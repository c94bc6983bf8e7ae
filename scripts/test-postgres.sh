#!/usr/bin/env bash
# Runs the integration tests (the test files that open a database through test/helpers/backend.ts)
# against PostgreSQL + pgvector: each gets fresh databases on LOUPE_TEST_PG_URL. Without one set,
# starts a throwaway loopback cluster (scripts/pg-cluster.sh, needs root or the postgres user)
# and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(grep -l "helpers/backend" test/integration/*.test.ts test/e2e/*.test.ts)
if [[ -z "${LOUPE_TEST_PG_URL:-}" ]]; then
  cluster_dir=$(mktemp -d /tmp/loupe-pg-test.XXXXXX)
  trap 'scripts/pg-cluster.sh stop "$cluster_dir"; rm -rf "$cluster_dir"' EXIT
  LOUPE_TEST_PG_URL=$(scripts/pg-cluster.sh start "$cluster_dir" "${LOUPE_TEST_PG_PORT:-55439}")
  export LOUPE_TEST_PG_URL
fi
echo "integration suite on PostgreSQL (${#files[@]} files)" >&2
node --import tsx --test --test-concurrency=1 --test-timeout=1200000 "${files[@]}"
