"""The app factory: settings, database engine and photo store in, a FastAPI app out.

`uvicorn shuibao_server.app:create_app --factory` (what `shuibao-server serve` runs) builds it
from the `SHUIBAO_*` environment; tests pass their own settings and engine.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI

from . import API_VERSION, db
from .api.errors import install_error_handlers
from .api.main import api_router
from .api.openapi import DESCRIPTION, install_openapi
from .blobs.store import FolderBlobStore
from .config import Settings


def create_app(settings: Settings | None = None, engine: sa.Engine | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Shuibao sync API (水保巡检同步接口)",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        generate_unique_id_function=lambda route: route.name,  # operationIds: the route functions' names
    )
    app.state.settings = settings
    app.state.engine = engine or db.make_engine(settings.url)
    app.state.store = FolderBlobStore(settings.blob_dir)
    install_error_handlers(app)
    app.include_router(api_router)
    install_openapi(app)
    return app
