"""Mattes the document holds: the one shown, and the exact ones of recent trimaps.

:class:`Result` is an engine's answer together with the trimap it was computed
for, so edge adjustments clamp against that trimap, not against the live one a
stroke is painting.  :class:`ResultCache` keeps the exact results of the last
few trimaps, by content, so that undo and redo show the matte of the trimap
they return to at once instead of solving it again.  No Qt here.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np

from .edges import EdgeAdjustments, decontaminate
from .geometry import Rect

#: what :class:`ResultCache` keeps by default: results of up to 16 trimaps within
#: 400 MiB.  One result (alpha, colours, trimap) of a 2.5 MP photo takes 40 MiB: 9 are
#: kept; of a 12 MP photo 195 MiB: 2, the one shown and the one an undo returns to (the
#: shown one is in memory anyway, so the cache adds at most one at that size).
CACHE_BYTES = 400 * 2**20
CACHE_ENTRIES = 16


@dataclass(frozen=True, eq=False)
class Result:
    """An engine's answer for one trimap.

    alpha: float32 H x W in [0, 1]; foreground: float32 H x W x 3 in [0, 1] or None;
    trimap: uint8 H x W in {0, 128, 255}, the trimap it was computed for (a private
    copy nobody changes); exact: the engine's exact answer, not a preview or local one.
    """

    alpha: np.ndarray
    foreground: np.ndarray | None
    trimap: np.ndarray
    exact: bool = True

    @property
    def nbytes(self) -> int:
        return self.alpha.nbytes + (0 if self.foreground is None else self.foreground.nbytes) \
            + self.trimap.nbytes


def changed_region(old: Matte | None, new: Matte) -> Rect:
    """The pixels where the picture of matte ``new`` can differ from that of ``old`` (all
    of them when there is no ``old``); empty when none can: where the alphas differ,
    and where the colours differ and either alpha is above 0 (colours under alpha 0
    are not seen in any view).  ``new.alpha`` must not be None."""
    h, w = new.alpha.shape
    if old is None or old.alpha is None or old.alpha.shape != new.alpha.shape \
            or (old.colors is None) != (new.colors is None):
        return Rect(0, 0, w, h)
    # OpenCV's comparisons and bounding box: ~4 ms at 2.5 MP, numpy's take ~20
    a0, a1 = np.ascontiguousarray(old.alpha), np.ascontiguousarray(new.alpha)
    differs = cv2.compare(a0, a1, cv2.CMP_NE)
    if new.colors is not None and old.colors is not new.colors:
        colours = cv2.compare(np.ascontiguousarray(old.colors),
                              np.ascontiguousarray(new.colors), cv2.CMP_NE)
        # gray is above 0 exactly where a channel is (each weight times 255 is >= 29)
        colours = cv2.cvtColor(colours, cv2.COLOR_RGB2GRAY)
        seen = cv2.compare(cv2.max(a0, a1), 0.0, cv2.CMP_GT)
        differs = cv2.bitwise_or(differs, cv2.bitwise_and(colours, seen))
    return Rect.of_mask(differs)


def trimap_key(trimap: np.ndarray) -> bytes:
    """A digest of a trimap's content and shape (BLAKE2b, 16 bytes): ~3 ms at 2.5 MP."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.asarray(trimap.shape, np.int64).tobytes())
    h.update(np.ascontiguousarray(trimap).data)
    return h.digest()


class ResultCache:
    """Exact results of recently seen trimaps, found by the trimap's content.

    Bounded: at most ``max_entries`` results and ``max_bytes`` bytes (the least
    recently used go first; a single result over ``max_bytes`` is not kept).
    """

    def __init__(self, max_bytes: int = CACHE_BYTES, max_entries: int = CACHE_ENTRIES) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._items: OrderedDict[bytes, Result] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def put(self, key: bytes, result: Result) -> None:
        """Keep ``result`` (exact results only) under ``key`` (:func:`trimap_key`)."""
        if not result.exact:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= old.nbytes
        if result.nbytes > self.max_bytes:
            return
        self._items[key] = result
        self._bytes += result.nbytes
        while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= dropped.nbytes

    def get(self, key: bytes) -> Result | None:
        result = self._items.get(key)
        if result is not None:
            self._items.move_to_end(key)
        return result

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0


@dataclass(frozen=True)
class Matte:
    """The matte as shown and exported: the engine's alpha with the document's edge
    adjustments applied (float32 H x W), and the cutout's colours with its
    decontamination amount (float32 H x W x 3, None until foreground colours are
    estimated).  Both None before the first alpha."""

    alpha: np.ndarray | None
    colors: np.ndarray | None


def adjusted_matte(image: np.ndarray, alpha: np.ndarray | None, foreground: np.ndarray | None,
                   adjustments: EdgeAdjustments, trimap: np.ndarray) -> Matte:
    """``alpha`` with ``adjustments`` (known ``trimap`` regions kept 0/1: the trimap the
    alpha was computed for) and the colours decontaminated by its amount; the arrays
    themselves when unchanged."""
    if alpha is None:
        return Matte(None, None)
    shown = adjustments.apply(alpha, trimap) if adjustments.changes_alpha else alpha
    colors = foreground
    if foreground is not None and adjustments.decontamination < 1.0:
        colors = decontaminate(image, foreground, adjustments.decontamination)
    return Matte(shown, colors)
