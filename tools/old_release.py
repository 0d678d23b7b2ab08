"""Build the plugin zip of an older release from git, as a laptop in the field has it installed.

    .venv/bin/python tools/old_release.py REV [--out tests/data]

The upgrade test (tests/test_upgrade.py) runs that plugin's own code: it makes a store with unsent
edits, is refused by the upgraded server, and the current plugin then opens the store and pushes
the queue. The zip is built by the old revision's own tools/build_zip.py and named after its model
version (``shuibao-model-1.1.zip``). Rebuild it when the previous release changes.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def model_version(tree: Path) -> str:
    text = (tree / "model" / "definition.py").read_text(encoding="utf-8")
    found = re.search(r'^MODEL_VERSION = "([0-9]+\.[0-9]+)"', text, re.M)
    if not found:
        raise SystemExit("no MODEL_VERSION in that revision")
    return found.group(1)


def build(rev: str, out: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout  # noqa: S603, S607
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)  # noqa: S603, S607
        dist = Path(tmp) / "dist"
        subprocess.run([sys.executable, "tools/build_zip.py", "--out", str(dist)], cwd=tree, check=True)  # noqa: S603
        [made] = dist.glob("*.zip")
        target = out / f"shuibao-model-{model_version(tree)}.zip"
        out.mkdir(parents=True, exist_ok=True)
        target.write_bytes(made.read_bytes())
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the git revision of the release, e.g. a merge commit of main")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data")
    args = parser.parse_args()
    print(build(args.rev, args.out))


if __name__ == "__main__":
    main()
