"""``shuibao_threshold(county_code, name)``: the threshold in force in a county, in QGIS expressions.

The forms' derived fields (dam scale, 崩岗 size class, erosion intensity) compare against thresholds
that differ by region. Rather than baking one county's numbers into the layer's expressions when
the store is opened, they call this function, which reads the set the sync last delivered for the
record's county (layers.thresholds): a record of any county, and a set delivered after the form
was configured, compute right.
"""

from __future__ import annotations

from qgis.core import QgsExpression, QgsExpressionFunction

from . import thresholds

FUNCTION = "shuibao_threshold"
_registered: list[QgsExpressionFunction] = []  # a reference keeps the Python object alive


class _Threshold(QgsExpressionFunction):
    def __init__(self):
        super().__init__(
            FUNCTION, 2, "Shuibao",
            "<h3>shuibao_threshold(county_code, name)</h3>The value of a Shuibao threshold in force in a county "
            "(e.g. 'tolerable_loss'), as the server last delivered it, or the region's built-in value.",
        )  # fmt: skip

    def func(self, values, context, parent, node):  # noqa: ARG002 - QGIS signature
        county, name = values
        t = thresholds.of(str(county) if county else None)
        try:
            return t[str(name)]
        except KeyError:
            parent.setEvalErrorString(f"unknown threshold: {name}")
            return None

    def usesGeometry(self, node) -> bool:  # noqa: N802 - QGIS API
        return False

    def handlesNull(self) -> bool:  # noqa: N802 - QGIS API
        return True


def register() -> None:
    """Make the function known to QGIS (once; opening a store calls it)."""
    if not _registered and not _known():
        fn = _Threshold()
        if QgsExpression.registerFunction(fn):
            _registered.append(fn)


def _known() -> bool:
    return any(f.name() == FUNCTION for f in QgsExpression.Functions())


def unregister() -> None:
    if _registered:
        QgsExpression.unregisterFunction(FUNCTION)
        _registered.clear()
