"""RFC 7807 problem documents: every error answer of the API, in Chinese and English.

This module is the one catalogue of refusals: each function below builds one kind of problem
with its stable type slug, its status and its `errors[]` items (`field`, `code`, `zh`, `en`).
Routes and the sync core raise these; `api/errors.py` turns them into responses. Nothing here
knows about FastAPI.
"""

from __future__ import annotations

import math
import re
from typing import Any

from shuibao.model.version import advice

PROBLEM_BASE = "https://shuibao.example.org/problems/"
PROBLEM_MEDIA = "application/problem+json"
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")  # NUL, or half of a UTF-16 pair: no JSON answer can carry it


def quote(value: Any, limit: int = 64) -> str:
    """A client-sent value as an answer may repeat it: as sent when short and clean, else escaped."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit or BAD_TEXT.search(text):
        text = ascii(text[:limit])
    return text


class ProblemError(Exception):
    """An error answer: HTTP status, a stable type slug, a title and per-field errors."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail or title)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail or title
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "errors": self.errors,
        }
        if instance:
            out["instance"] = instance
        out.update(self.extra)
        return out


def error(field: str | None, code: str, zh: str, en: str) -> dict[str, Any]:
    """One item of a problem's `errors` list (also a rejected change's reason)."""
    return {"field": field, "code": code, "zh": zh, "en": en}


# -- generic -----------------------------------------------------------------------------------
def not_found(what: str = "resource", headers: dict[str, str] | None = None) -> ProblemError:
    return ProblemError(
        404, "not-found", "Not found", f"{what} not found or not in your counties",
        errors=[error(None, "not_found", "未找到该记录，或不在您负责的县内", "not found or not in your counties")],
        headers=headers,
    )  # fmt: skip


def invalid_request(errors: list[dict[str, Any]]) -> ProblemError:
    return ProblemError(422, "invalid-request", "Invalid request", "the request does not match the schema", errors)


# The framework's own refusals (unknown route, wrong method, unparsable body), in both languages.
_HTTP_ERRORS = {
    400: ("bad-request", "请求无法解析，请检查请求体", "the request body could not be parsed"),
    404: ("not-found", "接口地址不存在", "no such address in this API"),
    405: ("method-not-allowed", "该地址不支持此请求方法", "this address does not take this method"),
}


def http_error(status: int, detail: str) -> ProblemError:
    slug, zh, en = _HTTP_ERRORS.get(status, ("http-error", "请求无法处理", "the request cannot be handled"))
    return ProblemError(status, slug, detail, detail, errors=[error(None, slug, zh, en)])


def bad_http_request() -> ProblemError:
    return ProblemError(
        400, "bad-request", "Bad request", "the HTTP request is malformed (request line or header names)",
        errors=[error(None, "http", "HTTP 请求格式错误（请求行或请求头名称不合法）",
                      "malformed HTTP request (request line or header names)")],
    )  # fmt: skip


def internal() -> ProblemError:
    return ProblemError(
        500, "internal", "Internal server error", "see the server log",
        errors=[error(None, "internal", "服务器内部错误，请稍后重试", "internal server error: try again later")],
    )  # fmt: skip


def body_too_large(limit: int) -> ProblemError:
    detail = f"the body is larger than {limit} bytes"
    return ProblemError(
        413, "too-large", "Request too large", detail,
        errors=[error("body", "too_large", f"请求体过大（最多 {limit} 字节）", detail)],
    )  # fmt: skip


def unavailable() -> ProblemError:
    return ProblemError(
        503, "unavailable", "Database unavailable", "the database does not answer",
        errors=[error(None, "unavailable", "数据库暂不可用，请稍后重试", "the database does not answer: try again later")],
    )  # fmt: skip


# -- auth --------------------------------------------------------------------------------------
def unauthorized() -> ProblemError:
    return ProblemError(
        401, "unauthorized", "Unauthorized", "a valid bearer token is needed",
        errors=[error(None, "token", "登录已失效，请重新登录", "log in again: the token is missing, revoked or expired")],
        headers={"WWW-Authenticate": "Bearer"},
    )  # fmt: skip


