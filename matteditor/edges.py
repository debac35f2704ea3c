"""Global edge controls of a matte: clean-up, smooth, feather, contrast, shift edge, decontamination.

The controls of Photoshop's Select and Mask (and GIMP's and Krita's
grow/shrink/feather/remove-holes) as a non-destructive, pure-numpy/OpenCV
step after the engine: :class:`EdgeAdjustments` holds the settings (frozen,
validated, stored in project files through :meth:`~EdgeAdjustments.to_dict`
/ :meth:`~EdgeAdjustments.from_dict`) and :meth:`~EdgeAdjustments.apply`
turns an engine's alpha into the adjusted one.  No Qt here.

Order of operations (fixed; each step sees the previous one's result):

1. **fill holes** — enclosed holes of the matte become opaque;
2. **remove islands** — small detached specks become transparent;
3. **smooth** — hills and valleys of the outline narrower than the radius go;
4. **feather** — Gaussian blur of the transition;
5. **contrast** — the transition is steepened around alpha = 0.5;
6. **shift edge** — the soft edge moves out (spread) or in (choke);
7. **known trimap regions** are put back: where a trimap is given, its
   definite foreground stays exactly 1 and its definite background exactly
   0, whatever the controls did (the engines keep them exact too, and what
   the user painted as definite is a statement, not a guess).  The controls
   act on the whole matte otherwise, so a feather or choke wider than the
   unknown band is cut at the band's edge: widen the band to let it through.

Decontamination does not change alpha: :func:`decontaminate` blends the
photo's colours with the estimated foreground colours by
:attr:`EdgeAdjustments.decontamination`.

Sizes are in pixels of the alpha given to ``apply``; for a reduced preview,
use :meth:`EdgeAdjustments.scaled`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Any, Mapping

import cv2
import numpy as np

from .errors import MatteError, ProjectError
from .trimap import BACKGROUND, FOREGROUND

log = logging.getLogger(__name__)

MAX_SMOOTH = 20          # px; opening/closing cost grows with the square of the radius
MAX_FEATHER = 250.0      # px, Photoshop's limit
# Clean-up thresholds: a region's core is where alpha is past 0.5; its soft
# rim reaches out to where alpha is within RIM of fully opaque / transparent.
CORE = 0.5
RIM = 0.05
# Below this a Gaussian blur is one cheap OpenCV call; above it three box
# filters (constant cost per pixel) stand in for it.
_EXACT_GAUSS_SIGMA = 8.0
_BAND_DISK_MAX = 16.0    # px; a wider edge band by a distance transform (a disk's cost grows)
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


class AdjustmentError(MatteError, ValueError):
    """An edge setting out of its range (a MatteError: the command line prints one line)."""


@dataclasses.dataclass(frozen=True)
class EdgeAdjustments:
    """Settings of the edge controls; the defaults change nothing.

    Attributes:
        smooth: radius in px (0..20) of the outline smoothing: bumps and
            notches narrower than about twice the radius are removed, straight
            edges and their softness are kept (grayscale opening then closing
            with a disk).
        feather: px (0..250): Gaussian blur of standard deviation ``feather``.
        contrast: % (0..100): steepens the transition around alpha = 0.5 by a
            gain of 1 / (1 - contrast/100); 100 is a hard threshold.
        shift_edge: % (-100..100): moves a soft edge outward (spread, > 0) or
            inward (choke, < 0) by that share of its transition: +50 makes the
            former alpha 0.25 the new 0.5; +100 makes every non-zero alpha 1,
            -100 every alpha below 1 zero.
        fill_holes: False (off), True (every enclosed hole) or an int N > 0
            (holes whose core is at most N px).  A hole is a region of alpha
            below 0.5 that does not reach the image border and is enclosed by
            alpha of at least 0.95; it and its soft rim become 1.
        remove_islands: px (0 = off): detached regions whose core (alpha >=
            0.5) has fewer pixels than this become 0, with their soft rim.
        decontamination: 0..1: how much of the estimated foreground colour
            replaces the photo's colour in cutouts (see :func:`decontaminate`);
            1, the default, is the fully decontaminated cutout the editor
            always made.
    """

    smooth: int = 0
    feather: float = 0.0
    contrast: float = 0.0
    shift_edge: float = 0.0
    fill_holes: bool | int = False
    remove_islands: int = 0
    decontamination: float = 1.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "smooth", _int_in("smooth", self.smooth, 0, MAX_SMOOTH))
        set_(self, "feather", _float_in("feather", self.feather, 0.0, MAX_FEATHER))
        set_(self, "contrast", _float_in("contrast", self.contrast, 0.0, 100.0))
        set_(self, "shift_edge", _float_in("shift_edge", self.shift_edge, -100.0, 100.0))
        set_(self, "remove_islands", _int_in("remove_islands", self.remove_islands, 0, None))
        set_(self, "decontamination",
             _float_in("decontamination", self.decontamination, 0.0, 1.0))
        holes = self.fill_holes
        if not isinstance(holes, bool):
            holes = _int_in("fill_holes", holes, 0, None, what="true, false or a hole area in px")
            if holes == 0:
                holes = False
        set_(self, "fill_holes", holes)

    @property
    def changes_alpha(self) -> bool:
        """Whether :meth:`apply` changes anything."""
        return bool(self.smooth or self.feather or self.contrast or self.shift_edge
                    or self.fill_holes or self.remove_islands)

    @property
    def is_identity(self) -> bool:
        """True when neither alpha nor the cutout's colours change (the defaults)."""
        return not self.changes_alpha and self.decontamination == 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, for project files."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EdgeAdjustments:
        """Settings from :meth:`to_dict`'s form; missing keys take their default.

        Raises:
            ProjectError naming an unknown key or a bad value.
        """
        if not isinstance(data, Mapping):
            raise ProjectError(f"edge adjustments must be a mapping, not {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise ProjectError(f"unknown edge adjustment(s): {', '.join(unknown)} "
                               f"(known: {', '.join(sorted(known))})")
        try:
            return cls(**data)
        except AdjustmentError as e:
            raise ProjectError(f"bad edge adjustment: {e}") from None

    def scaled(self, factor: float) -> EdgeAdjustments:
        """The same look on an alpha ``factor`` times the size (e.g. 0.25 for a
        reduced preview): lengths scale by ``factor``, areas by its square."""
        if not (factor > 0 and math.isfinite(factor)):
            raise AdjustmentError(f"scale factor must be positive, not {factor}")
        holes = self.fill_holes
        if not isinstance(holes, bool):
            holes = max(1, round(holes * factor * factor))
        islands = self.remove_islands and max(1, round(self.remove_islands * factor * factor))
        return dataclasses.replace(
            self, smooth=min(MAX_SMOOTH, round(self.smooth * factor)),
            feather=min(MAX_FEATHER, self.feather * factor), fill_holes=holes,
            remove_islands=islands)

    def apply(self, alpha: np.ndarray, trimap: np.ndarray | None = None) -> np.ndarray:
        """The adjusted matte (see the module docstring for the order of steps).

        Args:
            alpha: float H x W in [0, 1] (the engine's matte; not modified).
            trimap: optional uint8 H x W in {0, 128, 255}; its known regions
                are kept exactly 0 / 1 after the adjustments.
        Returns:
            float32 H x W in [0, 1]; a copy equal bit for bit to ``alpha``
            when :attr:`changes_alpha` is False.
        Raises:
            AdjustmentError for arrays of the wrong shape or type.
        """
        a = _check_alpha(alpha)
        if trimap is not None and np.shape(trimap) != a.shape:
            raise AdjustmentError(f"trimap shape {np.shape(trimap)} differs from alpha's {a.shape}")
        out = a.copy()
        if not self.changes_alpha:
            return out
        if self.fill_holes:
            out = fill_holes(out, None if self.fill_holes is True else int(self.fill_holes))
        if self.remove_islands:
            out = remove_islands(out, self.remove_islands)
        if self.smooth:
            out = smooth(out, self.smooth)
        if self.feather:
            out = feather(out, self.feather)
        if self.contrast:
            out = contrast(out, self.contrast)
        if self.shift_edge:
            out = shift_edge(out, self.shift_edge)
        if trimap is not None:
            out[trimap == BACKGROUND] = 0.0
            out[trimap == FOREGROUND] = 1.0
        return out


