"""Make the checkout importable as `shuibao`, whatever its folder is called.

Writes build/importroot/shuibao -> the checkout, and a .pth file in the venv pointing at
build/importroot. No sys.path changes at run time. (An installed server does not need this:
its wheel carries the shared packages as `shuibao.model`, see server/pyproject.toml.)
"""

from __future__ import annotations

import site
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
link_dir = root / "build" / "importroot"
link_dir.mkdir(parents=True, exist_ok=True)
link = link_dir / "shuibao"
if link.is_symlink() or link.exists():
    link.unlink()
link.symlink_to(root, target_is_directory=True)
site_dir = Path(site.getsitepackages()[0]) if sys.prefix != sys.base_prefix else None
if site_dir is None:
    sys.exit("run this with the venv's python")
(site_dir / "shuibao-dev.pth").write_text(str(link_dir) + "\n")
print(f"shuibao -> {root} (via {site_dir / 'shuibao-dev.pth'})")
