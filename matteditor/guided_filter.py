"""The guided filter (He, Sun & Tang, ECCV 2010 / TPAMI 2013), colour guide, and the
fast guided filter's upsampling of a matte solved at reduced size.

Written with box filters: OpenCV's ximgproc has one, but ximgproc is in
opencv-contrib, which the headless wheel this project uses does not ship.
:mod:`matteditor.preview` uses its coefficients for the fast guided filter
(fitted on a reduced photo, applied at full size); quick select smooths
GrabCut's mask with it.
"""

from __future__ import annotations

import cv2
import numpy as np

from .geometry import Rect
from .trimap import FOREGROUND, UNKNOWN



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


# -- fast guided filter upsampling (He & Sun 2015): coefficients fitted on a reduced
# photo, applied at full size (the preview and scribble solves use it)
RADIUS = 1       # guided-filter window radius, in reduced pixels
EPS = 1e-4       # guided-filter regularisation
_REMAP_COLS = 4096  # cv2.remap wants maps with sides below 32767


def guided_upsample(alpha_small: np.ndarray, image_small: np.ndarray, image: np.ndarray,
                    radius: int = RADIUS, eps: float = EPS) -> np.ndarray:
    """Fast guided filter upsampling.

    Args:
        alpha_small: float32 h x w in [0, 1].
        image_small: float32 h x w x 3 in [0, 1] (the photo reduced to h x w).
        image: float32 H x W x 3 in [0, 1].
    Returns:
        float32 H x W in [0, 1].
    """
    a, b = guided_coefficients(image_small, alpha_small, radius, eps)
    h, w = image.shape[:2]
    a = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR)
    alpha = np.einsum("hwc,hwc->hw", a, image) + b
    return np.clip(alpha, 0.0, 1.0).astype(np.float32, copy=False)


def upsampling_coefficients(alpha_small: np.ndarray, image_small: np.ndarray, radius: int = RADIUS,
                  eps: float = EPS) -> np.ndarray:
    """h x w x 4 float32: the guided filter's A (3 channels) and B on the small image."""
    a, b = guided_coefficients(image_small, alpha_small, radius, eps)
    return np.dstack([a, b])


def upsample_into(coef: np.ndarray, image: np.ndarray, trimap: np.ndarray,
                         out: np.ndarray, rect: Rect) -> None:
    """Write the upsampled matte into ``out`` inside ``rect``: exact 0/1 where the
    trimap is known, the guided-filter model at the unknown pixels, whose
    coefficients cv2.remap interpolates at the pixel centres' positions in the
    small image (mapped as cv2.resize maps them)."""
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous (it is written through a flat view)")
    x0, y0 = rect.x0, rect.y0
    h, w = trimap.shape
    sub = trimap[rect.slices]
    out[rect.slices] = sub == FOREGROUND
    points = cv2.findNonZero(cv2.compare(sub, UNKNOWN, cv2.CMP_EQ))
    if points is None:
        return
    xs, ys = points.reshape(-1, 2).T
    xs, ys = xs + x0, ys + y0
    n = xs.size
    rows = -(-n // _REMAP_COLS)
    maps = np.zeros((2, rows * _REMAP_COLS), np.float32)
    maps[0, :n] = (xs + 0.5) * (coef.shape[1] / w) - 0.5
    maps[1, :n] = (ys + 0.5) * (coef.shape[0] / h) - 0.5
    c = cv2.remap(coef, maps[0].reshape(rows, -1), maps[1].reshape(rows, -1), cv2.INTER_LINEAR,
                  borderMode=cv2.BORDER_REPLICATE).reshape(-1, 4)[:n]
    # flat indices: np.take / np.put are several times quicker than image[ys, xs] on
    # a million pixels (the whole band of a 12 MP photo)
    flat = ys.astype(np.int64) * w + xs
    colours = np.take(image.reshape(-1, 3), flat, axis=0)
    values = c[:, 0] * colours[:, 0] + c[:, 1] * colours[:, 1] + c[:, 2] * colours[:, 2] + c[:, 3]
    np.put(out.reshape(-1), flat, np.clip(values, 0.0, 1.0))


def guided_upsample_at(alpha_small: np.ndarray, image_small: np.ndarray, image: np.ndarray,
                       trimap: np.ndarray, radius: int = RADIUS, eps: float = EPS) -> np.ndarray:
    """:func:`guided_upsample` evaluated at the trimap's unknown pixels only, the
    known ones set exactly: the same matte as ``clamp_to_trimap(guided_upsample(...))``
    for a fraction of the work when the unknown region is a band."""
    out = np.empty(trimap.shape, np.float32)
    h, w = trimap.shape
    upsample_into(upsampling_coefficients(alpha_small, image_small, radius, eps), image, trimap,
                         out, Rect(0, 0, w, h))
    return out
