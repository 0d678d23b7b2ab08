"""``shuibao:sync`` through processing.run (pytest-qgis) and, when possible, qgis_process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shuibao_sync_harness as h


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    srv = h.Server(tmp_path / "server")
    srv.add_user("ann")
    srv.add_user("bob")
    srv.start()
    yield srv
    srv.stop()


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


def test_qgis_process_runs_the_plugin_algorithm(server, tmp_path):
    """What an office scripts: the installed plugin's algorithm through qgis_process.bin.

    Debian's ``qgis_process`` wrapper passes ``--noversioncheck``, which 3.22 rejects: call the binary."""
    import os
    import shutil
    import subprocess

    binary = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"
    if not Path(binary).exists():
        pytest.skip("qgis_process.bin is not installed")
    config = tmp_path / "qgis-config"
    (config / "profiles" / "default" / "QGIS").mkdir(parents=True)
    (config / "profiles" / "default" / "QGIS" / "QGIS3.ini").write_text("[PythonPlugins]\nshuibao=true\n")
    import shuibao

    plugin_path = Path(shuibao.__file__).resolve().parent
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen")
    links = tmp_path / "plugins"
    links.mkdir()
    (links / "shuibao").symlink_to(plugin_path)  # the plugin folder must be called shuibao
    env["QGIS_PLUGINPATH"] = str(links)

    s1, s2 = h.new_store(tmp_path / "a.gpkg"), h.new_store(tmp_path / "b.gpkg")
    d = h.dam(name="脚本坝")
    s1.insert_records("dam", [d])

    def run(store, user, password):
        argv = [binary, "--json", "run", "shuibao:sync", "--", f"STORE={store.path}", f"SERVER_URL={server.url}",
                f"USERNAME={user}", f"PASSWORD={password}"]  # fmt: skip
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603

    done = run(s1, "ann", h.PASSWORD)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout[done.stdout.index("{") :])["results"]
    assert out["SENT"] == 1 and out["ERRORS"] == ""
    done = run(s2, "bob", h.PASSWORD)
    assert done.returncode == 0, done.stderr[-2000:]
    assert s2.get_record("dam", d["uuid"])["name"] == "脚本坝"
    refused = run(s2, "bob", "wrong-password")
    assert refused.returncode != 0 and "用户名或密码错误" in (refused.stdout + refused.stderr)
