"""QUndoStack commands: thin wrappers around the document's own undo history."""

from __future__ import annotations

import logging

from PySide6.QtGui import QUndoCommand, QUndoStack

from ..document import Document, TrimapEdit

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
