"""Keep resources/i18n/shuibao_zh_CN.ts in step with the code.

    python tools/i18n.py update   # add new tr() strings to the .ts (unfinished), drop vanished ones
    python tools/i18n.py check    # exit 1 and list the strings without a translation

Every user-visible string in the plugin goes through ``tr("English source")`` (context
``Shuibao``, see ui/__init__.py). pylupdate5 would take the enclosing class as the context of a
plain ``tr()`` call, so the strings are collected here with the ``ast`` module instead: the
first argument of every call to a function or method named ``tr`` that is a string literal.
Field labels and enumerations are not here: they come from the model in both languages.
"""

from __future__ import annotations

import ast
import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own file, not untrusted input
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "i18n" / "shuibao_zh_CN.ts"
CONTEXT = "Shuibao"
SOURCES = ("plugin.py", "__init__.py", "settings.py", "ui", "layers", "sync", "reports", "importer")


def plugin_sources(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = root / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [f for f in files if f.is_file()]


def _is_tr(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "tr") or (isinstance(func, ast.Attribute) and func.attr == "tr")


def source_strings(root: Path = ROOT) -> dict[str, str]:
    """English source string -> "file:line" of its first use."""
    found: dict[str, str] = {}
    for path in plugin_sources(root):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_tr(node.func) and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, f"{path.relative_to(root)}:{node.lineno}")
    return found


def read_ts(path: Path = TS) -> dict[str, str]:
    """source -> translation ("" when unfinished)."""
    if not path.is_file():
        return {}
    tree = ET.parse(path)  # noqa: S314 - our own file
    out: dict[str, str] = {}
    for message in tree.getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        done = translation is not None and translation.get("type") not in ("unfinished", "vanished", "obsolete")
        out[source] = (translation.text or "") if done else ""
    return out


def write_ts(translations: dict[str, str], locations: dict[str, str], path: Path = TS) -> None:
    ts = ET.Element("TS", version="2.1", language="zh_CN", sourcelanguage="en")
    context = ET.SubElement(ts, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source in sorted(
        locations, key=lambda s: (locations[s].rsplit(":", 1)[0], int(locations[s].rsplit(":", 1)[1]))
    ):
        message = ET.SubElement(context, "message")
        file, line = locations[source].rsplit(":", 1)
        ET.SubElement(message, "location", filename=file, line=line)
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        if translations.get(source):
            translation.text = translations[source]
        else:
            translation.set("type", "unfinished")
    ET.indent(ts, space="    ")
    body = ET.tostring(ts, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")


def missing(root: Path = ROOT, path: Path = TS) -> list[str]:
    translations = read_ts(path)
    return [s for s in source_strings(root) if not translations.get(s)]


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        locations = source_strings()
        old = read_ts()
        write_ts(old, locations)
        gone = sorted(set(old) - set(locations))
        print(f"{TS.relative_to(ROOT)}: {len(locations)} strings, {len(missing())} without translation"
              + (f", dropped {len(gone)} no longer used" if gone else ""))  # fmt: skip
        return 0
    if command == "check":
        todo = missing()
        locations = source_strings()
        for source in todo:
            print(f"{locations[source]}: {source!r}")
        print(f"{len(todo)} of {len(locations)} strings without a zh_CN translation")
        return 1 if todo else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
