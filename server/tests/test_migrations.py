"""Alembic: create from empty, and upgrade an older database with data in it."""

from __future__ import annotations

import datetime as dt

import shapely
import sqlalchemy as sa
from shapely.geometry import Point
from shuibao_server import db
from shuibao_server import tables as t
from shuibao_server.geometry import geom_hash


def test_migrate_empty(empty_database_url):
    engine = db.make_engine(empty_database_url)
    assert db.current_revision(engine) is None
    db.migrate(engine)
    assert db.current_revision(engine) == db.head_revision() == "0003"
    names = set(sa.inspect(engine).get_table_names())
    assert "file_nonce" in {c["name"] for c in sa.inspect(engine).get_columns("devices")}
    assert {"users", "records", "history", "mutations", "conflicts", "blobs", "county_seq"} <= names
    db.migrate(engine)  # idempotent
    engine.dispose()


def test_upgrade_from_revision_1_with_data(empty_database_url):
    engine = db.make_engine(empty_database_url)
    db.migrate(engine, "0001")
    assert db.current_revision(engine) == "0001"
    wkb = shapely.to_wkb(Point(115.0, 26.0), flavor="iso")
    now = dt.datetime.now(dt.timezone.utc)
    pg = engine.dialect.name == "postgresql"
    geom = sa.func.ST_GeomFromWKB(sa.literal(wkb, sa.LargeBinary), 4490) if pg else wkb
    rec = sa.table(
        "records", sa.column("data", sa.JSON), sa.column("field_meta", sa.JSON), *(sa.column(c) for c in ("uuid", "kind", "county_code", "rev", "version",
                                            "deleted", "last_op", "created_at", "created_by", "updated_at",
                                            "updated_by", "geom"))
    )  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            rec.insert().values(
                uuid="11111111-1111-4111-8111-111111111111", kind="dam", county_code="360721", rev=1, version=1,
                data={"name": "老坝"}, field_meta={}, deleted=False, last_op="insert",
                created_at=now, created_by="old", updated_at=now, updated_by="old", geom=geom,
            )
        )  # fmt: skip
    db.migrate(engine)
    assert db.current_revision(engine) == db.head_revision()
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.records.c.geom_hash, t.records.c.data)).one()
        assert row.geom_hash == geom_hash(wkb)
        assert row.data["name"] == "老坝"
        assert conn.execute(sa.select(sa.func.count()).select_from(t.blobs)).scalar() == 0
    engine.dispose()


def test_history_is_append_only(engine, api):
    from shuibao_server.testing.helpers import dam_values, insert

    c = api.client("insp")
    c.push(insert("dam", dam_values()))
    import pytest

    with pytest.raises(sa.exc.DBAPIError):
        with engine.begin() as conn:
            conn.execute(t.history.delete())
    with pytest.raises(sa.exc.DBAPIError):
        with engine.begin() as conn:
            conn.execute(t.history.update().values(username="x"))
