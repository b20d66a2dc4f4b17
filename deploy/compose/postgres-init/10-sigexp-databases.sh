#!/usr/bin/env bash
# First start of the compose PostgreSQL: one database per service, each owned by its own login
# role, closed to the others (no service reads another's database). Passwords come from the
# environment of the postgres container (see docker-compose.yml). Safe to run again.
set -euo pipefail

create_database() {
  local name="$1" password="$2"
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name')\gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'name', :'password')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name')\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name')\gexec
SQL
}

create_database sigexp_auth "$SIGEXP_AUTH_DB_PASSWORD"
create_database sigexp_expedientes "$SIGEXP_EXPEDIENTES_DB_PASSWORD"
create_database sigexp_pases "$SIGEXP_PASES_DB_PASSWORD"
create_database sigexp_archivos "$SIGEXP_ARCHIVOS_DB_PASSWORD"
create_database sigexp_auditoria "$SIGEXP_AUDITORIA_DB_PASSWORD"
create_database sigexp_integraciones "$SIGEXP_INTEGRACIONES_DB_PASSWORD"

# auditoria runs as a login role of its own, which may only INSERT and SELECT the chain: its
# migrations (as sigexp_auditoria, the owner) grant it its rights (auditoria/permisos.py).
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v name=sigexp_auditoria_servicio -v password="$SIGEXP_AUDITORIA_SERVICIO_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name')\gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'name', :'password')\gexec
SQL
