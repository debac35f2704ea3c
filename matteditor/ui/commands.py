"""QUndoStack commands: thin wrappers around the document's own undo history."""

from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from ..document import Document, TrimapEdit
from ..edges import EdgeAdjustments

log = logging.getLogger(__name__)


class TrimapCommand(QUndoCommand):
    """One stroke/fill/clear.  The edit is already applied when pushed, so the
    first redo() (which QUndoStack.push calls) does nothing."""

    def __init__(self, document: Document, edit: TrimapEdit) -> None:
        super().__init__(edit.label)
        self.document = document
        self.edit = edit
        self._applied = True

    @property
    def applied(self) -> bool:
        """False while undone (and for good once a new step replaced it)."""
        return self._applied

    def redo(self) -> None:
        if self._applied:
            return
        self._applied = True
        if self.document.redo() is not self.edit:
            log.warning("redo out of step with the document history (%s)", self.edit.label)

    def undo(self) -> None:
        self._applied = False
        if self.document.undo() is not self.edit:
            log.warning("undo out of step with the document history (%s)", self.edit.label)


def commit(document: Document, stack: QUndoStack, edit: TrimapEdit) -> None:
    """Apply ``edit`` to the document (recording it) and push it as one undo step."""
    document.apply(edit)
    stack.push(TrimapCommand(document, edit))


def commit_existing(document: Document, stack: QUndoStack,
                    edit: TrimapEdit | None) -> TrimapCommand | None:
    """Push an edit the document already applied and recorded (replace/clear trimap)."""
    if edit is None:
        return None
    command = TrimapCommand(document, edit)
    stack.push(command)
    return command


class AdjustCommand(QUndoCommand):
    """A change of the edge controls; consecutive changes merge into one step."""

    ID = 7301

    def __init__(self, document: Document, after: EdgeAdjustments,
                 show: Callable[[EdgeAdjustments], None]) -> None:
        super().__init__("Edge adjustments")
        self.document = document
        self.before = document.adjustments
        self.after = after
        self._show = show       # puts the values in the panel

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, AdjustCommand) or other.document is not self.document:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.document.set_adjustments(self.after)
        self._show(self.after)

    def undo(self) -> None:
        self.document.set_adjustments(self.before)
        self._show(self.before)
