"""QUndoStack commands: thin wrappers around the document's own undo history."""

from __future__ import annotations

import logging
import time
from dataclasses import fields
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


#: changes of one edge control closer together than this are one gesture (an arrow
#: held down, the wheel, a slider dragged) and so one undo step
MERGE_SECONDS = 1.0


def changed_controls(before: EdgeAdjustments, after: EdgeAdjustments) -> frozenset[str]:
    """The names of the edge controls that differ between ``before`` and ``after``."""
    return frozenset(f.name for f in fields(EdgeAdjustments)
                     if getattr(before, f.name) != getattr(after, f.name))


class AdjustCommand(QUndoCommand):
    """A change of the edge controls: one undo step per control changed.  Changes of the
    same control in quick succession (one gesture) merge; a change of another control,
    or of the same one after a pause, is a step of its own."""

    ID = 7301

    def __init__(self, document: Document, after: EdgeAdjustments,
                 show: Callable[[EdgeAdjustments], None]) -> None:
        self.controls = changed_controls(document.adjustments, after)
        names = ", ".join(sorted(c.replace("_", " ") for c in self.controls))
        super().__init__(f"Edges: {names}" if names else "Edge adjustments")
        self.document = document
        self.before = document.adjustments
        self.after = after
        self._show = show       # puts the values in the panel
        self._last = time.monotonic()

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, AdjustCommand) or other.document is not self.document \
                or other.controls != self.controls or len(self.controls) != 1 \
                or other._last - self._last > MERGE_SECONDS:
            return False
        self.after = other.after
        self._last = other._last
        return True

    def redo(self) -> None:
        self.document.set_adjustments(self.after)
        self._show(self.after)

    def undo(self) -> None:
        self.document.set_adjustments(self.before)
        self._show(self.before)
