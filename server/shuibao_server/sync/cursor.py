"""The pull cursor: an opaque token holding the last sequence number seen per county.

Clients store it and send it back unchanged; the server rejects anything it did not make
(400 `bad-cursor`), so a corrupted cursor leads to a clean full pull, never to skipped changes.
"""

from __future__ import annotations

import base64
import binascii
import json

from .. import problems


def encode(positions: dict[str, int]) -> str:
    raw = json.dumps({k: v for k, v in sorted(positions.items()) if v}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=") or "0"


def decode(cursor: str | None) -> dict[str, int]:
    """{county: last seq}; {} for the start ("0" or nothing)."""
    if not cursor or cursor == "0":
        return {}
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict) or not all(_valid(k, v) for k, v in data.items()):
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise problems.bad_cursor() from None
    return dict(data)


def _valid(county: object, seq: object) -> bool:
    """A county code and a sequence number a bigint holds."""
    county_ok = isinstance(county, str) and len(county) == 6 and county.isascii() and county.isdigit()
    return county_ok and isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq < 2**63
