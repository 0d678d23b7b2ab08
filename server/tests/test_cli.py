"""The CLI (init, users, tokens, seed-demo) and the GeoPackage import, on both backends."""

from __future__ import annotations

import sqlite3
import struct

import shapely
import sqlalchemy as sa
from shapely.geometry import Point
from shuibao_server import db
from shuibao_server import tables as t
from shuibao_server.cli import main
from shuibao_server.gpkg import gpkg_to_wkb


def test_cli_init_users_tokens_seed(empty_database_url, tmp_path, capsys, engine=None):
    base = ["--database-url", empty_database_url, "--data-dir", str(tmp_path)]
    assert main([*base, "init"]) == 0
    assert main([*base, "user", "add", "li", "--role", "inspector", "--county", "360721", "--county", "360722",
                 "--password", "long-enough-pw"]) == 0
    assert main([*base, "user", "add", "bad", "--role", "inspector", "--county", "36", "--password", "long-enough-pw"]) == 1
    assert main([*base, "user", "list"]) == 0
    assert "li\tinspector\t360721,360722" in capsys.readouterr().out
    assert main([*base, "seed-demo", "--dams", "20", "--patches", "20", "--spots", "5"]) == 0
    out = capsys.readouterr().out
    assert "demo_acceptor" in out and '"applied": 52' in out
    assert main([*base, "seed-demo", "--dams", "20", "--patches", "20", "--spots", "5"]) == 0  # idempotent
    eng = db.make_engine(empty_database_url)
    from shuibao_server import auth

    auth.login(eng, "li", "long-enough-pw", "dev1", None, 30)
    assert main([*base, "token", "revoke", "li"]) == 0
    assert "1 token(s) revoked" in capsys.readouterr().out
    assert main([*base, "user", "disable", "li"]) == 0
    with eng.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.records)).scalar() == 52
    eng.dispose()


def _gp(wkb: bytes, srs: int = 4490, envelope: bool = True) -> bytes:
    flags = 0x01 | ((1 << 1) if envelope else 0)
    head = b"GP" + bytes([0, flags]) + struct.pack("<i", srs)
    if envelope:
        g = shapely.from_wkb(wkb)
        x0, y0, x1, y1 = g.bounds
        head += struct.pack("<4d", x0, x1, y0, y1)
    return head + wkb


def test_gpkg_header():
    wkb = shapely.to_wkb(Point(115, 26))
    assert gpkg_to_wkb(_gp(wkb)) == (wkb, 4490)
    assert gpkg_to_wkb(_gp(wkb, envelope=False)) == (wkb, 4490)
    big_endian = b"GP" + bytes([0, 0]) + struct.pack(">i", 4490) + wkb
    assert gpkg_to_wkb(big_endian) == (wkb, 4490)


def test_import_gpkg(database_url, tmp_path, capsys):
    path = tmp_path / "dams.gpkg"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE gpkg_contents (table_name TEXT, data_type TEXT)")
    con.execute("CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT)")
    con.execute("INSERT INTO gpkg_contents VALUES ('dam', 'features'), ('other', 'features')")
    con.execute("INSERT INTO gpkg_geometry_columns VALUES ('dam', 'geom')")
    con.execute("CREATE TABLE dam (fid INTEGER PRIMARY KEY, uuid TEXT, code TEXT, name TEXT, total_storage REAL, "
                "admin_person TEXT, tech_person TEXT, patrol_person TEXT, has_spillway BOOLEAN, geom BLOB)")
    for i in range(10):
        wkb = shapely.to_wkb(Point(115 + i / 100, 26))
        con.execute("INSERT INTO dam VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (i + 1, f"00000000-0000-4000-8000-{i:012d}", f"D{i}", f"坝{i}", 5.0 + i, "a", "b", "c", i % 2,
                     _gp(wkb)))
    con.execute("INSERT INTO dam VALUES (99, '00000000-0000-4000-8000-999999999999', 'X', NULL, 1.0, 'a', 'b', 'c', 0, NULL)")
    con.commit()
    con.close()
    code = main(["--database-url", database_url, "import", str(path), "--county", "360721"])
    out = capsys.readouterr().out
    assert code == 2 and '"applied": 10' in out and '"rejected": 1' in out  # the one without a name
    eng = db.make_engine(database_url)
    with eng.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.records)).scalar() == 10
    eng.dispose()
