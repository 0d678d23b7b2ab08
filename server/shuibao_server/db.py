"""Database engine, migrations and the few places where SQLite and PostgreSQL differ."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from . import tables as t

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0005"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; we always store UTC
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def make_engine(url: str, pool_size: int = 10) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            # A writer takes the database lock up front: commit order equals sequence order.
            if conn.get_execution_options().get("write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    return sa.create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


def is_pg(engine_or_conn) -> bool:
    return engine_or_conn.dialect.name == "postgresql"


@contextlib.contextmanager
def write_tx(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction: BEGIN IMMEDIATE on SQLite, READ COMMITTED on PostgreSQL."""
    with engine.connect().execution_options(write=True) as conn:
        with conn.begin():
            yield conn


@contextlib.contextmanager
def read_tx(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        with conn.begin():
            yield conn


def ping(engine: sa.Engine) -> bool:
    """Does the database answer?"""
    try:
        with read_tx(engine) as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True


def geom_value(conn: sa.Connection, wkb: bytes | None):
    """The bind expression that stores WKB into the geometry column."""
    if wkb is None:
        return None
    if is_pg(conn):
        return sa.func.ST_GeomFromWKB(sa.literal(wkb, sa.LargeBinary), 4490)
    return wkb


def geom_column(conn: sa.Connection):
    """The select expression that reads the geometry column as WKB bytes."""
    if is_pg(conn):
        return sa.func.ST_AsBinary(t.records.c.geom).label("geom")
    return t.records.c.geom


def insert_ignore(conn: sa.Connection, table: sa.Table, rows: list[dict], keys: list[str]) -> None:
    if not rows:
        return
    if is_pg(conn):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(table).on_conflict_do_nothing(index_elements=keys), rows)


def alembic_config(engine_or_url) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if isinstance(engine_or_url, str):
        cfg.set_main_option("sqlalchemy.url", engine_or_url.replace("%", "%%"))
    return cfg


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Create or upgrade the database to `revision` (an older one for tests)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if is_pg(conn):
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or HEAD
