"""Edge-aware upsampling of low-resolution alpha previews.

:func:`guided_filter` is He, Sun & Tang's guided filter (ECCV 2010 / TPAMI
2013), colour guide, written with box filters: OpenCV's ximgproc has one, but
ximgproc is in opencv-contrib, which the headless wheel this project uses does
not ship.  :func:`preview_alpha` solves at reduced resolution and upsamples
the alpha with the full-size photo as guide, so a preview appears at once and
still follows the photo's edges (the "fast guided filter": coefficients
computed at the reduced size, applied at full size).
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

from .errors import TrimapError
from .trimap import BACKGROUND, FOREGROUND, UNKNOWN, check_trimap, clamp_to_trimap


def _box_mean(x: np.ndarray, radius: int) -> np.ndarray:
    k = 2 * radius + 1
    return cv2.boxFilter(x, -1, (k, k), normalize=True, borderType=cv2.BORDER_REFLECT)


def _solve_sym3(sigma: dict[tuple[int, int], np.ndarray], rhs: np.ndarray) -> np.ndarray:
    """Per-pixel solve of symmetric 3x3 systems (adjugate; far faster than a
    batched np.linalg.solve on millions of tiny systems)."""
    a00, a01, a02 = sigma[0, 0], sigma[0, 1], sigma[0, 2]
    a11, a12, a22 = sigma[1, 1], sigma[1, 2], sigma[2, 2]
    m00 = a11 * a22 - a12 * a12
    m01 = a02 * a12 - a01 * a22
    m02 = a01 * a12 - a02 * a11
    m11 = a00 * a22 - a02 * a02
    m12 = a01 * a02 - a00 * a12
    m22 = a00 * a11 - a01 * a01
    det = a00 * m00 + a01 * m01 + a02 * m02
    r0, r1, r2 = rhs[..., 0], rhs[..., 1], rhs[..., 2]
    return np.stack([m00 * r0 + m01 * r1 + m02 * r2,
                     m01 * r0 + m11 * r1 + m12 * r2,
                     m02 * r0 + m12 * r1 + m22 * r2], axis=-1) / det[..., None]


def guided_coefficients(guide: np.ndarray, src: np.ndarray, radius: int,
                        eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Window-averaged linear coefficients (A, B) of the guided filter:
    output = sum_c A[..., c] * guide[..., c] + B.

    Args:
        guide: float32 H x W x 3 in [0, 1].
        src: float32 H x W.
    Returns:
        A float32 H x W x 3, B float32 H x W.
    """
    if guide.ndim != 3 or guide.shape[:2] != src.shape or src.ndim != 2:
        raise ValueError(f"guide must be H x W x 3 and src H x W, got {guide.shape}, {src.shape}")
    if radius < 1 or eps <= 0:
        raise ValueError(f"radius must be >= 1 and eps > 0, got {radius}, {eps}")
    # float64 for the moments: var = E[g^2] - E[g]^2 cancels badly in float32 when eps is small
    g = np.asarray(guide, np.float64)
    p = np.asarray(src, np.float64)
    mean_g = _box_mean(g, radius)                                  # H x W x 3
    mean_p = _box_mean(p, radius)
    cov_gp = _box_mean(g * p[..., None], radius) - mean_g * mean_p[..., None]
    sigma = {}
    for i, j in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)):
        v = _box_mean(g[..., i] * g[..., j], radius) - mean_g[..., i] * mean_g[..., j]
        sigma[i, j] = v + eps if i == j else v
    a = _solve_sym3(sigma, cov_gp)
    b = mean_p - (a * mean_g).sum(-1)
    return (_box_mean(a, radius).astype(np.float32), _box_mean(b, radius).astype(np.float32))


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Filter ``src`` so that it follows the edges of ``guide`` (colour guided filter).

    Args:
        guide: float32 H x W x 3 in [0, 1], the photo.
        src: float32 H x W, e.g. an upsampled alpha.
        radius: window radius in pixels (windows are (2r+1) x (2r+1)).
        eps: regularisation; larger is smoother (1e-4 .. 1e-2 for alpha).
    Returns:
        float32 H x W (not clipped).
    """
    a, b = guided_coefficients(guide, src, radius, eps)
    return (a * np.asarray(guide, np.float32)).sum(-1) + b


class AlphaSolver(Protocol):
    """Anything with the engine interface's ``estimate(image, trimap) -> alpha``."""

    def estimate(self, image: np.ndarray, trimap: np.ndarray, **kwargs) -> np.ndarray: ...


def _downsample_trimap(trimap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A pixel stays known only if its whole footprint is that label."""
    fg = cv2.resize((trimap == FOREGROUND).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    bg = cv2.resize((trimap == BACKGROUND).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    out = np.full(fg.shape, UNKNOWN, np.uint8)
    out[fg >= 0.999] = FOREGROUND
    out[bg >= 0.999] = BACKGROUND
    return out


def preview_alpha(solver: AlphaSolver, image: np.ndarray, trimap: np.ndarray, max_side: int,
                  *, radius: int | None = None, eps: float = 1e-4, **estimate_kwargs) -> np.ndarray:
    """Quick alpha: solve with the long side at most ``max_side``, then guided-upsample.

    Args:
        solver: an engine (or anything with ``estimate(image, trimap, **kw)``).
        image: float32 H x W x 3 in [0, 1].
        trimap: uint8 H x W in {0, 128, 255}.
        max_side: long side of the reduced solve, >= 16.
        radius: guided-filter radius in reduced pixels (default 1).
        eps: guided-filter regularisation.
        estimate_kwargs: passed to ``solver.estimate`` (progress, cancel).
    Returns:
        float32 H x W alpha in [0, 1], exact where the trimap is known.
    """
    if max_side < 16:
        raise ValueError(f"max_side must be at least 16, got {max_side}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise TrimapError(f"image must be H x W x 3, got shape {image.shape}")
    check_trimap(trimap, image.shape[:2])
    h, w = trimap.shape
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return solver.estimate(image, trimap, **estimate_kwargs)
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    small_image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small_trimap = _downsample_trimap(trimap, size)
    if not (small_trimap != UNKNOWN).any():
        small_trimap = cv2.resize(trimap, size, interpolation=cv2.INTER_NEAREST)
    small_alpha = solver.estimate(small_image, small_trimap, **estimate_kwargs)
    # fast guided filter (He & Sun 2015): coefficients at the reduced size,
    # upsampled; full size only sees two resizes and a multiply-add
    r = radius if radius is not None else 1
    a, b = guided_coefficients(small_image, small_alpha, r, eps)
    a = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR)
    alpha = np.einsum("hwc,hwc->hw", a, image) + b
    return clamp_to_trimap(np.clip(alpha, 0.0, 1.0), trimap)
