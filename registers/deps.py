"""The third-party libraries an import needs, imported on demand with a clear message when missing.

QGIS runs on the system's Python: on Debian/Ubuntu the libraries come from apt
(``tools/setup_system.sh``), on Windows from the OSGeo4W installer. Never installed at run time.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import ImportFailure

# module -> (Debian package, OSGeo4W package)
PACKAGES = {
    "geopandas": ("python3-geopandas", "python3-geopandas"),
    "pandas": ("python3-pandas", "python3-pandas"),
    "pyproj": ("python3-pyproj", "python3-pyproj"),
    "shapely": ("python3-shapely", "python3-shapely"),
    "openpyxl": ("python3-openpyxl", "python3-openpyxl"),
    "xlrd": ("python3-xlrd", "python3-xlrd"),
}


class MissingLibrary(ImportFailure):
    def __init__(self, module: str):
        debian, osgeo4w = PACKAGES.get(module, (f"python3-{module}", f"python3-{module}"))
        super().__init__(
            f"导入登记数据需要 Python 库 {module}，当前环境没有安装。"
            f"Debian/Ubuntu：sudo apt install {debian}；Windows：用 OSGeo4W 安装程序安装 {osgeo4w}，然后重启 QGIS。",
            f"Importing registers needs the Python library {module}, which is not installed. "
            f"Debian/Ubuntu: sudo apt install {debian}; Windows: install {osgeo4w} with the OSGeo4W installer, "
            "then restart QGIS.",
        )
        self.module = module


def need(module: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingLibrary`."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingLibrary(module.split(".")[0]) from None


def available(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
