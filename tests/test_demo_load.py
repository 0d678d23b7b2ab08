"""The demo county goes onto the server whole, through the push's rules: an object de-listed or
closed after its records (a 崩岗's measures, a spot's re-check) keeps them, and nothing is refused.
The guide's screenshots and the story tests stand on this county."""

from __future__ import annotations

import sqlalchemy as sa


def test_demo_county_loads_with_nothing_refused(tmp_path, tool, demo_data, small_data):
    from shuibao_server import db, tables
    from shuibao_server.config import Settings

    demo = tool("demo_server")
    demo._cli(tmp_path, "init")
    rejects = demo.load_records(tmp_path, demo_data.COUNTY_CODE, small_data)
    assert rejects == []

    delisted = [p for p in small_data["patch"] if p.get("register_status") == "delisted"]
    closed = [s for s in small_data["rs_spot"] if s.get("step") == "closed"]
    measures = [m for m in small_data["patch_measure"] if m["patch_uuid"] in {p["uuid"] for p in delisted}]
    rechecks = [r for r in small_data["rs_recheck"] if r["spot_uuid"] in {s["uuid"] for s in closed}]
    assert measures and rechecks  # the cases this test is about are in the county
    engine = db.make_engine(Settings(data_dir=tmp_path).url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(tables.records.c.uuid, tables.records.c.data)).all()
    finally:
        engine.dispose()
    kept = {r.uuid: r.data for r in rows}
    assert all(m["uuid"] in kept for m in measures + rechecks)
    assert all(kept[p["uuid"]]["register_status"] == "delisted" for p in delisted)
    assert all(kept[s["uuid"]]["step"] == "closed" for s in closed)
