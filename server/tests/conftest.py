"""Fixtures: every server test runs on SQLite and on PostgreSQL + PostGIS.

The PostgreSQL cluster is a throwaway one started once per session (as the postgres OS
user when we are root); each test gets a fresh database cloned from a migrated template.
"""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shuibao_server import db
from shuibao_server.app import create_app
from shuibao_server.config import Settings
from shuibao_server.testing.helpers import Api
from shuibao_server.testing.pg import PgCluster, pg_bin

_counter = itertools.count()


def _register_files() -> None:
    """`import register_files` gives tools/register_samples.py, as in the plugin's tests (the same files)."""
    if "register_files" not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "tools" / "register_samples.py"
        spec = importlib.util.spec_from_file_location("register_files", path)
        sys.modules["register_files"] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


_register_files()


@pytest.fixture(scope="session")
def pg_cluster():
    if pg_bin() is None:
        pytest.skip("PostgreSQL binaries not installed")
    cluster = PgCluster().start()
    try:
        url = cluster.create_database("shuibao_tpl")
        engine = db.make_engine(url)
        db.migrate(engine)
        engine.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgis"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path):
    """A fresh, migrated database of the backend under test."""
    if backend == "sqlite":
        path = tmp_path / "shuibao.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = f"t{next(_counter)}"
        yield cluster.create_database(name, template="shuibao_tpl")
        cluster.drop_database(name)


@pytest.fixture
def empty_database_url(backend, request, tmp_path):
    """A fresh database without any migration applied (PostGIS extension only)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = f"e{next(_counter)}"
        yield cluster.create_database(name)
        cluster.drop_database(name)


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, max_photo_bytes=200_000)


@pytest.fixture
def engine(settings):
    eng = db.make_engine(settings.url, pool_size=5)
    yield eng
    eng.dispose()


@pytest.fixture
def app(settings, engine):
    return create_app(settings, engine)


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def api(client, engine) -> Api:
    return Api(client, engine)
