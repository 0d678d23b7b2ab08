"""Login throttling: failed password checks per address and per account, with growing waits.

Every wrong password (at login, or as the old password of a password change) counts against the
address it came from and against the account. Past a number of free failures, the next attempt
must wait: one second, then twice as long after each further failure, up to a cap. While a wait
runs, attempts are refused before the password is looked at (429 with the wait, in Chinese).

So that nobody can lock a real user out for long:
* the address limit bites first (fewer free failures), so one address guessing at an account is
  slowed to a crawl long before the account notices;
* the account's wait is short (a minute at most) and does not apply at all on a device the user
  has already logged in from (their own laptop keeps working under attack);
* counts are forgotten after a quiet spell; a successful login clears the account's count, while
  an address's count only fades (logging in to one's own account cannot reset a guessing address).

State lives in the `login_throttle` table, so every server process and worker shares it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from dataclasses import dataclass

import sqlalchemy as sa

from . import db
from . import tables as t
from .config import Settings


@dataclass(frozen=True)
class Limit:
    """What a key may do: `free` failures without waiting, then 1 s doubling up to `max_wait`."""

    key: str
    free: int
    max_wait: float


def wait_after(failures: int, limit: Limit) -> float:
    """Seconds to wait after the `failures`-th failure in a row."""
    if failures < limit.free:
        return 0.0
    return min(2.0 ** (failures - limit.free), limit.max_wait)


def address_key(host: str | None) -> str:
    """An address as counted: IPv4 as it is, IPv6 by its /64 (one subscriber's whole block)."""
    try:
        ip = ipaddress.ip_address(host or "")
    except ValueError:
        return f"address:{(host or 'unknown')[:100]}"
    if ip.version == 6:
        return f"address:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"address:{ip}"


def limits(settings: Settings, host: str | None, username: str, known_device: bool) -> list[Limit]:
    """The limits a password check from `host` for `username` is under (no account limit on a known device)."""
    out = [Limit(address_key(host), settings.login_free_per_address, settings.login_max_wait_address)]
    if not known_device:
        out.append(Limit(f"account:{username[:100]}", settings.login_free_per_account, settings.login_max_wait_account))
    return out


def wait(engine: sa.Engine, checks: list[Limit]) -> int:
    """Whole seconds until a password may be tried under these limits (0: now)."""
    keys = [c.key for c in checks]
    with db.read_tx(engine) as conn:
        until = conn.execute(sa.select(t.login_throttle.c.blocked_until).where(t.login_throttle.c.key.in_(keys)))
        latest = max((_aware(u) for (u,) in until if u is not None), default=None)
    if latest is None:
        return 0
    return max(0, math.ceil((latest - db.utcnow()).total_seconds()))


def failed(engine: sa.Engine, settings: Settings, checks: list[Limit]) -> None:
    """Count a wrong password under each limit and start its wait."""
    now = db.utcnow()
    forget = dt.timedelta(seconds=settings.login_forget_after)
    c = t.login_throttle.c
    with db.write_tx(engine) as conn:
        rows = [{"key": k.key, "failures": 0, "last_failure_at": now} for k in checks]
        db.insert_ignore(conn, t.login_throttle, rows, ["key"])
        q = sa.select(c.key, c.failures, c.last_failure_at).where(c.key.in_([k.key for k in checks]))
        if db.is_pg(conn):
            q = q.with_for_update()
        state = {key: (n, _aware(last)) for key, n, last in conn.execute(q)}
        for limit in checks:
            n, last = state[limit.key]
            n = 1 if now - last > forget else n + 1
            until = now + dt.timedelta(seconds=wait_after(n, limit))
            values = {"failures": n, "last_failure_at": now, "blocked_until": until}
            conn.execute(t.login_throttle.update().where(c.key == limit.key).values(**values))


def succeeded(engine: sa.Engine, username: str) -> None:
    """A right password clears the account's count (an address's count only fades)."""
    with db.write_tx(engine) as conn:
        conn.execute(t.login_throttle.delete().where(t.login_throttle.c.key == f"account:{username[:100]}"))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)
