"""What a dock shows while no store is open: the first minutes of a new user.

A new inspector has no store yet: the dock offers to connect to the server and download the
county (the login, then a first sync into a new store, then the docks fill), to open a store file
that is already on the laptop, or to read the guide. ``DockPages`` puts this panel and the dock's
own contents on a stack and shows the panel exactly while the project holds no Shuibao layer.
"""

from __future__ import annotations

from collections.abc import Callable

from qgis.core import QgsProject
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QFrame, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from ..layers.project import store_layers
from . import tr


class StartPanel(QFrame):
    """The panel for "no store is open": download the county, open a store file, or read the guide."""

    def __init__(self, on_download: Callable[[], object], on_open: Callable[[], object],
                 on_help: Callable[[], object], parent: QWidget | None = None):  # fmt: skip
        super().__init__(parent)
        self.setObjectName("ShuibaoStartPanel")
        text = QLabel(
            tr("<b>No Shuibao store is open.</b><br>First time on this computer? Connect to the server with the "
               "account the county centre gave you and download your county: the data stay on this computer "
               "for work in the field without network.<br>Already have a store file? Open it.")
        )  # fmt: skip
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.download_button = QPushButton(tr("Connect to the server and download my county…"))
        self.download_button.setObjectName("ShuibaoDownloadButton")
        self.open_button = QPushButton(tr("Open a store file…"))
        self.open_button.setObjectName("ShuibaoOpenButton")
        self.help_button = QPushButton(tr("Help"))
        self.help_button.setObjectName("ShuibaoStartHelpButton")
        self.download_button.clicked.connect(lambda _c=False: on_download())
        self.open_button.clicked.connect(lambda _c=False: on_open())
        self.help_button.clicked.connect(lambda _c=False: on_help())
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addSpacing(6)
        for button in (self.download_button, self.open_button, self.help_button):
            layout.addWidget(button)
        layout.addStretch(1)


class DockPages(QStackedWidget):
    """A dock's widget: its contents, or the start panel while no store is open in the project."""

    def __init__(self, dock, panel: StartPanel, project: QgsProject | None = None):
        super().__init__(dock)
        self.setObjectName(f"{dock.objectName()}Pages")
        self.dock, self.panel = dock, panel
        self.project = project or QgsProject.instance()
        self.contents = dock.widget()
        self.addWidget(self.contents)
        self.addWidget(panel)
        dock.setWidget(self)
        self._signals = (self.project.layersAdded, self.project.layersRemoved, self.project.cleared)
        for signal in self._signals:
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self, *_args) -> None:
        self.setCurrentWidget(self.panel if not store_layers(self.project) else self.contents)

    def showing_start(self) -> bool:
        return self.currentWidget() is self.panel

    def disconnect_all(self) -> None:
        for signal in self._signals:
            try:
                signal.disconnect(self.refresh)
            except (TypeError, RuntimeError):
                pass
