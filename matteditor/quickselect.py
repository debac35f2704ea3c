"""Quick select: from a rectangle, a lasso, strokes or a mask to a trimap.

GrabCut (Rother et al. 2004) is OpenCV's ``cv2.grabCut``; this module only
prepares its seed mask from what the user gave, runs it on a reduced copy of
large photos one iteration at a time (so it can be cancelled), maps the
result back to full resolution without blocky edges, and turns the
selection into a trimap with an unknown band.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from .engines.base import CancelToken, ProgressFn
from .errors import MatteError, TrimapError
from .guided_filter import guided_filter
from .trimap import BACKGROUND, FOREGROUND, UNKNOWN, cap_band, trimap_from_mask


@dataclass(frozen=True)
class QuickSelectSettings:
    iterations: int = 5
    max_side: int = 800        # GrabCut runs on a copy no larger than this
    band: int = 12             # half-width of the unknown band, full-resolution pixels
    adaptive_band: bool = True  # widen the band where the edge is detailed (hair)
    second_pass: bool = True    # GrabCut again near the edge, at finer resolution


def _to_bgr8(image: np.ndarray) -> np.ndarray:
    rgb8 = np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(rgb8[..., ::-1])


def _seed_mask(shape: tuple[int, int], rect: tuple[int, int, int, int] | None,
               lasso: Sequence[tuple[float, float]] | None,
               trimap: np.ndarray | None) -> np.ndarray:
    """GrabCut's label mask at full resolution from the user's inputs."""
    h, w = shape
    if rect is None and lasso is None:
        if trimap is None or not ((trimap == FOREGROUND).any() and (trimap == BACKGROUND).any()):
            raise MatteError("quick select needs a rectangle, a lasso, or both foreground "
                             "and background strokes")
        mask = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
        # Without a region, the neighbourhood of the foreground strokes is probably foreground.
        near_fg = cv2.dilate((trimap == FOREGROUND).astype(np.uint8),
                             cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (51, 51)))
        mask[near_fg == 1] = cv2.GC_PR_FGD
    else:
        mask = np.full((h, w), cv2.GC_BGD, np.uint8)
        if rect is not None:
            x, y, rw, rh = rect
            x0, y0 = max(0, int(x)), max(0, int(y))
            x1, y1 = min(w, int(x + rw)), min(h, int(y + rh))
            if x1 - x0 < 2 or y1 - y0 < 2:
                raise MatteError(f"the rectangle {x},{y},{rw},{rh} does not cover the "
                                 f"{w}x{h} image")
            mask[y0:y1, x0:x1] = cv2.GC_PR_FGD
        if lasso is not None:
            if len(lasso) < 3:
                raise MatteError("a lasso needs at least three points")
            points = np.asarray(lasso, np.float64)
            if not np.isfinite(points).all() or np.abs(points).max() > 1e6:
                raise MatteError("the lasso's points must be finite pixel coordinates "
                                 "(within a million pixels of the image)")
            poly = np.round(points * 16).astype(np.int32)
            inside = np.zeros((h, w), np.uint8)
            cv2.fillPoly(inside, [poly], 1, cv2.LINE_8, 4)
            if rect is None:
                mask[inside == 1] = cv2.GC_PR_FGD
            else:
                mask[(inside == 0)] = cv2.GC_BGD
        if not (mask == cv2.GC_PR_FGD).any():
            raise MatteError("the selection is empty")
    if trimap is not None:
        mask[trimap == FOREGROUND] = cv2.GC_FGD
        mask[trimap == BACKGROUND] = cv2.GC_BGD
    return mask


def _has_both(mask: np.ndarray) -> bool:
    """True when a GrabCut label mask holds some object and some background."""
    return bool(np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).any()
                and np.isin(mask, (cv2.GC_BGD, cv2.GC_PR_BGD)).any())


def _grabcut(bgr: np.ndarray, mask: np.ndarray, iterations: int, cancel: CancelToken,
             progress: ProgressFn | None = None) -> None:
    """``iterations`` rounds of GrabCut from ``mask``'s labels (updated in place),
    cancellable between rounds."""
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    for i in range(iterations):
        cancel.raise_if_cancelled()
        mode = cv2.GC_INIT_WITH_MASK if i == 0 else cv2.GC_EVAL
        cv2.grabCut(bgr, mask, None, bgd_model, fgd_model, 1, mode)
        if progress is not None:
            progress((i + 1) / (iterations + 1), "GrabCut")


def grabcut_mask(image: np.ndarray, *, rect: tuple[int, int, int, int] | None = None,
                 lasso: Sequence[tuple[float, float]] | None = None,
                 trimap: np.ndarray | None = None,
                 settings: QuickSelectSettings = QuickSelectSettings(),
                 progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None) -> np.ndarray:
    """Segment the object with GrabCut.

    Args:
        image: float32 H x W x 3 sRGB in [0, 1].
        rect: (x, y, width, height) around the object, full-resolution pixels.
        lasso: polygon (x, y) points around the object.
        trimap: uint8 H x W; its foreground/background strokes are hard seeds.
    Returns:
        float32 H x W in [0, 1]: a soft selection (edge-aware upsampled), 1 = object.
    """
    h, w = image.shape[:2]
    if trimap is not None and trimap.shape != (h, w):
        raise TrimapError(f"trimap is {trimap.shape[1]}x{trimap.shape[0]} but the image is {w}x{h}")
    cancel = cancel or CancelToken()
    seeds = _seed_mask((h, w), rect, lasso, trimap)
    scale = min(1.0, settings.max_side / max(h, w))
    small_size = (max(1, round(w * scale)), max(1, round(h * scale)))
    bgr = _to_bgr8(image)
    if scale < 1.0:
        small = cv2.resize(bgr, small_size, interpolation=cv2.INTER_AREA)
        # Nearest keeps labels; hard seeds must survive the reduction, so the
        # definite labels are re-applied from a min/max-pooled copy.
        mask = cv2.resize(seeds, small_size, interpolation=cv2.INTER_NEAREST)
        for label in (cv2.GC_FGD, cv2.GC_BGD):
            hit = cv2.resize((seeds == label).astype(np.uint8) * 255, small_size,
                             interpolation=cv2.INTER_AREA) > 127
            mask[hit] = label
    else:
        small, mask = bgr, seeds.copy()
    if not _has_both(mask):
        raise MatteError("quick select needs both some object and some background")
    _grabcut(small, mask, settings.iterations, cancel, progress)
    cancel.raise_if_cancelled()
    fg_small = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    if scale < 1.0 and settings.second_pass:
        fg_small, scale = _edge_pass(bgr, fg_small, seeds, scale, settings, cancel)
    if scale < 1.0:
        soft = cv2.resize(fg_small, (w, h), interpolation=cv2.INTER_LINEAR)
        # Upsampling a binary mask leaves staircase edges; the guided filter
        # snaps them to the photo's real edges.
        radius = max(2, int(round(2 / scale)))
        soft = guided_filter(image, soft, radius, 1e-3)
    else:
        soft = fg_small
    soft = np.clip(soft, 0.0, 1.0).astype(np.float32)
    if trimap is not None:
        soft[trimap == FOREGROUND] = 1.0
        soft[trimap == BACKGROUND] = 0.0
    return soft


def _edge_pass(bgr: np.ndarray, fg_small: np.ndarray, seeds: np.ndarray, scale: float,
               settings: QuickSelectSettings, cancel: CancelToken
               ) -> tuple[np.ndarray, float]:
    """GrabCut again near the first pass's edge, at twice its resolution (at most the
    photo's), with colour models learnt from the edge's neighbourhood only: far
    inside and far outside are fixed, so the pass can only move the edge, and the
    background's colours far from the object no longer pull it.  Returns the
    selection at the new scale (0/1 float32) and that scale."""
    h, w = bgr.shape[:2]
    fine = min(1.0, 2.0 * scale)
    size = (max(1, round(w * fine)), max(1, round(h * fine)))
    img = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA) if fine < 1.0 else bgr
    sel = cv2.resize(fg_small, size, interpolation=cv2.INTER_LINEAR) >= 0.5
    reach = max(6, int(round(4 * fine / scale)))     # 4 pixels of the first pass
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2)
    inner = cv2.erode(sel.astype(np.uint8), kernel).astype(bool)
    near = cv2.dilate(sel.astype(np.uint8), kernel).astype(bool)
    if not inner.any() or near.all():
        return fg_small, scale
    labels = np.where(sel, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    labels[inner] = cv2.GC_FGD
    labels[~near] = cv2.GC_BGD
    hard = cv2.resize(seeds, size, interpolation=cv2.INTER_NEAREST)
    labels[hard == cv2.GC_FGD] = cv2.GC_FGD
    labels[hard == cv2.GC_BGD] = cv2.GC_BGD
    # the edge's neighbourhood: twice the band around it, cropped for speed
    ring = cv2.dilate(near.astype(np.uint8), kernel).astype(bool) & \
        ~cv2.erode(inner.astype(np.uint8), kernel).astype(bool)
    ys, xs = np.nonzero(ring)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = labels[y0:y1, x0:x1].copy()
    if not np.isin(crop, (cv2.GC_FGD, cv2.GC_PR_FGD)).any() or \
            not np.isin(crop, (cv2.GC_BGD, cv2.GC_PR_BGD)).any():
        return fg_small, scale
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    part = np.ascontiguousarray(img[y0:y1, x0:x1])
    for i in range(min(3, settings.iterations)):   # the first pass did the heavy lifting
        cancel.raise_if_cancelled()
        mode = cv2.GC_INIT_WITH_MASK if i == 0 else cv2.GC_EVAL
        cv2.grabCut(part, crop, None, bgd_model, fgd_model, 1, mode)
    labels[y0:y1, x0:x1] = crop
    return np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32), fine


def edge_detail(image: np.ndarray, mask: np.ndarray, band: int) -> np.ndarray:
    """Per-pixel detail of the mask's edge neighbourhood in [0, 1]: high where
    the photo has a lot of fine texture close to the boundary (hair, fur)."""
    gray = cv2.cvtColor(np.clip(image, 0, 1).astype(np.float32), cv2.COLOR_RGB2GRAY)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt(gx * gx + gy * gy)
    k = 2 * max(1, band) + 1
    texture = cv2.blur(mag, (k, k))
    edge = cv2.morphologyEx((mask >= 0.5).astype(np.uint8), cv2.MORPH_GRADIENT,
                            np.ones((3, 3), np.uint8)).astype(bool)
    if not edge.any():
        return np.zeros_like(gray)
    ref = float(np.percentile(texture[edge], 90)) + 1e-6
    return np.clip(texture / ref, 0.0, 1.0)


def trimap_from_selection(image: np.ndarray, mask: np.ndarray,
                          settings: QuickSelectSettings = QuickSelectSettings()) -> np.ndarray:
    """Trimap around a (soft) selection: a band ``settings.band`` wide, up to twice
    as wide where the edge is detailed when ``adaptive_band`` is set."""
    if mask.shape != image.shape[:2]:
        raise TrimapError(f"mask is {mask.shape[1]}x{mask.shape[0]} but the image is "
                          f"{image.shape[1]}x{image.shape[0]}")
    # A band wider than the image's diagonal gives the same trimap; capping it
    # keeps the box filters below from working through huge kernels.
    band = cap_band(settings.band, mask.shape)
    narrow = trimap_from_mask(mask, band)
    if not settings.adaptive_band or band == 0:
        return narrow
    wide = trimap_from_mask(mask, 2 * band)
    detail = edge_detail(image, mask, band)
    out = narrow.copy()
    detailed = cv2.blur(detail, (2 * band + 1,) * 2) > 0.5
    out[(wide == UNKNOWN) & detailed] = UNKNOWN
    return out


def grabcut_refine_region(image: np.ndarray, mask: np.ndarray, seeds: np.ndarray,
                          region: tuple[int, int, int, int],
                          settings: QuickSelectSettings = QuickSelectSettings(),
                          cancel: CancelToken | None = None) -> np.ndarray:
    """GrabCut again, but only around a correction stroke.

    A foreground or background stroke painted after quick select changes the
    selection near the stroke; re-running GrabCut on the whole box took 4-7 s on a
    large photo.  Here it runs on ``region`` (x0, y0, x1, y1) grown by a margin, with
    the crop's rim held to the previous selection, and the result replaces the
    selection there only.

    Args:
        image: float32 H x W x 3 sRGB in [0, 1].
        mask: float32 H x W in [0, 1], the previous selection.
        seeds: uint8 H x W trimap; its foreground/background are hard seeds.
        region: the stroke's bounding box, full-resolution pixels.
    Returns:
        float32 H x W in [0, 1]: ``mask`` with the grown region replaced.
    """
    h, w = mask.shape
    margin = max(24, 3 * settings.band)
    x0, y0 = max(0, region[0] - margin), max(0, region[1] - margin)
    x1, y1 = min(w, region[2] + margin), min(h, region[3] + margin)
    out = mask.astype(np.float32, copy=True)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return out
    crop = (slice(y0, y1), slice(x0, x1))
    before = mask[crop] >= 0.5
    local = np.where(before, FOREGROUND, BACKGROUND).astype(np.uint8)
    local[seeds[crop] == FOREGROUND] = FOREGROUND
    local[seeds[crop] == BACKGROUND] = BACKGROUND
    # inside the crop the old selection is only a guess; its rim (where the crop meets
    # the untouched selection) stays as it was, so the pieces join
    free = np.ones(local.shape, bool)
    free[2:-2, 2:-2] = False
    hard = np.where(free, local, UNKNOWN)
    hard[seeds[crop] == FOREGROUND] = FOREGROUND
    hard[seeds[crop] == BACKGROUND] = BACKGROUND
    if not (before.any() or (hard == FOREGROUND).any()):
        return out
    gc = np.where(before, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    gc[hard == FOREGROUND] = cv2.GC_FGD
    gc[hard == BACKGROUND] = cv2.GC_BGD
    if not _has_both(gc):
        out[crop] = (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)
        return out
    cancel = cancel or CancelToken()
    bgr = np.ascontiguousarray(_to_bgr8(image[crop]))
    _grabcut(bgr, gc, settings.iterations, cancel)
    out[crop] = np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    return out
