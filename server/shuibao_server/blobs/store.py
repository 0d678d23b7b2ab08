"""Photo storage, content-addressed by SHA-256, behind a small BlobStore interface.

The key of a blob is its hash, made and checked by the server: a client's file name never
reaches the file system. Uploads are resumable: chunks are appended to a partial file at
the offset the server reports, and the blob is committed (renamed into place) only after
the whole content was re-hashed, size-checked and type-sniffed.
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
    """What the API needs from a photo store; an S3 store can implement the same."""

    def exists(self, sha256: str) -> bool: ...
    def size(self, sha256: str) -> int | None: ...
    def partial_offset(self, sha256: str) -> int: ...
    def write_partial(self, sha256: str, offset: int, data: bytes) -> int: ...
    def commit(self, sha256: str, max_bytes: int, expected: int | None = None) -> tuple[int, str]: ...
    def put(self, sha256: str, data: bytes, max_bytes: int) -> tuple[int, str]: ...
    def open(self, sha256: str) -> BinaryIO: ...


class FolderBlobStore:
    """Blobs as files `<root>/ab/cd/<sha256>`; partial uploads under `<root>/.partial/`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        (self.root / ".partial").mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    @staticmethod
    def _check(sha256: str) -> str:
        if not SHA_RE.match(sha256):
            raise BlobError("bad_hash", "not a lower-case hex SHA-256")
        return sha256

    def path(self, sha256: str) -> Path:
        self._check(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _partial(self, sha256: str) -> Path:
        return self.root / ".partial" / self._check(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        p = self.path(sha256)
        return p.stat().st_size if p.is_file() else None

    def partial_offset(self, sha256: str) -> int:
        p = self._partial(sha256)
        return p.stat().st_size if p.is_file() else 0

    def write_partial(self, sha256: str, offset: int, data: bytes) -> int:
        """Append a chunk at `offset`, which must be the current size of the partial file."""
        p = self._partial(sha256)
        with self._lock:
            current = p.stat().st_size if p.is_file() else 0
            if offset != current:
                raise BlobError("offset", f"upload offset is {current}, not {offset}", current)
            with open(p, "ab") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            return current + len(data)

    def commit(self, sha256: str, max_bytes: int, expected: int | None = None) -> tuple[int, str]:
        """Verify the partial upload and move it into place. Returns (size, mime type).

        With `expected`, the partial upload must hold exactly that many bytes (else an offset error)."""
        p = self._partial(sha256)
        with self._lock:
            size = p.stat().st_size if p.is_file() else 0
            if expected is not None and size != expected:
                raise BlobError("offset", f"upload offset is {size}, not {expected}", size)
            if not p.is_file():
                raise BlobError("missing", "no upload in progress")
            h = hashlib.sha256()
            with open(p, "rb") as fh:
                head = fh.read(64)
                h.update(head)
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            if size > max_bytes:
                p.unlink(missing_ok=True)
                raise BlobError("too_large", f"blob is larger than {max_bytes} bytes")
            if h.hexdigest() != sha256:
                p.unlink(missing_ok=True)
                raise BlobError("hash_mismatch", "content does not match its SHA-256")
            mime = sniff(head)
            if mime is None:
                p.unlink(missing_ok=True)
                raise BlobError("content_type", "not a JPEG, PNG, WebP or HEIC image")
            dest = self.path(sha256)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(p, dest)
            return size, mime

    def put(self, sha256: str, data: bytes, max_bytes: int) -> tuple[int, str]:
        p = self._partial(sha256)
        with self._lock:
            p.unlink(missing_ok=True)
        self.write_partial(sha256, 0, data)
        return self.commit(sha256, max_bytes)

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def iter_file(self, sha256: str, chunk: int = 1 << 16) -> Iterator[bytes]:
        with self.open(sha256) as fh:
            yield from iter(lambda: fh.read(chunk), b"")
