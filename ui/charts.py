"""A horizontal bar chart drawn with QPainter, for the statistics panel (no DataPlotly needed).

One row per category, one bar per series in it, the value written at the end of each bar; an
optional reference line (100 % for targets). Colours may be given per bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from qgis.PyQt.QtCore import QRectF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QFontMetricsF, QPainter, QPen
from qgis.PyQt.QtWidgets import QSizePolicy, QWidget

BAR = 11.0  # px per bar
GAP = 7.0  # px between categories


@dataclass
class Series:
    label: str
    colour: str
    values: list[float | None]
    colours: list[str] = field(default_factory=list)  # per bar, overriding ``colour``
    texts: list[str] = field(default_factory=list)  # written at the bar's end instead of the value


class BarChart(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = ""
        self.categories: list[str] = []
        self.series: list[Series] = []
        self.reference: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(260)

    def set_data(self, title: str, categories: Sequence[str], series: Sequence[Series],
                 reference: float | None = None) -> None:  # fmt: skip
        self.title, self.categories, self.series, self.reference = title, list(categories), list(series), reference
        self.setFixedHeight(int(self.sizeHint().height()))
        self.update()

    def bar_count(self) -> int:
        return sum(1 for s in self.series for v in s.values if v is not None)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        rows = len(self.categories) * (len(self.series) * BAR + GAP)
        return QSize(360, int(rows + 44))

    def _scale(self) -> float:
        values = [v for s in self.series for v in s.values if v is not None]
        top = max(values + [self.reference or 0.0, 1e-9])
        return top * 1.08

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        metrics = QFontMetricsF(self.font())
        painter.setPen(QColor("#202020"))
        painter.drawText(QRectF(6, 2, self.width() - 12, 18), int(Qt.AlignmentFlag.AlignLeft), self.title)
        self._legend(painter, metrics)
        label_w = min(max((metrics.horizontalAdvance(c) for c in self.categories), default=0) + 10, self.width() * 0.4)
        left, top = 6 + label_w, 24.0
        texts = [t for i in range(len(self.categories)) for t in self._texts(i)]
        right = self.width() - 8 - max((metrics.horizontalAdvance(t) for t in texts), default=0)  # room for the text
        scale = (right - left) / self._scale()
        y = top
        for i, category in enumerate(self.categories):
            height = len(self.series) * BAR
            painter.setPen(QColor("#202020"))
            painter.drawText(QRectF(6, y, label_w - 8, height), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             metrics.elidedText(category, Qt.TextElideMode.ElideRight, label_w - 8))  # fmt: skip
            for j, s in enumerate(self.series):
                value = s.values[i] if i < len(s.values) else None
                bar_y = y + j * BAR + 1
                if value is not None:
                    colour = s.colours[i] if i < len(s.colours) else s.colour
                    painter.fillRect(QRectF(left, bar_y, max(value * scale, 1.0), BAR - 2), QColor(colour))
                    text = self._text(s, i)
                    painter.setPen(QColor("#303030"))
                    painter.drawText(QRectF(left + value * scale + 4, bar_y - 2, 200, BAR + 2),
                                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)  # fmt: skip
            y += height + GAP
        if self.reference is not None:
            x = left + self.reference * scale
            painter.setPen(QPen(QColor("#555555"), 1, Qt.PenStyle.DashLine))
            painter.drawLine(int(x), int(top - 2), int(x), int(y - GAP + 2))
        painter.setPen(QColor("#9e9e9e"))
        painter.drawLine(int(left), int(top - 2), int(left), int(y - GAP + 2))
        painter.end()

    @staticmethod
    def _text(s: Series, i: int) -> str:
        return s.texts[i] if i < len(s.texts) else f"{s.values[i]:g}"

    def _texts(self, i: int) -> list[str]:
        return [self._text(s, i) for s in self.series if i < len(s.values) and s.values[i] is not None]

    def _legend(self, painter: QPainter, metrics: QFontMetricsF) -> None:
        if len(self.series) < 2:
            return
        x = self.width() - 6
        for s in reversed(self.series):
            w = metrics.horizontalAdvance(s.label)
            x -= w
            painter.setPen(QColor("#202020"))
            painter.drawText(QRectF(x, 2, w + 2, 18), int(Qt.AlignmentFlag.AlignLeft), s.label)
            x -= 14
            painter.fillRect(QRectF(x, 6, 10, 10), QColor(s.colour))
            x -= 10
