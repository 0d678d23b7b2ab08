"""Initial schema: users, devices, tokens, county sequences, records, history, mutations, conflicts.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128)),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("counties", sa.JSON, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("role IN ('inspector', 'technician', 'acceptor', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(128)),
        sa.Column("last_mutation_id", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("user_id", "client_id", name="uq_devices_user_client"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
    )
    op.create_table(
        "county_seq",
        sa.Column("county_code", sa.String(6), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "records",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("rev", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("field_meta", sa.JSON, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("last_op", sa.String(8), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    if pg:
        op.execute("ALTER TABLE records ADD COLUMN geom geometry(Geometry, 4490)")
        op.execute("ALTER TABLE records ADD CONSTRAINT ck_records_geom_valid CHECK (geom IS NULL OR ST_IsValid(geom))")
        op.execute("CREATE INDEX ix_records_geom ON records USING gist (geom)")
    else:
        op.add_column("records", sa.Column("geom", sa.LargeBinary))
    op.create_index("ix_records_county_rev", "records", ["county_code", "rev"])
    op.create_index("ix_records_kind", "records", ["kind"])
    op.create_table(
        "history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("device_id", sa.Integer),
        sa.Column("mutation_id", sa.BigInteger),
        sa.Column("at", TZ, nullable=False),
        sa.Column("old", sa.JSON, nullable=False),
        sa.Column("new", sa.JSON, nullable=False),
        sa.UniqueConstraint("county_code", "seq", name="uq_history_county_seq"),
    )
    op.create_index("ix_history_uuid", "history", ["uuid"])
    op.create_table(
        "mutations",
        sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), primary_key=True),
        sa.Column("mutation_id", sa.BigInteger, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("base", sa.JSON),
        sa.Column("server", sa.JSON),
        sa.Column("client", sa.JSON),
        sa.Column("server_rev", sa.BigInteger),
        sa.Column("server_by", sa.String(64)),
        sa.Column("server_at", sa.String(40)),
        sa.Column("client_by", sa.String(64), nullable=False),
        sa.Column("device_id", sa.Integer),
        sa.Column("mutation_id", sa.BigInteger),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolution", sa.String(16)),
        sa.Column("resolved_by", sa.String(64)),
        sa.Column("resolved_at", TZ),
    )
    op.create_index("ix_conflicts_county_status", "conflicts", ["county_code", "status"])
    if pg:
        # History is append-only: refuse UPDATE and DELETE at the database level as well.
        op.execute(
            "CREATE FUNCTION shuibao_history_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'history is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history "
            "FOR EACH ROW EXECUTE FUNCTION shuibao_history_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER history_no_update BEFORE UPDATE ON history "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER history_no_delete BEFORE DELETE ON history "
            "BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"
        )


def downgrade() -> None:
    for table in ("conflicts", "mutations", "history", "records", "county_seq", "tokens", "devices", "users"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS shuibao_history_append_only()")
