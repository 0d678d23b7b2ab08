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
    assert db.current_revision(engine) == db.head_revision() == db.HEAD
    names = set(sa.inspect(engine).get_table_names())
    assert "file_nonce" in {c["name"] for c in sa.inspect(engine).get_columns("devices")}
    assert {"users", "records", "history", "mutations", "conflicts", "blobs", "county_seq", "thresholds"} <= names
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
    assert db.current_revision(engine) == db.head_revision() == db.HEAD
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


def test_upgrade_to_revision_3_keeps_conflict_ids_and_photo_owners(empty_database_url):
    """Old conflict ids stay valid; new ones are per-county numbers above them; uploaders own their blobs."""
    engine = db.make_engine(empty_database_url)
    db.migrate(engine, "0002")
    now = dt.datetime.now(dt.timezone.utc)
    users = sa.table(
        "users",
        *(sa.column(c) for c in ("id", "username", "password_hash", "role", "created_at")),
        sa.column("counties", sa.JSON),
    )
    blobs = sa.table(
        "blobs", *(sa.column(c) for c in ("sha256", "size_bytes", "mime_type", "created_at", "created_by"))
    )
    conflicts = sa.table(
        "conflicts",
        *(
            sa.column(c)
            for c in ("id", "county_code", "kind", "uuid", "field", "reason", "client_by", "created_at", "status")
        ),
    )
    with engine.begin() as conn:
        conn.execute(
            users.insert().values(
                id=7, username="li", password_hash="x", role="inspector", counties=["360721"], created_at=now
            )
        )
        conn.execute(
            blobs.insert().values(sha256="a" * 64, size_bytes=3, mime_type="image/png", created_at=now, created_by="li")
        )
        conn.execute(sa.text("INSERT INTO county_seq (county_code, last_seq) VALUES ('360721', 5)"))
        conn.execute(
            conflicts.insert().values(
                id=1_234_567,
                county_code="360721",
                kind="dam",
                uuid="u",
                field="name",
                reason="field",
                client_by="li",
                created_at=now,
                status="open",
            )
        )
    db.migrate(engine)
    with engine.begin() as conn:
        assert conn.execute(sa.select(t.blob_owners.c.sha256, t.blob_owners.c.user_id)).all() == [("a" * 64, 7)]
        assert conn.execute(sa.select(t.conflicts.c.id)).scalars().all() == [1_234_567]
        from shuibao_server.sync.sequence import CountySequence

        seq = CountySequence(conn)
        # an existing county and one added after the upgrade both number above the old ids
        assert [seq.next_conflict("360721"), seq.next_conflict("360722")] == [2, 2]
    engine.dispose()


def test_upgrade_to_revision_4_brings_records_to_model_2(empty_database_url):
    """1.x records get what 2.0 derives from their old values (a de-listed dam's cause from its typed
    reason), their revisions stay, and the thresholds table is there, empty."""
    from shuibao.model import RECORD_KINDS

    assert "delist_cause" in RECORD_KINDS["dam"].field_names()
    engine = db.make_engine(empty_database_url)
    db.migrate(engine, "0003")
    now = dt.datetime.now(dt.timezone.utc)
    rec = sa.table("records", sa.column("data", sa.JSON), sa.column("field_meta", sa.JSON),
                   *(sa.column(c) for c in ("uuid", "kind", "county_code", "rev", "version", "deleted", "last_op",
                                            "created_at", "created_by", "updated_at", "updated_by")))  # fmt: skip
    old = {
        "11111111-1111-4111-8111-111111111111": {"register_status": "delisted", "delist_reason": "坝体垮坝，无法修复"},
        "22222222-2222-4222-8222-222222222222": {"register_status": "delisted", "delist_reason": "并入下游骨干坝"},
        "33333333-3333-4333-8333-333333333333": {"register_status": "registered", "name": "在册坝"},
    }
    with engine.begin() as conn:
        for i, (uuid, data) in enumerate(old.items(), 1):
            conn.execute(rec.insert().values(
                uuid=uuid, kind="dam", county_code="360721", rev=i, version=1, data=data, field_meta={},
                deleted=False, last_op="insert", created_at=now, created_by="old", updated_at=now, updated_by="old",
            ))  # fmt: skip
    db.migrate(engine)
    with engine.connect() as conn:
        rows = {r.uuid: (r.rev, r.data) for r in conn.execute(sa.select(t.records.c.uuid, t.records.c.rev,
                                                                        t.records.c.data))}  # fmt: skip
        assert conn.execute(sa.select(sa.func.count()).select_from(t.thresholds)).scalar() == 0
    causes = [rows[u][1].get("delist_cause") for u in old]
    assert causes == ["breached", "other", None]  # "并入…" names no cause word exactly: 其他
    assert [rows[u][0] for u in old] == [1, 2, 3]
    assert rows["22222222-2222-4222-8222-222222222222"][1]["delist_reason"] == "并入下游骨干坝"
    engine.dispose()