def bad_credentials() -> ProblemError:
    return ProblemError(
        401, "bad-credentials", "Bad credentials", "wrong user name or password, or the user is disabled",
        errors=[error("password", "credentials", "用户名或密码错误", "wrong user name or password")],
    )  # fmt: skip


def too_many_attempts(wait: int) -> ProblemError:
    when = f"{wait} 秒" if wait < 120 else f"{math.ceil(wait / 60)} 分钟"
    return ProblemError(
        429, "too-many-attempts", "Too many failed attempts", f"too many wrong passwords: try again in {wait} s",
        errors=[error("password", "throttled", f"密码错误次数过多，请在 {when}后再试",
                      f"too many wrong passwords: try again in {wait} s")],
        headers={"Retry-After": str(wait)}, retry_after=wait,
    )  # fmt: skip


def wrong_old_password() -> ProblemError:
    return ProblemError(
        403, "bad-credentials", "Bad credentials", "the old password is wrong",
        errors=[error("old_password", "credentials", "原密码不正确", "the old password is wrong")],
    )  # fmt: skip


def weak_password(field: str, code: str, zh: str, en: str) -> ProblemError:
    return ProblemError(422, "weak-password", "Weak password", en, errors=[error(field, code, zh, en)])


# -- sync --------------------------------------------------------------------------------------
def model_version_missing() -> ProblemError:
    return ProblemError(
        400, "model-version-missing", "Model version missing", "send the X-Shuibao-Model header",
        errors=[error("X-Shuibao-Model", "required", "缺少数据模型版本", "the model version header is missing")],
    )  # fmt: skip


def model_incompatible(client: str, server: str) -> ProblemError:
    zh, en = advice(client, server)  # who must upgrade: the plugin (older) or the server (newer)
    return ProblemError(
        409, "model-incompatible", "Incompatible model version",
        f"client model {client} is not compatible with server model {server}; nothing was written: {en}",
        errors=[error("X-Shuibao-Model", "incompatible", zh, en)],
        server_model_version=server,
    )  # fmt: skip


def device_mismatch() -> ProblemError:
    return ProblemError(
        409, "device-mismatch", "Device mismatch", "client_id does not match the token's device",
        errors=[error("client_id", "device", "设备标识与登录令牌不符", "client_id differs from the token's device")],
    )  # fmt: skip


def device_copied() -> ProblemError:
    return ProblemError(
        409, "device-copied", "Store file copied",
        "another copy of this store file already synced under this client_id: take a new client_id",
        errors=[error("file_nonce", "device_copied", "此数据文件是另一份已同步文件的副本，需改用新的设备标识",
                      "this store file is a copy of one that already synced: use a new client_id")],
    )  # fmt: skip


def batch_too_large(max_batch: int) -> ProblemError:
    return ProblemError(
        413, "batch-too-large", "Batch too large", f"at most {max_batch} changes per push",
        errors=[error("changes", "max_batch", f"每批最多 {max_batch} 条变更", f"at most {max_batch} changes per push")],
    )  # fmt: skip


def mutation_order() -> ProblemError:
    return ProblemError(
        422, "mutation-order", "Mutation ids not consecutive",
        "the mutation ids of a batch must be consecutive and increasing",
        errors=[error("changes", "mutation_order", "批次内的变更编号必须连续递增", "mutation ids must be consecutive")],
    )  # fmt: skip


def mutation_gap(last: int, got: int) -> ProblemError:
    return ProblemError(
        409, "mutation-gap", "Mutation id gap",
        f"expected mutation id {last + 1}, got {got}: nothing was applied",
        errors=[error("changes", "mutation_gap", f"变更编号不连续：服务器期待 {last + 1}",
                      f"mutation id gap: the server expects {last + 1}")],
        last_mutation_id=last, expected_mutation_id=last + 1,
    )  # fmt: skip


def bad_cursor() -> ProblemError:
    return ProblemError(
        400, "bad-cursor", "Bad cursor", "the cursor is not one this server handed out",
        errors=[error("cursor", "cursor", "同步游标无效，请从头同步", "invalid cursor: pull again from the start")],
    )  # fmt: skip


