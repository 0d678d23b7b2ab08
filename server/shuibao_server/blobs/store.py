"""Photo storage, content-addressed by SHA-256, behind a small BlobStore interface.

The key of a blob is its hash, made and checked by the server: a client's file name never
reaches the file system. Uploads are resumable: chunks are appended to a partial file at
the offset the server reports, and the blob is committed (renamed into place) only after
the whole content was re-hashed, size-checked and type-sniffed. Each upload belongs to one
session (the uploading user's device): nobody else can append to it, reset it, or see how far
it got, and a device keeps at most MAX_OPEN_UPLOADS of them (the oldest is dropped).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
SESSION_RE = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
MAX_OPEN_UPLOADS = 20


def sniff(head: bytes) -> str | None:
    """The image type from the first bytes: JPEG, PNG, WebP or HEIC/HEIF; else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in (
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
    ):  # fmt: skip
        return "image/heic"
    return None


class BlobError(Exception):
    def __init__(self, code: str, message: str, offset: int | None = None):
        super().__init__(message)
        self.code, self.offset = code, offset


class BlobStore(Protocol):
    """What the API needs from a photo store; an S3 store can implement the same.

    `session` names whose upload it is (the device); a partial upload is never shared."""

    def exists(self, sha256: str) -> bool: ...
    def size(self, sha256: str) -> int | None: ...
    def partial_offset(self, sha256: str, session: str) -> int: ...
    def write_partial(self, sha256: str, session: str, offset: int, data: bytes) -> int: ...
    def commit(self, sha256: str, session: str, max_bytes: int, expected: int | None = None) -> tuple[int, str]: ...
    def put(self, sha256: str, session: str, data: bytes, max_bytes: int) -> tuple[int, str]: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def iter_file(self, sha256: str, chunk: int = 1 << 16) -> Iterator[bytes]: ...


class FolderBlobStore:
    """Blobs as files `<root>/ab/cd/<sha256>`; partial uploads as `<root>/.partial/<session>/<sha256>`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        (self.root / ".partial").mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    @staticmethod
    def _check(sha256: str) -> str:
        if not SHA_RE.fullmatch(sha256):
            raise BlobError("bad_hash", "not a lower-case hex SHA-256")
        return sha256

    def path(self, sha256: str) -> Path:
        self._check(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _partial(self, sha256: str, session: str) -> Path:
        if not SESSION_RE.fullmatch(session):
            raise BlobError("bad_session", "not an upload session name")
        return self.root / ".partial" / session / self._check(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        p = self.path(sha256)
        return p.stat().st_size if p.is_file() else None

    def partial_offset(self, sha256: str, session: str) -> int:
        p = self._partial(sha256, session)
        return p.stat().st_size if p.is_file() else 0

    def write_partial(self, sha256: str, session: str, offset: int, data: bytes) -> int:
        """Append a chunk at `offset`, which must be the current size of the session's partial file."""
        p = self._partial(sha256, session)
        with self._lock:
            current = p.stat().st_size if p.is_file() else 0
            if offset != current:
                raise BlobError("offset", f"upload offset is {current}, not {offset}", current)
            if not p.is_file():
                self._make_room(p.parent)
            with open(p, "ab") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            return current + len(data)

    @staticmethod
    def _make_room(folder: Path) -> None:
        """Before a session opens one more upload: drop its oldest beyond MAX_OPEN_UPLOADS - 1."""
        folder.mkdir(parents=True, exist_ok=True)
        open_uploads = sorted(folder.iterdir(), key=lambda f: f.stat().st_mtime)
        for old in open_uploads[: max(0, len(open_uploads) - MAX_OPEN_UPLOADS + 1)]:
            old.unlink(missing_ok=True)

    def commit(self, sha256: str, session: str, max_bytes: int, expected: int | None = None) -> tuple[int, str]:
        """Verify the session's partial upload and move it into place. Returns (size, mime type).

        With `expected`, the partial upload must hold exactly that many bytes (else an offset error)."""
        p = self._partial(sha256, session)
        with self._lock:
            size = p.stat().st_size if p.is_file() else 0
            if expected is not None and size != expected:
                raise BlobError("offset", f"upload offset is {size}, not {expected}", size)
            if not p.is_file():
                raise BlobError("missing", "no upload in progress")
            head, digest = _hash(p)
            failure = _verify(sha256, size, max_bytes, digest, head)
            if failure is not None:
                p.unlink(missing_ok=True)
                raise failure
            dest = self.path(sha256)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(p, dest)  # the same bytes as any copy already there: the hash was checked
            return size, sniff(head) or ""

    def put(self, sha256: str, session: str, data: bytes, max_bytes: int) -> tuple[int, str]:
        p = self._partial(sha256, session)
        with self._lock:
            p.unlink(missing_ok=True)
        self.write_partial(sha256, session, 0, data)
        return self.commit(sha256, session, max_bytes)

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def iter_file(self, sha256: str, chunk: int = 1 << 16) -> Iterator[bytes]:
        with self.open(sha256) as fh:
            yield from iter(lambda: fh.read(chunk), b"")


def _hash(path: Path) -> tuple[bytes, str]:
    """(first 64 bytes, SHA-256 hex) of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        head = fh.read(64)
        h.update(head)
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return head, h.hexdigest()


def _verify(sha256: str, size: int, max_bytes: int, digest: str, head: bytes) -> BlobError | None:
    """Why an upload cannot become the blob `sha256`, or None."""
    if size > max_bytes:
        return BlobError("too_large", f"blob is larger than {max_bytes} bytes")
    if digest != sha256:
        return BlobError("hash_mismatch", "content does not match its SHA-256")
    if sniff(head) is None:
        return BlobError("content_type", "not a JPEG, PNG, WebP or HEIC image")
    return None
