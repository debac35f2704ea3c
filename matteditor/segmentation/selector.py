"""Quick select's one entry point: Segment Anything when its weights are installed,
GrabCut otherwise, and which of the two answered.

A :class:`Selection` is what the user gave (a box, a lasso, clicks, or "the subject");
:class:`Selector` turns it into a mask with either method.  It keeps one
:class:`~.sam.SamSession` and the photo it encoded, so the image encoder runs once per
photo and each further click costs only the decoder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from ..engines.base import CancelToken, ProgressFn
from ..errors import MatteError, ModelError
from ..quickselect import QuickSelectSettings, grabcut_mask
from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN
from .sam import Prompt, SamSession, installed_sam, sam_missing_message
from .subject import SubjectSettings, select_subject

log = logging.getLogger(__name__)

SELECTORS = ("sam", "grabcut")
#: GrabCut's "subject": a box inset by this share of each side
_GRABCUT_SUBJECT_INSET = 0.05


@dataclass(frozen=True)
class Selection:
    """What the user gave, full-resolution image pixels.

    rect: (x, y, width, height); lasso: polygon points; points / negative: clicks on
    the object / on what is not the object; subject: the most salient object."""

    rect: tuple[int, int, int, int] | None = None
    lasso: tuple[tuple[float, float], ...] | None = None
    points: tuple[tuple[float, float], ...] = ()
    negative: tuple[tuple[float, float], ...] = ()
    subject: bool = False

    def describe(self) -> str:
        if self.subject:
            return "the photo"
        if self.rect is not None:
            return "the rectangle " + ",".join(str(v) for v in self.rect)
        if self.lasso is not None:
            return "the lasso"
        return "the clicks"


def default_selector() -> str:
    """"sam" when a Segment Anything model is installed, else "grabcut"."""
    return "sam" if installed_sam() is not None else "grabcut"


def resolve_selector(name: str | None) -> str:
    """``name`` checked ("sam" must be installed), or the default when None."""
    if name is None:
        return default_selector()
    if name not in SELECTORS:
        raise MatteError(f"unknown selector {name!r}; use one of {', '.join(SELECTORS)}")
    if name == "sam" and installed_sam() is None:
        raise ModelError(sam_missing_message())
    return name


def _clip_box(rect: tuple[int, int, int, int], shape: tuple[int, int]
              ) -> tuple[float, float, float, float]:
    h, w = shape
    x, y, rw, rh = rect
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + rw), min(h, y + rh)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise MatteError(f"the rectangle {x},{y},{rw},{rh} does not cover the {w}x{h} image")
    return float(x0), float(y0), float(x1), float(y1)


def _check_points(points: Sequence[tuple[float, float]], shape: tuple[int, int]) -> None:
    h, w = shape
    for x, y in points:
        if not (0 <= x < w and 0 <= y < h):
            raise MatteError(f"the click {x:g},{y:g} is outside the {w}x{h} image")


def _lasso_inside(lasso: Sequence[tuple[float, float]], shape: tuple[int, int]) -> np.ndarray:
    if len(lasso) < 3:
        raise MatteError("a lasso needs at least three points")
    inside = np.zeros(shape, np.uint8)
    cv2.fillPoly(inside, [np.round(np.asarray(lasso, np.float64) * 16).astype(np.int32)],
                 1, cv2.LINE_8, 4)
    return inside.astype(bool)


def click_seeds(shape: tuple[int, int], points, negative, radius: int) -> np.ndarray:
    """uint8 trimap, unknown but for a disk of ``radius`` at each click: foreground at
    ``points``, background at ``negative`` (GrabCut's hard seeds)."""
    seeds = np.full(shape, UNKNOWN, np.uint8)
    for pts, label in ((points, FOREGROUND), (negative, BACKGROUND)):
        for x, y in pts:
            cv2.circle(seeds, (int(round(x)), int(round(y))), radius, int(label), -1)
    return seeds


class Selector:
    """Quick select with one method.

    Args:
        name: "sam" or "grabcut" (see :func:`resolve_selector`).
        session: a loaded SAM session to use (else one is loaded on first use).
    """

    def __init__(self, name: str, session: SamSession | None = None) -> None:
        self.name = name
        self._session = session
        self._image_key: tuple | None = None

    @property
    def session(self) -> SamSession:
        if self._session is None:
            self._session = SamSession()
        return self._session

    def _encode(self, image: np.ndarray) -> SamSession:
        """The session, holding ``image``'s embedding (computed once per photo)."""
        session = self.session
        key = (id(image), image.shape, image.__array_interface__["data"][0])
        if self._image_key != key or not session.has_image:
            session.set_image(image)
            self._image_key = key
        return session

    def mask(self, image: np.ndarray, selection: Selection, *,
             settings: QuickSelectSettings = QuickSelectSettings(),
             seeds: np.ndarray | None = None, progress: ProgressFn | None = None,
             cancel: CancelToken | None = None) -> np.ndarray:
        """The selected object as float32 H x W in [0, 1] (1 = object).

        image: float32 H x W x 3 RGB in [0, 1]; seeds: uint8 H x W trimap whose
        foreground/background strokes are kept (GrabCut also takes them as hard seeds)."""
        shape = image.shape[:2]
        _check_points(selection.points, shape)
        _check_points(selection.negative, shape)
        if self.name == "sam":
            mask = self._sam(image, selection, progress, cancel).astype(np.float32)
        else:
            mask = self._grabcut(image, selection, settings, seeds, progress, cancel)
        if seeds is not None:
            mask[seeds == FOREGROUND] = 1.0
            mask[seeds == BACKGROUND] = 0.0
        return mask

    def _sam(self, image, selection: Selection, progress, cancel) -> np.ndarray:
        shape = image.shape[:2]
        cancel = cancel or CancelToken()
        if progress is not None:
            progress(0.05, "Segment Anything: encoding the photo")
        session = self._encode(image)
        cancel.raise_if_cancelled()
        if selection.subject:
            result = select_subject(session, shape, SubjectSettings())
            if selection.points or selection.negative:
                # clicks after Select subject refine it: the subject's box plus the clicks
                ys, xs = np.nonzero(result.mask)
                box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
                result = session.predict(Prompt(box, selection.points, selection.negative))
            return result.mask
        inside = None
        box = None
        if selection.rect is not None:
            box = _clip_box(selection.rect, shape)
        elif selection.lasso is not None:
            inside = _lasso_inside(selection.lasso, shape)
            if not inside.any():
                raise MatteError("the lasso encloses no pixel of the image")
            ys, xs = np.nonzero(inside)
            box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
        prompt = Prompt(box, tuple(selection.points), tuple(selection.negative))
        if prompt.empty:
            raise MatteError("quick select needs a box, a lasso, clicks, or the subject")
        mask = session.predict(prompt).mask
        if inside is not None:
            mask &= inside
        return mask

    def _grabcut(self, image, selection: Selection, settings, seeds, progress, cancel
                 ) -> np.ndarray:
        shape = image.shape[:2]
        h, w = shape
        rect = selection.rect
        if selection.subject:
            m = _GRABCUT_SUBJECT_INSET
            rect = (int(m * w), int(m * h), max(2, int((1 - 2 * m) * w)),
                    max(2, int((1 - 2 * m) * h)))
        trimap = None if seeds is None else seeds.copy()
        if selection.points or selection.negative:
            clicks = click_seeds(shape, selection.points, selection.negative,
                                 max(2, round(0.01 * max(h, w))))
            trimap = clicks if trimap is None else np.where(clicks != UNKNOWN, clicks, trimap)
            if rect is None and selection.lasso is None \
                    and not (trimap == BACKGROUND).any():
                # positive clicks alone: the photo's rim is the background
                trimap[[0, -1], :] = BACKGROUND
                trimap[:, [0, -1]] = BACKGROUND
        return grabcut_mask(image, rect=rect, lasso=selection.lasso, trimap=trimap,
                            settings=settings, progress=progress, cancel=cancel)


def selection_trimap(image: np.ndarray, mask: np.ndarray, method: str,
                     settings: QuickSelectSettings = QuickSelectSettings()) -> np.ndarray:
    """The trimap around a quick selection (uint8 H x W in {0, 128, 255}).

    A SAM mask is hard and its edge follows SAM's 4x-reduced mask grid, so the band
    follows the edge (:func:`~matteditor.mask_trimap.mask_to_trimap`: ``settings.band``
    on smooth contours, up to three times that on ragged or busy ones, see-through
    holes unknown); GrabCut's soft selection keeps its own band
    (:func:`~matteditor.quickselect.trimap_from_selection`)."""
    from ..mask_trimap import MaskTrimapSettings, mask_to_trimap
    from ..quickselect import trimap_from_selection

    if method == "sam":
        return mask_to_trimap(mask >= 0.5, image, MaskTrimapSettings(
            band=settings.band, detail_band=3 * settings.band, adaptive=settings.adaptive_band))
    return trimap_from_selection(image, mask, settings)


def subject_trimap(image: np.ndarray, settings: QuickSelectSettings = QuickSelectSettings(),
                   selector: str | None = None) -> tuple[np.ndarray, str]:
    """Select subject and its trimap in one step (the batch's ``--subject``).

    image: float32 H x W x 3 RGB in [0, 1]; selector: "sam", "grabcut" or None (SAM
    when installed).  Returns (uint8 H x W trimap, the selector used); MatteError when
    nothing was selected."""
    used = resolve_selector(selector)
    mask = Selector(used).mask(image, Selection(subject=True), settings=settings)
    trimap = selection_trimap(image, mask, used, settings)
    if not (trimap == FOREGROUND).any() or not (trimap == BACKGROUND).any():
        raise MatteError(f"Select subject ({used}) found no clear subject in this photo "
                         "(no sure object or no sure background); make its trimap with "
                         "'matteditor trimap --rect' instead")
    return trimap, used
