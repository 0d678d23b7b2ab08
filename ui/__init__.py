"""Widgets of the Shuibao plugin: docks and dialogs. Nothing here holds domain rules."""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt import uic
from qgis.PyQt.QtCore import QCoreApplication

UI_DIR = Path(__file__).resolve().parent
TR_CONTEXT = "Shuibao"


def tr(text: str) -> str:
    """Translate an English source string (context ``Shuibao``, see resources/i18n)."""
    return QCoreApplication.translate(TR_CONTEXT, text)


def load_ui(name: str):
    """The form class of a Designer file in ui/, loaded at run time (no generated code)."""
    form_class, _base = uic.loadUiType(str(UI_DIR / name))
    return form_class
