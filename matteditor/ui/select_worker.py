"""The quick-select job and the worker that runs it on the solver thread.

:class:`SelectWorker` follows the solver's rules: only the latest request is kept,
posting cancels the job in progress through its CancelToken, and every result carries
its request so the UI can drop stale ones.  It keeps one
:class:`~matteditor.segmentation.selector.Selector` per method, so Segment Anything
encodes each photo once and every later box or click costs only its decoder.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Signal

from ..engines.base import CancelToken
from ..quickselect import QuickSelectSettings, grabcut_refine_region, trimap_from_selection
from ..segmentation.selector import Selection, Selector, selection_trimap
from ..trimap import BACKGROUND, FOREGROUND
from .latest import LatestWinsWorker

log = logging.getLogger(__name__)

#: how each method is named in the status bar
METHOD_NAMES = {"sam": "Segment Anything", "grabcut": "GrabCut", "mask": "the mask"}


@dataclass(frozen=True, eq=False)
class SelectRequest:
    """One quick-select job: a ``selection`` with ``method`` ("sam" or "grabcut"), or a
    ``mask`` to build the trimap around; with ``region`` set, a correction stroke's
    box (x0, y0, x1, y1): only the selection around it is redone from ``base``."""

    document_key: int
    revision: int                 # the trimap revision the seeds were taken from
    image: np.ndarray             # float32 H x W x 3; never changed in place
    trimap: np.ndarray            # uint8 H x W, a private copy (its fg/bg are hard seeds)
    settings: QuickSelectSettings
    selection: Selection | None = None
    method: str = "grabcut"
    mask: np.ndarray | None = None                        # float32 H x W in [0, 1]
    region: tuple[int, int, int, int] | None = None
    base: np.ndarray | None = None                        # float32 H x W in [0, 1]
    label: str = "Quick select"

    @property
    def method_name(self) -> str:
        return METHOD_NAMES["mask" if self.mask is not None else self.method]


class SelectWorker(LatestWinsWorker):
    """Lives on the solver thread; all slots run there."""

    done = Signal(object, object, object)     # request, trimap (uint8 H x W), mask

    def __init__(self) -> None:
        super().__init__()
        self._selectors: dict[str, Selector] = {}

    def _selector(self, method: str) -> Selector:
        if method not in self._selectors:
            self._selectors[method] = Selector(method)
        return self._selectors[method]

    def _run(self, request: SelectRequest, token: CancelToken) -> None:
        start = time.perf_counter()
        mask = request.mask
        report = (lambda f, m: self.progress.emit(request, 0.9 * f, m))
        if mask is not None:
            token.raise_if_cancelled()
            self.progress.emit(request, 0.92, "building the unknown band")
            trimap = trimap_from_selection(request.image, mask, request.settings)
        else:
            if request.region is not None and request.method == "grabcut":
                mask = grabcut_refine_region(request.image, request.base, request.trimap,
                                             request.region, request.settings, token)
            else:
                mask = self._selector(request.method).mask(
                    request.image, request.selection, settings=request.settings,
                    seeds=request.trimap, progress=report, cancel=token)
                if request.region is not None:
                    # a stroke changes the selection around itself only
                    x0, y0, x1, y1 = _grown(request.region, request.settings, mask.shape)
                    merged = request.base.astype(np.float32, copy=True)
                    merged[y0:y1, x0:x1] = mask[y0:y1, x0:x1]
                    mask = merged
            token.raise_if_cancelled()
            self.progress.emit(request, 0.92, "building the unknown band")
            trimap = selection_trimap(request.image, mask, request.method, request.settings)
            # the strokes were hard seeds; they stay in the trimap exactly
            for label in (FOREGROUND, BACKGROUND):
                trimap[request.trimap == label] = label
        token.raise_if_cancelled()
        log.info("%s (%s) for revision %d in %.2f s", request.label, request.method_name,
                 request.revision, time.perf_counter() - start)
        self.done.emit(request, trimap, mask)


def _grown(region: tuple[int, int, int, int], settings: QuickSelectSettings,
           shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """A stroke's box grown by the margin its correction may reach, inside the photo."""
    margin = max(24, 3 * settings.band)
    h, w = shape
    return (max(0, region[0] - margin), max(0, region[1] - margin),
            min(w, region[2] + margin), min(h, region[3] + margin))
