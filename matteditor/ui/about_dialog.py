"""Help ▸ About: the version, the terms of distribution and the bundled components' licences."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QSplitter, QVBoxLayout, QWidget)

from .. import __version__, notices


class AboutDialog(QDialog):
    """The terms, a list of components with their licence names, and the selected one's text."""

    def __init__(self, components: tuple[notices.Component, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About matteditor")
        self.components = components
        title = QLabel(f"<h3>matteditor {__version__}</h3>An image-matting editor.")
        self.terms = QLabel(html.escape(notices.DISTRIBUTION_TERMS).replace("\n\n", "<br><br>"))
        self.terms.setTextFormat(Qt.TextFormat.RichText)
        self.terms.setWordWrap(True)
        self.terms.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list = QListWidget()
        for c in components:
            item = QListWidgetItem(f"{c.name} {c.version} — {c.license}")
            item.setToolTip(c.url or c.license)
            self.list.addItem(item)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.list.currentRowChanged.connect(self.show_license)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.list)
        split.addWidget(self.text)
        split.setSizes([200, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.terms)
        layout.addWidget(QLabel("Components and their licences (select one to read it):"))
        layout.addWidget(split, 1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        if not components:
            self.text.setPlainText("The licence notices could not be found; see the log.")
        else:
            self.list.setCurrentRow(0)
        self.resize(760, 720)

    def show_license(self, row: int) -> None:
        """Show the licence text of the component in ``row``."""
        if 0 <= row < len(self.components):
            self.text.setPlainText(self.components[row].text())
            self.text.moveCursor(self.text.textCursor().MoveOperation.Start)


def show_about(parent: QWidget) -> AboutDialog:
    """Open the About box (non-modal, deleted when closed) over ``parent``."""
    dialog = AboutDialog(notices.components(), parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
