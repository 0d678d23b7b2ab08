"""Model version compatibility between a client and a server."""

from __future__ import annotations

import re

from .definition import MODEL_VERSION


class IncompatibleModel(Exception):
    """The two sides speak different model versions; nothing may be exchanged."""

    def __init__(self, client: str, server: str):
        self.client, self.server = client, server
        super().__init__(
            f"model version mismatch: client {client}, server {server} "
            f"(客户端数据模型版本 {client} 与服务器 {server} 不兼容，请升级插件或服务器)"
        )


_VERSION = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}")


def parse(version: str) -> tuple[int, int]:
    """(major, minor) of "MAJOR.MINOR" (ASCII digits only: "1.-1" or "1.٢" is no version)."""
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise ValueError(f"not a model version: {version!r}")
    major, minor = version.split(".")
    return int(major), int(minor)


def is_compatible(client: str, server: str = MODEL_VERSION) -> bool:
    """Same major version, and the server knows at least every field of the client's minor."""
    try:
        c, s = parse(client), parse(server)
    except (ValueError, AttributeError):
        return False
    return c[0] == s[0] and c[1] <= s[1]


def check_compatible(client: str, server: str = MODEL_VERSION) -> None:
    if not is_compatible(client, server):
        raise IncompatibleModel(client, server)
