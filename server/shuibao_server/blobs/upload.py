"""The steps of a photo upload, whole or resumable, from the request's bytes to a stored blob.

A whole PUT is verified and committed at once. A chunked one (`Content-Range: bytes S-E/T`)
appends at the offset the server reports and commits when the last byte arrived: the server
re-hashes, checks the size and sniffs the type before the blob becomes visible. An empty PUT
with `Content-Range: bytes */T` commits an upload whose T bytes all arrived but were never
committed (the server stopped in between), the same way. An upload is a session of one user's
device: another user's bytes never mix with it, and what another user has (or has uploaded so
far) shows only to those who may read it (`catalog.readable`); to everyone else the answers are
those for a hash the server does not know.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from .. import faults, problems
from ..auth import Principal
from ..problems import ProblemError
from . import catalog
from .store import BlobError, BlobStore


@dataclass(frozen=True)
class ContentRange:
    """`bytes START-END/TOTAL` (a chunk), or `bytes */TOTAL` (finish: start and end are None)."""

    start: int | None
    end: int | None
    total: int

    @property
    def finish(self) -> bool:
        return self.start is None

    @property
    def length(self) -> int:
        """The body length this range announces (none to finish)."""
        return 0 if self.start is None or self.end is None else self.end - self.start + 1

    def valid(self) -> bool:
        if self.start is None or self.end is None:
            return self.total > 0
        return 0 <= self.start <= self.end < self.total


def parse_range(value: str | None, max_bytes: int) -> ContentRange | None:
    """The Content-Range header, or None without one; 400/413 for a bad or too large one."""
    if not value:
        return None
    try:
        unit, rest = value.strip().split(" ", 1)
        span, total = rest.split("/", 1)
        if span == "*":
            crange = ContentRange(None, None, int(total))
        else:
            start, end = span.split("-", 1)
            crange = ContentRange(int(start), int(end), int(total))
        if unit != "bytes" or not crange.valid():
            raise ValueError
    except ValueError:
        raise problems.bad_range() from None
    if crange.total > max_bytes:
        raise problems.photo_too_large(max_bytes)
    return crange


def session(principal: Principal) -> str:
    """The upload session of a request: the user's device."""
    return str(principal.device_pk)


def already_stored(engine: sa.Engine, store: BlobStore, principal: Principal, sha256: str) -> dict | None:
    """The answer to a PUT of a blob the user may already read, else None (upload it)."""
    found = catalog.readable(engine, store, principal, sha256)
    if found is None:
        return None
    size = found["size_bytes"]
    return {"sha256": sha256, "complete": True, "offset": size, "size": size, "mime_type": found["mime_type"]}


def status(engine: sa.Engine, store: BlobStore, principal: Principal, sha256: str) -> dict:
    """How much of an upload the server has (the answer of GET /blobs/{sha}/upload)."""
    done = already_stored(engine, store, principal, sha256)
    if done is not None:
        return done
    return {"sha256": sha256, "complete": False, "offset": store.partial_offset(sha256, session(principal))}


def receive(
    engine: sa.Engine,
    store: BlobStore,
    max_bytes: int,
    sha256: str,
    crange: ContentRange | None,
    body: bytes,
    principal: Principal,
) -> tuple[int, dict]:
    """Store a whole upload or one chunk in the user's session. Returns (HTTP status, UploadStatus body)."""
    if crange is not None and len(body) != crange.length:
        raise problems.range_length_mismatch(len(body), crange.length)
    key = session(principal)
    try:
        if crange is None:
            size, mime = store.put(sha256, key, body, max_bytes)
        elif crange.finish:  # every byte arrived before (a server killed before committing)
            size, mime = store.commit(sha256, key, max_bytes, expected=crange.total)
        else:
            offset = store.write_partial(sha256, key, crange.start or 0, body)
            if offset < crange.total:
                return 202, {"sha256": sha256, "complete": False, "offset": offset}
            faults.point("blob.written")
            size, mime = store.commit(sha256, key, max_bytes)
    except BlobError as e:
        raise as_problem(e, max_bytes) from None
    catalog.record(engine, sha256, size, mime, principal)
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
