"""The 帮助 window: the short user guide (docs/guide/, Markdown with screenshots) read offline.

The guide ships inside the plugin folder, so it opens in the field without network. Qt renders
Markdown itself (QTextBrowser, Qt ≥ 5.14); links between the guide's pages and its images resolve
relative to the page, and links to the web open in the browser.
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QDesktopServices, QTextCursor
from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from . import tr

GUIDE_DIR = Path(__file__).resolve().parent.parent / "docs" / "guide"
INDEX = GUIDE_DIR / "index.md"


class HelpDialog(QDialog):
    """A browser over the guide's pages with Back, Home and Close."""

    def __init__(self, parent: QWidget | None = None, page: Path = INDEX):
        super().__init__(parent)
        self.setObjectName("ShuibaoHelpDialog")
        self.setWindowTitle(tr("Shuibao user guide"))
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("ShuibaoHelpBrowser")
        self.browser.setOpenLinks(False)  # Qt's Markdown has no heading anchors: links are followed here
        self.browser.anchorClicked.connect(self.follow)
        back = QPushButton(tr("Back"))
        home = QPushButton(tr("Contents"))
        back.clicked.connect(self.browser.backward)
        home.clicked.connect(lambda _c=False: self.show_page(INDEX))
        self.browser.backwardAvailable.connect(back.setEnabled)
        back.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(back)
        row.addWidget(home)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addLayout(row)
        self.resize(820, 680)
        self.show_page(page)

    def show_page(self, page: Path) -> None:
        if page.is_file():
            self.browser.setSource(QUrl.fromLocalFile(str(page)))
        else:
            self.browser.setPlainText(tr("The user guide is missing from this installation ({0}).").format(page))

    def follow(self, url: QUrl) -> None:
        """A link: to the web in the browser; to a heading of this page, scroll there; else another page."""
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
        elif url.hasFragment() and (not url.path() or url.path() == self.browser.source().path()):
            self.scroll_to_heading(url.fragment(QUrl.ComponentFormattingOption.FullyDecoded))
        else:
            self.browser.setSource(self.browser.source().resolved(url))

    def scroll_to_heading(self, title: str) -> bool:
        block = self.browser.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() and block.text().strip() == title:
                cursor = QTextCursor(block)
                self.browser.setTextCursor(cursor)
                bar = self.browser.verticalScrollBar()
                bar.setValue(bar.maximum())  # then back up, so that the heading lands at the top
                self.browser.ensureCursorVisible()
                return True
            block = block.next()
        return False

    def page(self) -> str:
        return self.browser.source().toLocalFile()
