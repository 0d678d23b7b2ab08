"""The server's tables (SQLAlchemy Core). The Alembic migrations create exactly these.

One table `records` holds every record kind: the model's field values live in a JSON
column, the geometry in its own column (PostGIS geometry on PostgreSQL, WKB on SQLite).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.types import UserDefinedType


class Geometry(UserDefinedType):
    """PostGIS geometry in EPSG:4490. Written with ST_GeomFromWKB, read with ST_AsBinary."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "geometry(Geometry,4490)"


GEOM_TYPE = sa.LargeBinary().with_variant(Geometry(), "postgresql")
JSON = sa.JSON()

metadata = sa.MetaData()

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(128)),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("counties", JSON, nullable=False),  # list of 6-digit county codes
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)  # fmt: skip

devices = sa.Table(
    "devices", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128)),
    sa.Column("last_mutation_id", sa.BigInteger, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("file_nonce", sa.String(64)),  # of the store file syncing as this device (sync/devices.py)
    sa.UniqueConstraint("user_id", "client_id", name="uq_devices_user_client"),
)  # fmt: skip

tokens = sa.Table(
    "tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),  # added in revision 0002
)  # fmt: skip

county_seq = sa.Table(
    "county_seq", metadata,
    sa.Column("county_code", sa.String(6), primary_key=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False, default=0),
    sa.Column("last_conflict", sa.BigInteger, nullable=False),  # added in revision 0003 (server default)
)  # fmt: skip

records = sa.Table(
    "records", metadata,
    sa.Column("uuid", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("rev", sa.BigInteger, nullable=False),  # county sequence number of the last change
    sa.Column("version", sa.Integer, nullable=False),  # number of accepted changes
    sa.Column("data", JSON, nullable=False),  # model field values (no geometry)
    sa.Column("field_meta", JSON, nullable=False),  # {field: [rev, username, iso time]}
    sa.Column("geom", GEOM_TYPE),
    sa.Column("geom_hash", sa.String(64)),  # added in revision 0002
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("last_op", sa.String(8), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Index("ix_records_county_rev", "county_code", "rev"),
    sa.Index("ix_records_kind", "kind"),
)  # fmt: skip

history = sa.Table(
    "history", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("uuid", sa.String(36), nullable=False),
    sa.Column("op", sa.String(8), nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("device_id", sa.Integer),
    sa.Column("mutation_id", sa.BigInteger),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("old", JSON, nullable=False),
    sa.Column("new", JSON, nullable=False),
    sa.Index("ix_history_uuid", "uuid"),
    sa.UniqueConstraint("county_code", "seq", name="uq_history_county_seq"),
)  # fmt: skip

mutations = sa.Table(
    "mutations", metadata,
    sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), primary_key=True),
    sa.Column("mutation_id", sa.BigInteger, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("result", JSON, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)  # fmt: skip

conflicts = sa.Table(
    "conflicts", metadata,
    # the county's own number * 10^6 + county code (revision 0003); older rows keep their ids
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=False),
    sa.Column("county_code", sa.String(6), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("uuid", sa.String(36), nullable=False),
    sa.Column("field", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(16), nullable=False),  # field, delisted, deleted, delete
    sa.Column("base", JSON),
    sa.Column("server", JSON),
    sa.Column("client", JSON),
    sa.Column("server_rev", sa.BigInteger),
    sa.Column("server_by", sa.String(64)),
    sa.Column("server_at", sa.String(40)),
    sa.Column("client_by", sa.String(64), nullable=False),
    sa.Column("device_id", sa.Integer),
    sa.Column("mutation_id", sa.BigInteger),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # open, resolved
    sa.Column("resolution", sa.String(16)),
    sa.Column("resolved_by", sa.String(64)),
    sa.Column("resolved_at", sa.DateTime(timezone=True)),
    sa.Index("ix_conflicts_county_status", "county_code", "status"),
)  # fmt: skip

blobs = sa.Table(  # added in revision 0002
    "blobs", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("mime_type", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
)  # fmt: skip

blob_owners = sa.Table(  # added in revision 0003
    "blob_owners", metadata,
    sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)  # fmt: skip

login_throttle = sa.Table(  # added in revision 0003
    "login_throttle", metadata,
    sa.Column("key", sa.String(160), primary_key=True),  # "account:<name>" or "address:<ip>"
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("blocked_until", sa.DateTime(timezone=True)),
)  # fmt: skip

thresholds = sa.Table(  # added in revision 0004: settings per province, prefecture or county
    "thresholds", metadata,
    sa.Column("scope", sa.String(6), primary_key=True),  # 360000 province, 360700 prefecture, 360704 county
    sa.Column("name", sa.String(64), primary_key=True),  # a threshold of the model
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("basis", sa.String(500), nullable=False),  # the document or standard (依据)
    sa.Column("mark", sa.String(1), nullable=False),  # V verified, S unofficial source, I inference
    sa.Column("scope_name", sa.String(64)),
    sa.Column("set_by", sa.String(64), nullable=False),
    sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
)  # fmt: skip
