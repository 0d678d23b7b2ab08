"""HTTP client of the Shuibao sync API (plain Python + requests; no QGIS, no widgets).

Every request has a timeout and keeps TLS verification on. Connection errors, 5xx and 429 are
retried with exponential backoff (push is safe to retry: the server is idempotent on mutation
ids). RFC 7807 problem answers become :class:`SyncError` subclasses carrying a Chinese and an
English user message. Sync requests send the model version header; :meth:`ApiClient.check_model`
refuses an incompatible server before anything is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from ..model import MODEL_VERSION
from ..model.version import is_compatible

log = logging.getLogger(__name__)

API = "/api/v1"
MODEL_HEADER = "X-Shuibao-Model"
DEFAULT_TIMEOUT = (10.0, 120.0)  # connect, read
RETRY_STATUS = {429, 500, 502, 503, 504}


class SyncError(Exception):
    """A sync failure with a message for the user (Chinese and English)."""

    zh = "同步失败"
    en = "synchronisation failed"

    def __init__(
        self,
        en: str | None = None,
        zh: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        body: dict | None = None,
    ):
        self.en = en or self.en
        self.zh = zh or self.zh
        self.status, self.code, self.body = status, code, body or {}
        super().__init__(self.user_message())

    def user_message(self) -> str:
        return f"{self.zh}（{self.en}）"


class NetworkError(SyncError):
    zh = "无法连接服务器，请检查网络后重试"
    en = "cannot reach the server; check the network and try again"


class AuthError(SyncError):
    zh = "登录失败或已失效，请重新登录"
    en = "login failed or expired; log in again"


class ModelVersionError(SyncError):
    zh = "数据模型版本与服务器不兼容，未写入任何数据，请升级插件或服务器"
    en = "the data model version is incompatible with the server; nothing was written, upgrade"


class ServerError(SyncError):
    zh = "服务器出错，请稍后重试"
    en = "the server failed; try again later"


class MutationGap(SyncError):
    zh = "变更编号不连续"
    en = "mutation id gap"


class DeviceCopied(SyncError):
    """Another copy of this store file already synced under its client id (see SyncEngine.claim_device)."""

    zh = "此数据文件是另一文件的副本，已改用新的设备标识"
    en = "this store file is a copy of another: it now uses a new device id"


class AnswerMismatch(SyncError):
    """The server's answer to a mutation id is about another record: nothing of the batch is kept."""


class ProblemAnswer(SyncError):
    """Any other problem+json answer."""


# What to tell the user when a problem answer carries no Chinese text of its own.
PROBLEM_ZH = {
    "too-large": "数据过大，服务器拒绝接收（如照片超过服务器允许的大小）",
    "unsupported-type": "服务器不接收此类文件（只接受 JPEG、PNG、WebP 或 HEIC 照片）",
    "hash-mismatch": "文件内容与哈希不符",
    "upload-offset": "上传位置与服务器不符",
}


def _problem(resp: requests.Response) -> SyncError:
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = body.get("errors") or []
    zh = "；".join(e.get("zh", "") for e in errors if isinstance(e, dict) and e.get("zh")) or None
    en = "; ".join(e.get("en", "") for e in errors if isinstance(e, dict) and e.get("en")) or body.get("detail")
    slug = str(body.get("type", "")).rsplit("/", 1)[-1] or None
    zh = zh or PROBLEM_ZH.get(slug or "")
    status = resp.status_code
    if status == 401:
        cls: type[SyncError] = AuthError
    elif slug == "model-incompatible":
        cls = ModelVersionError
    elif slug == "device-copied":
        cls = DeviceCopied
    elif slug == "mutation-gap":
        cls = MutationGap
    elif status >= 500:
        cls = ServerError
    else:
        cls = ProblemAnswer
    return cls(en, zh, status=status, code=slug, body=body)


