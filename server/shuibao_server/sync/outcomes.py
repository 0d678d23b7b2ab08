"""How one change ends when it does not apply: rejected (with reasons) or retry later."""

from __future__ import annotations

from typing import Any

from ..problems import error, quote


class Rejected(Exception):
    """The change is refused: nothing of it is applied; the mutation id still advances."""

    def __init__(self, errors: list[dict]):
        super().__init__("rejected")
        self.errors = errors


class RetryLater(Exception):
    """The change needs something not there yet (a photo blob): nothing is recorded."""

    def __init__(self, errors: list[dict]):
        super().__init__("retry later")
        self.errors = errors


def reject(fieldname: str | None, code: str, zh: str, en: str) -> Rejected:
    return Rejected([error(fieldname, code, zh, en)])


def not_found() -> Rejected:
    """Another county's record is indistinguishable from a missing one, for reads and writes."""
    return reject(None, "not_found", "未找到该记录，或不在您负责的县内", "record not found or not in your counties")


def result(change: dict, mutation_id: int | None, status: str, **extra: Any) -> dict:
    """A change's result as the push answer shows it."""
    kind, uuid = change.get("kind"), change.get("uuid")
    out = {
        "mutation_id": mutation_id,
        "kind": None if kind is None else quote(kind),
        "uuid": None if uuid is None else quote(uuid),
        "status": status,
    }
    return {**out, "rev": None, "applied": [], "conflicts": [], "errors": [], **extra}
