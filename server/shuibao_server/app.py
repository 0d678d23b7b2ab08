"""The HTTP API (FastAPI). Routes are thin: the work is in sync.py, auth.py and blobs.py."""


import logging
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from shuibao.model import MODEL_VERSION, RECORD_KINDS, ROLES
from shuibao.model.version import is_compatible
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import API_VERSION, __version__, auth, db, sync
from . import tables as t
from .blobs import SHA_RE, BlobError, FolderBlobStore
from .config import Settings
from .problems import ProblemError, error, not_found

log = logging.getLogger(__name__)

BIG = 2**53
SHA_PATTERN = r"^[0-9a-f]{64}$"
UUID_PATTERN = r"^[0-9a-fA-F-]{36}$"
PROBLEM_MEDIA = "application/problem+json"

DESCRIPTION = """
Central sync API of Shuibao (水保巡检). Records of every kind of the shared domain model
(`shuibao.model`) are pushed as batches of field-level changes and pulled by cursor.

**Batch semantics.** Each change of a push is judged on its own and gets a result:
`applied`, `conflict` (fields changed on both sides kept the server value and became conflict
rows; the other fields were applied), `rejected` (nothing applied; the reason is in `errors`;
the mutation id still advances), or `retry` (a referenced photo blob is not uploaded yet:
nothing is recorded, the batch stops there and later changes are `not_processed`).
Mutation ids at or below the device's last id return their stored result; a gap is refused
with 409 before anything is applied. Every error answer is an RFC 7807 problem with an
`errors` list of `{field, code, zh, en}`. Sync requests must send `X-Shuibao-Model`.
See docs/API.md for the full protocol.
"""


# ------------------------------------------------------------------------------------------
# Schemas
# ------------------------------------------------------------------------------------------
class ErrorItem(BaseModel):
    field: str | None = None
    code: str
    zh: str
    en: str


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    errors: list[ErrorItem] = []


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[\w.@-]+$")
    password: str = Field(min_length=1, max_length=256)
    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
                           description="Stable id of this installation (e.g. a uuid made at first start).")
    device_name: str | None = Field(default=None, max_length=128)


class UserInfo(BaseModel):
    username: str
    role: Literal["inspector", "technician", "acceptor", "admin"]
    counties: list[str]


class LoginResponse(BaseModel):
    token: str
    token_type: str
    expires_at: str
    user: UserInfo
    client_id: str


class MeResponse(UserInfo):
    client_id: str
    last_mutation_id: int


class Info(BaseModel):
    api_version: str
    model_version: str
    server_version: str
    record_kinds: list[str]
    roles: list[str]
    max_batch: int
    max_page: int
    max_photo_bytes: int


class FieldChange(BaseModel):
    old: Any = Field(default=None, description="The value the client based its edit on (the last server value).")
    new: Any = Field(description="The new value. Geometry: hex ISO WKB in EPSG:4490.")


class Change(BaseModel):
    mutation_id: int = Field(ge=1, le=BIG)
    kind: str = Field(max_length=64)
    uuid: str = Field(max_length=64)
    op: Literal["insert", "update", "delete"]
    base_rev: int = Field(default=0, ge=0, le=BIG)
    fields: dict[str, FieldChange] = Field(default_factory=dict)


class PushRequest(BaseModel):
    client_id: str | None = Field(default=None, max_length=64, description="Must match the token's device.")
    changes: list[Change] = Field(max_length=5000)


class ConflictOut(BaseModel):
    id: int | None = None
    kind: str
    uuid: str
    county_code: str
    field: str
    reason: Literal["field", "delisted", "deleted", "delete"]
    base: Any = None
    server: Any = None
    client: Any = None
    server_rev: int | None = None
    server_by: str | None = None
    server_at: str | None = None
    client_by: str
    mutation_id: int | None = None
    status: Literal["open", "resolved"]
    resolution: str | None = None
    resolved_by: str | None = None
    created_at: str | None = None
    resolved_at: str | None = None


class ChangeResult(BaseModel):
    mutation_id: int
    kind: str | None = None
    uuid: str | None = None
    status: Literal["applied", "conflict", "rejected", "retry", "not_processed", "unknown"]
    rev: int | None = None
    applied: list[str] = []
    conflicts: list[ConflictOut] = []
    errors: list[ErrorItem] = []
    replayed: bool = False


class PushResponse(BaseModel):
    last_mutation_id: int
    results: list[ChangeResult]


