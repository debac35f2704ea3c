"""The guided filter (He, Sun & Tang, ECCV 2010 / TPAMI 2013), colour guide.

Written with box filters: OpenCV's ximgproc has one, but ximgproc is in
opencv-contrib, which the headless wheel this project uses does not ship.
:mod:`matteditor.preview` uses its coefficients for the fast guided filter
(fitted on a reduced photo, applied at full size); quick select smooths
GrabCut's mask with it.
"""

from __future__ import annotations

import cv2
import numpy as np



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
