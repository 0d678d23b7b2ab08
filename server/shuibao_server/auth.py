"""Users, passwords (argon2), per-device bearer tokens (stored as SHA-256 hashes)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from shuibao.model import ROLES

from . import db
from . import tables as t

_HASHER = PasswordHasher()
COUNTY_RE = re.compile(r"^\d{6}$")
# A fixed hash to verify against when the user does not exist, so timing does not leak it.
_DUMMY_HASH = _HASHER.hash("shuibao-dummy-password")


@dataclass(frozen=True)
class Principal:
    """The authenticated user and device behind a request."""

    user_id: int
    username: str
    role: str
    counties: tuple[str, ...]
    device_pk: int
    client_id: str
    token_id: int

    def can_see(self, county_code: str | None) -> bool:
        return county_code is not None and county_code in self.counties


class AuthError(Exception):
    pass


class WeakPassword(ValueError):
    """A new password the policy refuses; carries a stable code and zh/en messages."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(f"{en} ({zh})")
        self.code, self.zh, self.en = code, zh, en


MIN_PASSWORD = 8


def check_new_password(username: str, new: str, unchanged: bool = False) -> None:
    """The password policy, for the API and the CLI alike: WeakPassword when `new` is too weak.

    `unchanged`: the new password is the user's current one."""
    if len(new) < MIN_PASSWORD:
        raise WeakPassword(
            "too_short",
            f"新密码至少需要 {MIN_PASSWORD} 个字符",
            f"the new password needs at least {MIN_PASSWORD} characters",
        )
    if new == username:
        raise WeakPassword("equals_username", "新密码不能与用户名相同", "the new password may not be the user name")
    if unchanged:
        raise WeakPassword("unchanged", "新密码不能与原密码相同", "the new password must differ from the old one")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_counties(counties: list[str]) -> list[str]:
    bad = [c for c in counties if not COUNTY_RE.match(c)]
    if bad:
        raise ValueError(f"county codes must have 6 digits: {bad}")
    return sorted(set(counties))


def add_user(
    engine: sa.Engine, username: str, password: str, role: str, counties: list[str], display_name: str | None = None
) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if not re.match(r"^[\w.@-]{1,64}$", username):
        raise ValueError("user names: 1–64 letters, digits, . @ - _")
    check_new_password(username, password)
    counties = check_counties(counties)
    with db.write_tx(engine) as conn:
        uid = conn.execute(
            t.users.insert().values(
                username=username, display_name=display_name, password_hash=hash_password(password), role=role,
                counties=counties, disabled=False, created_at=db.utcnow(),
            )
        ).inserted_primary_key[0]  # fmt: skip
        db.insert_ignore(conn, t.county_seq, [{"county_code": c, "last_seq": 0} for c in counties], ["county_code"])
    return int(uid)


def set_disabled(engine: sa.Engine, username: str, disabled: bool = True) -> bool:
    with db.write_tx(engine) as conn:
        res = conn.execute(t.users.update().where(t.users.c.username == username).values(disabled=disabled))
        if disabled:
            uid = sa.select(t.users.c.id).where(t.users.c.username == username).scalar_subquery()
            conn.execute(
                t.tokens.update()
                .where(t.tokens.c.user_id == uid, t.tokens.c.revoked_at.is_(None))
                .values(revoked_at=db.utcnow())
            )
        return res.rowcount > 0


def set_password(engine: sa.Engine, username: str, new: str) -> int:
    """An admin sets a user's password (CLI); every token of the user is revoked. Returns their count."""
    with db.read_tx(engine) as conn:
        user = conn.execute(sa.select(t.users).where(t.users.c.username == username)).mappings().first()
    if user is None:
        raise ValueError(f"no such user: {username}")
    check_new_password(username, new, unchanged=_verifies(user["password_hash"], new))
    return _store_password(engine, user["id"], hash_password(new), keep_token=None)


def change_password(engine: sa.Engine, principal: Principal, old: str, new: str) -> int:
    """A user changes their own password. AuthError for a wrong old one, WeakPassword for a weak new one.

    Every other token of the user is revoked; the token of the request stays valid. Returns the count."""
    with db.read_tx(engine) as conn:
        stored = conn.execute(sa.select(t.users.c.password_hash).where(t.users.c.id == principal.user_id)).scalar()
    if stored is None or not _verifies(stored, old):
        raise AuthError("wrong old password")
    check_new_password(principal.username, new, unchanged=new == old)
    return _store_password(engine, principal.user_id, hash_password(new), keep_token=principal.token_id)


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _store_password(engine: sa.Engine, user_id: int, password_hash: str, keep_token: int | None) -> int:
    with db.write_tx(engine) as conn:
        conn.execute(t.users.update().where(t.users.c.id == user_id).values(password_hash=password_hash))
        q = t.tokens.update().where(t.tokens.c.user_id == user_id, t.tokens.c.revoked_at.is_(None))
        if keep_token is not None:
            q = q.where(t.tokens.c.id != keep_token)
        return conn.execute(q.values(revoked_at=db.utcnow())).rowcount