class PullItem(BaseModel):
    kind: str
    uuid: str
    county_code: str
    rev: int
    op: Literal["insert", "update", "delete"]
    deleted: bool
    updated_by: str
    updated_at: str
    values: dict[str, Any]


class PullResponse(BaseModel):
    items: list[PullItem]
    cursor: str
    has_more: bool


class HistoryItem(BaseModel):
    seq: int
    op: str
    username: str
    at: str
    mutation_id: int | None = None
    old: dict[str, Any]
    new: dict[str, Any]


class ConflictList(BaseModel):
    items: list[ConflictOut]
    has_more: bool


class ResolveRequest(BaseModel):
    resolution: Literal["server", "client", "value"] = Field(
        description="server: keep the server value; client: write the client's value; value: write `value`."
    )
    value: Any = None


class ResolveResponse(ConflictOut):
    rev: int | None = None


class UploadStatus(BaseModel):
    sha256: str
    complete: bool
    offset: int
    size: int | None = None
    mime_type: str | None = None


def _problems(*codes: int) -> dict:
    ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {c: {"model": Problem, "description": "RFC 7807 problem", "content": {PROBLEM_MEDIA: ref}} for c in codes}


# ------------------------------------------------------------------------------------------
# App
# ------------------------------------------------------------------------------------------
def create_app(settings: Settings | None = None, engine: sa.Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = engine or db.make_engine(settings.url)
    store = FolderBlobStore(settings.blob_dir)
    app = FastAPI(
        title="Shuibao sync API (水保巡检同步接口)",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
    )
    app.state.settings, app.state.engine, app.state.store = settings, engine, store
    bearer = HTTPBearer(auto_error=False)

    # -- errors ----------------------------------------------------------------------------
    def problem_response(exc: ProblemError, request: Request) -> JSONResponse:
        return JSONResponse(
            exc.body(request.url.path), status_code=exc.status, headers=exc.headers, media_type=PROBLEM_MEDIA
        )

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError):
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = []
        for e in exc.errors()[:50]:
            loc = [str(x) for x in e.get("loc", ())]
            name = ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc)
            errors.append(error(name or None, e.get("type", "invalid"), f"请求格式错误：{name}", str(e.get("msg", ""))))
        return problem_response(
            ProblemError(422, "invalid-request", "Invalid request", "the request does not match the schema", errors),
            request,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return problem_response(ProblemError(exc.status_code, slug, str(exc.detail), str(exc.detail)), request)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(ProblemError(500, "internal", "Internal server error", "see the server log"), request)

    @app.middleware("http")
    async def _limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        limit = settings.max_body_bytes
        if request.url.path.startswith("/api/v1/blobs/"):
            limit = settings.max_photo_bytes + 1024
        if length is not None and (not length.isdigit() or int(length) > limit):
            return problem_response(
                ProblemError(413, "too-large", "Request too large", f"the body is larger than {limit} bytes"), request
            )
        return await call_next(request)

    # -- dependencies ----------------------------------------------------------------------
    def principal(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> auth.Principal:
        unauthorised = ProblemError(
            401, "unauthorized", "Unauthorized", "a valid bearer token is needed",
            errors=[error(None, "token", "登录已失效，请重新登录", "log in again: the token is missing, revoked or expired")],
            headers={"WWW-Authenticate": "Bearer"},
        )  # fmt: skip
        if creds is None or creds.scheme.lower() != "bearer":
            raise unauthorised
        try:
            return auth.authenticate(engine, creds.credentials)
        except auth.AuthError:
            raise unauthorised from None

    def model_version(
        x_shuibao_model: Annotated[
            str | None, Header(description="The client's model version, e.g. 1.0", max_length=32)
        ] = None,
    ) -> str:
        if not x_shuibao_model:
            raise ProblemError(
                400, "model-version-missing", "Model version missing", "send the X-Shuibao-Model header",
                errors=[error("X-Shuibao-Model", "required", "缺少数据模型版本", "the model version header is missing")],
            )  # fmt: skip
        if not is_compatible(x_shuibao_model, MODEL_VERSION):
            raise ProblemError(
                409, "model-incompatible", "Incompatible model version",
                f"client model {x_shuibao_model} is not compatible with server model {MODEL_VERSION}; "
                "nothing was written, keep the queued edits and upgrade",
                errors=[error("X-Shuibao-Model", "incompatible",
                              f"客户端数据模型版本 {x_shuibao_model} 与服务器 {MODEL_VERSION} 不兼容，请升级插件或服务器",
                              f"model version {x_shuibao_model} is incompatible with the server's {MODEL_VERSION}")],
                server_model_version=MODEL_VERSION,
            )  # fmt: skip
        return x_shuibao_model

    Who = Annotated[auth.Principal, Depends(principal)]

    def sync_principal(
        who: Annotated[auth.Principal, Depends(principal)], _model: Annotated[str, Depends(model_version)]
    ) -> auth.Principal:
        return who

    SyncWho = Annotated[auth.Principal, Depends(sync_principal)]
    api = "/api/v1"

    # -- info and auth ---------------------------------------------------------------------
    @app.get(f"{api}/info", response_model=Info, tags=["info"])
    def info() -> dict:
        """Server, API and model versions and limits. No authentication."""
        return {
            "api_version": API_VERSION,
            "model_version": MODEL_VERSION,
            "server_version": __version__,
            "record_kinds": list(RECORD_KINDS),
            "roles": list(ROLES),
            "max_batch": settings.max_batch,
            "max_page": settings.max_page,
            "max_photo_bytes": settings.max_photo_bytes,
        }

    @app.get(f"{api}/health", tags=["info"], responses=_problems(503))
    def health() -> dict:
        try:
            with db.read_tx(engine) as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            raise ProblemError(503, "unavailable", "Database unavailable", "the database does not answer") from None
        return {"ok": True}

    @app.post(f"{api}/auth/login", response_model=LoginResponse, tags=["auth"], responses=_problems(401, 422))
    def login(body: LoginRequest) -> dict:
        """Exchange a password for a bearer token bound to this user and device (client_id)."""
        try:
            _token, out = auth.login(
                engine, body.username, body.password, body.client_id, body.device_name, settings.token_ttl_days
            )
        except auth.AuthError:
            raise ProblemError(
                401, "bad-credentials", "Bad credentials", "wrong user name or password, or the user is disabled",
                errors=[error("password", "credentials", "用户名或密码错误", "wrong user name or password")],
            ) from None  # fmt: skip
        return out

    @app.post(f"{api}/auth/logout", status_code=204, tags=["auth"], responses=_problems(401))
    def logout(who: Who) -> Response:
        """Revoke the token of this request."""
        auth.revoke_token(engine, who.token_id)
        return Response(status_code=204)

    @app.get(f"{api}/auth/me", response_model=MeResponse, tags=["auth"], responses=_problems(401))
    def me(who: Who) -> dict:
        with db.read_tx(engine) as conn:
            last = conn.execute(sa.select(t.devices.c.last_mutation_id).where(t.devices.c.id == who.device_pk)).scalar()
        return {"username": who.username, "role": who.role, "counties": list(who.counties),
                "client_id": who.client_id, "last_mutation_id": int(last or 0)}  # fmt: skip

    # -- sync ------------------------------------------------------------------------------
    @app.post(
        f"{api}/sync/push", response_model=PushResponse, tags=["sync"], responses=_problems(400, 401, 409, 413, 422)
    )
    def push(body: PushRequest, who: SyncWho) -> dict:
        """Apply a batch of changes (see the batch semantics above and docs/API.md)."""
        if body.client_id is not None and body.client_id != who.client_id:
            raise ProblemError(
                409, "device-mismatch", "Device mismatch", "client_id does not match the token's device",
                errors=[error("client_id", "device", "设备标识与登录令牌不符", "client_id differs from the token's device")],
            )  # fmt: skip
        if len(body.changes) > settings.max_batch:
            raise ProblemError(
                413, "batch-too-large", "Batch too large", f"at most {settings.max_batch} changes per push",
                errors=[error("changes", "max_batch", f"每批最多 {settings.max_batch} 条变更",
                              f"at most {settings.max_batch} changes per push")],
            )  # fmt: skip
        changes = [c.model_dump() for c in body.changes]
        return sync.push(engine, who, changes, settings.max_vertices)

    @app.get(f"{api}/sync/pull", response_model=PullResponse, tags=["sync"], responses=_problems(400, 401, 409, 422))
    def pull(
        who: SyncWho,
        cursor: Annotated[str | None, Query(max_length=4096, description="Opaque; omit or '0' to start")] = None,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 500,
    ) -> dict:
        """Records of the user's counties changed since the cursor, oldest first, one item per record."""
        return sync.pull(engine, who, cursor, min(limit, settings.max_page))

    @app.get(f"{api}/records/{{uuid}}", response_model=PullItem, tags=["records"], responses=_problems(401, 404, 422))
    def get_record(who: Who, uuid: Annotated[str, Path(pattern=UUID_PATTERN)]) -> dict:
        """One record with its current values (404 also for records of other counties)."""
        item = sync.get_record(engine, who, uuid)
        if item is None:
            raise not_found("record")
        return item

    @app.get(
        f"{api}/records/{{uuid}}/history",
        response_model=list[HistoryItem],
        tags=["records"],
        responses=_problems(401, 404, 422),
    )
    def get_history(who: Who, uuid: Annotated[str, Path(pattern=UUID_PATTERN)]) -> list:
        """The audit trail of a record: every accepted change with who, when and old/new values."""
        items = sync.record_history(engine, who, uuid)
        if items is None:
            raise not_found("record")
        return items

    @app.get(f"{api}/conflicts", response_model=ConflictList, tags=["conflicts"], responses=_problems(400, 401, 409, 422))
    def conflicts(
        who: SyncWho,
        status: Literal["open", "resolved", "all"] = "open",
        after_id: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict:
        """Conflicts of the user's counties, by id."""
        return sync.list_conflicts(engine, who, status, after_id, limit)

    @app.post(
        f"{api}/conflicts/{{conflict_id}}/resolve",
        response_model=ResolveResponse,
        tags=["conflicts"],
        responses=_problems(400, 401, 404, 409, 422),
    )
    def resolve(who: SyncWho, conflict_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: ResolveRequest) -> dict:
        """Close a conflict; `client`/`value` write that value as a new server change."""
        out = sync.resolve_conflict(engine, who, conflict_id, body.resolution, body.value)
        if out is None:
            raise not_found("conflict")
        return out

    # -- blobs -----------------------------------------------------------------------------
    Sha = Annotated[str, Path(pattern=SHA_PATTERN, description="lower-case hex SHA-256 of the content")]

    def _blob_row(sha256: str) -> dict | None:
        with db.read_tx(engine) as conn:
            row = conn.execute(sa.select(t.blobs).where(t.blobs.c.sha256 == sha256)).mappings().first()
        return dict(row) if row else None

    @app.head(f"{api}/blobs/{{sha256}}", tags=["blobs"], responses={404: {"description": "not uploaded (yet)"}})
    def head_blob(who: Who, sha256: Sha) -> Response:
        """200 with Content-Length when the blob is stored; 404 otherwise (X-Upload-Offset: bytes received)."""
        row = _blob_row(sha256)
        if row is None or not store.exists(sha256):
            return Response(status_code=404, headers={"X-Upload-Offset": str(store.partial_offset(sha256))})
        return Response(
            status_code=200, headers={"Content-Length": str(row["size_bytes"]), "Content-Type": row["mime_type"]}
        )

    @app.get(f"{api}/blobs/{{sha256}}/upload", response_model=UploadStatus, tags=["blobs"], responses=_problems(401, 422))
    def upload_status(who: Who, sha256: Sha) -> dict:
        """How much of an upload the server has: resume a PUT from `offset`."""
        row = _blob_row(sha256)
        if row is not None and store.exists(sha256):
            return {"sha256": sha256, "complete": True, "offset": row["size_bytes"], "size": row["size_bytes"],
                    "mime_type": row["mime_type"]}  # fmt: skip
        return {"sha256": sha256, "complete": False, "offset": store.partial_offset(sha256)}

    @app.put(
        f"{api}/blobs/{{sha256}}",
        response_model=UploadStatus,
        tags=["blobs"],
        status_code=201,
        responses={200: {"model": UploadStatus}, 202: {"model": UploadStatus}, **_problems(400, 401, 409, 413, 415, 422)},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            },
            "parameters": [
                {"name": "Content-Range", "in": "header", "required": False, "schema": {"type": "string"},
                 "description": "bytes START-END/TOTAL for a chunk of a resumable upload"},
            ],
        },
    )  # fmt: skip
    async def put_blob(request: Request, who: Who, sha256: Sha) -> Response:
        """Upload a photo, whole or in chunks (Content-Range). Verified against the hash at the end."""
        max_bytes = settings.max_photo_bytes
        if await run_in_threadpool(_blob_row, sha256) is not None and store.exists(sha256):
            size = store.size(sha256)
            return JSONResponse({"sha256": sha256, "complete": True, "offset": size, "size": size}, status_code=200)
        start, total = 0, None
        crange = request.headers.get("content-range")
        if crange:
            start, end, total = _parse_range(crange)
            if total > max_bytes:
                raise _too_large(max_bytes)
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_bytes:
                raise _too_large(max_bytes)
        if crange and len(body) != end - start + 1:
            raise ProblemError(400, "bad-range", "Bad Content-Range", "the body length does not match Content-Range")
        try:
            if not crange:
                size, mime = await run_in_threadpool(store.put, sha256, bytes(body), max_bytes)
            else:
                offset = await run_in_threadpool(store.write_partial, sha256, start, bytes(body))
                if offset < total:
                    return JSONResponse({"sha256": sha256, "complete": False, "offset": offset}, status_code=202)
                size, mime = await run_in_threadpool(store.commit, sha256, max_bytes)
        except BlobError as e:
            raise _blob_problem(e, max_bytes) from None
        await run_in_threadpool(_record_blob, sha256, size, mime, who.username)
        return JSONResponse(
            {"sha256": sha256, "complete": True, "offset": size, "size": size, "mime_type": mime}, status_code=201
        )

    def _record_blob(sha256: str, size: int, mime: str, username: str) -> None:
        with db.write_tx(engine) as conn:
            db.insert_ignore(
                conn, t.blobs,
                [{"sha256": sha256, "size_bytes": size, "mime_type": mime, "created_at": db.utcnow(),
                  "created_by": username}],
                ["sha256"],
            )  # fmt: skip

    @app.get(
        f"{api}/blobs/{{sha256}}",
        tags=["blobs"],
        responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, **_problems(401, 404, 422)},
    )
    def get_blob(who: Who, sha256: Sha) -> Response:
        """Download a photo: only when a photo record of one of your counties references it."""
        with db.read_tx(engine) as conn:
            seen = conn.execute(
                sa.select(t.records.c.uuid)
                .where(
                    t.records.c.kind == "photo",
                    t.records.c.county_code.in_(who.counties),
                    t.records.c.data["sha256"].as_string() == sha256,
                )
                .limit(1)
            ).first()
        row = _blob_row(sha256)
        if seen is None or row is None or not store.exists(sha256):
            raise not_found("photo")
        return StreamingResponse(
            store.iter_file(sha256),
            media_type=row["mime_type"],
            headers={"Content-Length": str(row["size_bytes"]), "Cache-Control": "private, max-age=31536000, immutable"},
        )

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        problem = {PROBLEM_MEDIA: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                responses = op.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = {"description": "RFC 7807 problem: invalid request", "content": problem}
                if op.get("security"):
                    responses.setdefault("401", {"description": "RFC 7807 problem: no valid token", "content": problem})
        schemas = spec.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _too_large(max_bytes: int) -> ProblemError:
    return ProblemError(
        413, "too-large", "Photo too large", f"photos may have at most {max_bytes} bytes",
        errors=[error("body", "too_large", f"照片不能超过 {max_bytes} 字节", f"photos may have at most {max_bytes} bytes")],
    )  # fmt: skip


def _parse_range(value: str) -> tuple[int, int, int]:
    try:
        unit, rest = value.strip().split(" ", 1)
        span, total_s = rest.split("/", 1)
        start_s, end_s = span.split("-", 1)
        start, end, total = int(start_s), int(end_s), int(total_s)
        if unit != "bytes" or not (0 <= start <= end < total):
            raise ValueError
    except ValueError:
        raise ProblemError(
            400, "bad-range", "Bad Content-Range", "expected Content-Range: bytes START-END/TOTAL",
            errors=[error("Content-Range", "range", "Content-Range 格式错误", "expected bytes START-END/TOTAL")],
        ) from None  # fmt: skip
    return start, end, total


def _blob_problem(e: BlobError, max_bytes: int) -> ProblemError:
    if e.code == "offset":
        return ProblemError(
            409, "upload-offset", "Wrong upload offset", str(e),
            errors=[error("Content-Range", "offset", "上传位置不符，请从服务器给出的位置续传", str(e))], offset=e.offset,
        )  # fmt: skip
    if e.code == "too_large":
        return _too_large(max_bytes)
    if e.code == "content_type":
        return ProblemError(
            415, "unsupported-type", "Unsupported photo type", str(e),
            errors=[error("body", "content_type", "只接受 JPEG、PNG、WebP 或 HEIC 照片", str(e))],
        )  # fmt: skip
    if e.code == "hash_mismatch":
        return ProblemError(
            422, "hash-mismatch", "Hash mismatch", str(e),
            errors=[error("sha256", "hash_mismatch", "文件内容与 SHA-256 不符，请重新上传", str(e))],
        )  # fmt: skip
    return ProblemError(400, "bad-upload", "Bad upload", str(e), errors=[error(None, e.code, "上传失败", str(e))])


def sha_ok(value: str) -> bool:
    return bool(SHA_RE.match(value))
