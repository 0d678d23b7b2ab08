"""Request and response bodies of the API (pydantic): the contract a client codes against.

Routes declare these as `response_model`s, so the OpenAPI description and the answers agree.
Values inside a change (`old`/`new`) are `Any` here: what a field may hold is the domain
model's business, checked by the sync core (`sync/values.py`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .blobs.store import SHA_RE

BIG = 2**53  # the largest integer every JSON client reads exactly
SHA_PATTERN = SHA_RE.pattern
UUID_PATTERN = r"^[0-9a-fA-F-]{36}$"


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
    client_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Stable id of this installation (e.g. a uuid made at first start).",
    )
    device_name: str | None = Field(default=None, max_length=128)


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=256, description="The current password.")
    new_password: str = Field(
        max_length=256, description="At least 8 characters; not the user name; not the current password."
    )


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


class DeviceClaim(BaseModel):
    client_id: str = Field(max_length=64, description="Must match the token's device.")
    file_nonce: str | None = Field(default=None, max_length=64, description="The nonce last confirmed to this file.")
    next_nonce: str = Field(min_length=8, max_length=64, description="A fresh random nonce for the file.")


class DeviceClaimed(BaseModel):
    client_id: str
    file_nonce: str


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
    warnings: list[ErrorItem] = Field(
        [], description="accepted, but worth a second look (e.g. a storage above 淤地坝 scale)"
    )
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


class ThresholdInForce(BaseModel):
    """One threshold in force in a county, with where its value comes from."""

    name: str
    value: float
    unit: str | None = None
    zh: str
    en: str
    scope: str | None = Field(None, description="6-digit division code; null: the model's default")
    scope_name: str
    basis: str = Field(description="the document or standard the value follows (依据)")
    mark: Literal["V", "S", "I"] = Field(description="V verified, S unofficial source, I inference")
    set_by: str | None = Field(None, description="who set it on the server; null: built into the model")
    set_at: str | None = None


class ThresholdSet(BaseModel):
    county_code: str
    thresholds: list[ThresholdInForce]


class ThresholdSettingIn(BaseModel):
    value: float
    basis: str = Field(min_length=1, max_length=500)
    mark: Literal["V", "S", "I"]
    scope_name: str | None = Field(None, max_length=64)


class ThresholdSetting(BaseModel):
    scope: str
    scope_name: str
    name: str
    value: float
    basis: str
    mark: Literal["V", "S", "I"]
    set_by: str
    set_at: str