def list_users(engine: sa.Engine) -> list[dict]:
    with db.read_tx(engine) as conn:
        rows = conn.execute(sa.select(t.users).order_by(t.users.c.username)).mappings().all()
    return [
        {"username": r["username"], "role": r["role"], "counties": list(r["counties"]), "disabled": r["disabled"]}
        for r in rows
    ]


def login(
    engine: sa.Engine, username: str, password: str, client_id: str, device_name: str | None, ttl_days: int
) -> tuple[str, dict]:
    """A new token for (user, device). Raises AuthError for any bad credential."""
    with db.read_tx(engine) as conn:
        user = conn.execute(sa.select(t.users).where(t.users.c.username == username)).mappings().first()
    try:
        _HASHER.verify(user["password_hash"] if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise AuthError("bad credentials") from None
    if user is None or user["disabled"]:
        raise AuthError("bad credentials")
    token = secrets.token_urlsafe(32)
    now = db.utcnow()
    expires = now + dt.timedelta(days=ttl_days)
    with db.write_tx(engine) as conn:
        db.insert_ignore(
            conn, t.devices,
            [{"user_id": user["id"], "client_id": client_id, "name": device_name, "last_mutation_id": 0,
              "created_at": now}],
            ["user_id", "client_id"],
        )  # fmt: skip
        device_pk = conn.execute(
            sa.select(t.devices.c.id).where(t.devices.c.user_id == user["id"], t.devices.c.client_id == client_id)
        ).scalar_one()
        conn.execute(
            t.tokens.insert().values(
                token_hash=hash_token(token), user_id=user["id"], device_id=device_pk, created_at=now,
                expires_at=expires,
            )
        )  # fmt: skip
    info = {
        "token": token,
        "token_type": "bearer",
        "expires_at": db.iso(expires),
        "user": {"username": user["username"], "role": user["role"], "counties": list(user["counties"])},
        "client_id": client_id,
    }
    return token, info


def known_device(engine: sa.Engine, username: str, client_id: str) -> bool:
    """Has `username` logged in from this device before?"""
    d, u = t.devices.c, t.users.c
    q = sa.select(d.id).join(t.users, u.id == d.user_id).where(u.username == username, d.client_id == client_id)
    with db.read_tx(engine) as conn:
        return conn.execute(q).first() is not None


def authenticate(engine: sa.Engine, token: str) -> Principal:
    if not token or len(token) > 200:
        raise AuthError("missing token")
    q = (
        sa.select(
            t.tokens.c.id, t.tokens.c.expires_at, t.tokens.c.revoked_at, t.users.c.id.label("user_id"),
            t.users.c.username, t.users.c.role, t.users.c.counties, t.users.c.disabled,
            t.devices.c.id.label("device_pk"), t.devices.c.client_id,
        )
        .join(t.users, t.users.c.id == t.tokens.c.user_id)
        .join(t.devices, t.devices.c.id == t.tokens.c.device_id)
        .where(t.tokens.c.token_hash == hash_token(token))
    )  # fmt: skip
    with db.read_tx(engine) as conn:
        row = conn.execute(q).mappings().first()
    if row is None or row["revoked_at"] is not None or row["disabled"]:
        raise AuthError("invalid token")
    expires = row["expires_at"]
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.timezone.utc)
    if expires <= db.utcnow():
        raise AuthError("token expired")
    return Principal(
        row["user_id"],
        row["username"],
        row["role"],
        tuple(row["counties"]),
        row["device_pk"],
        row["client_id"],
        row["id"],
    )


def revoke_token(engine: sa.Engine, token_id: int) -> None:
    with db.write_tx(engine) as conn:
        conn.execute(t.tokens.update().where(t.tokens.c.id == token_id).values(revoked_at=db.utcnow()))


def revoke_user_tokens(engine: sa.Engine, username: str, client_id: str | None = None) -> int:
    """Revoke every live token of a user (or of one of the user's devices). Returns the count."""
    with db.write_tx(engine) as conn:
        uid = conn.execute(sa.select(t.users.c.id).where(t.users.c.username == username)).scalar()
        if uid is None:
            raise ValueError(f"no such user: {username}")
        q = t.tokens.update().where(t.tokens.c.user_id == uid, t.tokens.c.revoked_at.is_(None))
        if client_id:
            dev = sa.select(t.devices.c.id).where(t.devices.c.user_id == uid, t.devices.c.client_id == client_id)
            q = q.where(t.tokens.c.device_id.in_(dev))
        return conn.execute(q.values(revoked_at=db.utcnow())).rowcount
