"""Photos: check, upload (whole or resumable), ask how far an upload got, download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from ... import problems
from ...blobs import catalog, upload
from ...schemas import SHA_PATTERN, UploadStatus
from ..deps import CurrentUser, EngineDep, SettingsDep, StoreDep
from ..openapi import problem_responses

router = APIRouter(prefix="/blobs", tags=["blobs"])
Sha = Annotated[str, Path(pattern=SHA_PATTERN, description="lower-case hex SHA-256 of the content")]

PUT_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    "parameters": [
        {"name": "Content-Range", "in": "header", "required": False, "schema": {"type": "string"},
         "description": "bytes START-END/TOTAL for a chunk of a resumable upload; bytes */TOTAL with an "
                        "empty body to finish an upload whose TOTAL bytes all arrived"},
    ],
}  # fmt: skip


@router.head(
    "/{sha256}",
    responses={200: {"description": "stored and yours to read"}, 404: {"description": "not stored, or not yours"}},
)
def head_blob(who: CurrentUser, sha256: Sha, engine: EngineDep, store: StoreDep) -> Response:
    """200 with Content-Length when you may read the blob; 404 otherwise, the same for a blob of
    another county as for a missing one (X-Upload-Offset: bytes of your own upload so far)."""
    row = catalog.readable(engine, store, who, sha256)
    if row is None:
        offset = store.partial_offset(sha256, upload.session(who))
        raise problems.not_found("photo", headers={"X-Upload-Offset": str(offset)})
    return Response(
        status_code=200, headers={"Content-Length": str(row["size_bytes"]), "Content-Type": row["mime_type"]}
    )


@router.get("/{sha256}/upload", response_model=UploadStatus, responses=problem_responses(401, 422))
def upload_status(who: CurrentUser, sha256: Sha, engine: EngineDep, store: StoreDep) -> dict:
    """How much of your upload the server has: resume a PUT from `offset`."""
    return upload.status(engine, store, who, sha256)


@router.put(
    "/{sha256}",
    response_model=UploadStatus,
    status_code=201,
    responses={
        200: {"model": UploadStatus},
        202: {"model": UploadStatus},
        **problem_responses(400, 401, 409, 413, 415, 422),
    },
    openapi_extra=PUT_DOC,
)
async def put_blob(
    request: Request, who: CurrentUser, sha256: Sha, engine: EngineDep, store: StoreDep, settings: SettingsDep
) -> Response:
    """Upload a photo, whole or in chunks (Content-Range). Verified against the hash at the end.

    `Content-Range: bytes */TOTAL` with an empty body finishes an upload whose bytes all arrived."""
    max_bytes = settings.max_photo_bytes
    done = await run_in_threadpool(upload.already_stored, engine, store, who, sha256)
    if done is not None:
        return JSONResponse(done, status_code=200)
    crange = upload.parse_range(request.headers.get("content-range"), max_bytes)
    body = await _read_body(request, max_bytes)
    args = (engine, store, max_bytes, sha256, crange, body, who)
    status, out = await run_in_threadpool(upload.receive, *args)
    return JSONResponse(out, status_code=status)


async def _read_body(request: Request, max_bytes: int) -> bytes:
    """The body, refused as soon as it passes the photo limit (also without Content-Length)."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise problems.photo_too_large(max_bytes)
    return bytes(body)


@router.get(
    "/{sha256}", responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, **problem_responses(401, 404, 422)}
)
def get_blob(who: CurrentUser, sha256: Sha, engine: EngineDep, store: StoreDep) -> Response:
    """Download a photo you uploaded or that a photo record of one of your counties references."""
    row = catalog.readable(engine, store, who, sha256)
    if row is None:
        raise problems.not_found("photo")
    headers = {"Content-Length": str(row["size_bytes"]), "Cache-Control": "private, max-age=31536000, immutable"}
    return StreamingResponse(store.iter_file(sha256), media_type=row["mime_type"], headers=headers)
