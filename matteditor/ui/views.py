"""What each view shows, as uint8 RGB pixels (numpy only; display.py puts them on screen).

Views (keys 1-6): the photo with the trimap and the live alpha overlaid, the
alpha in gray, the cutout over a checkerboard, over a solid colour, over a
background image, and a before/after split.  The overlay and gray views can
be recomposed for a small rectangle (a stroke); the cutout views only change
when a new alpha arrives and are composed whole with matteditor.compositing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from .. import compositing
from ..document import Document, Rect
from ..trimap import BACKGROUND, FOREGROUND
from .qimage import to_uint8

FG_COLOR = np.array([70, 220, 100], np.float32)    # painted foreground
BG_COLOR = np.array([240, 70, 70], np.float32)     # painted background
TINT_COLOR = np.array([24, 28, 70], np.float32)    # where the alpha says "background"
BAND_ROWS = 512  # compose in bands of rows to keep temporaries small


class ViewMode(enum.IntEnum):
    OVERLAY = 1
    ALPHA = 2
    CHECKER = 3
    COLOR = 4
    IMAGE = 5
    SPLIT = 6

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def regional(self) -> bool:
        """True if a trimap edit can be shown by recomposing just its rectangle."""
        return self in (ViewMode.OVERLAY, ViewMode.ALPHA)


_TITLES = {
    ViewMode.OVERLAY: "Trimap overlay",
    ViewMode.ALPHA: "Alpha matte",
    ViewMode.CHECKER: "Cutout on checkerboard",
    ViewMode.COLOR: "Cutout on colour",
    ViewMode.IMAGE: "Cutout on image",
    ViewMode.SPLIT: "Before / after",
}


@dataclass(frozen=True)
class ViewSettings:
    mode: ViewMode = ViewMode.OVERLAY
    overlay_opacity: float = 0.5                       # trimap colours, 0..1
    alpha_tint: float = 0.6                            # darkening of alpha=0 areas, 0..1
    background_color: tuple[float, float, float] = (1.0, 1.0, 1.0)
    background_offset: tuple[int, int] = (0, 0)        # image pixels
    background_scale: float = 1.0
    split: float = 0.5                                 # before/after divider, 0..1 of width


class Compositor:
    """Turns the document (and an optional background photo) into view pixels."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.photo8 = to_uint8(document.image)
        self.background: np.ndarray | None = None  # float32 H' x W' x 3

    def _colors(self) -> np.ndarray:
        """The cutout's colours: estimated foreground once known, else the photo."""
        doc = self.document
        return doc.foreground if doc.foreground is not None else doc.image

    def render(self, settings: ViewSettings, rect: Rect | None = None) -> tuple[Rect, np.ndarray]:
        """Pixels of ``rect`` (whole image if None, or if the view is not regional).

        Returns (rect actually rendered, uint8 rect.height x rect.width x 3).
        """
        doc = self.document
        if rect is None or not settings.mode.regional:
            rect = doc.bounds
        rect = rect.intersect(doc.bounds)
        if settings.mode.regional:
            out = np.empty((rect.height, rect.width, 3), np.uint8)
            for y in range(rect.y0, rect.y1, BAND_ROWS):
                band = Rect(rect.x0, y, rect.x1, min(rect.y1, y + BAND_ROWS))
                rows = slice(band.y0 - rect.y0, band.y1 - rect.y0)
                if settings.mode is ViewMode.OVERLAY:
                    out[rows] = self._overlay(band, settings)
                else:
                    out[rows] = self._gray(band)
            return rect, out
        return rect, self._full(settings)

    def _overlay(self, r: Rect, s: ViewSettings) -> np.ndarray:
        doc = self.document
        out = self.photo8[r.slices].astype(np.float32)
        if doc.alpha is not None and s.alpha_tint > 0:
            k = (1.0 - doc.alpha[r.slices]) * np.float32(s.alpha_tint)
            out += (TINT_COLOR - out) * k[..., None]
        if s.overlay_opacity > 0:
            t = doc.trimap[r.slices]
            o = np.float32(s.overlay_opacity)
            for label, color in ((FOREGROUND, FG_COLOR), (BACKGROUND, BG_COLOR)):
                m = t == label
                out[m] += (color - out[m]) * o
        return (out + 0.5).astype(np.uint8)

    def _gray(self, r: Rect) -> np.ndarray:
        doc = self.document
        if doc.alpha is not None:
            g = to_uint8(doc.alpha[r.slices])
        else:
            g = doc.trimap[r.slices]  # no alpha yet: show the trimap itself
        return np.repeat(g[..., None], 3, axis=2)

    def composite(self, settings: ViewSettings) -> np.ndarray:
        """Float32 H x W x 3 in [0, 1] of a cutout view at full resolution (for export)."""
        doc = self.document
        if doc.alpha is None:
            return doc.image
        fg, a = self._colors(), doc.alpha
        mode = settings.mode
        if mode is ViewMode.COLOR:
            return compositing.composite_over_color(fg, a, settings.background_color)
        if mode is ViewMode.IMAGE and self.background is not None:
            return compositing.composite_over_image(fg, a, self.background,
                                                    settings.background_offset,
                                                    settings.background_scale)
        return compositing.composite_over_checkerboard(fg, a)

    def _full(self, s: ViewSettings) -> np.ndarray:
        if s.mode is ViewMode.SPLIT:
            out = to_uint8(self.composite(ViewSettings(mode=ViewMode.CHECKER)))
            cut = int(round(np.clip(s.split, 0.0, 1.0) * out.shape[1]))
            out[:, :cut] = self.photo8[:, :cut]
            return out
        return to_uint8(self.composite(s))

    def export_view(self, settings: ViewSettings) -> np.ndarray:
        """The current view at full resolution as float32 H x W x 3 (what is on screen)."""
        rect, pixels = self.render(settings)
        return pixels.astype(np.float32) / 255.0
