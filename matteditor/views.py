"""What each view shows, as uint8 RGB pixels (numpy only; display.py puts them on screen).

Views (keys 1-7): the photo with the trimap and the live alpha overlaid, the
alpha in gray, the cutout over a checkerboard, over a solid colour, over a
background image, a before/after split, and the edge band alone.  Every view
shows the matte with the document's edge adjustments (``Document.matte``).  Every view
can be recomposed for a rectangle alone: a stroke changes the overlay and gray views
only there (:attr:`ViewMode.shows_trimap`), and a matte restored by undo or redo differs
from the one shown only around the edit (``Document.restore_result``), so that region is
all that is recomposed.  Screen pixels are uint8; exports use the float functions of
matteditor.compositing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

import cv2
import numpy as np

from . import compositing
from .compositing import to_uint8
from .document import Document
from .edges import edge_band
from .geometry import Rect
from .trimap import BACKGROUND, FOREGROUND

FG_COLOR = np.array([70, 220, 100], np.float32)    # painted foreground
BG_COLOR = np.array([240, 70, 70], np.float32)     # painted background
TINT_COLOR = np.array([24, 28, 70], np.float32)    # where the alpha says "background"


class ViewMode(enum.IntEnum):
    OVERLAY = 1
    ALPHA = 2
    CHECKER = 3
    COLOR = 4
    IMAGE = 5
    SPLIT = 6
    EDGE = 7

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def shows_trimap(self) -> bool:
        """True if the view shows the trimap being painted (the overlay's colours, and the
        gray view before there is a matte): a trimap edit is recomposed there at once."""
        return self in (ViewMode.OVERLAY, ViewMode.ALPHA)

    @property
    def cutout(self) -> bool:
        """True for the views of the cutout over a backdrop (3-6)."""
        return self in (ViewMode.CHECKER, ViewMode.COLOR, ViewMode.IMAGE, ViewMode.SPLIT)


_TITLES = {
    ViewMode.OVERLAY: "Trimap overlay",
    ViewMode.ALPHA: "Alpha matte",
    ViewMode.CHECKER: "Cutout on checkerboard",
    ViewMode.COLOR: "Cutout on colour",
    ViewMode.IMAGE: "Cutout on image",
    ViewMode.SPLIT: "Before / after",
    ViewMode.EDGE: "Edge band",
}


def view_note(mode: ViewMode, has_matte: bool, has_background: bool) -> str:
    """What the status bar should say about view ``mode`` when it does not show what its
    name promises ("": it does): no matte yet, or view 5 without a background image."""
    if not has_matte and mode is not ViewMode.OVERLAY:
        shows = "the trimap" if mode in (ViewMode.ALPHA, ViewMode.EDGE) else "the photo"
        return (f"No matte yet, so view {int(mode)} ({mode.title}) shows {shows}: paint "
                "foreground (F) and background (B), or drag a box with Quick select (Q)")
    if mode is ViewMode.IMAGE and not has_background:
        return ("No background image yet, so the cutout is shown on the checkerboard: "
                "choose one with View ▸ Background image… (Ctrl+Shift+B)")
    return ""


EDGE_BAND = 8.0   # px each side of the soft edge shown by the edge view


@dataclass(frozen=True)
class ViewSettings:
    mode: ViewMode = ViewMode.OVERLAY
    overlay_opacity: float = 0.5                       # trimap colours, 0..1
    alpha_tint: float = 0.6                            # darkening of alpha=0 areas, 0..1
    background_color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    background_offset: tuple[int, int] = (0, 0)        # image pixels
    background_scale: float = 1.0
    split: float = 0.5                                 # before/after divider, 0..1 of width


def original_view(settings: ViewSettings) -> ViewSettings:
    """``settings`` showing the photo alone ("Show original", P): the overlay view
    with no trimap colours and no matte shading; the other fields are kept."""
    return replace(settings, mode=ViewMode.OVERLAY, overlay_opacity=0.0, alpha_tint=0.0)


class Compositor:
    """Turns the document (and an optional background photo) into view pixels.

    Screen pixels are blended in uint8 with cv2.blendLinear (one threaded
    pass; numpy float arithmetic on 12 MP takes seconds).  Exports use the
    float functions of matteditor.compositing; the two agree within 1/255.
    Thread-safe for reading: the renderer may compose on a worker thread.
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        self.photo8 = to_uint8(document.image)
        self.background: np.ndarray | None = None  # float32 H' x W' x 3
        # (the foreground itself, its uint8 copy): holding the array, not its id(), so a
        # new foreground allocated where a freed one was is never taken for it
        self._fg8: tuple[np.ndarray, np.ndarray] | None = None
        # (what the backdrop depends on, the whole backdrop in uint8): a rectangle of a
        # cutout view is then one slice and one blend (numpy only: no Qt image is kept)
        self._back8: tuple[tuple, np.ndarray] | None = None
        self._tint: np.ndarray | None = None          # TINT_COLOR, the photo's size

    def _colors(self) -> np.ndarray:
        """The cutout's colours: estimated foreground once known, else the photo."""
        colors = self.document.matte().colors
        return colors if colors is not None else self.document.image

    def _colors8(self) -> np.ndarray:
        fg = self.document.matte().colors
        if fg is None:
            return self.photo8
        cached = self._fg8
        if cached is None or cached[0] is not fg:
            cached = (fg, to_uint8(fg))
            self._fg8 = cached
        return cached[1]

    def render(self, settings: ViewSettings, rect: Rect | None = None) -> tuple[Rect, np.ndarray]:
        """Pixels of ``rect`` (the whole image if None) of the view ``settings`` shows.

        Returns (rect actually rendered: ``rect`` clipped to the image, uint8
        rect.height x rect.width x 3).  Any rectangle gives the same pixels as the same
        region of the whole view.
        """
        doc = self.document
        rect = doc.bounds if rect is None else rect.intersect(doc.bounds)
        mode = settings.mode
        if mode is ViewMode.OVERLAY:
            return rect, self._overlay(rect, settings)
        if mode is ViewMode.ALPHA:
            return rect, self._gray(rect)
        if mode is ViewMode.EDGE:
            return rect, self._edge(rect)
        return rect, self._cutout(rect, settings)

    def _overlay(self, r: Rect, s: ViewSettings) -> np.ndarray:
        doc = self.document
        out = self.photo8[r.slices]
        alpha = doc.matte().alpha
        if alpha is not None and s.alpha_tint > 0:
            # w = tint * (1 - alpha) in one OpenCV pass; the tint colour is one cached
            # image sliced (filling a constant image costs as much as the blend)
            a = np.ascontiguousarray(alpha[r.slices])
            w = cv2.addWeighted(a, -float(s.alpha_tint), a, 0.0, float(s.alpha_tint))
            out = cv2.blendLinear(np.ascontiguousarray(out), self._tint8()[r.slices],
                                  1.0 - w, w)
        else:
            out = out.copy()
        if s.overlay_opacity > 0:
            # the label colours and weights by table look-up (numpy's gathers: ~6x slower)
            t = np.ascontiguousarray(doc.trimap[r.slices])
            w = cv2.LUT(t, _LABEL_WEIGHT_LUT) * np.float32(s.overlay_opacity)
            colours = cv2.LUT(cv2.merge((t, t, t)), _LABEL_COLOR_LUT)
            out = cv2.blendLinear(out, colours, 1.0 - w, w)
        return out

    def _tint8(self) -> np.ndarray:
        if self._tint is None:
            tint = np.empty_like(self.photo8)
            tint[...] = TINT_COLOR.astype(np.uint8)
            self._tint = tint
        return self._tint

    def _gray(self, r: Rect) -> np.ndarray:
        doc = self.document
        alpha = doc.matte().alpha
        g = to_uint8(alpha[r.slices]) if alpha is not None else doc.trimap[r.slices].copy()
        return cv2.cvtColor(g, cv2.COLOR_GRAY2RGB)  # no alpha yet: the trimap itself

    def _edge(self, r: Rect) -> np.ndarray:
        """The matte in gray inside its edge band (EDGE_BAND px around the soft
        edge), the photo dimmed to a quarter elsewhere: where the controls act."""
        alpha = self.document.matte().alpha
        if alpha is None:
            return self._gray(r)
        # the band at a pixel depends on the matte within EDGE_BAND px (and one more
        # for the steps across 0.5): computed on the rectangle grown by that much
        reach = int(np.ceil(EDGE_BAND)) + 2
        h, w = alpha.shape
        grown = r.grow(reach, w, h)
        band = edge_band(alpha[grown.slices], EDGE_BAND)
        band = band[r.y0 - grown.y0:r.y1 - grown.y0, r.x0 - grown.x0:r.x1 - grown.x0]
        out = self.photo8[r.slices] >> 2
        gray = cv2.cvtColor(to_uint8(alpha[r.slices]), cv2.COLOR_GRAY2RGB)
        return cv2.copyTo(gray, band.view(np.uint8), out)   # the gray inside the band

    def _backdrop8(self, s: ViewSettings, h: int, w: int) -> np.ndarray:
        """The whole backdrop of cutout view ``s`` in uint8 (made once per setting)."""
        mode = ViewMode.CHECKER if s.mode is ViewMode.SPLIT else s.mode
        if mode is ViewMode.IMAGE and self.background is None:
            mode = ViewMode.CHECKER
        if mode is ViewMode.COLOR:
            key: tuple = (mode, h, w, s.background_color)
        elif mode is ViewMode.IMAGE:
            key = (mode, h, w, self.background, s.background_offset, s.background_scale)
        else:
            key = (mode, h, w)
        cached = self._back8
        if cached is not None and len(cached[0]) == len(key) \
                and all(a is b or (not isinstance(a, np.ndarray) and a == b)
                        for a, b in zip(cached[0], key)):
            return cached[1]
        if mode is ViewMode.COLOR:
            out = np.empty((h, w, 3), np.uint8)
            out[...] = np.rint(np.asarray(s.background_color) * 255).astype(np.uint8)
        elif mode is ViewMode.IMAGE:
            out = to_uint8(compositing.fit_background(self.background, h, w,
                                                      s.background_offset, s.background_scale))
        else:
            out = to_uint8(compositing.checkerboard(h, w))
        self._back8 = (key, out)
        return out

    def _cutout(self, r: Rect, s: ViewSettings) -> np.ndarray:
        doc = self.document
        alpha = doc.matte().alpha
        if alpha is None:
            return self.photo8[r.slices].copy()
        h, w = alpha.shape
        a = np.ascontiguousarray(alpha[r.slices])
        back = self._backdrop8(s, h, w)[r.slices]
        out = cv2.blendLinear(np.ascontiguousarray(self._colors8()[r.slices]),
                              np.ascontiguousarray(back), a, 1.0 - a)
        if s.mode is ViewMode.SPLIT:
            cut = int(round(np.clip(s.split, 0.0, 1.0) * w)) - r.x0
            if cut > 0:
                out[:, :cut] = self.photo8[r.slices][:, :cut]
        return out

    def composite(self, settings: ViewSettings) -> np.ndarray:
        """Float32 H x W x 3 in [0, 1] of a cutout view at full resolution (for export)."""
        doc = self.document
        a = doc.matte().alpha
        if a is None:
            return doc.image
        fg = self._colors()
        mode = settings.mode
        if mode is ViewMode.COLOR:
            return compositing.composite_over_color(fg, a, settings.background_color)
        if mode is ViewMode.IMAGE and self.background is not None:
            return compositing.composite_over_image(fg, a, self.background,
                                                    settings.background_offset,
                                                    settings.background_scale)
        out = compositing.composite_over_checkerboard(fg, a)
        if mode is ViewMode.SPLIT:
            cut = int(round(np.clip(settings.split, 0.0, 1.0) * a.shape[1]))
            out[:, :cut] = doc.image[:, :cut]
        return out

    def export_view(self, settings: ViewSettings) -> np.ndarray:
        """The current view at full resolution as float32 H x W x 3 in [0, 1]:
        cutout views composed in float, the overlay, gray and edge views as on screen."""
        if not settings.mode.cutout:
            return self.render(settings)[1].astype(np.float32) / np.float32(255)
        return self.composite(settings)


_LABEL_COLOR = np.zeros((256, 3), np.uint8)
_LABEL_COLOR[FOREGROUND] = FG_COLOR
_LABEL_COLOR[BACKGROUND] = BG_COLOR
_LABEL_WEIGHT = np.zeros(256, np.float32)
_LABEL_WEIGHT[[FOREGROUND, BACKGROUND]] = 1.0
_LABEL_COLOR_LUT = _LABEL_COLOR.reshape(1, 256, 3)     # as cv2.LUT takes them
_LABEL_WEIGHT_LUT = _LABEL_WEIGHT.reshape(1, 256)
