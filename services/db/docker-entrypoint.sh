#!/usr/bin/env bash
# Start PostgreSQL the way the official image does. On an empty data directory
# create the cluster: superuser POSTGRES_USER (default postgres) with
# POSTGRES_PASSWORD, required for TCP clients, and database POSTGRES_DB
# (default: the user's name). Unix-socket connections inside the container are
# trusted, so `docker compose exec -T db psql|pg_dump|pg_restore` needs no
# password. Arguments starting with "-" are options for postgres; any other
# command (bash, psql) runs as given.
set -euo pipefail

log() { printf 'db-entrypoint: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"

init_cluster() {
  [ -n "${POSTGRES_PASSWORD:-}" ] ||
    die "POSTGRES_PASSWORD is empty: set it (see .env.example); TCP clients need it"
  log "creating a new cluster in $PGDATA"
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  # Other containers connect over the compose network, always with a password.
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  if [ "$POSTGRES_DB" != postgres ]; then
    # Socket only, so no client (nor the healthcheck) sees a half-made cluster.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    psql -v ON_ERROR_STOP=1 -v db="$POSTGRES_DB" -U "$POSTGRES_USER" -d postgres -q \
      <<<'CREATE DATABASE :"db";'
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  log "cluster ready: user $POSTGRES_USER, database $POSTGRES_DB"
}

[ -s "$PGDATA/PG_VERSION" ] || init_cluster

# postgres replaces this shell, so it is PID 1 and gets docker stop's signal.
exec "$@"
