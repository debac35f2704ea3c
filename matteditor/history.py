"""Bounded undo/redo of trimap edits (region diffs), kept by the document.

A :class:`TrimapEdit` is one undo step (one stroke, one fill, a replaced
trimap): the rectangle it touched with the pixels before and after.  The
editor's undo commands carry their own edit and ask the history to undo or
redo exactly that one (:meth:`History.undo_edit`), so an edit the history has
dropped to stay within its caps can never be confused with another; whether it
still holds an edit is :meth:`History.holds`, and :attr:`History.evicted`
counts the edits it dropped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from .geometry import Rect


@dataclass(frozen=True, eq=False)
class TrimapEdit:
    """A region diff of the trimap: one undo step (one stroke, one fill...).

    rect: where it applies; before, after: uint8 rect.height x rect.width in
    {0, 128, 255}.  Edits compare by identity (they hold arrays).
    """

    rect: Rect
    before: np.ndarray
    after: np.ndarray
    label: str = "Edit"

    @property
    def nbytes(self) -> int:
        return self.before.nbytes + self.after.nbytes

    @staticmethod
    def between(old: np.ndarray, new: np.ndarray, label: str = "Edit") -> "TrimapEdit | None":
        """The diff that turns trimap ``old`` into ``new``, or None if they are equal."""
        rect = Rect.of_mask(old != new)
        if rect.empty:
            return None
        rs = rect.slices
        return TrimapEdit(rect, old[rs].copy(), new[rs].copy(), label)


class History:
    """Bounded undo/redo of trimap edits, capped by memory and by count.

    When a push goes over a cap the oldest edits are dropped (and returned, so
    the editor's undo stack can drop its steps for them too); the newest edit
    is always kept, even if it alone is larger than ``max_bytes``, so the
    step the user just made can be undone.
    """

    def __init__(self, max_bytes: int = 256 * 2**20, max_steps: int = 10_000) -> None:
        self.max_bytes = max_bytes
        self.max_steps = max_steps
        self._undo: deque[TrimapEdit] = deque()
        self._redo: list[TrimapEdit] = []
        self._held: set[int] = set()   # ids of the edits in either list
        self._bytes = 0
        self.evicted = 0                # edits dropped for the caps so far

    @property
    def nbytes(self) -> int:
        return self._bytes + sum(e.nbytes for e in self._redo)

    def __len__(self) -> int:
        return len(self._undo)

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def holds(self, edit: TrimapEdit) -> bool:
        """True while ``edit`` can still be undone or redone (not dropped for the caps)."""
        return id(edit) in self._held

    def next_undo(self) -> TrimapEdit | None:
        """The edit :meth:`pop_undo` would undo (None: nothing to undo)."""
        return self._undo[-1] if self._undo else None

    def next_redo(self) -> TrimapEdit | None:
        """The edit :meth:`pop_redo` would redo (None: nothing to redo)."""
        return self._redo[-1] if self._redo else None

    def push(self, edit: TrimapEdit) -> list[TrimapEdit]:
        """Record ``edit`` (the redo list is dropped); returns the oldest edits dropped
        to stay within the caps, oldest first."""
        self._undo.append(edit)
        self._bytes += edit.nbytes
        for gone in self._redo:
            self._held.discard(id(gone))
        self._redo.clear()
        self._held.add(id(edit))
        dropped = []
        while len(self._undo) > 1 and (self._bytes > self.max_bytes
                                       or len(self._undo) > self.max_steps):
            old = self._undo.popleft()
            self._bytes -= old.nbytes
            self._held.discard(id(old))
            dropped.append(old)
        self.evicted += len(dropped)
        return dropped

    def pop_undo(self) -> TrimapEdit | None:
        if not self._undo:
            return None
        edit = self._undo.pop()
        self._bytes -= edit.nbytes
        self._redo.append(edit)
        return edit

    def pop_redo(self) -> TrimapEdit | None:
        if not self._redo:
            return None
        edit = self._redo.pop()
        self._undo.append(edit)
        self._bytes += edit.nbytes
        return edit

    def undo_edit(self, edit: TrimapEdit) -> bool:
        """Move ``edit`` to the redo list if it is the next to undo; False (nothing
        changes) if it is not: dropped for the caps, or out of order."""
        if self.next_undo() is not edit:
            return False
        self.pop_undo()
        return True

    def redo_edit(self, edit: TrimapEdit) -> bool:
        """Move ``edit`` back to the undo list if it is the next to redo; False if not."""
        if self.next_redo() is not edit:
            return False
        self.pop_redo()
        return True

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._held.clear()
        self._bytes = 0
