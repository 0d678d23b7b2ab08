"""Build hook: put the code shared with the QGIS plugin into the server wheel as `shuibao.<name>`.

The shared packages live beside `server/` in the checkout (`../model`), and in an sdist under
`shared/`. An editable install adds nothing: there the checkout itself is `shuibao` (see
tools/dev_link.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

STUB = "shared/shuibao__init__.py"


class SharedPackagesHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        names = self.config.get("shared", [])
        root = Path(self.root)
        if self.target_name == "sdist":
            for name in names:
                build_data["force_include"][str(self._source(root, name))] = f"shared/{name}"
        elif self.target_name == "wheel" and version == "standard":
            build_data["force_include"][str(root / STUB)] = "shuibao/__init__.py"
            for name in names:
                build_data["force_include"][str(self._source(root, name))] = f"shuibao/{name}"

    @staticmethod
    def _source(root: Path, name: str) -> Path:
        for candidate in (root / "shared" / name, root.parent / name):
            if (candidate / "__init__.py").is_file():
                return candidate
        raise FileNotFoundError(f"shared package {name!r} not found beside server/ nor in shared/")
