"""QUndoStack commands: thin wrappers around the document's own undo history.

Each :class:`TrimapCommand` carries its own edit and asks the document to undo or
redo exactly that edit, so the two histories can never apply different edits.
The document's :class:`~matteditor.history.History` is the one that is bounded
(bytes and steps): the steps of the edits it drops are made obsolete here
(:func:`drop_evicted`), and undoing one of them does nothing and removes it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import fields
from typing import Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from ..document import Document
from ..edges import EdgeAdjustments
from ..history import TrimapEdit

log = logging.getLogger(__name__)
_EVICTED = "matteditor_evicted"   # the stack's note of History.evicted when last walked


class TrimapCommand(QUndoCommand):
    """One stroke/fill/clear.  The edit is already applied when pushed, so the
    first redo() (which QUndoStack.push calls) does nothing."""

    def __init__(self, document: Document, edit: TrimapEdit) -> None:
        super().__init__(edit.label)
        self.document = document
        self.edit: TrimapEdit | None = edit
        self._applied = True

    @property
    def applied(self) -> bool:
        """False while undone (and for good once a new step replaced it)."""
        return self._applied

    @property
    def dropped(self) -> bool:
        """True once the document's history dropped this step's edit (too old to keep)."""
        return self.edit is None

    def drop(self) -> None:
        """The history no longer holds this edit: forget it (its memory is freed) and
        let the stack delete this step when it is reached."""
        if self.edit is not None:
            self.setText(f"{self.edit.label} (too old: no longer kept)")
        self.edit = None
        self.setObsolete(True)

    def redo(self) -> None:
        if self._applied:
            return
        self._applied = True
        if self.edit is None or not self.document.redo_edit(self.edit):
            log.info("redo of %r skipped: the document's history no longer holds it",
                     self.text())
            self.drop()

    def undo(self) -> None:
        self._applied = False
        if self.edit is None or not self.document.undo_edit(self.edit):
            log.info("undo of %r skipped: the document's history no longer holds it",
                     self.text())
            self.drop()


def drop_evicted(document: Document, stack: QUndoStack) -> int:
    """Make the steps of the edits the document's history dropped for its caps obsolete
    (their edits are freed; undoing one does nothing and removes it).  Returns how many.

    The history drops its oldest edits first, so the steps to drop are the oldest
    trimap steps still holding an edit; the stack is only walked when the history
    dropped something since the last call."""
    history = document.history
    seen = f"{id(history)}:{history.evicted}"
    if stack.property(_EVICTED) == seen:
        return 0
    stack.setProperty(_EVICTED, seen)
    count = 0
    for i in range(stack.count()):
        command = stack.command(i)
        if isinstance(command, TrimapCommand) and command.edit is not None:
            if history.holds(command.edit):
                break
            command.drop()
            count += 1
    if count:
        log.info("undo history full: the %d oldest trimap steps can no longer be undone",
                 count)
    return count


def commit(document: Document, stack: QUndoStack, edit: TrimapEdit) -> None:
    """Apply ``edit`` to the document (recording it) and push it as one undo step."""
    document.apply(edit)
    stack.push(TrimapCommand(document, edit))
    drop_evicted(document, stack)


def commit_existing(document: Document, stack: QUndoStack,
                    edit: TrimapEdit | None) -> TrimapCommand | None:
    """Push an edit the document already applied and recorded (stroke, replace/clear trimap)."""
    if edit is None:
        return None
    command = TrimapCommand(document, edit)
    stack.push(command)
    drop_evicted(document, stack)
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
