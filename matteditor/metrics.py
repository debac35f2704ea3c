"""Matting error measures as used by the Composition-1k benchmark.

SAD, MSE, Gradient and Connectivity errors (Rhemann et al., "A Perceptually
Motivated Online Benchmark for Image Matting", CVPR 2009), computed the way
the Deep Image Matting evaluation code does (Xu et al. 2017): alphas in
[0, 1], errors counted over the trimap's unknown region only, and the
prediction first clamped to the trimap's known values.  SAD, Gradient and
Connectivity are divided by 1000, as the published tables report them.

Every function takes ``pred`` and ``gt`` float H x W in [0, 1] and ``trimap``
uint8 H x W in {0, 128, 255}.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from .errors import MatteError
from .trimap import BACKGROUND, FOREGROUND, UNKNOWN, check_trimap

GRADIENT_SIGMA = 1.4
CONNECTIVITY_STEP = 0.1
CONNECTIVITY_MIN_DISTANCE = 0.15


def _prepare(pred: np.ndarray, gt: np.ndarray,
             trimap: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clamped pred float64, gt float64, unknown mask) after checking shapes."""
    p = np.asarray(pred)
    g = np.asarray(gt)
    if p.ndim != 2 or g.shape != p.shape:
        raise MatteError(f"prediction {p.shape} and ground truth {g.shape} must be "
                         "H x W alphas of the same size")
    check_trimap(np.asarray(trimap), p.shape)
    # Clamped in float64 (trimap.clamp_to_trimap returns float32).
    p = np.clip(p.astype(np.float64), 0.0, 1.0)
    p[trimap == BACKGROUND] = 0.0
    p[trimap == FOREGROUND] = 1.0
    return p, g.astype(np.float64), trimap == UNKNOWN


def sad(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> float:
    """Sum of absolute differences over the unknown region, / 1000."""
    p, g, unknown = _prepare(pred, gt, trimap)
    return float(np.abs(p - g)[unknown].sum() / 1000.0)


def mse(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> float:
    """Mean squared difference over the unknown pixels (0 when there are none)."""
    p, g, unknown = _prepare(pred, gt, trimap)
    n = int(unknown.sum())
    if n == 0:
        return 0.0
    return float(((p - g) ** 2)[unknown].sum() / n)


def _gaussian_derivative_filter(sigma: float) -> np.ndarray:
    """The x-derivative-of-Gaussian kernel of the benchmark's ``gaussgradient``.

    Half-size where the Gaussian falls to 1% of its peak, G(y) * dG/dx
    sampled on the integer grid, normalised to unit L2 norm.  Written out
    because the benchmark's exact kernel (size and normalisation) is what
    makes the figures comparable; scipy's gaussian_filter differs.
    """
    epsilon = 1e-2
    half = math.ceil(sigma * math.sqrt(-2.0 * math.log(math.sqrt(2.0 * math.pi) * sigma * epsilon)))
    u = np.arange(-half, half + 1, dtype=np.float64)
    gauss = np.exp(-u ** 2 / (2.0 * sigma ** 2)) / (sigma * math.sqrt(2.0 * math.pi))
    dgauss = -u * gauss / sigma ** 2
    # kernel[i, j] = gauss(row offset i) * dgauss(column offset j): derivative along x.
    kernel = np.outer(gauss, dgauss)
    return kernel / np.sqrt(np.sum(kernel ** 2))


def _gradient_magnitude(alpha: np.ndarray, sigma: float) -> np.ndarray:
    hx = _gaussian_derivative_filter(sigma)
    gx = ndimage.convolve(alpha, hx, mode="nearest")
    gy = ndimage.convolve(alpha, hx.T, mode="nearest")
    return np.sqrt(gx ** 2 + gy ** 2)


def gradient_error(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> float:
    """Sum over unknown pixels of the squared difference of Gaussian-derivative
    (sigma 1.4) gradient magnitudes, / 1000."""
    p, g, unknown = _prepare(pred, gt, trimap)
    diff = (_gradient_magnitude(p, GRADIENT_SIGMA) - _gradient_magnitude(g, GRADIENT_SIGMA)) ** 2
    return float(diff[unknown].sum() / 1000.0)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    """The largest 4-connected component of a bool mask (all False if empty)."""
    labels, count = ndimage.label(mask)  # default structure: 4-connectivity
    if count == 0:
        return np.zeros_like(mask, dtype=bool)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def connectivity_error(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> float:
    """Connectivity error, / 1000.

    For thresholds t = 0.1, 0.2, ..., 1, the source region is the largest
    4-connected component of ``pred >= t and gt >= t``; a pixel's level l is
    the last threshold below the first one at which it leaves that region
    (1 if it never does).  With d = alpha - l, phi = 1 - d where d >= 0.15
    (else 1), and the error is sum |phi_pred - phi_gt| over unknown pixels.
    """
    p, g, unknown = _prepare(pred, gt, trimap)
    steps = np.arange(0.0, 1.0 + CONNECTIVITY_STEP, CONNECTIVITY_STEP)
    level = np.full(p.shape, -1.0)
    for prev, t in zip(steps[:-1], steps[1:]):
        omega = _largest_component((p >= t) & (g >= t))
        level[(level == -1.0) & ~omega] = prev
    level[level == -1.0] = 1.0
    dp = p - level
    dg = g - level
    phi_p = 1.0 - dp * (dp >= CONNECTIVITY_MIN_DISTANCE)
    phi_g = 1.0 - dg * (dg >= CONNECTIVITY_MIN_DISTANCE)
    return float(np.abs(phi_p - phi_g)[unknown].sum() / 1000.0)
