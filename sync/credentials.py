"""Server URL in QgsSettings; the token (and optionally the password) in the QGIS authentication database.

The token is never written to plain settings: it lives in an auth config (method ``Basic`` holding
username/password, plus the token in the config's ``token`` field), whose id is kept in the
settings. Reading it may ask the user for the master password; call from the main thread.
"""

from __future__ import annotations

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsSettings

KEY_URL = "shuibao/server_url"
KEY_AUTHCFG = "shuibao/auth_config_id"
KEY_PHOTOS = "shuibao/download_photos"
CONFIG_NAME = "Shuibao sync (水保巡检同步)"


def server_url() -> str:
    from .. import settings

    return settings.server_url()


def set_server_url(url: str) -> None:
    """Switch servers (the last identity known on that server comes with it)."""
    from .. import settings

    settings.use_server(url)


def download_photos() -> str:
    value = str(QgsSettings().value(KEY_PHOTOS, "on_demand", type=str) or "on_demand")
    return value if value in ("on_demand", "all") else "on_demand"


def set_download_photos(value: str) -> None:
    QgsSettings().setValue(KEY_PHOTOS, "all" if value == "all" else "on_demand")


def auth_config_id() -> str:
    return str(QgsSettings().value(KEY_AUTHCFG, "", type=str) or "")


def load(authcfg: str | None = None) -> dict[str, str]:
    """username, password, token of an auth config (empty strings when absent)."""
    cfg_id = authcfg or auth_config_id()
    out = {"username": "", "password": "", "token": "", "authcfg": cfg_id}
    if not cfg_id:
        return out
    cfg = QgsAuthMethodConfig()
    if not QgsApplication.authManager().loadAuthenticationConfig(cfg_id, cfg, True):
        return out
    out["username"] = cfg.config("username", "")
    out["password"] = cfg.config("password", "")
    out["token"] = cfg.config("token", "")
    return out


def store(username: str, password: str | None = None, token: str | None = None, url: str | None = None) -> str:
    """Create or update the plugin's auth config; returns its id (also kept in the settings)."""
    manager = QgsApplication.authManager()
    cfg = QgsAuthMethodConfig()
    cfg_id = auth_config_id()
    if cfg_id and manager.loadAuthenticationConfig(cfg_id, cfg, True):
        pass
    else:
        cfg = QgsAuthMethodConfig("Basic")
        cfg.setName(CONFIG_NAME)
    cfg.setUri(url or server_url())
    cfg.setConfig("username", username)
    if password is not None:
        cfg.setConfig("password", password)
    if token is not None:
        cfg.setConfig("token", token)
    if cfg.id():
        ok = manager.updateAuthenticationConfig(cfg)
    else:
        ok = manager.storeAuthenticationConfig(cfg)
    if not ok:
        raise RuntimeError("could not write the QGIS authentication database (无法写入QGIS认证数据库)")
    QgsSettings().setValue(KEY_AUTHCFG, cfg.id())
    return cfg.id()


def forget() -> None:
    """Remove the stored credentials (log out on this laptop)."""
    cfg_id = auth_config_id()
    if cfg_id:
        QgsApplication.authManager().removeAuthenticationConfig(cfg_id)
    QgsSettings().remove(KEY_AUTHCFG)
