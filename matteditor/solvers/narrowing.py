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
    #: pixels next to what stays unknown that stay unknown too
    keep: int = 6
    #: the confidence test runs on the photo reduced to about this many pixels (larger
    #: photos only; the labels are then checked against the full-size band)
    work_pixels: int = 400_000
    #: expansions: each next one takes the pixels the previous labelled as samples
    passes: int = 1

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
    s = settings
    h, w = trimap.shape
    f = min(1.0, float(np.sqrt(s.work_pixels / trimap.size)))
    if f < 1.0:
        # the confidence test on the photo reduced: pure regions far from the transition
        # do not need every pixel (a 2.5 MP photo's 1 M-pixel band: 31 s at full size)
        size = (max(1, round(w * f)), max(1, round(h * f)))
        planes = _confident(cv2.resize(image, size, interpolation=cv2.INTER_AREA),
                            cv2.resize(trimap, size, interpolation=cv2.INTER_NEAREST), s, f)
        if planes is None:
            return trimap
        planes = [(cv2.resize(p.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0)
                  & unknown for p in planes]
    else:
        planes = _confident(image, trimap, s, 1.0)
        if planes is None:
            return trimap
    new_fg = _reached(fg, planes[0])
    new_bg = _reached(bg, planes[1])
    still = unknown & ~new_fg & ~new_bg
    if s.keep > 0 and still.any():
        k = 2 * s.keep + 1
        kept = cv2.dilate(still.astype(np.uint8),
                          cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0
        new_fg &= ~kept
        new_bg &= ~kept
    if not (new_fg.any() or new_bg.any()):
        return trimap
    out = trimap.copy()
    out[new_fg] = FOREGROUND
    out[new_bg] = BACKGROUND
    return out


def _confident(image: np.ndarray, trimap: np.ndarray, s: NarrowingSettings,
               scale: float) -> list[np.ndarray] | None:
    """(foreground, background) H x W bool: the unknown pixels that pass the confidence
    test for each label, on a photo reduced by ``scale``; None without samples."""
    unknown = trimap == UNKNOWN
    margin = max(1, round(s.sample_margin * scale))
    size = 2 * margin + 1
    near_band = cv2.dilate(unknown.astype(np.uint8),
                           cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0
    uy, ux = np.nonzero(unknown)
    position = s.position_scale / scale
    query = _features(image, uy, ux, position)
    distances = []
    for label in (FOREGROUND, BACKGROUND):
        sy, sx = _samples(trimap == label, near_band, s.max_samples)
        if len(sy) == 0 or len(uy) == 0:
            return None
        tree = cKDTree(_features(image, sy, sx, position))
        # exact nearest samples: an approximate query's answer depends on the whole
        # tree, so a stroke would relabel pixels far from it and spoil local answers
        d, _ = tree.query(query, k=1, workers=-1)
        distances.append(d)
    d_fg, d_bg = distances
    planes = []
    for own, other in ((d_fg, d_bg), (d_bg, d_fg)):
        ok = (own <= s.near) & (other >= s.contrast * own)
        plane = np.zeros(trimap.shape, bool)
        plane[uy[ok], ux[ok]] = True
        planes.append(plane)
    return planes
