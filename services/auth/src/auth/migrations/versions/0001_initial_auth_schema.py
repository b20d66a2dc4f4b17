"""initial auth schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 01:21:40.463948
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "sigexp_0001"  # outbox and inbox: the shared branch


def upgrade() -> None:
    op.create_table(
        "bloqueos",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("clave", sa.String(length=300), nullable=False),
        sa.Column("desde", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hasta", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_bloqueos_clave"), "bloqueos", ["clave"], unique=False)
    op.create_table(
        "claves_firma",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("privada_cifrada", sa.Text(), nullable=False),
        sa.Column("publica_jwk", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "creada_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("retirada_en", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    op.create_table(
        "correos",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("para", sa.String(length=254), nullable=False),
        sa.Column("asunto", sa.String(length=300), nullable=False),
        sa.Column("cuerpo", sa.Text(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("enviado_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("intentos", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "proximo_intento_en",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ultimo_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_correos_pendientes",
        "correos",
        ["proximo_intento_en"],
        unique=False,
        postgresql_where=sa.text("enviado_en IS NULL"),
    )
    op.create_table(
        "intentos_login",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("clave", sa.String(length=300), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("exitoso", sa.Boolean(), nullable=False),
        sa.Column("en", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intentos_login_clave_en", "intentos_login", ["clave", "en"], unique=False)
    op.create_index("ix_intentos_login_ip_en", "intentos_login", ["ip", "en"], unique=False)
    op.create_table(
        "organismos",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("codigo", sa.String(length=20), nullable=False),
        sa.Column("nombre", sa.String(length=300), nullable=False),
        sa.Column("nombre_corto", sa.String(length=60), nullable=True),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("codigo"),
    )
    op.create_table(
        "tipos_expediente",
        sa.Column("codigo", sa.String(length=40), nullable=False),
        sa.Column("nombre", sa.String(length=200), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("codigo"),
    )
    op.create_table(
        "dependencias",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("codigo", sa.String(length=60), nullable=False),
        sa.Column("nombre", sa.String(length=300), nullable=False),
        sa.Column("organismo_id", sa.UUID(), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organismo_id"],
            ["organismos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("codigo"),
    )
    op.create_index(
        op.f("ix_dependencias_organismo_id"), "dependencias", ["organismo_id"], unique=False
    )
    op.create_table(
        "mesas",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("codigo", sa.String(length=60), nullable=False),
        sa.Column("nombre", sa.String(length=300), nullable=False),
        sa.Column("organismo_id", sa.UUID(), nullable=False),
        sa.Column("es_oficina", sa.Boolean(), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organismo_id"],
            ["organismos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("codigo"),
    )
    op.create_index(op.f("ix_mesas_organismo_id"), "mesas", ["organismo_id"], unique=False)
    op.create_table(
        "usuarios",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("usuario", sa.String(length=80), nullable=False),
        sa.Column("nombre", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("perfil", sa.String(length=20), nullable=False),
        sa.Column("mesa_id", sa.UUID(), nullable=True),
        sa.Column("organismo_id", sa.UUID(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("debe_cambiar_password", sa.Boolean(), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "actualizado_en",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("password_cambiada_en", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mesa_id"],
            ["mesas.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organismo_id"],
            ["organismos.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_usuarios_mesa_id"), "usuarios", ["mesa_id"], unique=False)
    op.create_index(
        "uq_usuarios_email", "usuarios", [sa.literal_column("lower(email)")], unique=True
    )
    op.create_index(
        "uq_usuarios_usuario", "usuarios", [sa.literal_column("lower(usuario)")], unique=True
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("usuario_id", sa.UUID(), nullable=False),
        sa.Column("familia_id", sa.UUID(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expira_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("usado_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocado_en", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["usuario_id"],
            ["usuarios.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(
        op.f("ix_refresh_tokens_familia_id"), "refresh_tokens", ["familia_id"], unique=False
    )
    op.create_index(
        op.f("ix_refresh_tokens_usuario_id"), "refresh_tokens", ["usuario_id"], unique=False
    )
    op.create_table(
        "solicitudes_cuenta",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("nombre", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organismo", sa.String(length=300), nullable=False),
        sa.Column("area", sa.String(length=300), nullable=False),
        sa.Column("perfil", sa.String(length=20), nullable=False),
        sa.Column("estado", sa.String(length=20), nullable=False),
        sa.Column("motivo", sa.Text(), nullable=True),
        sa.Column(
            "creada_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("resuelta_en", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resuelta_por", sa.UUID(), nullable=True),
        sa.Column("usuario_id", sa.UUID(), nullable=True),
        sa.ForeignKeyConstraint(
            ["usuario_id"],
            ["usuarios.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_solicitudes_cuenta_estado"), "solicitudes_cuenta", ["estado"], unique=False
    )
    op.create_table(
        "tokens_restablecimiento",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("usuario_id", sa.UUID(), nullable=False),
        sa.Column(
            "creado_en", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expira_en", sa.DateTime(timezone=True), nullable=False),
        sa.Column("usado_en", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["usuario_id"],
            ["usuarios.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(
        op.f("ix_tokens_restablecimiento_usuario_id"),
        "tokens_restablecimiento",
        ["usuario_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_tokens_restablecimiento_usuario_id"), table_name="tokens_restablecimiento"
    )
    op.drop_table("tokens_restablecimiento")
    op.drop_index(op.f("ix_solicitudes_cuenta_estado"), table_name="solicitudes_cuenta")
    op.drop_table("solicitudes_cuenta")
    op.drop_index(op.f("ix_refresh_tokens_usuario_id"), table_name="refresh_tokens")
    op.drop_index(op.f("ix_refresh_tokens_familia_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index("uq_usuarios_usuario", table_name="usuarios")
    op.drop_index("uq_usuarios_email", table_name="usuarios")
    op.drop_index(op.f("ix_usuarios_mesa_id"), table_name="usuarios")
    op.drop_table("usuarios")
    op.drop_index(op.f("ix_mesas_organismo_id"), table_name="mesas")
    op.drop_table("mesas")
    op.drop_index(op.f("ix_dependencias_organismo_id"), table_name="dependencias")
    op.drop_table("dependencias")
    op.drop_table("tipos_expediente")
    op.drop_table("organismos")
    op.drop_index("ix_intentos_login_ip_en", table_name="intentos_login")
    op.drop_index("ix_intentos_login_clave_en", table_name="intentos_login")
    op.drop_table("intentos_login")
    op.drop_index(
        "ix_correos_pendientes",
        table_name="correos",
        postgresql_where=sa.text("enviado_en IS NULL"),
    )
    op.drop_table("correos")
    op.drop_table("claves_firma")
    op.drop_index(op.f("ix_bloqueos_clave"), table_name="bloqueos")
    op.drop_table("bloqueos")
