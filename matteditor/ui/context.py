"""What the file and quick-select controllers may use of the editor.

The main window implements :class:`EditorContext`; the controllers are typed
against this protocol, not the window, so neither imports the other and the
window's own workings stay private.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from ..document import Document
from ..errors import Failure
from ..project import SessionSettings
from ..quickselect import QuickSelectSettings
from .recovery import RecoveryStore
from .render import ViewRenderer
from .solve import SolveController
from ..views import ViewMode


class EditorContext(Protocol):
    document: Document | None       # the open document (None: no photo)
    renderer: ViewRenderer | None   # its view
    undo_stack: QUndoStack
    qs: QSettings                   # remembered preferences
    recovery: RecoveryStore
    solver: SolveController

    def window(self) -> QWidget:
        """The top-level widget: the parent of dialogs."""

    def set_document(self, document: Document | None,
                     settings: SessionSettings | None = None) -> None: ...

    def session_settings(self) -> SessionSettings: ...

    def new_photo_settings(self) -> SessionSettings:
        """The settings a newly opened photo starts with (photo view, default engine)."""

    def update_view_note(self) -> None:
        """Say in the status bar what the view shows when that is not what its name says."""

    def show_status(self, text: str) -> None: ...

    def show_progress(self, fraction: float, message: str) -> None: ...

    def show_failure(self, failure: Failure) -> None: ...

    def update_busy(self) -> None:
        """Show or hide the progress bar and Cancel as background work starts or ends."""

    def set_view_mode(self, mode: ViewMode) -> None: ...

    def focus_canvas(self) -> None: ...

    def trimap_from_mask(self, mask: np.ndarray) -> None:
        """Build the trimap around a mask (float32 H x W in [0, 1]) off the UI thread."""

    def quick_select_settings(self) -> QuickSelectSettings: ...

    def auto_refine(self) -> bool:
        """Whether a new foreground or background stroke re-runs the last quick select."""
