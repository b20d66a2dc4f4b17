"""The runtime role's rights (run by the schema owner after every migration).

The service runs as a role of its own (`AUDITORIA_RUNTIME_DATABASE_URL`), not as the owner
that migrates (`AUDITORIA_DATABASE_URL`): on the chain it may only INSERT and SELECT, so a
compromised service cannot edit, delete or truncate what it recorded even with the trigger
lifted (only the owner can lift it). On its other tables (outbox, inbox, the event log,
Idempotency-Key) it may do what the service does with them.

In development and tests (trust authentication) the role is created when missing, with the
password its URL carries, if any; in production the database administrator creates it with its
password beforehand and this only grants.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

CADENA = "registros"


def _ident(connection: Connection, nombre: str) -> str:
    return str(connection.execute(text("SELECT quote_ident(:n)"), {"n": nombre}).scalar_one())


def conceder(connection: Connection, rol: str, password: str | None) -> None:
    existe = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": rol})
    quien = _ident(connection, rol)
    if existe.first() is None:
        clave = ""
        if password is not None:
            literal = connection.execute(text("SELECT quote_literal(:p)"), {"p": password})
            clave = f" PASSWORD {literal.scalar_one()}"
        # Roles are the cluster's: another database's migration may be creating it right now.
        connection.execute(
            text(
                f"DO $$ BEGIN CREATE ROLE {quien} LOGIN{clave}; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
        )
    base = _ident(connection, str(connection.execute(text("SELECT current_database()")).scalar()))
    for sentencia in (
        f"GRANT CONNECT ON DATABASE {base} TO {quien}",
        f"GRANT USAGE ON SCHEMA public TO {quien}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quien}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quien}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {CADENA} FROM {quien}",
        f"REVOKE ALL ON alembic_version FROM {quien}",
        f"GRANT SELECT ON alembic_version TO {quien}",
    ):
        connection.execute(text(sentencia))