def _int_in(name: str, value: Any, lo: int, hi: int | None, what: str = "") -> int:
    ok = ((isinstance(value, (int, np.integer)) and not isinstance(value, bool))
          or (isinstance(value, float) and value.is_integer()))
    if not ok or int(value) < lo or (hi is not None and int(value) > hi):
        rng = f"{lo}..{hi}" if hi is not None else f"an integer >= {lo}"
        raise AdjustmentError(f"{name} must be {what or rng}, not {value!r}")
    return int(value)


def _float_in(name: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not lo <= float(value) <= hi:  # NaN fails this too
        raise AdjustmentError(f"{name} must be a number in {lo:g}..{hi:g}, not {value!r}")
    return float(value)


def _check_alpha(alpha: np.ndarray) -> np.ndarray:
    a = np.asarray(alpha)
    if a.ndim != 2 or a.dtype.kind != "f" or a.size == 0:
        raise AdjustmentError(f"alpha must be a float H x W array, got {a.dtype} {a.shape}")
    return a.astype(np.float32, copy=False)


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _regions(mask: np.ndarray, core: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """8-connected components of ``mask``: labels, each one's core pixel count
    and whether it touches the image border (index = label; 0 is outside)."""
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8, ltype=cv2.CV_32S)
    core_area = np.bincount(labels[core & mask], minlength=n)
    border = np.zeros(n, bool)
    for edge in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        border[edge] = True
    border[0] = False
    return labels, core_area, border


def fill_holes(alpha: np.ndarray, max_area: int | None = None) -> np.ndarray:
    """Holes (see :attr:`EdgeAdjustments.fill_holes`) of at most ``max_area``
    core pixels (None: any size) set to 1; a bay open to the border is no hole.

    A hole is found as a region of alpha < 0.95 that does not touch the
    border, so that its soft rim is filled with it (scipy's binary_fill_holes
    at 0.5 would leave the rim as a faint ring); the pixels next to it of
    alpha >= 0.95 become 1 too.
    """
    a = _check_alpha(alpha)
    labels, core_area, border = _regions(a < 1.0 - RIM, a < CORE)
    chosen = ~border & (core_area > 0)
    chosen[0] = False
    if max_area is not None:
        chosen &= core_area <= max_area
    filled = chosen[labels]
    fringe = cv2.dilate(filled.astype(np.uint8), _disk(1)).astype(bool) & (a >= 1.0 - RIM)
    out = a.copy()
    out[filled | fringe] = 1.0
    log.debug("filled %d hole(s)", int(chosen.sum()))
    return out


def remove_islands(alpha: np.ndarray, min_area: int) -> np.ndarray:
    """Detached regions of alpha > 0.05 whose core (alpha >= 0.5) has fewer
    than ``min_area`` pixels set to 0, with the faint fringe (alpha <= 0.05)
    around them."""
    a = _check_alpha(alpha)
    labels, core_area, _ = _regions(a > RIM, a >= CORE)
    chosen = core_area < min_area
    chosen[0] = False
    gone = chosen[labels]
    fringe = cv2.dilate(gone.astype(np.uint8), _disk(1)).astype(bool) & (a <= RIM)
    out = a.copy()
    out[gone | fringe] = 0.0
    log.debug("removed %d island(s)", int(chosen.sum()))
    return out


def smooth(alpha: np.ndarray, radius: int) -> np.ndarray:
    """Outline smoothing: grayscale opening then closing with a disk of ``radius``.

    A straight soft edge comes back unchanged (erosion and dilation by the
    same disk cancel on it) while spikes and notches narrower than the disk
    go, which is what Photoshop's Smooth does to "hills and valleys".  The
    guided filter (matteditor.guided_filter) was not used: it re-estimates
    alpha from the photo's colours, changing the matte inside as well, and
    widens the transition where the photo's edge is weak.
    """
    a = _check_alpha(alpha)
    if radius <= 0:
        return a.copy()
    k = _disk(int(radius))
    opened = cv2.morphologyEx(a, cv2.MORPH_OPEN, k, borderType=cv2.BORDER_REPLICATE)
    return cv2.morphologyEx(opened, cv2.MORPH_CLOSE, k, borderType=cv2.BORDER_REPLICATE)


def _box_sizes(sigma: float, passes: int = 3) -> list[int]:
    """Odd box widths whose ``passes`` successive box filters have variance
    sigma^2 (Kovesi, "Fast almost-Gaussian filtering", 2010).  Written here
    because OpenCV's GaussianBlur is a direct convolution whose cost grows with
    sigma (about 40 s for sigma 250 on 12 MP) while its box filter has a
    constant cost per pixel; no library offers the combination."""
    ideal = math.sqrt(12.0 * sigma * sigma / passes + 1.0)
    lower = int(ideal)
    if lower % 2 == 0:
        lower -= 1
    upper = lower + 2
    m = round((12.0 * sigma * sigma - passes * lower * lower - 4 * passes * lower - 3 * passes)
              / (-4 * lower - 4))
    return [lower if i < m else upper for i in range(passes)]


def feather(alpha: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of standard deviation ``sigma`` px (edges replicated);
    above 8 px three box filters approximate it at a cost independent of sigma."""
    a = _check_alpha(alpha)
    if sigma <= 0:
        return a.copy()
    if sigma <= _EXACT_GAUSS_SIGMA:
        out = cv2.GaussianBlur(a, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    else:
        out = a
        for width in _box_sizes(sigma):
            out = cv2.blur(out, (width, width), borderType=cv2.BORDER_REPLICATE)
    return np.clip(out, 0.0, 1.0, out=out)  # a new array from OpenCV


def contrast(alpha: np.ndarray, percent: float) -> np.ndarray:
    """Steeper transition around 0.5: gain 1 / (1 - percent/100); 100 % thresholds."""
    a = _check_alpha(alpha)
    if percent >= 100.0:
        return (a >= CORE).astype(np.float32)
    gain = np.float32(1.0 / (1.0 - percent / 100.0))
    return np.clip((a - np.float32(CORE)) * gain + np.float32(CORE), 0.0, 1.0)


def shift_edge(alpha: np.ndarray, percent: float) -> np.ndarray:
    """Move the soft edge out (> 0, spread) or in (< 0, choke) by ``percent`` of
    its transition: alpha / (1 - s) for s = percent/100 > 0, (alpha - t) / (1 - t)
    for t = -s > 0, clipped to [0, 1]; at +-100 % every partial pixel becomes 1 / 0."""
    a = _check_alpha(alpha)
    s = percent / 100.0
    if s >= 1.0:
        return (a > 0.0).astype(np.float32)
    if s <= -1.0:
        return (a >= 1.0).astype(np.float32)
    if s >= 0.0:
        return np.clip(a / np.float32(1.0 - s), 0.0, 1.0)
    t = np.float32(-s)
    return np.clip((a - t) / (np.float32(1.0) - t), 0.0, 1.0)


def edge_band(alpha: np.ndarray, width: float) -> np.ndarray:
    """Where the edge is, for a view of the edge band alone.

    Returns bool H x W: True within ``width`` px (Euclidean) of a partial
    pixel (1/255 < alpha < 254/255) or of a step across 0.5 between
    neighbours (a hard edge has no partial pixels).
    """
    a = _check_alpha(alpha)
    if not (width >= 0 and math.isfinite(width)):
        raise AdjustmentError(f"edge band width must be >= 0 px, not {width}")
    eps = np.float32(1.0 / 255.0)
    seeds = (a > eps) & (a < 1.0 - eps)
    # both pixels of a step across 0.5 count (a 4-neighbour on the other side; none at borders)
    inside = (a >= CORE).view(np.uint8)
    seeds |= cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, _CROSS).view(bool)
    if width < 1.0 or not seeds.any():
        return seeds
    if width <= _BAND_DISK_MAX:   # a disk's dilation: the distance transform's pixels, 5x faster
        r = int(width)
        dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
        return cv2.dilate(seeds.view(np.uint8), (dx * dx + dy * dy <= width * width)
                          .astype(np.uint8)).view(bool)
    dist = cv2.distanceTransform((~seeds).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return dist <= width


def decontaminate(image: np.ndarray, foreground: np.ndarray, amount: float) -> np.ndarray:
    """Cutout colours: ``(1 - amount) * image + amount * foreground``.

    Args:
        image: float H x W x 3 in [0, 1], the photo.
        foreground: float H x W x 3 in [0, 1], estimated foreground colours
            (matteditor.foreground.estimate_foreground).
        amount: 0 (the photo's colours, fringes included) .. 1 (fully
            decontaminated).
    Returns:
        float32 H x W x 3 in [0, 1].
    """
    amount = _float_in("decontamination", amount, 0.0, 1.0)
    img = np.asarray(image, dtype=np.float32)
    fg = np.asarray(foreground, dtype=np.float32)
    if img.ndim != 3 or img.shape[2] != 3 or fg.shape != img.shape:
        raise AdjustmentError(f"image and foreground must both be H x W x 3, got "
                              f"{img.shape} and {fg.shape}")
    out = img * np.float32(1.0 - amount)
    out += fg * np.float32(amount)
    return np.clip(out, 0.0, 1.0, out=out)
