"""The one place failed background work is shown to the user."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMessageBox

from ..errors import Failure


class FailureNotifier:
    """Shows a :class:`~matteditor.errors.Failure` (the worker has logged it): the
    message in the window's status bar, and for a bug also a non-modal box with
    the traceback, one box however many fail in a row.  The editor keeps working."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.box: QMessageBox | None = None

    def show(self, failure: Failure) -> None:
        message = failure.message
        self.window.statusBar().showMessage(f"Failed: {message}" if failure.context
                                            else f"Matte failed: {message}")
        if failure.expected:
            return
        box = self.box
        if box is None:
            box = self.box = QMessageBox(QMessageBox.Icon.Warning, "Engine error", "",
                                         parent=self.window)
            box.setModal(False)
        what = "The matting engine failed" if not failure.context else "Something failed"
        box.setText(f"{what}:\n{message}\n\nThe editor keeps working; try another engine.")
        box.setDetailedText(failure.traceback)
        box.show()
        box.raise_()
