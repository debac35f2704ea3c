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
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .edges import EdgeAdjustments, decontaminate
from .errors import TrimapError
from .geometry import Rect
from .history import History
from .trimap import BACKGROUND, FOREGROUND, UNKNOWN, check_trimap, paint_stroke


@dataclass(frozen=True)
class TrimapEdit:
    """A region diff of the trimap: one undo step (one stroke, one fill...)."""

    rect: Rect
    before: np.ndarray  # uint8 rect.height x rect.width
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


class ChangeKind(enum.Enum):
    IMAGE = "image"        # a new photo (everything else is reset)
    TRIMAP = "trimap"      # trimap pixels changed inside ``rect``
    STROKE = "stroke"      # a stroke ended: its pixels (``rect``) came as TRIMAP changes
    ALPHA = "alpha"        # a new alpha (and maybe foreground) arrived, or new edge adjustments
    HISTORY = "history"    # undo/redo availability changed


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    revision: int
    rect: Rect | None = None
    in_stroke: bool = False   # a TRIMAP change of a stroke still being drawn


class _Stroke:
    """A stroke being painted: its label, radius, last point, and the trimap as it
    was before it inside the rectangle it has touched so far."""

    def __init__(self, value: int, radius: float, label: str) -> None:
        self.value = value
        self.radius = radius
        self.label = label
        self.last: tuple[float, float] | None = None
        self.rect = Rect(0, 0, 0, 0)      # what ``before`` covers
        self.before = np.zeros((0, 0), np.uint8)

    def cover(self, trimap: np.ndarray, rect: Rect) -> None:
        """Extend ``before`` to cover ``rect``: pixels outside the old rectangle were
        never touched by this stroke, so the trimap still holds their old labels."""
        grown = rect.union(self.rect)
        if grown == self.rect:
            return
        before = trimap[grown.slices].copy()
        if not self.rect.empty:
            old = Rect(self.rect.x0 - grown.x0, self.rect.y0 - grown.y0,
                       self.rect.x1 - grown.x0, self.rect.y1 - grown.y0)
            before[old.slices] = self.before
        self.rect, self.before = grown, before


