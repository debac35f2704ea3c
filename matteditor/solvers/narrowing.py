"""Band narrowing: label the pure pixels of a wide unknown band before the solve.

A person paints a rough trimap: its unknown band is much wider than the true
transition, and a matting solve spreads partial alpha over the pure foreground
and background inside it while the true transition's pixels get their known
samples from far away (docs/trimaps.md).  This step gives the band's pure
pixels their label first, from the photo and the trimap alone, and leaves the
transition unknown.

It is known-region expansion after Gastal and Oliveira ("Shared Sampling for
Real-Time Alpha Matting", Eurographics 2010: the pre-step in which an unknown pixel
near a known one, in position and colour, takes its label), made per image and
guarded:

- **models from this photo**: foreground and background samples are the known
  pixels within :attr:`NarrowingSettings.sample_margin` of the band, in a joint
  space of colour and position (colour in [0, 1]; positions times
  :attr:`~NarrowingSettings.position_scale` per pixel), so a band pixel is
  compared with the known pixels near the band, nearby ones first;
- **a confidence test**: a band pixel is foreground when its nearest foreground
  sample is within :attr:`~NarrowingSettings.near` and its nearest background
  sample at least :attr:`~NarrowingSettings.contrast` times as far (and the
  same with the labels swapped), so a colour both sides share stays unknown;
- **propagation from the known region**: only confident pixels connected to
  their own known region through confident pixels of the same label take it
  (the expansion grows from the trimap's known regions, as in the paper, rather
  than labelling islands inside the band);
- **a kept margin**: :attr:`~NarrowingSettings.keep` pixels next to what stays
  unknown stay unknown, so the solve has room for the transition;
- **only wide bands between known regions**: bands whose pixels are mostly within
  :attr:`~NarrowingSettings.min_depth` pixels of a known pixel (the tight bands
  of Composition-1k) are left as they are, and so are scribbles (known strokes
  thinner than :attr:`~NarrowingSettings.min_known_depth` twice, the rest unknown).

:func:`narrow_band` returns the narrowed trimap; the caller solves it and gives
the user's trimap's known pixels their values (they are never changed here).
:func:`relabel_solved` then labels the pure pixels next to the transition where that
solve and a weaker colour test agree, for a second solve (solve, then relabel).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import cKDTree

from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN


@dataclass(frozen=True)
class NarrowingSettings:
    """How :func:`narrow_band` labels a wide band's pure pixels (see the module's text)."""

    #: narrow at all
    enabled: bool = True
    #: narrow only when this share of the band lies deeper than ``min_depth`` (half of it
    #: over 10 px from a known pixel: a band over about 20 px wide; on eval-dev's first 64
    #: given crops it labels 5% of the band on average).  At a quarter, those given crops
    #: lost 1.5% (0.653x closed-form's SAD against 0.643x unnarrowed); at a half 0.643x, and
    #: the same on bands widened by 25 px (whose halves all lie deeper than 16 px)
    min_deep_share: float = 0.5
    #: ... pixels from the nearest known pixel (distance transform)
    min_depth: float = 10.0
    #: narrow only when the foreground and the background each have a pixel deeper than
    #: this inside (regions, not strokes: a few scribbles are left to fast-cf's pyramid)
    min_known_depth: float = 8.0
    #: known pixels within this many pixels of the band are the samples
    sample_margin: int = 30
    #: about this many samples per label at most (an even subset beyond)
    max_samples: int = 40_000
    #: positions' weight in the joint space, per pixel (colour in [0, 1]): 60 px count as
    #: much as ``near``.  At 0.004 pixels deep in a band widened by 25 px matched no sample;
    #: on eval-dev's crops widened by 25 px 0.002 labelled less and scored worse
    position_scale: float = 0.001
    #: a pixel's nearest same-label sample within this joint distance
    near: float = 0.06
    #: ... and its nearest other-label sample at least this many times as far
    contrast: float = 2.5
    #: pixels next to what stays unknown that stay unknown too.  With the second solve on,
    #: on eval-dev's first 64 crops (x closed-form's SAD, first / second half by name):
    #: widened by 25 px 4 px gave 0.854 / 0.818, 6 px 0.862 / 0.833, 3 px 0.853 / 0.818;
    #: the given crops 0.669 / 0.619, 0.669 / 0.618 and 0.673 / 0.620 (docs/trimaps.md)
    keep: int = 4
    #: the confidence test runs on the photo reduced to about this many pixels (larger
    #: photos only; the labels are then checked against the full-size band)
    work_pixels: int = 400_000
    #: expansions: each next one takes the pixels the previous labelled as samples
    passes: int = 1
    #: solve, then relabel (:func:`relabel_solved`): after the narrowed trimap's solve, a
    #: band pixel whose alpha is below this (above 1 minus this) becomes background
    #: (foreground) when the colour test agrees, and the band is solved again; 0 switches
    #: the second solve off.  On eval-dev's first 64 crops widened by 25 px, x closed-form's
    #: SAD (first / second half by name): 0.92x (0.91 / 0.93) without; 0.85x (0.86 / 0.83)
    #: at 0.15; 0.05: 0.88 / 0.86; 0.10: 0.86 / 0.84; 0.20: 0.87 / 0.82.  The given crops:
    #: 0.65x (0.685 / 0.616) without, 0.64x (0.669 / 0.618) at 0.15 (most are not
    #: narrowed).  It costs a second solve of the smaller band: the editor's exact answer
    #: after a stroke on a 2.5 MP photo 2.4 s without, 4.15 s with (docs/trimaps.md)
    relabel_alpha: float = 0.15
    #: ... agrees: the nearest sample of the solve's side at least this many times nearer
    #: than the other side's (the ``contrast`` test without ``near``).  At 0.15: 1.25 gives
    #: 0.87 / 0.85, 1.75 0.87 / 0.79; at 0.10: 2.0 0.87 / 0.92, and without the colour
    #: test 0.86 / 0.93 (the second half gains nothing: the agreement is the point)
    relabel_contrast: float = 1.5
    #: pixels next to what stays unknown that stay unknown for the second solve (at 0.10:
    #: 2 px 0.87 / 0.86, 3 px 0.86 / 0.84, 4 px 0.87 / 0.83; at 0.15 4 px 0.87 / 0.82)
    relabel_keep: int = 3
    #: solve again only when the relabelling takes at least this share of the narrowed
    #: band (0 gave the same figures on those crops; it spares a solve for a few pixels)
    relabel_min_share: float = 0.05

    def __post_init__(self) -> None:
        for name in ("min_depth", "position_scale", "near", "contrast"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0 <= self.min_deep_share <= 1:
            raise ValueError(f"min_deep_share must be in [0, 1], got {self.min_deep_share}")
        if self.min_known_depth < 0:
            raise ValueError(f"min_known_depth must be >= 0, got {self.min_known_depth}")
        if self.work_pixels < 1:
            raise ValueError(f"work_pixels must be >= 1, got {self.work_pixels}")
        if self.sample_margin < 1 or self.max_samples < 1 or self.keep < 0:
            raise ValueError("sample_margin and max_samples must be >= 1, keep >= 0")
        if self.passes < 1:
            raise ValueError(f"passes must be >= 1, got {self.passes}")
        if not 0 <= self.relabel_alpha < 0.5 or self.relabel_contrast < 1:
            raise ValueError("relabel_alpha must be in [0, 0.5), relabel_contrast >= 1")
        if self.relabel_keep < 0 or not 0 <= self.relabel_min_share <= 1:
            raise ValueError("relabel_keep must be >= 0, relabel_min_share in [0, 1]")


def _depth(mask: np.ndarray) -> np.ndarray:
    return cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)


def band_is_wide(trimap: np.ndarray, settings: NarrowingSettings = NarrowingSettings()) -> bool:
    """Whether ``trimap`` (uint8 H x W in {0, 128, 255}) is one to narrow: at least
    ``min_deep_share`` of its unknown pixels lie deeper than ``min_depth``, and its
    foreground and background are regions (each deeper than ``min_known_depth`` somewhere)."""
    unknown = trimap == UNKNOWN
    n = int(np.count_nonzero(unknown))
    if n == 0 or n == trimap.size:
        return False
    if np.count_nonzero(_depth(unknown) > settings.min_depth) < settings.min_deep_share * n:
        return False
    return all(_depth(trimap == label).max() > settings.min_known_depth
               for label in (FOREGROUND, BACKGROUND))


def _features(image: np.ndarray, ys: np.ndarray, xs: np.ndarray, scale: float) -> np.ndarray:
    return np.concatenate([image[ys, xs].astype(np.float32),
                           scale * np.stack([ys, xs], axis=1).astype(np.float32)], axis=1)


def _samples(mask: np.ndarray, near_band: np.ndarray,
             limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The pixels of ``mask`` near the band, at most about ``limit``: beyond, every n-th by a
    hash of the position, so a stroke elsewhere leaves the subset (and the answer) as it was."""
    ys, xs = np.nonzero(mask & near_band)
    if len(ys) > limit:
        step = -(-len(ys) // limit)
        code = (ys.astype(np.int64) * 73856093) ^ (xs.astype(np.int64) * 19349663)
        keep = code % step == 0
        ys, xs = ys[keep], xs[keep]
    return ys, xs


def _reached(seed: np.ndarray, confident: np.ndarray) -> np.ndarray:
    """The confident pixels 8-connected to ``seed`` through confident pixels."""
    count, labels = cv2.connectedComponents((seed | confident).astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros_like(seed)
    touching = np.zeros(count, bool)
    touching[np.unique(labels[seed])] = True
    touching[0] = False
    return touching[labels] & confident


def narrow_band(image: np.ndarray, trimap: np.ndarray,
                settings: NarrowingSettings = NarrowingSettings()) -> np.ndarray:
    """The trimap with its wide band's pure pixels labelled (a new array; ``trimap``
    itself when nothing changes).

    Args:
        image: float32 H x W x 3 RGB in [0, 1].
        trimap: uint8 H x W in {0, 128, 255}.
    Returns:
        uint8 H x W in {0, 128, 255}: the known pixels of ``trimap`` unchanged, some of
        its unknown ones foreground or background.
    """
    if not settings.enabled or not band_is_wide(trimap, settings):
        return trimap
    out = trimap
    for _ in range(settings.passes):
        step = _expand(image, out, settings)
        if step is out:
            break
        out = step
    return out


def _expand(image: np.ndarray, trimap: np.ndarray, settings: NarrowingSettings) -> np.ndarray:
    """One expansion of the known regions into the band (``trimap`` itself if none)."""
    unknown = trimap == UNKNOWN
    fg, bg = trimap == FOREGROUND, trimap == BACKGROUND
    if not fg.any() or not bg.any():
        return trimap
    planes = _planes(image, trimap, settings, settings.contrast, settings.near)
    if planes is None:
        return trimap
    new_fg = _reached(fg, planes[0])
    new_bg = _reached(bg, planes[1])
    _keep_margin(unknown, new_fg, new_bg, settings.keep)
    if not (new_fg.any() or new_bg.any()):
        return trimap
    out = trimap.copy()
    out[new_fg] = FOREGROUND
    out[new_bg] = BACKGROUND
    return out


def _keep_margin(unknown: np.ndarray, new_fg: np.ndarray, new_bg: np.ndarray,
                 keep: int) -> None:
    """Takes from ``new_fg`` and ``new_bg`` (in place) the pixels within ``keep`` of the
    ``unknown`` pixels neither labels."""
    still = unknown & ~new_fg & ~new_bg
    if keep > 0 and still.any():
        k = 2 * keep + 1
        kept = cv2.dilate(still.astype(np.uint8),
                          cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0
        new_fg &= ~kept
        new_bg &= ~kept


def _planes(image: np.ndarray, trimap: np.ndarray, s: NarrowingSettings, contrast: float,
            near: float | None, among: np.ndarray | None = None) -> list[np.ndarray] | None:
    """(foreground, background) H x W bool: the unknown pixels of ``trimap`` (only those of
    ``among`` when given) that pass the colour test (see :func:`_confident`) for each
    label; None without samples."""
    h, w = trimap.shape
    f = min(1.0, float(np.sqrt(s.work_pixels / trimap.size)))
    if f == 1.0:
        return _confident(image, trimap, s, 1.0, contrast, near, among)
    # the test on the photo reduced: pure regions far from the transition do not need
    # every pixel (a 2.5 MP photo's 1 M-pixel band: 31 s at full size)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    planes = _confident(cv2.resize(image, size, interpolation=cv2.INTER_AREA),
                        cv2.resize(trimap, size, interpolation=cv2.INTER_NEAREST), s, f,
                        contrast, near,
                        None if among is None else cv2.resize(
                            among.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0)
    if planes is None:
        return None
    unknown = trimap == UNKNOWN
    return [(cv2.resize(p.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0)
            & unknown for p in planes]


def relabel_solved(image: np.ndarray, trimap: np.ndarray, narrowed: np.ndarray,
                   alpha: np.ndarray, settings: NarrowingSettings = NarrowingSettings()
                   ) -> np.ndarray | None:
    """Solve, then relabel: the trimap for a second solve of a narrowed band, or None.

    After the solve of ``narrowed`` (``alpha``), the pure pixels right next to the true
    transition are what the narrowing's colour test could not label (it is strict so
    as not to label partial pixels).  Here a pixel of the narrowed band takes a label
    where two pieces of evidence agree: the solve is confident (alpha below
    ``relabel_alpha`` or above one minus it) and the colour test, with the weaker
    ``relabel_contrast`` and no ``near`` bound, puts it on the same side.  Only pixels
    connected to their own known region take it, ``relabel_keep`` pixels next to what
    stays unknown stay unknown, and the second solve then gets its samples next to the
    transition.  None when ``narrowed`` is ``trimap`` itself (nothing was narrowed), or
    when under ``relabel_min_share`` of the narrowed band would be relabelled.

    Args:
        image: float32 H x W x 3 RGB in [0, 1].
        trimap: uint8 H x W: the trimap that was narrowed (the colour test's samples).
        narrowed: uint8 H x W: :func:`narrow_band`'s answer for it.
        alpha: float H x W: the solve of ``narrowed``.
    Returns:
        uint8 H x W in {0, 128, 255} with ``narrowed``'s known pixels, or None.
    """
    s = settings
    if (not s.enabled or s.relabel_alpha <= 0 or narrowed is trimap
            or np.array_equal(narrowed, trimap)):
        return None
    if alpha.shape != trimap.shape or narrowed.shape != trimap.shape:
        raise ValueError(f"alpha {alpha.shape}, trimap {trimap.shape} and narrowed "
                         f"{narrowed.shape} differ in size")
    band = narrowed == UNKNOWN
    n = int(np.count_nonzero(band))
    if n == 0:
        return None
    lo, hi = band & (alpha < s.relabel_alpha), band & (alpha > 1 - s.relabel_alpha)
    # the colour test only where the solve is confident (0.4 s on a crop's whole band)
    planes = _planes(image, trimap, s, s.relabel_contrast, None, lo | hi)
    if planes is None:
        return None
    new_fg = _reached(narrowed == FOREGROUND, hi & planes[0])
    new_bg = _reached(narrowed == BACKGROUND, lo & planes[1])
    _keep_margin(band, new_fg, new_bg, s.relabel_keep)
    labelled = int(np.count_nonzero(new_fg)) + int(np.count_nonzero(new_bg))
    if labelled == 0 or labelled < s.relabel_min_share * n or labelled == n:
        return None
    out = narrowed.copy()
    out[new_fg] = FOREGROUND
    out[new_bg] = BACKGROUND
    return out


def _confident(image: np.ndarray, trimap: np.ndarray, s: NarrowingSettings, scale: float,
               contrast: float, near: float | None,
               among: np.ndarray | None = None) -> list[np.ndarray] | None:
    """(foreground, background) H x W bool: the unknown pixels whose nearest sample of
    that label is within ``near`` (None: any distance) and the other label's at least
    ``contrast`` times as far, on a photo reduced by ``scale`` (only the pixels of
    ``among`` when given; the samples are the same); None without samples."""
    unknown = trimap == UNKNOWN
    margin = max(1, round(s.sample_margin * scale))
    size = 2 * margin + 1
    near_band = cv2.dilate(unknown.astype(np.uint8),
                           cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0
    uy, ux = np.nonzero(unknown if among is None else unknown & among)
    position = s.position_scale / scale
    query = _features(image, uy, ux, position)
    # With ``near`` the test needs no distance beyond ``contrast * near``: a pixel whose own
    # sample is within ``near`` passes against any other sample beyond that, and one whose
    # own is beyond ``near`` fails.  A bounded query answers the same, with far less of the
    # tree searched (infinity beyond the bound).
    bound = np.inf if near is None else contrast * near * (1 + 1e-6) + 1e-9
    distances = []
    for label in (FOREGROUND, BACKGROUND):
        sy, sx = _samples(trimap == label, near_band, s.max_samples)
        if len(sy) == 0 or len(uy) == 0:
            return None
        tree = cKDTree(_features(image, sy, sx, position))
        # exact nearest samples: an approximate query's answer depends on the whole
        # tree, so a stroke would relabel pixels far from it and spoil local answers
        d, _ = tree.query(query, k=1, distance_upper_bound=bound, workers=-1)
        distances.append(d)
    d_fg, d_bg = distances
    planes = []
    for own, other in ((d_fg, d_bg), (d_bg, d_fg)):
        ok = other >= contrast * own
        if near is not None:
            ok &= own <= near
        plane = np.zeros(trimap.shape, bool)
        plane[uy[ok], ux[ok]] = True
        planes.append(plane)
    return planes
