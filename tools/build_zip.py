"""Build dist/shuibao-<version>.zip for QGIS's "Install from ZIP", from the lists in pb_tool.cfg.

    .venv/bin/python tools/build_zip.py [--out DIR]

Releases the .ts translations to .qm with `lrelease` first. Everything goes under the top
folder named in pb_tool.cfg (`shuibao/`); server/, tests/, bench/, tools/, docs/ (but for the user
guide, docs/guide/, which the 帮助 menu opens offline) and generated files never do, because only
the listed files and folders are read.
"""

from __future__ import annotations

import argparse
import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCLUDED_DIRS = {"__pycache__", ".git", ".ruff_cache", ".mypy_cache", ".pytest_cache"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo", ".ts", ".orig", ".rej", ".swp"}
# Never shipped, whatever pb_tool.cfg says.
FORBIDDEN_TOP = {"server", "tests", "bench", "tools", "docs", ".ci", "build", "dist", ".venv"}
SHIPPED_DOCS = ("docs", "guide")  # the user guide, read offline by the plugin's 帮助 window


def read_config(root: Path = ROOT) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(root / "pb_tool.cfg", encoding="utf-8")
    return parser


def _list(parser: configparser.ConfigParser, key: str) -> list[str]:
    return parser.get("files", key, fallback="").split()


def plugin_version(root: Path = ROOT) -> str:
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(root / "metadata.txt", encoding="utf-8")
    return meta["general"]["version"]


def lrelease() -> str:
    for name in ("lrelease", "lrelease-qt5"):
        found = shutil.which(name)
        if found:
            return found
    qt_bin = Path("/usr/lib/qt5/bin/lrelease")
    if qt_bin.exists():
        return str(qt_bin)
    raise SystemExit("lrelease not found: install qttools5-dev-tools")


def release_translations(root: Path = ROOT) -> list[Path]:
    """Compile every .ts listed under `locales` to a .qm next to it."""
    parser = read_config(root)
    released = []
    for ts in _list(parser, "locales"):
        source = root / ts
        target = source.with_suffix(".qm")
        subprocess.run([lrelease(), "-silent", str(source), "-qm", str(target)], check=True)  # noqa: S603
        released.append(target)
    return released


def _wanted(path: Path) -> bool:
    if any(part in EXCLUDED_DIRS or part.startswith(".") for part in path.parts):
        return False
    return path.suffix not in EXCLUDED_SUFFIXES


def member_files(root: Path = ROOT) -> list[Path]:
    """Paths (relative to the plugin folder) that go into the zip, sorted."""
    parser = read_config(root)
    files: set[Path] = set()
    for key in ("python_files", "main_dialog", "compiled_ui_files", "resource_files", "extras"):
        for name in _list(parser, key):
            path = root / name
            if not path.is_file():
                raise SystemExit(f"pb_tool.cfg lists {name}, which does not exist")
            files.add(Path(name))
    for name in _list(parser, "extra_dirs"):
        base = root / name
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(root)
            if path.is_file() and _wanted(rel):
                files.add(rel)
    bad = sorted(str(f) for f in files if f.parts[0] in FORBIDDEN_TOP and f.parts[:2] != SHIPPED_DOCS)
    if bad:
        raise SystemExit(f"refusing to ship {bad}")
    return sorted(files)


def build(out_dir: Path | None = None, root: Path = ROOT) -> Path:
    release_translations(root)
    parser = read_config(root)
    name = parser.get("plugin", "name", fallback="shuibao")
    out_dir = out_dir or root / "dist"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}-{plugin_version(root)}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in member_files(root):
            zf.write(root / rel, f"{name}/{rel.as_posix()}")
    tmp.replace(target)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    target = build(args.out)
    with zipfile.ZipFile(target) as zf:
        count = len(zf.namelist())
    print(f"{target} ({count} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
