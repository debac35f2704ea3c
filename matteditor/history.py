"""Bounded undo/redo of trimap edits (region diffs), kept by the document."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .document import TrimapEdit


class History:
    """Bounded undo/redo of trimap edits, capped by memory and by count.

    When a push goes over a cap the oldest edits are dropped; the newest edit
    is always kept, even if it alone is larger than ``max_bytes``, so the
    step the user just made can be undone.
    """

    def __init__(self, max_bytes: int = 256 * 2**20, max_steps: int = 10_000) -> None:
        self.max_bytes = max_bytes
        self.max_steps = max_steps
        self._undo: deque[TrimapEdit] = deque()
        self._redo: list[TrimapEdit] = []
        self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes + sum(e.nbytes for e in self._redo)

    def __len__(self) -> int:
        return len(self._undo)

    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def push(self, edit: TrimapEdit) -> None:
        self._undo.append(edit)
        self._bytes += edit.nbytes
        self._redo.clear()
        while len(self._undo) > 1 and (self._bytes > self.max_bytes
                                       or len(self._undo) > self.max_steps):
            self._bytes -= self._undo.popleft().nbytes

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

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._bytes = 0
