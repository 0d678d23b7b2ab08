"""Model versions: what is a major or a minor change, what a server accepts, and how data made under
an older major version is brought up to this one.

A model version is ``MAJOR.MINOR``.

* A **minor** change only adds: a record kind, an optional field, an enumeration code, a threshold, a
  warning. Data valid before stays valid. A client of an older minor of the same major syncs with a
  newer server as it is: the server accepts its changes (the fields it does not know keep their
  server values, field by field), and its pulls skip the kinds and fields it does not know.
* A **major** change is any other: a field renamed, removed or retyped, a typed field made derived,
  an enumeration code renamed or removed, a requirement or refusal that data accepted before may now
  fail. The server refuses a client of another major before anything is read or written (409
  ``model-incompatible``); the client keeps its queue and tells the user to upgrade the plugin (in
  Chinese). The upgraded plugin migrates the store on opening it (:data:`UPGRADES`, applied by
  ``layers.migrations``) with its unsent edits, and the next sync pushes them; the server migrates its
  records with Alembic using the same steps.
* A client of a newer minor than its server is refused too: the server would not know its fields.

So the server accepts exactly the clients of its major whose minor is at most its own
(:func:`is_compatible`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .definition import MODEL_VERSION, RECORD_KINDS


class IncompatibleModel(Exception):
    """The two sides speak different model versions; nothing may be exchanged."""

    def __init__(self, client: str, server: str):
        self.client, self.server = client, server
        zh, en = advice(client, server)
        super().__init__(f"model version mismatch: client {client}, server {server}: {en} ({zh})")


_VERSION = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}")


def parse(version: str) -> tuple[int, int]:
    """(major, minor) of "MAJOR.MINOR" (ASCII digits only: "1.-1" or "1.٢" is no version)."""
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise ValueError(f"not a model version: {version!r}")
    major, minor = version.split(".")
    return int(major), int(minor)


def is_compatible(client: str, server: str = MODEL_VERSION) -> bool:
    """Same major version, and the server knows at least every field of the client's minor."""
    try:
        c, s = parse(client), parse(server)
    except (ValueError, AttributeError):
        return False
    return c[0] == s[0] and c[1] <= s[1]


def check_compatible(client: str, server: str = MODEL_VERSION) -> None:
    if not is_compatible(client, server):
        raise IncompatibleModel(client, server)


def advice(client: str, server: str) -> tuple[str, str]:
    """Who must upgrade, in Chinese and English, when a client and a server are not compatible."""
    try:
        older = parse(client) < parse(server)
    except (ValueError, AttributeError):
        older = True
    if older:
        return (
            f"插件的数据模型版本 {client} 低于服务器的 {server}，请升级水保巡检插件后再同步；未同步的修改已保留",
            f"the plugin's model {client} is older than the server's {server}: upgrade the plugin, then sync; "
            "unsent edits are kept",
        )
    return (
        f"服务器的数据模型版本 {server} 低于插件的 {client}，请联系管理员升级服务器；未同步的修改已保留",
        f"the server's model {server} is older than the plugin's {client}: ask the administrator to upgrade "
        "the server; unsent edits are kept",
    )


# --------------------------------------------------------------------------------------------
# Upgrades: what each major version changed, as the data migrations of stores and server need it
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Upgrade:
    """The data side of one major version.

    ``renamed``: (kind, old field) → new field. ``complete``: from a record's values under the old
    model, the values of new fields that the old ones determine (e.g. a de-listing cause from the
    reason's text); applied to records and to pending edits. ``now_derived``: typed fields the model
    now derives: a pending typed value is not sent (the server computes the field); the store keeps
    it in its upgrade notes for the user.
    """

    version: str
    renamed: Mapping[tuple[str, str], str] = field(default_factory=dict)
    complete: Callable[[str, Mapping[str, Any]], dict[str, Any]] | None = None
    completes: tuple[str, ...] = ()  # the kinds `complete` may change
    now_derived: tuple[tuple[str, str], ...] = ()
    zh: str = ""
    en: str = ""

    def renames(self, kind: str) -> dict[str, str]:
        return {old: new for (k, old), new in self.renamed.items() if k == kind}

    def kinds(self) -> set[str]:
        """The record kinds whose stored data this upgrade changes."""
        return {k for k, _old in self.renamed} | set(self.completes)


def _known(kind: str, name: str) -> bool:
    k = RECORD_KINDS.get(kind)
    return k is not None and name in k.field_names()


def _delist_cause(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A de-listed dam's cause from the reason typed before 2.0: the label it names, else 其他 (the text
    stays as the explanation)."""
    if kind != "dam" or not _known(kind, "delist_cause") or values.get("delist_cause"):
        return {}
    reason = values.get("delist_reason")
    if values.get("register_status") != "delisted" or not isinstance(reason, str) or not reason.strip():
        return {}
    choices = RECORD_KINDS["dam"].field("delist_cause").enum.choices
    found = next((c.code for c in choices if c.code != "other" and c.zh.split("/")[0] in reason), "other")
    return {"delist_cause": found}


UPGRADES: tuple[Upgrade, ...] = (
    Upgrade(
        "2.0",
        complete=_delist_cause,
        completes=("dam",),
        now_derived=(("watershed", "eroded_area"), ("watershed", "treatment_degree")),
        zh="2.0：问题13的业务规则（隐患复查后销号、预警项须说明理由、一坝一人、登记销号原因与批准文件、"
        "已验收须有通过的竣工验收等）",
        en="2.0: issue 13's rules (close after a passed re-check, reasons at flags, 一坝一人, de-listing causes, "
        "已验收 only with a passed completion acceptance…)",
    ),
)


def upgrades_between(old: str | None, new: str = MODEL_VERSION) -> list[Upgrade]:
    """The upgrades a store or database of model ``old`` needs to reach ``new`` (none within a major)."""
    try:
        start = parse(old or "1.0")[0]
    except ValueError:
        start = 1
    end = parse(new)[0]
    return [u for u in UPGRADES if start < parse(u.version)[0] <= end]
