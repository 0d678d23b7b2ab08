"""Settings from the environment (and the CLI), with zero-config defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("SHUIBAO_DATA_DIR", "./shuibao-data")))
    database_url: str | None = field(default_factory=lambda: os.environ.get("SHUIBAO_DATABASE_URL") or None)
    max_photo_bytes: int = field(default_factory=lambda: _int_env("SHUIBAO_MAX_PHOTO_BYTES", 20 * 1024 * 1024))
    token_ttl_days: int = field(default_factory=lambda: _int_env("SHUIBAO_TOKEN_TTL_DAYS", 90))
    max_batch: int = field(default_factory=lambda: _int_env("SHUIBAO_MAX_BATCH", 1000))
    max_page: int = field(default_factory=lambda: _int_env("SHUIBAO_MAX_PAGE", 5000))
    max_body_bytes: int = field(default_factory=lambda: _int_env("SHUIBAO_MAX_BODY_BYTES", 32 * 1024 * 1024))
    max_vertices: int = field(default_factory=lambda: _int_env("SHUIBAO_MAX_VERTICES", 100_000))
    blob_dir: Path | None = None

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.blob_dir is None:
            self.blob_dir = self.data_dir / "blobs"

    @property
    def url(self) -> str:
        """The database URL: the configured one, or a SQLite file in the data dir."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'shuibao.sqlite').resolve()}"