@dataclass(frozen=True)
class Matte:
    """The matte as shown and exported: the engine's alpha with the document's edge
    adjustments applied (float32 H x W), and the cutout's colours with its
    decontamination amount (float32 H x W x 3, None until foreground colours are
    estimated).  Both None before the first alpha."""

    alpha: np.ndarray | None
    colors: np.ndarray | None


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
    """

    def __init__(self, image: np.ndarray, trimap: np.ndarray | None = None,
                 path: Path | None = None, default_label: int = UNKNOWN,
                 history: History | None = None) -> None:
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
        self.alpha: np.ndarray | None = None
        self.foreground: np.ndarray | None = None
        self.alpha_revision = -1
        self.revision = 0
        # Not ``history or History()``: an empty History is falsy (__len__).
        self.history = history if history is not None else History()
        self._dirty: Rect | None = None  # union of changes since the last solve request
        self._stroke: _Stroke | None = None
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

    def begin_stroke(self, value: int, radius: float, label: str = "Stroke") -> None:
        """Start a brush stroke of ``value`` (a trimap label), ``radius`` pixels wide
        on each side; an unfinished stroke is ended first."""
        self.end_stroke()
        if value not in (FOREGROUND, BACKGROUND, UNKNOWN):
            raise TrimapError(f"cannot paint value {value}; use 0, 128 or 255")
        self._stroke = _Stroke(value, float(radius), label)

    def extend_stroke(self, point: tuple[float, float]) -> Rect | None:
        """Paint from the stroke's last point to ``point`` (x, y, continuous image
        coordinates); returns the pixels changed (None: none)."""
        st = self._stroke
        if st is None:
            return None
        points = [point] if st.last is None else [st.last, point]
        st.last = point
        w, h = self.size
        reach = Rect.of_points(np.asarray(points), max(st.radius, 1.0), w, h)
        if reach.empty:
            return None
        st.cover(self.trimap, reach)
        box = paint_stroke(self.trimap, points, st.radius, st.value)
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
        self.end_stroke()
        edit = self.history.pop_undo()
        if edit is not None:
            self.trimap[edit.rect.slices] = edit.before
            self._changed(edit.rect)
            self._emit(Change(ChangeKind.HISTORY, self.revision))
        return edit

    def redo(self) -> TrimapEdit | None:
        self.end_stroke()
        edit = self.history.pop_redo()
        if edit is not None:
            self.trimap[edit.rect.slices] = edit.after
            self._changed(edit.rect)
            self._emit(Change(ChangeKind.HISTORY, self.revision))
        return edit

    def _changed(self, rect: Rect, in_stroke: bool = False) -> None:
        self.revision += 1
        self._dirty = rect.union(self._dirty)
        self._emit(Change(ChangeKind.TRIMAP, self.revision, rect, in_stroke))

    def take_dirty(self) -> Rect | None:
        """The region changed since the last call (None if nothing changed)."""
        dirty, self._dirty = self._dirty, None
        return dirty

    # -- results ----------------------------------------------------------
    def set_result(self, alpha: np.ndarray, revision: int,
                   foreground: np.ndarray | None = None) -> bool:
        """Store an alpha computed for ``revision``.

        Returns False (and stores nothing) if the result is stale: the trimap
        has changed since, or a newer result is already here.
        """
        if revision != self.revision or revision < self.alpha_revision:
            return False
        if alpha.shape != self.trimap.shape:
            raise TrimapError(f"alpha is {alpha.shape[1]}x{alpha.shape[0]}, "
                              f"document is {self.size[0]}x{self.size[1]}")
        if foreground is not None and foreground.shape != self.image.shape:
            raise TrimapError(f"foreground has shape {foreground.shape}, "
                              f"expected {self.image.shape}")
        self.alpha = alpha
        self.foreground = foreground
        self.alpha_revision = revision
        self._emit(Change(ChangeKind.ALPHA, revision, self.bounds))
        return True

    def clear_result(self) -> bool:
        """Forget the alpha and foreground colours (e.g. the trimap no longer has
        both labels, so no matte belongs to it); listeners get an ALPHA change
        with ``alpha`` None.  Returns False if there was nothing to forget."""
        if self.alpha is None and self.foreground is None:
            return False
        self.alpha = None
        self.foreground = None
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
        """``alpha`` and ``foreground`` with :attr:`adjustments` applied (computed once
        per alpha, colours and adjustments; safe to call from the compose and export
        threads: the document replaces those arrays, it never changes them in place)."""
        alpha, fg, adj = self.alpha, self.foreground, self.adjustments
        if alpha is None:
            return Matte(None, None)
        with self._matte_lock:
            if self._matte is not None:
                (a, f, d), matte = self._matte   # the arrays themselves: ids can be reused
                if a is alpha and f is fg and d == adj:
                    return matte
            matte = adjusted_matte(self.image, alpha, fg, adj, self.trimap)
            self._matte = ((alpha, fg, adj), matte)
            return matte

    def matte_job(self):
        """A function giving :meth:`matte` as it is now, for another thread to call
        (an export): the arrays are taken now, the adjustments computed there."""
        alpha, fg, adj, trimap = self.alpha, self.foreground, self.adjustments, self.trimap.copy()
        return lambda: adjusted_matte(self.image, alpha, fg, adj, trimap)


def adjusted_matte(image: np.ndarray, alpha: np.ndarray | None, foreground: np.ndarray | None,
                   adjustments: EdgeAdjustments, trimap: np.ndarray) -> Matte:
    """``alpha`` with ``adjustments`` (known ``trimap`` regions kept 0/1) and the
    colours decontaminated by its amount; the arrays themselves when unchanged."""
    if alpha is None:
        return Matte(None, None)
    shown = adjustments.apply(alpha, trimap) if adjustments.changes_alpha else alpha
    colors = foreground
    if foreground is not None and adjustments.decontamination < 1.0:
        colors = decontaminate(image, foreground, adjustments.decontamination)
    return Matte(shown, colors)
