"""``shuibao:sync`` through processing.run (pytest-qgis) and, when possible, qgis_process."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest


def _harness():
    name = "shuibao_sync_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("sync_harness.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


h = _harness()


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    srv = h.Server(tmp_path / "server")
    srv.add_user("ann")
    srv.add_user("bob")
    srv.start()
    yield srv
    srv.stop()


PLUGINS = "/usr/share/qgis/python/plugins"


@pytest.fixture
def provider(qgis_app):
    if not Path(PLUGINS, "processing").is_dir():
        pytest.skip("the QGIS processing plugin is not installed")
    if PLUGINS not in sys.path:
        sys.path.append(PLUGINS)
    from processing.core.Processing import Processing
    from shuibao.sync.processing import register_provider, unregister_provider

    Processing.initialize()
    prov = register_provider()
    yield prov
    unregister_provider()


def test_processing_sync(server, provider, tmp_path):
    import processing

    s1, s2 = h.new_store(tmp_path / "a.gpkg"), h.new_store(tmp_path / "b.gpkg")
    d = h.dam(name="处理坝")
    s1.insert_records("dam", [d])
    out = processing.run("shuibao:sync", {"STORE": str(s1.path), "SERVER_URL": server.url, "USERNAME": "ann",
                                          "PASSWORD": h.PASSWORD})  # fmt: skip
    assert out["SENT"] == 1 and out["ERRORS"] == ""
    out2 = processing.run("shuibao:sync", {"STORE": str(s2.path), "SERVER_URL": server.url, "USERNAME": "bob",
                                           "PASSWORD": h.PASSWORD})  # fmt: skip
    assert out2["RECEIVED"] == 1 and json.loads(out2["SUMMARY"])["received"] == 1
    assert s2.get_record("dam", d["uuid"])["name"] == "处理坝"


def test_processing_bad_password(server, provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    s1 = h.new_store(tmp_path / "a.gpkg")
    with pytest.raises(QgsProcessingException) as err:
        processing.run("shuibao:sync", {"STORE": str(s1.path), "SERVER_URL": server.url, "USERNAME": "ann",
                                        "PASSWORD": "wrong-password"})  # fmt: skip
    assert "用户名或密码错误" in str(err.value)


def test_provider_unregisters(provider):
    from qgis.core import QgsApplication
    from shuibao.sync.processing import unregister_provider

    assert QgsApplication.processingRegistry().algorithmById("shuibao:sync") is not None
    unregister_provider()
    assert QgsApplication.processingRegistry().providerById("shuibao") is None
