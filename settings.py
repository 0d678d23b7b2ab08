"""Typed access to the plugin's settings (QgsSettings keys under ``shuibao/``) and QGIS's locale."""

from __future__ import annotations

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QLocale

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
    _set("server_url", url)


ROLES = ("inspector", "technician", "acceptor", "admin")


def user_name() -> str:
    """The name written into inspections and signatures: ``shuibao/user_name`` or the OS user."""
    name = _get_str("user_name")
    if name:
        return name
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def set_user_name(name: str) -> None:
    _set("user_name", name)


def role() -> str:
    """The user's workflow role (``shuibao/role``): inspector (default), technician, acceptor or admin."""
    value = _get_str("role", "inspector")
    return value if value in ROLES else "inspector"


def set_role(value: str) -> None:
    if value not in ROLES:
        raise ValueError(f"unknown role {value!r}")
    _set("role", value)


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
