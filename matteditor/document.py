"""The document model: photo, trimap, alpha and foreground, with revisions.

No Qt here.  Widgets subscribe with :meth:`Document.subscribe` and are told
what changed (:class:`Change`).  Every change of the trimap bumps
``revision`` and records the bounding box it touched, so a solver can be
asked to recompute only what changed, and a result computed for an older
revision can be recognised as stale and dropped.

Undo data lives here (one stroke = one :class:`TrimapEdit`, a region diff);
Qt's QUndoStack commands in the UI only wrap these.  Brush strokes are painted
by the document itself (:meth:`Document.begin_stroke`, ``extend_stroke``,
``end_stroke``, ``abort_stroke``, as napari's labels layer does): every
segment bumps the revision and is announced as it is painted, and the undo
diff is built from the stroke's own region, never from a copy of the trimap.

A result is kept with the trimap it was computed for (:class:`~matteditor.results.Result`),
so the matte shown and exported is clamped against that trimap, never against one
a stroke is half-way through; exact results of recent trimaps are kept by content
(:class:`~matteditor.results.ResultCache`), and undo and redo show the matte of the
trimap they return to at once.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .edges import EdgeAdjustments
from .errors import TrimapError
from .geometry import Rect
from .history import History, TrimapEdit
from .results import (Matte, Result, ResultCache, adjusted_matte, changed_region,
                      trimap_key)
from .strokes import Stroke
from .brush import paint_soft_stroke, pressure_radius
from .trimap import BACKGROUND, FOREGROUND, UNKNOWN, check_trimap

__all__ = ["Change", "ChangeKind", "Document", "History", "Matte", "TrimapEdit",
           "adjusted_matte"]


class ChangeKind(enum.Enum):
    IMAGE = "image"        # a new photo (everything else is reset)
    TRIMAP = "trimap"      # trimap pixels changed inside ``rect``
    STROKE = "stroke"      # a stroke ended: its pixels (``rect``) came as TRIMAP changes
    ALPHA = "alpha"        # a new alpha (and maybe foreground; ``rect``: where it may differ)
    #                        arrived, or new edge adjustments
    HISTORY = "history"    # undo/redo availability changed


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    revision: int
    rect: Rect | None = None
    in_stroke: bool = False   # a TRIMAP change of a stroke still being drawn


Listener = Callable[[Change], None]


class Document:
    """One photo being matted.

    Attributes (read them, change them through the methods):
        image: float32 H x W x 3 sRGB in [0, 1]
        trimap: uint8 H x W in {0, 128, 255}
        alpha: float32 H x W in [0, 1], or None before the first solve
        foreground: float32 H x W x 3 in [0, 1] (decontaminated colours), or None
        alpha_revision: the trimap revision ``alpha`` was computed for (-1: none)
        revision: bumped on every change of the trimap or image
        results: exact results of recent trimaps (undo and redo restore them)
    """

    def __init__(self, image: np.ndarray, trimap: np.ndarray | None = None,
                 path: Path | None = None, default_label: int = UNKNOWN,
                 history: History | None = None, results: ResultCache | None = None) -> None:
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.float32:
            raise TrimapError(f"image must be float32 HxWx3, got {image.dtype} {image.shape}")
        self.image = image
        self.path = path
        self.default_label = default_label
        h, w = image.shape[:2]
        if trimap is None:
            trimap = np.full((h, w), default_label, np.uint8)
        else:
            check_trimap(trimap, (h, w))
            trimap = trimap.copy()
        self.trimap = trimap
        self._result: Result | None = None
        self.alpha_revision = -1
        self.revision = 0
        # Not ``history or History()``: an empty History is falsy (__len__).
        self.history = history if history is not None else History()
        self.results = results if results is not None else ResultCache()
        self._dirty: Rect | None = None  # union of changes since the last solve request
        self._stroke: Stroke | None = None
        self.adjustments = EdgeAdjustments()
        self._matte_lock = threading.Lock()
        self._matte: tuple[tuple, Matte] | None = None   # (what it was made from, the matte)
        self._listeners: list[Listener] = []

    # -- events -----------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)

    # -- geometry ---------------------------------------------------------
    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.image.shape[1], self.image.shape[0]

    @property
    def bounds(self) -> Rect:
        w, h = self.size
        return Rect(0, 0, w, h)

    # -- strokes -----------------------------------------------------------
    @property
    def stroke_active(self) -> bool:
        return self._stroke is not None

    def begin_stroke(self, value: int, radius: float, label: str = "Stroke",
                     hardness: float = 1.0) -> None:
        """Start a brush stroke of ``value`` (a trimap label), ``radius`` pixels wide
        on each side, ``hardness`` in [0, 1] (:mod:`matteditor.brush`); an unfinished
        stroke is ended first."""
        self.end_stroke()
        if value not in (FOREGROUND, BACKGROUND, UNKNOWN):
            raise TrimapError(f"cannot paint value {value}; use 0, 128 or 255")
        if not 0.0 <= hardness <= 1.0:
            raise TrimapError(f"brush hardness must be between 0 and 1, got {hardness}")
        self._stroke = Stroke(value, float(radius), label, float(hardness))

    def extend_stroke(self, point: tuple[float, float], pressure: float = 1.0) -> Rect | None:
        """Paint from the stroke's last point to ``point`` (x, y, continuous image
        coordinates) with a pen ``pressure`` in [0, 1] scaling the radius (a mouse
        presses 1); returns the pixels changed (None: none)."""
        st = self._stroke
        if st is None:
            return None
        points = [point] if st.last is None else [st.last, point]
        st.last = point
        radius = pressure_radius(st.radius, pressure)
        w, h = self.size
        reach = Rect.of_points(np.asarray(points), max(radius, 1.0) + 1, w, h)
        if reach.empty:
            return None
        st.cover(self.trimap, reach)
        box = paint_soft_stroke(self.trimap, points, radius, st.value, st.hardness)
        if box is None:
            return None
        rect = Rect(*box)
        self._changed(rect, in_stroke=True)
        return rect

    def end_stroke(self) -> TrimapEdit | None:
        """Finish the stroke: one undo step (its region diff), recorded; None if it
        changed nothing (or no stroke was active)."""
        st, self._stroke = self._stroke, None
        if st is None or st.rect.empty:
            return None
        edit = TrimapEdit.between(st.before, self.trimap[st.rect.slices], st.label)
        if edit is None:
            return None
        r = edit.rect
        edit = TrimapEdit(Rect(r.x0 + st.rect.x0, r.y0 + st.rect.y0, r.x1 + st.rect.x0,
                               r.y1 + st.rect.y0), edit.before, edit.after, st.label)
        self.history.push(edit)
        self._emit(Change(ChangeKind.STROKE, self.revision, edit.rect))  # solvers may start
        self._emit(Change(ChangeKind.HISTORY, self.revision))
        return edit

    def abort_stroke(self) -> None:
        """Undo the stroke in progress, leaving no undo step."""
        st, self._stroke = self._stroke, None
        if st is None or st.rect.empty:
            return
        self.trimap[st.rect.slices] = st.before
        self._changed(st.rect)

    # -- trimap edits -----------------------------------------------------
    def apply(self, edit: TrimapEdit, record: bool = True) -> None:
        """Apply an edit (e.g. a fill) and record it for undo."""
        self.end_stroke()
        self.trimap[edit.rect.slices] = edit.after
        if record:
            self.history.push(edit)
        self._changed(edit.rect)
        if record:
            self._emit(Change(ChangeKind.HISTORY, self.revision))

    def replace_trimap(self, trimap: np.ndarray, label: str = "Replace trimap") -> TrimapEdit | None:
        """Set the whole trimap (e.g. loaded or generated) as one undoable step."""
        check_trimap(trimap, self.image.shape[:2])
        edit = TrimapEdit.between(self.trimap, trimap, label)
        if edit is not None:
            self.apply(edit)
        return edit

    def clear_trimap(self) -> TrimapEdit | None:
        return self.replace_trimap(np.full_like(self.trimap, self.default_label), "Clear trimap")

    def undo(self) -> TrimapEdit | None:
        """Undo the newest recorded edit (None: nothing to undo)."""
        self.end_stroke()
        edit = self.history.next_undo()
        return edit if edit is not None and self.undo_edit(edit) else None

    def redo(self) -> TrimapEdit | None:
        """Redo the newest undone edit (None: nothing to redo)."""
        self.end_stroke()
        edit = self.history.next_redo()
        return edit if edit is not None and self.redo_edit(edit) else None

    def undo_edit(self, edit: TrimapEdit) -> bool:
        """Undo exactly ``edit``: False (nothing changes) unless it is the history's
        next edit to undo (it may have been dropped for the history's caps).  The
        exact matte of the trimap this returns to is shown at once if it is kept."""
        self.end_stroke()
        if not self.history.undo_edit(edit):
            return False
        self._step(edit, edit.before)
        return True

    def redo_edit(self, edit: TrimapEdit) -> bool:
        """Redo exactly ``edit`` (False unless it is the history's next to redo)."""
        self.end_stroke()
        if not self.history.redo_edit(edit):
            return False
        self._step(edit, edit.after)
        return True

    def _step(self, edit: TrimapEdit, pixels: np.ndarray) -> None:
        self.trimap[edit.rect.slices] = pixels
        self._changed(edit.rect)
        self.restore_result()
        self._emit(Change(ChangeKind.HISTORY, self.revision))

    def _changed(self, rect: Rect, in_stroke: bool = False) -> None:
        self.revision += 1
        self._dirty = rect.union(self._dirty)
        self._emit(Change(ChangeKind.TRIMAP, self.revision, rect, in_stroke))

    def take_dirty(self) -> Rect | None:
        """The region changed since the last call (None if nothing changed)."""
        dirty, self._dirty = self._dirty, None
        return dirty

    # -- results ----------------------------------------------------------
    @property
    def alpha(self) -> np.ndarray | None:
        return None if self._result is None else self._result.alpha

    @property
    def foreground(self) -> np.ndarray | None:
        return None if self._result is None else self._result.foreground

    @property
    def result(self) -> Result | None:
        """The result shown, with the trimap it was computed for (None: no matte)."""
        return self._result

    @property
    def has_exact_result(self) -> bool:
        """True when the alpha shown is the engine's exact answer for the trimap as it is."""
        r = self._result
        return r is not None and r.exact and self.alpha_revision == self.revision

    def set_result(self, alpha: np.ndarray, revision: int,
                   foreground: np.ndarray | None = None, exact: bool = True) -> bool:
        """Store an alpha computed for ``revision`` (``exact``: the engine's exact
        answer, not a preview or local one).

        Returns False (and stores nothing) if the result is stale: the trimap
        has changed since, a newer result is already here, or this is a preview
        of a revision whose exact alpha is here.
        """
        if revision != self.revision or revision < self.alpha_revision:
            return False
        current = self._result if self.alpha_revision == revision else None
        if current is not None and current.exact and not exact:
            return False
        if alpha.shape != self.trimap.shape:
            raise TrimapError(f"alpha is {alpha.shape[1]}x{alpha.shape[0]}, "
                              f"document is {self.size[0]}x{self.size[1]}")
        if foreground is not None and foreground.shape != self.image.shape:
            raise TrimapError(f"foreground has shape {foreground.shape}, "
                              f"expected {self.image.shape}")
        # The trimap of this revision, copied once: strokes change self.trimap in place.
        trimap = current.trimap if current is not None else self.trimap.copy()
        self._result = Result(alpha, foreground, trimap, exact)
        self.alpha_revision = revision
        if exact:
            self.results.put(trimap_key(trimap), self._result)
        self._emit(Change(ChangeKind.ALPHA, revision, self.bounds))
        return True

    def restore_result(self) -> bool:
        """Show the kept exact result of the trimap as it is now, if there is one (after
        an undo or redo: the matte it returns to, without a solve); listeners get
        ALPHA.  Returns False if no result of this trimap is kept."""
        kept = self.results.get(trimap_key(self.trimap))
        if kept is None:
            return False
        shown = self.matte() if self._result is not None else None
        self._result = kept
        self.alpha_revision = self.revision
        # Only what looks different needs recomposing (an incremental solve changes the
        # tiles around the stroke): the mattes as shown are compared, edge adjustments
        # applied; the whole picture when there was no matte.
        rect = changed_region(shown, self.matte())
        self._emit(Change(ChangeKind.ALPHA, self.revision, rect))
        return True

    def clear_result(self) -> bool:
        """Forget the alpha and foreground colours (e.g. the trimap no longer has
        both labels, so no matte belongs to it); listeners get an ALPHA change
        with ``alpha`` None.  Returns False if there was nothing to forget."""
        if self._result is None:
            return False
        self._result = None
        self.alpha_revision = -1
        self._emit(Change(ChangeKind.ALPHA, self.revision, self.bounds))
        return True

    # -- the matte as shown and exported --------------------------------------
    def set_adjustments(self, adjustments: EdgeAdjustments) -> None:
        """Set the edge controls (non-destructive: ``alpha`` stays the engine's);
        listeners get an ALPHA change."""
        if adjustments != self.adjustments:
            self.adjustments = adjustments
            self._emit(Change(ChangeKind.ALPHA, self.revision, self.bounds))

    def matte(self) -> Matte:
        """``alpha`` and ``foreground`` with :attr:`adjustments` applied, clamped against the
        trimap the alpha was computed for (computed once per result and adjustments; safe
        to call from the compose and export threads: the document replaces results, it
        never changes them in place)."""
        result, adj = self._result, self.adjustments
        if result is None:
            return Matte(None, None)
        with self._matte_lock:
            if self._matte is not None:
                (r, d), matte = self._matte   # the result itself: ids can be reused
                if r is result and d == adj:
                    return matte
            matte = adjusted_matte(self.image, result.alpha, result.foreground, adj,
                                   result.trimap)
            self._matte = ((result, adj), matte)
            return matte

    def matte_job(self) -> Callable[[], Matte]:
        """A function giving :meth:`matte` as it is now, for another thread to call
        (an export): the result is taken now, the adjustments computed there."""
        result, adj, image = self._result, self.adjustments, self.image
        if result is None:
            return lambda: Matte(None, None)
        return lambda: adjusted_matte(image, result.alpha, result.foreground, adj, result.trimap)
