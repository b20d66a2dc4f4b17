#!/usr/bin/env bash
# Autogenerates the next Alembic migration of one service from its models, against a scratch
# database, and checks that models and migrations then agree. A change to the shared tables
# (outbox, inbox, idempotency_keys) is a revision of the shared branch instead: see
# services/shared/alembic.ini.
#   scripts/new_migration.sh pases "add remitos"
set -euo pipefail
service=$1; message=$2
cd "$(dirname "$0")/.."
admin=${SIGEXP_PG_DSN:-postgresql://postgres@127.0.0.1:5432/postgres}
scratch="autogen_${service}_$$"
base=${admin%/*}
url="${base/postgresql:\/\//postgresql+asyncpg://}/$scratch"
psql "$admin" -qc "CREATE DATABASE $scratch"
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)"' EXIT
upper=$(echo "$service" | tr '[:lower:]' '[:upper:]')
export "${upper}_DATABASE_URL=$url"
cd "services/$service"
../../.venv/bin/python -m "$service" migrate
count=$(find "src/$service/migrations/versions" -name '[0-9]*.py' | wc -l)
rev=$(printf '%04d' $((count + 1)))
# --head: the service's own line (the shared branch, sigexp_common, is a second head)
../../.venv/bin/alembic revision --autogenerate -m "$message" --rev-id "$rev" \
  --head "$(printf '%04d' "$count")"
new=$(ls -t "src/$service/migrations/versions/"*.py | head -1)
../../.venv/bin/ruff format -q "$new"
../../.venv/bin/ruff check --fix --unsafe-fixes -q "$new" || true
echo "written: services/$service/$new"
