#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 for the store's contract tests and
# prints the URL. Installs Debian's postgresql package when it is missing (CI machines).
# Usage: eval "$(scripts/test-postgres.sh start)"   ...   scripts/test-postgres.sh stop
set -euo pipefail
PORT=${MOCKROUND_TEST_PG_PORT:-54329}
DIR=${MOCKROUND_TEST_PG_DIR:-/tmp/mockround-test-pg}

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$(bindir)" ]; then
      if [ "$(id -u)" != 0 ]; then echo "postgresql is not installed and we are not root" >&2; exit 1; fi
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
    fi
    BIN=$(bindir)
    as_postgres "$BIN/pg_ctl -D '$DIR' stop -m immediate" >/dev/null 2>&1 || true
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_postgres "$BIN/initdb -D '$DIR' -U postgres --auth=trust -E UTF8 >/dev/null"
    as_postgres "$BIN/pg_ctl -D '$DIR' -l '$DIR/log' -w -o \"-p $PORT -k '$DIR' -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null"
    as_postgres "$BIN/createdb -h 127.0.0.1 -p $PORT -U postgres mockround_test"
    echo "export MOCKROUND_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:$PORT/mockround_test"
    ;;
  stop)
    BIN=$(bindir)
    [ -n "$BIN" ] && as_postgres "$BIN/pg_ctl -D '$DIR' stop -m fast" >/dev/null 2>&1 || true
    ;;
esac
