"""The server's settings: one validated class, read from `SHUIBAO_*` variables (and the CLI).

Zero configuration works: SQLite and photos in `./shuibao-data`. A bad value (say
`SHUIBAO_MAX_BATCH=lots`) stops the server at start with a clear message instead of later.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MB = 1024 * 1024


class Settings(BaseSettings):
    """Every setting has an environment variable: the field name upper-cased after `SHUIBAO_`."""

    # An empty variable means "the default", as before pydantic-settings.
    model_config = SettingsConfigDict(env_prefix="SHUIBAO_", env_ignore_empty=True, extra="ignore")

    data_dir: Path = Path("./shuibao-data")
    database_url: str | None = Field(default=None, description="default: SQLite in the data dir")
    blob_dir: Path | None = Field(default=None, description="default: <data_dir>/blobs")
    max_photo_bytes: int = Field(default=20 * MB, gt=0)
    token_ttl_days: int = Field(default=90, gt=0)
    max_batch: int = Field(default=1000, gt=0)
    max_page: int = Field(default=5000, gt=0)
    max_body_bytes: int = Field(default=32 * MB, gt=0)
    max_vertices: int = Field(default=100_000, gt=0)
    # Login throttling (throttle.py): free failures, then waits of 1 s doubling up to the cap.
    login_free_per_address: int = Field(default=5, gt=0)
    login_max_wait_address: float = Field(default=900, gt=0, description="seconds")
    login_free_per_account: int = Field(default=10, gt=0)
    login_max_wait_account: float = Field(default=60, gt=0, description="seconds; spares known devices")
    login_forget_after: float = Field(default=3600, gt=0, description="seconds without a failure")

    @model_validator(mode="after")
    def _blob_dir_default(self) -> Settings:
        if self.blob_dir is None:
            self.blob_dir = self.data_dir / "blobs"
        return self

    @property
    def url(self) -> str:
        """The database URL: the configured one, or a SQLite file in the data dir."""
        if self.database_url:
            url = self.database_url
            if url.startswith(("postgresql://", "postgres://")):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'shuibao.sqlite').resolve()}"
