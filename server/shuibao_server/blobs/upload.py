"""The steps of a photo upload, whole or resumable, from the request's bytes to a stored blob.

A whole PUT is verified and committed at once. A chunked one (`Content-Range: bytes S-E/T`)
appends at the offset the server reports and commits when the last byte arrived: the server
re-hashes, checks the size and sniffs the type before the blob becomes visible. Per-user
upload sessions (issue 12 item 4) belong here and in `store.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from .. import problems
from ..problems import ProblemError
from . import catalog
from .store import BlobError, BlobStore


@dataclass(frozen=True)
class ContentRange:
    start: int
    end: int
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(value: str | None, max_bytes: int) -> ContentRange | None:
    """`bytes START-END/TOTAL`, or None without the header; 400/413 for a bad or too large one."""
    if not value:
        return None
    try:
        unit, rest = value.strip().split(" ", 1)
        span, total_s = rest.split("/", 1)
        start_s, end_s = span.split("-", 1)
        crange = ContentRange(int(start_s), int(end_s), int(total_s))
        if unit != "bytes" or not (0 <= crange.start <= crange.end < crange.total):
            raise ValueError
    except ValueError:
        raise problems.bad_range() from None
    if crange.total > max_bytes:
        raise problems.photo_too_large(max_bytes)
    return crange


def already_stored(engine: sa.Engine, store: BlobStore, sha256: str) -> dict | None:
    """The answer to a PUT of a blob the server already has, else None."""
    if catalog.stored(engine, store, sha256) is None:
        return None
    size = store.size(sha256)
    return {"sha256": sha256, "complete": True, "offset": size, "size": size}


def status(engine: sa.Engine, store: BlobStore, sha256: str) -> dict:
    """How much of an upload the server has (the answer of GET /blobs/{sha}/upload)."""
    found = catalog.stored(engine, store, sha256)
    if found is not None:
        size = found["size_bytes"]
        return {"sha256": sha256, "complete": True, "offset": size, "size": size, "mime_type": found["mime_type"]}
    return {"sha256": sha256, "complete": False, "offset": store.partial_offset(sha256)}


def receive(
    engine: sa.Engine,
    store: BlobStore,
    max_bytes: int,
    sha256: str,
    crange: ContentRange | None,
    body: bytes,
    username: str,
) -> tuple[int, dict]:
    """Store a whole upload or one chunk. Returns (HTTP status, UploadStatus body)."""
    if crange is not None and len(body) != crange.length:
        raise problems.range_length_mismatch()
    try:
        if crange is None:
            size, mime = store.put(sha256, body, max_bytes)
        else:
            offset = store.write_partial(sha256, crange.start, body)
            if offset < crange.total:
                return 202, {"sha256": sha256, "complete": False, "offset": offset}
            size, mime = store.commit(sha256, max_bytes)
    except BlobError as e:
        raise as_problem(e, max_bytes) from None
    catalog.record(engine, sha256, size, mime, username)
    return 201, {"sha256": sha256, "complete": True, "offset": size, "size": size, "mime_type": mime}


def as_problem(e: BlobError, max_bytes: int) -> ProblemError:
    if e.code == "offset":
        return problems.upload_offset(str(e), e.offset or 0)
    if e.code == "too_large":
        return problems.photo_too_large(max_bytes)
    if e.code == "content_type":
        return problems.unsupported_type(str(e))
    if e.code == "hash_mismatch":
        return problems.hash_mismatch(str(e))
    return problems.bad_upload(e.code, str(e))
