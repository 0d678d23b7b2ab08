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
from ..layers.photo_files import file_sha256, keep_file, photo_path
from ..layers.store import Store
from .api import ApiClient, AuthError, NetworkError, SyncError


class UploadStuck(Exception):
    """A blob that cannot be uploaded now; ``zh``/``en`` say why, for the user."""

    def __init__(self, en: str, zh: str):
        super().__init__(f"{zh}（{en}）")
        self.en, self.zh = en, zh


class Uploader:
    """Uploads the blobs of the store's photo records that the server has not confirmed.

    A blob counts as uploaded only when the server says it has it. Each blob gets a bounded number
    of requests per sync (every chunk once, a finish, two resumes); one that does not make it is
    recorded as failed with the reason and the others go on. The server being unreachable or the
    login having expired stops the sync as before.
    """

    def __init__(self, store: Store, conn: sqlite3.Connection, api: ApiClient, chunk_size: int,
                 check: Callable[[], None]):  # fmt: skip
        self.store, self.conn, self.api, self.chunk_size, self.check = store, conn, api, chunk_size, check
        self.failed: dict[str, UploadStuck] = {}  # sha256 -> why, in this sync

    def upload_all(self) -> int:
        """Returns how many blobs were sent now."""
        sent = 0
        for sha in sync_local.not_uploaded(self.conn, self.store.photo_hashes(self.conn)):
            self.check()
            path = photo_path(self.store, sha)
            if not path.is_file():
                continue  # a photo made elsewhere; its owner uploads it
            try:
                sent += self.upload(sha, path)
            except (NetworkError, AuthError):
                raise
            except (UploadStuck, SyncError) as exc:
                why = exc if isinstance(exc, UploadStuck) else UploadStuck(exc.en, exc.zh)
                self.failed[sha] = why
                sync_local.photo_state(self.conn, sha, "failed", size=path.stat().st_size, error=str(why))
        return sent

    def upload(self, sha: str, path: Path) -> bool:
        """Upload one blob resumably from the server's offset. True when bytes were sent now."""
        total = path.stat().st_size
        budget = -(-total // self.chunk_size) + 3
        status = self.api.upload_status(sha)
        sent = False
        while not status.get("complete"):
            self.check()
            if budget == 0:
                raise UploadStuck(
                    f"the server did not take the photo after {-(-total // self.chunk_size) + 3} requests; "
                    "it is tried again at the next sync",
                    "多次请求后服务器仍未接收该照片，下次同步时将重试",
                )
            budget -= 1
            offset = int(status.get("offset") or 0)
            if offset == total:  # every byte is there, not yet checked and kept
                status = self._finish(sha, path, total)
                sent = sent or bool(status.get("complete"))
                continue
            if offset > total:
                raise UploadStuck(
                    f"the server holds {offset} bytes of a {total}-byte photo", "服务器上的照片数据长度有误"
                )
            with open(path, "rb") as f:
                f.seek(offset)
                status = self.api.put_chunk(sha, f.read(self.chunk_size), offset, total)
            sent = True
            sync_local.photo_state(self.conn, sha, "pending", size=total, offset=int(status.get("offset") or 0))
        sync_local.photo_state(self.conn, sha, "uploaded", size=total, offset=total)
        return sent

    def _finish(self, sha: str, path: Path, total: int) -> dict:
        try:
            return self.api.finish_upload(sha, total)
        except SyncError as exc:
            if exc.code != "hash-mismatch":
                raise
        if file_sha256(path)[0] != sha:
            raise UploadStuck(
                "the photo file on this laptop is damaged (its content no longer matches its hash)",
                "本机上的照片文件已损坏（内容与哈希不符）",
            )
        return {"complete": False, "offset": 0}  # the server dropped a bad partial: start again


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
