"""The status bar: messages, progress and Cancel, the photo's size and zoom, and the
view's note (what the view shows when that is not what its name promises)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton

from .theme import icon
from ..views import ViewMode, view_note


class StatusArea:
    """The window's status bar.  The view note (:func:`matteditor.views.view_note`) is
    shown when it becomes true and taken away as soon as it is not, so a message
    such as "No background image yet" never outlives its cause."""

    def __init__(self, window: QMainWindow, cancel: Callable[[], None]) -> None:
        self.bar = window.statusBar()
        self.size_label = QLabel("")
        self.zoom_label = QLabel("")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton(icon("cancel"), "Cancel")
        self.cancel_button.clicked.connect(cancel)
        for w in (self.progress, self.cancel_button):
            w.hide()
        for w in (self.progress, self.cancel_button, self.size_label, self.zoom_label):
            self.bar.addPermanentWidget(w)
        self._note = ""

    def show(self, text: str) -> None:
        self.bar.showMessage(text)

    def show_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.bar.showMessage(message)

    def set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setValue(0)

    @property
    def note(self) -> str:
        return self._note

    def update_note(self, mode: ViewMode | None, has_matte: bool, has_background: bool) -> None:
        """Show the note for ``mode`` (None: no photo), or take the old one away."""
        note = view_note(mode, has_matte, has_background) if mode is not None else ""
        if note == self._note:
            return
        old, self._note = self._note, note
        if note:
            self.bar.showMessage(note)
        elif old and self.bar.currentMessage() == old:
            self.bar.clearMessage()