class ApiClient:
    """One server. ``token`` may be given, or obtained with :meth:`login`."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 4,
        backoff: float = 0.5,
        model_version: str = MODEL_VERSION,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.model_version = model_version
        self.session = session or requests.Session()
        self.session.verify = True
        self.sleep = sleep
        self.user: dict[str, Any] | None = None

    def close(self) -> None:
        self.session.close()

    # -- transport ----------------------------------------------------------------------
    def _headers(self, sync: bool, extra: dict[str, str] | None) -> dict[str, str]:
        h = {"Accept": "application/json, application/problem+json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if sync:
            h[MODEL_HEADER] = self.model_version
        if extra:
            h.update(extra)
        return h

    def request(
        self,
        method: str,
        path: str,
        *,
        sync: bool = False,
        ok: tuple[int, ...] = (200,),
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> requests.Response:
        url = self.base_url + path
        attempt = 0
        while True:
            try:
                resp = self.session.request(
                    method, url, headers=self._headers(sync, headers), timeout=self.timeout, verify=True, **kw
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.retries:
                    raise NetworkError(f"cannot reach the server: {exc}") from exc
                log.info("retry %s %s after %s", method, path, type(exc).__name__)
            else:
                if resp.status_code in ok:
                    return resp
                if resp.status_code not in RETRY_STATUS or attempt >= self.retries:
                    raise _problem(resp)
                log.info("retry %s %s after HTTP %s", method, path, resp.status_code)
                retry_after = resp.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    self.sleep(min(float(retry_after), 30.0))
            self.sleep(self.backoff * (2**attempt))
            attempt += 1

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        return self.request(method, path, **kw).json()

    # -- endpoints ----------------------------------------------------------------------
    def info(self) -> dict:
        return self._json("GET", f"{API}/info")

    def check_model(self) -> dict:
        """Refuse an incompatible server before anything is written (raises ModelVersionError)."""
        info = self.info()
        server = str(info.get("model_version", ""))
        if not is_compatible(self.model_version, server):
            raise ModelVersionError(
                f"client model {self.model_version} is incompatible with server model {server}; "
                "nothing was written, the queued edits are kept: upgrade the plugin or the server",
                f"客户端数据模型版本 {self.model_version} 与服务器 {server} 不兼容，未写入任何数据，"
                "待同步的修改已保留，请升级插件或服务器",
                code="model-incompatible",
            )
        return info

    def login(self, username: str, password: str, client_id: str, device_name: str | None = None) -> dict:
        body = {"username": username, "password": password, "client_id": client_id}
        if device_name:
            body["device_name"] = device_name[:128]
        out = self._json("POST", f"{API}/auth/login", json=body)
        self.token = out["token"]
        self.user = out.get("user")
        return out

    def me(self) -> dict:
        """Who the token belongs to (username, display name, role, counties); kept in ``user``."""
        self.user = self._json("GET", f"{API}/auth/me")
        return self.user

    def logout(self) -> None:
        """Revoke this token on the server (an expired or revoked one needs nothing)."""
        self.request("POST", f"{API}/auth/logout", ok=(204, 401))

    def change_password(self, old_password: str, new_password: str) -> None:
        """Change the logged-in user's password; the server revokes the user's other tokens."""
        body = {"old_password": old_password, "new_password": new_password}
        self.request("POST", f"{API}/auth/password", ok=(204,), json=body)

    def claim_device(self, client_id: str, file_nonce: str | None, next_nonce: str) -> bool:
        """Tell the server which copy of the store syncs under ``client_id`` (raises DeviceCopied).

        False: the server predates this check (404), nothing was claimed.
        """
        body = {"client_id": client_id, "file_nonce": file_nonce, "next_nonce": next_nonce}
        resp = self.request("POST", f"{API}/sync/device", sync=True, ok=(200, 404), json=body)
        return resp.status_code == 200

    def push(self, changes: list[dict], client_id: str | None = None) -> dict:
        return self._json("POST", f"{API}/sync/push", sync=True, json={"client_id": client_id, "changes": changes})

    def pull(self, cursor: str | None, limit: int) -> dict:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return self._json("GET", f"{API}/sync/pull", sync=True, params=params)

    def get_record(self, uuid: str) -> dict | None:
        resp = self.request("GET", f"{API}/records/{uuid}", ok=(200, 404))
        return resp.json() if resp.status_code == 200 else None

    def resolve_conflict(self, conflict_id: int, resolution: str, value: Any = None) -> dict | None:
        resp = self.request(
            "POST",
            f"{API}/conflicts/{int(conflict_id)}/resolve",
            sync=True,
            ok=(200, 404, 409),
            json={"resolution": resolution, "value": value},
        )
        return resp.json() if resp.status_code == 200 else None

    def upload_status(self, sha256: str) -> dict:
        return self._json("GET", f"{API}/blobs/{sha256}/upload")

    def put_chunk(self, sha256: str, data: bytes, start: int, total: int) -> dict:
        end = start + len(data) - 1
        resp = self.request(
            "PUT", f"{API}/blobs/{sha256}", ok=(200, 201, 202, 409), data=data,
            headers={"Content-Type": "application/octet-stream", "Content-Range": f"bytes {start}-{end}/{total}"},
        )  # fmt: skip
        body = resp.json()
        if resp.status_code == 409:
            return {"complete": False, "offset": int(body.get("offset") or 0), "mismatch": True}
        return body

    def finish_upload(self, sha256: str, total: int) -> dict:
        """Ask the server to check and keep an upload whose bytes it all holds (an empty PUT, ``bytes */TOTAL``).

        Returns the upload status; ``complete`` False with the server's ``offset`` when it holds another
        count. A 422 ``hash-mismatch`` (the server discarded what it had) is raised as ProblemAnswer.
        """
        resp = self.request(
            "PUT", f"{API}/blobs/{sha256}", ok=(200, 201, 409), data=b"",
            headers={"Content-Type": "application/octet-stream", "Content-Range": f"bytes */{int(total)}"},
        )  # fmt: skip
        body = resp.json()
        if resp.status_code == 409:
            return {"complete": False, "offset": int(body.get("offset") or 0)}
        return body

    def iter_blob(self, sha256: str, chunk: int = 1 << 16) -> Iterator[bytes]:
        resp = self.request("GET", f"{API}/blobs/{sha256}", stream=True)
        try:
            yield from resp.iter_content(chunk)
        finally:
            resp.close()
