"""What a ``matteditor matte`` output file holds, from the command-line options.

Kinds of output:

* cutout (default): straight-alpha RGBA PNG whose RGB is the estimated
  foreground (``--no-foreground``: the photo's own colours), premultiplied
  on request;
* ``--alpha-only``: the matte as a gray PNG/JPEG;
* ``--background COLOR|checkerboard|IMAGE``: an RGB composite, PNG or JPEG.

A JPEG has no transparency, so a JPEG cutout without ``--background`` is
composited over white (and the command says so once on stderr).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..compositing import (
    NAMED_COLORS, composite_over_checkerboard, composite_over_color, composite_over_image,
    cutout_rgba, parse_color, premultiply)
from ..edges import EdgeAdjustments
from ..errors import MatteError
from ..imageio import load_image

JPEG_SUFFIXES = (".jpg", ".jpeg")
TIFF_SUFFIXES = (".tif", ".tiff")
PSD_SUFFIX = ".psd"
CHECKERBOARD_NAMES = ("checkerboard", "checker")
WHITE = (1.0, 1.0, 1.0)


class Backdrop(abc.ABC):
    """Something to composite the foreground over."""

    @abc.abstractmethod
    def render(self, foreground: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        """float32 H x W x 3 composite of foreground (H x W x 3) with alpha (H x W)."""


@dataclass(frozen=True)
class ColorBackdrop(Backdrop):
    rgb: tuple[float, float, float]

    def render(self, foreground, alpha):
        return composite_over_color(foreground, alpha, self.rgb)


class CheckerBackdrop(Backdrop):
    def render(self, foreground, alpha):
        return composite_over_checkerboard(foreground, alpha)


@dataclass(frozen=True, eq=False)
class ImageBackdrop(Backdrop):
    image: np.ndarray  # float32 H x W x 3 in [0, 1], any size: scaled to cover

    def render(self, foreground, alpha):
        return composite_over_image(foreground, alpha, self.image)


def parse_background(text: str) -> Backdrop:
    """A colour (name or #rrggbb), ``checkerboard``, or the path of an image file."""
    key = text.strip().lower()
    if key in CHECKERBOARD_NAMES:
        return CheckerBackdrop()
    try:
        return ColorBackdrop(parse_color(text))
    except MatteError:
        pass
    if Path(text).is_file():
        return ImageBackdrop(load_image(text))
    raise MatteError(f"--background {text!r} is neither a colour (#rrggbb or "
                     f"{', '.join(sorted(NAMED_COLORS))}), 'checkerboard', nor an image file")


def background_path(text: str | None) -> Path | None:
    """The image file a ``--background`` value names (None: a colour, the
    checkerboard, or no --background), by :func:`parse_background`'s rule."""
    if text is None or text.strip().lower() in CHECKERBOARD_NAMES:
        return None
    try:
        parse_color(text)
        return None
    except MatteError:
        pass
    return Path(text) if Path(text).is_file() else None


@dataclass(frozen=True)
class OutputSpec:
    alpha_only: bool = False
    decontaminate: bool = True
    premultiplied: bool = False
    bits: int = 8
    backdrop: Backdrop | None = field(default=None)
    edges: EdgeAdjustments = field(default=EdgeAdjustments())

    def __post_init__(self) -> None:
        if self.bits not in (8, 16):
            raise MatteError(f"--bits must be 8 or 16, not {self.bits}")
        if self.alpha_only and self.backdrop is not None:
            raise MatteError("--alpha-only and --background exclude each other: "
                             "a matte has no background")
        if self.premultiplied and (self.alpha_only or self.backdrop is not None):
            raise MatteError("--premultiplied applies to a transparent cutout only, "
                             "not with --alpha-only or --background")

    def check_path(self, path: Path) -> None:
        """Refuse combinations the output format cannot hold."""
        suffix = path.suffix.lower()
        if suffix in TIFF_SUFFIXES + (PSD_SUFFIX,) and (
                self.alpha_only or self.backdrop is not None or self.premultiplied):
            raise MatteError(f"cannot write {path}: a TIFF or PSD output is a transparent "
                             "cutout (PSD: with the photo and its layer mask); use .png for "
                             "--alpha-only, --background or --premultiplied")
        if suffix == PSD_SUFFIX and self.bits != 8:
            raise MatteError(f"cannot write {path}: the PSD is 8-bit; use .tif for --bits 16")
        if suffix in JPEG_SUFFIXES:
            if self.bits != 8:
                raise MatteError(f"cannot write {path}: JPEG is 8-bit only; use .png for --bits 16")
            if self.premultiplied:
                raise MatteError(f"cannot write {path}: JPEG has no transparency, so "
                                 "--premultiplied makes no sense; use .png")

    def composites_over_white(self, path: Path) -> bool:
        """True when a JPEG cutout has to be flattened over white."""
        return (path.suffix.lower() in JPEG_SUFFIXES and not self.alpha_only
                and self.backdrop is None)

    def needs_foreground(self) -> bool:
        return self.decontaminate and not self.alpha_only

    def render(self, image: np.ndarray, alpha: np.ndarray, foreground: np.ndarray | None,
               path: Path) -> np.ndarray:
        """The array to write at ``path``.

        Args:
            image: float32 H x W x 3 photo in [0, 1].
            alpha: float32 H x W in [0, 1].
            foreground: float32 H x W x 3 estimated colours, or None to use the photo's.
        Returns:
            float32 H x W (alpha), H x W x 3 (composite) or H x W x 4 (cutout).
        """
        if self.alpha_only:
            return alpha
        colours = foreground if foreground is not None else image
        if self.backdrop is not None:
            return self.backdrop.render(colours, alpha)
        if self.composites_over_white(path):
            return composite_over_color(colours, alpha, WHITE)
        rgba = cutout_rgba(colours, alpha)
        return premultiply(rgba) if self.premultiplied else rgba
