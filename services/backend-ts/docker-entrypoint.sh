#!/bin/sh
# Wait for the database (at most DB_WAIT_RETRIES attempts, DB_WAIT_INTERVAL
# seconds apart), then run the command (the server by default). Migrations are
# not run here: `node migrate.js` is a separate step (inv migrate).
set -eu

retries=${DB_WAIT_RETRIES:-30}
interval=${DB_WAIT_INTERVAL:-1}
target="${POSTGRES_HOST:-db}:5432"

case $retries in
  '' | *[!0-9]* | 0) echo "entrypoint: DB_WAIT_RETRIES must be a positive integer, not '$retries'" >&2; exit 2 ;;
esac

attempt=1
while ! reason=$(node /app/db-check.js 2>&1); do
  if [ "$attempt" -ge "$retries" ]; then
    echo "entrypoint: database $target did not answer after $retries attempts (last: $reason)" >&2
    exit 1
  fi
  echo "entrypoint: waiting for database $target (attempt $attempt/$retries: $reason)" >&2
  attempt=$((attempt + 1))
  sleep "$interval"
done
echo "entrypoint: database $target answers" >&2

exec "$@"
