"""Photo files beside the store: ``<store>.photos/<sha256>``, named by content hash.

A photo is hashed when it is added, copied (and fsynced) under its hash, and its ``photo`` record
inserted as a local edit, so the next sync uploads the file and pushes the record. A file name
never comes from a user or the server: only a checked hash. Plain Python, no QGIS.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid as uuidlib
from pathlib import Path

from .store import Store, StoreError

HEX = frozenset("0123456789abcdef")


class PhotoError(StoreError):
    """A photo that cannot be added; ``zh`` and ``en`` are for the user."""

    def __init__(self, en: str, zh: str):
        super().__init__(f"{zh}（{en}）")
        self.en, self.zh = en, zh


def photo_dir(store: Store | str | Path) -> Path:
    path = store.path if isinstance(store, Store) else Path(store)
    return Path(f"{path}.photos")


def photo_path(store: Store | str | Path, sha256: str) -> Path:
    if len(sha256) != 64 or not set(sha256) <= HEX:
        raise ValueError("not a sha256")
    return photo_dir(store) / sha256


def sniff(head: bytes) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "image/heic"
    return "application/octet-stream"


def file_sha256(path: str | Path) -> tuple[str, int, bytes]:
    """(sha256, size, first 16 bytes) of a file."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        head = f.read(16)
        f.seek(0)
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size, head


def keep_file(target: Path, fill) -> None:
    """Write ``target`` atomically: ``fill(tmp_path)`` writes a temporary file, fsynced, then renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    os.close(fd)
    try:
        fill(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def add_photo(store: Store | str | Path, parent_kind: str, parent_uuid: str, file_path: str | Path, *,
              caption: str | None = None, taken_at: str | None = None, geom: bytes | None = None) -> str:  # fmt: skip
    """Hash a photo, copy it beside the store and insert its ``photo`` record. Returns the record uuid."""
    store = store if isinstance(store, Store) else Store(store)
    sha, size, head = file_sha256(file_path)
    target = photo_path(store, sha)
    if not target.exists():
        keep_file(target, lambda tmp: shutil.copyfile(file_path, tmp))
    parent = store.get_record(parent_kind, parent_uuid)
    if parent is None:
        raise PhotoError(f"no {parent_kind} {parent_uuid}", f"找不到上级记录 {parent_uuid}")
    uid = str(uuidlib.uuid4())
    rec = {"uuid": uid, "county_code": parent["county_code"], "parent_kind": parent_kind, "parent_uuid": parent_uuid,
           "sha256": sha, "mime_type": sniff(head), "size_bytes": size, "caption": caption, "taken_at": taken_at,
           "geom": geom if geom is not None else parent.get("geom")}  # fmt: skip
    store.insert_records("photo", [{k: v for k, v in rec.items() if v is not None}])
    return uid
