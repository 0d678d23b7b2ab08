"""The CLI (init, users, tokens, seed-demo), on both backends; `import` is in test_import.py."""

from __future__ import annotations

import sqlalchemy as sa
from shuibao_server import db
from shuibao_server import tables as t
from shuibao_server.cli import main


def test_cli_init_users_tokens_seed(empty_database_url, tmp_path, capsys, engine=None):
    base = ["--database-url", empty_database_url, "--data-dir", str(tmp_path)]
    assert main([*base, "init"]) == 0
    assert (
        main(
            [
                *base,
                "user",
                "add",
                "li",
                "--role",
                "inspector",
                "--county",
                "360721",
                "--county",
                "360722",
                "--password",
                "long-enough-pw",
            ]
        )
        == 0
    )
    assert (
        main([*base, "user", "add", "bad", "--role", "inspector", "--county", "36", "--password", "long-enough-pw"])
        == 1
    )
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
