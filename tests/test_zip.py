"""The plugin zip builds from pb_tool.cfg, holds only the plugin, and loads in QGIS from where it is unzipped."""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from pathlib import Path

import pytest
from qgis.PyQt.QtWidgets import QDockWidget

FORBIDDEN = ("server/", "tests/", "bench/", "tools/", "docs/", ".ci/", "build/", ".venv/", "dist/")


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory, tool):
    build_zip = tool("build_zip")
    return build_zip.build(tmp_path_factory.mktemp("dist"))


def test_zip_members(plugin_zip):
    assert plugin_zip.name == "shuibao-0.1.0.zip"
    with zipfile.ZipFile(plugin_zip) as zf:
        names = zf.namelist()
    assert all(n.startswith("shuibao/") for n in names)
    inner = [n[len("shuibao/") :] for n in names]
    for required in ("__init__.py", "plugin.py", "metadata.txt", "LICENSE", "settings.py", "model/definition.py",
                     "layers/project.py", "ui/docks.py", "ui/object_dock.ui", "resources/icons/shuibao.svg",
                     "resources/i18n/shuibao_zh_CN.qm", "docs/guide/index.md"):  # fmt: skip
        assert required in inner, required
    assert not [n for n in inner if n.startswith(FORBIDDEN) and not n.startswith("docs/guide/")]
    guide = Path(__file__).resolve().parent.parent / "docs" / "guide"
    pictures = {m for page in guide.glob("*.md") for m in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text())}
    assert pictures and {f"docs/guide/{p}" for p in pictures} <= set(inner)  # the guide's screenshots come along
    assert not [n for n in inner if "__pycache__" in n or n.endswith((".pyc", ".ts")) or "/." in "/" + n]


def test_zip_loads_in_qgis(plugin_zip, tmp_path, iface, flush_deletes):
    plugins_dir = tmp_path / "python" / "plugins"
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(plugins_dir)
    folder = plugins_dir / "shuibao"
    # `shuibao` is already imported from the checkout: load the unzipped copy under another name.
    name = "shuibao_unzipped"
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        plugin = module.classFactory(iface)
        assert sys.modules[f"{name}.plugin"].__file__.startswith(str(folder))
        plugin.initGui()
        docks = {d.objectName() for d in iface.mainWindow().findChildren(QDockWidget)}
        assert {"ShuibaoDamDock", "ShuibaoPatchDock", "ShuibaoWatershedDock"} <= docks
        help_action = next(a for a in iface.plugin_menus["Shuibao 水保巡检"].actions()
                           if a.objectName() == "ShuibaoHelpAction")  # fmt: skip
        help_action.trigger()  # 帮助 opens the guide that came in the zip
        assert plugin.help_dialog.page().startswith(str(folder / "docs" / "guide"))
        assert "水保巡检" in plugin.help_dialog.browser.toPlainText()
        plugin.unload()
        flush_deletes()
        assert not [d for d in iface.mainWindow().findChildren(QDockWidget) if d.objectName().startswith("Shuibao")]
    finally:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
