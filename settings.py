"""Typed access to the plugin's settings (QgsSettings keys under ``shuibao/``) and QGIS's locale."""

from __future__ import annotations

import json
from dataclasses import dataclass

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QLocale, QObject, pyqtSignal

PREFIX = "shuibao/"


def _settings() -> QgsSettings:
    return QgsSettings()


def _get_str(key: str, default: str = "") -> str:
    value = _settings().value(PREFIX + key, default)
    return default if value is None else str(value)


def _set(key: str, value: object) -> None:
    _settings().setValue(PREFIX + key, value)


def qgis_locale() -> str:
    """The locale QGIS runs in, e.g. ``zh_CN`` or ``en_US``.

    QGIS uses ``locale/userLocale`` when ``locale/overrideFlag`` is set, else the system locale.
    """
    s = _settings()
    override = str(s.value("locale/overrideFlag", "false")).lower() in ("true", "1")
    user = str(s.value("locale/userLocale", "") or "")
    if override and user:
        return user
    return user or QLocale.system().name()


def language() -> str:
    """The model language for labels: ``zh`` or ``en``.

    ``shuibao/language`` overrides it; by default Chinese when QGIS runs in a Chinese locale.
    """
    forced = _get_str("language")
    if forced in ("zh", "en"):
        return forced
    return "zh" if qgis_locale().lower().startswith("zh") else "en"


def set_language(value: str) -> None:
    """``zh``, ``en`` or ``""`` to follow QGIS's locale."""
    if value not in ("zh", "en", ""):
        raise ValueError(f"unknown language {value!r}")
    _set("language", value)


def last_store_path() -> str:
    return _get_str("last_store_path")


def set_last_store_path(path: str) -> None:
    _set("last_store_path", path)


def server_url() -> str:
    """Base URL of the sync server (credentials are kept in the QGIS auth database, never here)."""
    return _get_str("server_url")


def set_server_url(url: str) -> None:
    use_server(url)


ROLES = ("inspector", "technician", "acceptor", "admin")
KEY_IDENTITIES = "identities"


@dataclass(frozen=True)
class Identity:
    """Who is logged in on one server, as the server said at the last login or sync.

    Kept per server (never with the password) so that a laptop in the field works offline as the
    last user who logged in there. An empty ``username`` means nobody has logged in yet.
    """

    server: str = ""
    username: str = ""
    display_name: str = ""
    role: str = ""
    counties: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.username)

    @property
    def name(self) -> str:
        """The name written into inspections and signatures: the display name, else the user name."""
        return self.display_name or self.username

    def as_dict(self) -> dict:
        return {"username": self.username, "display_name": self.display_name, "role": self.role,
                "counties": list(self.counties)}  # fmt: skip


def _server_key(url: str) -> str:
    return url.strip().rstrip("/")


def _identities() -> dict[str, dict]:
    try:
        value = json.loads(_get_str(KEY_IDENTITIES) or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def identity(server: str | None = None) -> Identity:
    """The last known identity on `server` (default: the server in use)."""
    key = _server_key(server_url() if server is None else server)
    saved = _identities().get(key) or {}
    role = str(saved.get("role") or "")
    counties = saved.get("counties") or []
    return Identity(
        server=key,
        username=str(saved.get("username") or ""),
        display_name=str(saved.get("display_name") or ""),
        role=role if role in ROLES else "",
        counties=tuple(str(c) for c in counties) if isinstance(counties, list) else (),
    )


def remember_identity(server: str, user: dict) -> Identity:
    """Keep what the server said about the logged-in user (``/auth/me`` or the login answer).

    Announces the change on :func:`identity_changed` when the identity in use changed.
    """
    before = identity()
    key = _server_key(server)
    counties = user.get("counties") or []
    new = Identity(
        server=key,
        username=str(user.get("username") or ""),
        display_name=str(user.get("display_name") or ""),
        role=str(user.get("role") or "") if user.get("role") in ROLES else "",
        counties=tuple(sorted(str(c) for c in counties)),
    )
    saved = _identities()
    saved[key] = new.as_dict()
    _set(KEY_IDENTITIES, json.dumps(saved, ensure_ascii=False, sort_keys=True))
    _announce(before)
    return new


def forget_identity(server: str | None = None) -> None:
    """Forget who logged in on `server` (default: the server in use)."""
    before = identity()
    saved = _identities()
    saved.pop(_server_key(server_url() if server is None else server), None)
    _set(KEY_IDENTITIES, json.dumps(saved, ensure_ascii=False, sort_keys=True))
    _announce(before)


def use_server(url: str) -> None:
    """Switch to the server at `url`: its last known identity becomes the one in use."""
    before = identity()
    _set("server_url", _server_key(url))
    _announce(before)


class _IdentityNotifier(QObject):
    changed = pyqtSignal(object)  # the new Identity


_NOTIFIER: _IdentityNotifier | None = None


def identity_changed():
    """The signal emitted with the new :class:`Identity` when the identity in use changes."""
    global _NOTIFIER
    if _NOTIFIER is None:
        _NOTIFIER = _IdentityNotifier()
    return _NOTIFIER.changed


def _announce(before: Identity) -> None:
    now = identity()
    if now != before:
        identity_changed().emit(now)


def user_name() -> str:
    """The name written into inspections and signatures: the logged-in user's, never the OS account."""
    return identity().name


def role() -> str:
    """The logged-in user's workflow role; empty when nobody has logged in on this server."""
    return identity().role


def sample_share() -> float:
    """Share of the non-structure spots drawn for a watershed acceptance (``shuibao/sample_share``)."""
    from .model import THRESHOLDS

    try:
        value = float(_get_str("sample_share") or THRESHOLDS["acceptance_sample_share"])
    except ValueError:
        value = THRESHOLDS["acceptance_sample_share"]
    return min(max(value, 0.0), 1.0)


def report_names() -> tuple[str, str]:
    """The county's name and the issuing unit printed on ledgers and forms (``shuibao/reports/…``)."""
    return _get_str("reports/county_name"), _get_str("reports/unit_name")


def set_report_names(county: str, unit: str) -> None:
    _set("reports/county_name", county.strip())
    _set("reports/unit_name", unit.strip())


# --- register import (issue 14): field mappings remembered per set of source columns ----------------
def saved_import_mapping(key: str) -> str:
    """The JSON of the mapping last used for files with these columns (``key``), or ""."""
    return _get_str(f"import/mappings/{key}")


def set_saved_import_mapping(key: str, mapping_json: str) -> None:
    _set(f"import/mappings/{key}", mapping_json)
