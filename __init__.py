"""Shuibao 水保巡检: QGIS plugin entry point. Only classFactory lives here."""

from __future__ import annotations


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    from .plugin import ShuibaoPlugin

    return ShuibaoPlugin(iface)