# -- conflicts ---------------------------------------------------------------------------------
def conflict_closed() -> ProblemError:
    return ProblemError(
        409, "conflict-closed", "Conflict already resolved", "this conflict was already resolved",
        errors=[error("status", "resolved", "该冲突已处理", "this conflict was already resolved")],
    )  # fmt: skip


def record_gone() -> ProblemError:
    return ProblemError(
        404, "not-found", "Not found", "the record no longer exists",
        errors=[error(None, "not_found", "该记录已不存在", "the record no longer exists")],
    )  # fmt: skip


def resolution_retry(errors: list[dict[str, Any]]) -> ProblemError:
    return ProblemError(409, "retry-later", "Retry later", "a referenced blob is missing", errors=errors)


def invalid_resolution(errors: list[dict[str, Any]]) -> ProblemError:
    return ProblemError(
        422, "invalid-resolution", "Invalid resolution", "the chosen value does not pass validation", errors=errors
    )


# -- photos ------------------------------------------------------------------------------------
def photo_too_large(max_bytes: int) -> ProblemError:
    return ProblemError(
        413, "too-large", "Photo too large", f"photos may have at most {max_bytes} bytes",
        errors=[error("body", "too_large", f"照片不能超过 {max_bytes} 字节", f"photos may have at most {max_bytes} bytes")],
    )  # fmt: skip


def bad_range(detail: str = "expected Content-Range: bytes START-END/TOTAL") -> ProblemError:
    return ProblemError(
        400, "bad-range", "Bad Content-Range", detail,
        errors=[error("Content-Range", "range", "Content-Range 格式错误", "expected bytes START-END/TOTAL")],
    )  # fmt: skip


def range_length_mismatch(got: int, announced: int) -> ProblemError:
    detail = f"the body has {got} bytes, Content-Range announces {announced}"
    return ProblemError(
        400, "bad-range", "Bad Content-Range", detail,
        errors=[error("Content-Range", "range_length", f"请求体长度（{got} 字节）与 Content-Range（{announced} 字节）不符", detail)],
    )  # fmt: skip


def upload_offset(detail: str, offset: int) -> ProblemError:
    return ProblemError(
        409, "upload-offset", "Wrong upload offset", detail,
        errors=[error("Content-Range", "offset", "上传位置不符，请从服务器给出的位置续传", detail)], offset=offset,
    )  # fmt: skip


def unsupported_type(detail: str) -> ProblemError:
    return ProblemError(
        415, "unsupported-type", "Unsupported photo type", detail,
        errors=[error("body", "content_type", "只接受 JPEG、PNG、WebP 或 HEIC 照片", detail)],
    )  # fmt: skip


def hash_mismatch(detail: str) -> ProblemError:
    return ProblemError(
        422, "hash-mismatch", "Hash mismatch", detail,
        errors=[error("sha256", "hash_mismatch", "文件内容与 SHA-256 不符，请重新上传", detail)],
    )  # fmt: skip


def bad_upload(code: str, detail: str) -> ProblemError:
    return ProblemError(400, "bad-upload", "Bad upload", detail, errors=[error(None, code, "上传失败", detail)])


# -- thresholds --------------------------------------------------------------------------------
def threshold_forbidden(scope: str) -> ProblemError:
    return ProblemError(
        403, "forbidden", "Forbidden", f"only an admin of every county of {scope} may set its thresholds",
        errors=[error("scope", "role", "只有负责该区划内全部县的管理员才能设置其阈值",
                      "only an admin of every county in the scope may set its thresholds")],
    )  # fmt: skip


def bad_threshold(found: list[tuple[str, str, str]]) -> ProblemError:
    """`found`: (field, zh, en) of each fault of a threshold setting."""
    return ProblemError(
        422, "invalid-threshold", "Invalid threshold", "; ".join(en for _f, _zh, en in found),
        errors=[error(f, "threshold", zh, en) for f, zh, en in found],
    )  # fmt: skip
