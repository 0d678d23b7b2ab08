"""`shuibao-server`: init, serve, user add/list/disable, token revoke, seed-demo, import."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from . import auth, db
from .config import Settings


def _settings(args) -> Settings:
    """The environment's settings with the command line's --data-dir/--database-url on top."""
    overrides = {"data_dir": args.data_dir, "database_url": args.database_url}
    return Settings(**{k: v for k, v in overrides.items() if v})


def _engine(args):
    return db.make_engine(_settings(args).url)


def cmd_init(args) -> int:
    engine = _engine(args)
    before = db.current_revision(engine)
    db.migrate(engine)
    print(f"database at revision {db.current_revision(engine)} (was {before or 'empty'})")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from .http import PROTOCOL

    settings = _settings(args)
    # The app factory reads its settings from the environment (also in uvicorn's worker processes).
    os.environ["SHUIBAO_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        os.environ["SHUIBAO_DATABASE_URL"] = settings.database_url
    engine = db.make_engine(settings.url)
    if db.current_revision(engine) != db.head_revision():
        db.migrate(engine)
    engine.dispose()
    if settings.url.startswith("sqlite") and args.workers > 1:
        print("SQLite has a single writer: use one worker (or PostgreSQL)", file=sys.stderr)
    uvicorn.run(
        "shuibao_server.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
        log_level=args.log_level, proxy_headers=True, http=PROTOCOL,
    )  # fmt: skip
    return 0


def cmd_user(args) -> int:
    engine = _engine(args)
    if args.user_cmd == "add":
        password = args.password or _ask_password(args.username)
        auth.add_user(engine, args.username, password, args.role, args.county or [], args.display_name)
        print(f"user {args.username} ({args.role}, counties {', '.join(sorted(set(args.county or [])))}) added")
    elif args.user_cmd == "passwd":
        password = args.password or _ask_password(args.username)
        n = auth.set_password(engine, args.username, password)
        print(f"password of {args.username} changed, {n} token(s) revoked")
    elif args.user_cmd == "list":
        for u in auth.list_users(engine):
            flag = " (disabled)" if u["disabled"] else ""
            print(f"{u['username']}\t{u['role']}\t{','.join(u['counties'])}{flag}")
    elif args.user_cmd == "disable":
        if not auth.set_disabled(engine, args.username, True):
            print(f"no such user: {args.username}", file=sys.stderr)
            return 1
        print(f"user {args.username} disabled, tokens revoked")
    elif args.user_cmd == "enable":
        auth.set_disabled(engine, args.username, False)
        print(f"user {args.username} enabled")
    return 0


def _ask_password(username: str) -> str:
    password = getpass.getpass(f"password for {username}: ")
    if getpass.getpass("again: ") != password:
        raise ValueError("the two passwords differ")
    return password


def cmd_token(args) -> int:
    n = auth.revoke_user_tokens(_engine(args), args.username, args.device)
    print(f"{n} token(s) revoked")
    return 0


def cmd_seed(args) -> int:
    from .demo import seed

    engine = _engine(args)
    if db.current_revision(engine) != db.head_revision():
        db.migrate(engine)
    out = seed(engine, args.county, dams=args.dams, patches=args.patches, spots=args.spots)
    print(f"demo data for county {args.county}: {json.dumps(out['counts'])}")
    for r in out["rejects"][:5]:
        print("  rejected:", json.dumps(r, ensure_ascii=False))
    print("demo users (user / role / password):")
    for name, role, password in out["users"]:
        print(f"  {name}\t{role}\t{password}")
    return 0


def cmd_import(args) -> int:
    from .imports import command

    return command(_settings(args), args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shuibao-server", description="Shuibao central sync server (水保巡检同步服务)")
    p.add_argument("--database-url", help="e.g. postgresql://user@host/db (default: SQLite in the data dir)")
    p.add_argument("--data-dir", type=Path, help="data folder (default ./shuibao-data or SHUIBAO_DATA_DIR)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("init", help="create or migrate the database").set_defaults(func=cmd_init)
    s = sub.add_parser("serve", help="run the API (OpenAPI at /openapi.json)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--log-level", default="info")
    s.set_defaults(func=cmd_serve)
    u = sub.add_parser("user", help="manage users").add_subparsers(dest="user_cmd", required=True)
    ua = u.add_parser("add")
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=("inspector", "technician", "acceptor", "admin"))
    ua.add_argument("--county", action="append", help="6-digit county code; repeat for several")
    ua.add_argument("--password", help="8+ characters, not the user name (prompted when omitted)")
    ua.add_argument("--display-name")
    up = u.add_parser("passwd", help="set a user's password (8+ characters, not the user name); revokes their tokens")
    up.add_argument("username")
    up.add_argument("--password", help="(prompted when omitted)")
    u.add_parser("list")
    for name in ("disable", "enable"):
        u.add_parser(name).add_argument("username")
    for sp in u.choices.values():
        sp.set_defaults(func=cmd_user)
    tk = sub.add_parser("token", help="revoke tokens").add_subparsers(dest="token_cmd", required=True)
    tr = tk.add_parser("revoke")
    tr.add_argument("username")
    tr.add_argument("--device", help="only this client_id")
    tr.set_defaults(func=cmd_token)
    sd = sub.add_parser("seed-demo", help="demo county, records and users")
    sd.add_argument("--county", default="360721")
    sd.add_argument("--dams", type=int, default=300)
    sd.add_argument("--patches", type=int, default=300)
    sd.add_argument("--spots", type=int, default=40)
    sd.set_defaults(func=cmd_seed)
    _import_parser(sub)
    return p


def _import_parser(sub) -> None:
    from shuibao.model import RECORD_KINDS
    from shuibao.registers.mapping import importable_kinds

    kinds = importable_kinds()
    im = sub.add_parser(
        "import", help="import a register (Excel, CSV, Shapefile, GeoPackage, GeoJSON, KML); a dry run unless --apply",
        description="Import a county's register as a push would (导入登记数据). Needs pip install "
        "'shuibao-server[import]'. A dry run by default: prints what would be inserted, updated or rejected.",
    )  # fmt: skip
    im.add_argument("file", help="the register file")
    im.add_argument("--kind", required=True, choices=kinds,
                    help="record kind: " + ", ".join(f"{k} {RECORD_KINDS[k].zh}" for k in kinds))  # fmt: skip
    im.add_argument("--county", help="6-digit county code: for rows without a county column; rows of other counties "
                    "are rejected (default: the counties the file names)")  # fmt: skip
    im.add_argument("--layer", help="sheet or layer (default: the first)")
    im.add_argument("--crs", help="coordinate system of the file, e.g. EPSG:4547 (default: detected)")
    im.add_argument("--mapping", help="a saved field mapping (JSON, as the plugin saves it)")
    im.add_argument("--save-mapping", help="save the mapping used to this JSON file, to edit and reuse")
    im.add_argument("--report", help="write the validation report to this .xlsx or .csv")
    im.add_argument("--apply", action="store_true", help="write the records (default: a dry run)")
    im.add_argument("--user", help="who imports, recorded as import:<user> (default: the login name)")
    im.set_defaults(func=cmd_import)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
