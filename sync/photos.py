"""Photo blobs between the store's photo folder and the server: resumable upload, verified download.

Upload state lives in ``sbs_photo`` (``layers.sync_local``); the files in ``<store>.photos``
(``layers.photo_files``). Plain Python + requests.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ..layers import sync_local
from ..layers.photo_files import keep_file, photo_path
from ..layers.store import Store
from .api import ApiClient, SyncError


class Uploader:
    """Uploads the blobs of the store's photo records that the server has not confirmed."""

    def __init__(self, store: Store, conn: sqlite3.Connection, api: ApiClient, chunk_size: int,
                 check: Callable[[], None]):  # fmt: skip
        self.store, self.conn, self.api, self.chunk_size, self.check = store, conn, api, chunk_size, check

    def upload_all(self) -> int:
        """Returns how many blobs were sent now."""
        sent = 0
        for sha in sync_local.not_uploaded(self.conn, self.store.photo_hashes(self.conn)):
            self.check()
            path = photo_path(self.store, sha)
            if not path.is_file():
                continue  # a photo made elsewhere; its owner uploads it
            if self.upload(sha, path):
                sent += 1
        return sent

    def upload(self, sha: str, path: Path) -> bool:
        """Upload one blob resumably from the server's offset. True when it was sent now."""
        total = path.stat().st_size
        status = self.api.upload_status(sha)
        sent = False
        with open(path, "rb") as f:
            for _ in range(100_000):
                if status.get("complete"):
                    break
                offset = int(status.get("offset") or 0)
                if offset >= total:
                    offset = 0
                f.seek(offset)
                data = f.read(self.chunk_size)
                status = self.api.put_chunk(sha, data, offset, total)
                sent = True
                sync_local.photo_state(self.conn, sha, "pending", size=total, offset=int(status.get("offset") or 0))
                self.check()
        sync_local.photo_state(self.conn, sha, "uploaded", size=total, offset=total)
        return sent


def fetch_photo(store: Store | str | Path, api: ApiClient, sha: str) -> Path:
    """The local file of a photo, downloaded (and verified) when missing."""
    target = photo_path(store, sha)
    if target.is_file():
        return target

    def fill(tmp: str) -> None:
        h = hashlib.sha256()
        with open(tmp, "wb") as f:
            for chunk in api.iter_blob(sha):
                h.update(chunk)
                f.write(chunk)
        if h.hexdigest() != sha:
            raise SyncError("downloaded photo does not match its hash", "下载的照片与哈希不符")

    keep_file(target, fill)
    return target


def download_all(store: Store, conn: sqlite3.Connection, api: ApiClient, check: Callable[[], None],
                 errors: list[str]) -> int:  # fmt: skip
    """Download every photo of the store's records that is missing locally. Returns how many."""
    n = 0
    for sha in store.photo_hashes(conn):
        check()
        try:
            if not photo_path(store, sha).is_file():
                fetch_photo(store, api, sha)
                n += 1
        except (SyncError, ValueError) as exc:
            errors.append(f"photo {str(sha)[:12]}: {exc}")
    return n
