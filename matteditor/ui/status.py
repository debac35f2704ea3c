"""The status bar: messages, progress and Cancel, the photo's size and zoom, the
view's note (what the view shows when that is not what its name promises), and a
warning that stays while crash protection (the autosave) is off."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton

from .recovery import RecoveryStore

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
        self.autosave_label = QLabel("")   # shown while autosave fails
        self.autosave_label.setStyleSheet("color: #ff8a80; font-weight: bold")
        for w in (self.progress, self.cancel_button, self.autosave_label):
            w.hide()
        for w in (self.autosave_label, self.progress, self.cancel_button, self.size_label,
                  self.zoom_label):
            self.bar.addPermanentWidget(w)
        self._note = ""

    def watch_autosave(self, recovery: RecoveryStore) -> None:
        """Say in the status bar, until it works again, that autosave fails and why."""
        recovery.problem.connect(self.set_autosave_problem,
                                 Qt.ConnectionType.QueuedConnection)  # from its thread

    def set_autosave_problem(self, reason: str) -> None:
        """Say that crash protection is off because of ``reason`` until it works again
        (""): the label stays, the message explains."""
        text = (f"Crash protection is off: the autosave failed ({reason}). Save the project "
                "(Ctrl+S) to keep your work.") if reason else ""
        self.autosave_label.setText(f"Crash protection off: {reason}" if reason else "")
        self.autosave_label.setToolTip(text)
        self.autosave_label.setVisible(bool(reason))
        if reason:
            self.bar.showMessage(text)

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
