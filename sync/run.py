"""One sync from start to end: client → engine → sync → close. The QgsTask, the Processing algorithm,
the plugin's Sync button and scripts all call :func:`run_sync`, so they behave alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..layers.store import create_store
from .api import ApiClient
from .engine import SyncEngine, SyncSettings, SyncSummary


@dataclass
class SyncRun:
    summary: SyncSummary
    token: str | None  # the token the client holds afterwards (new after a password login)
    user: dict | None = None  # what the server said about the user (/auth/me): name, role, counties


def run_sync(
    store_path: str | Path,
    server_url: str | ApiClient,
    *,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
    settings: SyncSettings | None = None,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    first: bool = False,
) -> SyncRun:
    """Sync a store with a server (``first``: create the store and download the user's counties).

    ``server_url`` may be an :class:`ApiClient` (kept open: the caller owns it). Raises
    ``SyncError`` for failures the user must see; nothing is lost by any of them.
    """
    api = server_url if isinstance(server_url, ApiClient) else ApiClient(server_url, token)
    try:
        if first:
            api.check_model()  # before the file is made
            create_store(store_path)  # refuses to overwrite a file
        with SyncEngine(store_path, api, username=username, password=password, settings=settings,
                        progress=progress, is_canceled=is_canceled) as engine:  # fmt: skip
            summary = engine.sync()
        return SyncRun(summary, api.token, api.user)
    finally:
        if api is not server_url:
            api.close()
