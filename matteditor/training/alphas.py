"""Procedural alpha mattes covering what makes matting hard.

Each generator is a function ``(rng, size) -> alpha`` returning float32
H x W in [0, 1] for ``size = (H, W)``.  Shapes are drawn at
:data:`SUPERSAMPLE` times the resolution and area-averaged down, which gives
true partial coverage on anti-aliased edges and sub-pixel strands.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

AlphaGenerator = Callable[[np.random.Generator, tuple[int, int]], np.ndarray]

SUPERSAMPLE = 4


def _downsample(canvas: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = size
    return np.clip(cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA), 0.0, 1.0).astype(np.float32)


def smooth_noise(rng: np.random.Generator, size: tuple[int, int], scale: float,
                 octaves: int = 3) -> np.ndarray:
    """Fractal value noise, float32 H x W roughly in [0, 1]; ``scale`` = feature size in px."""
    h, w = size
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        s = max(1.0, scale / 2 ** o)
        gh, gw = max(2, int(h / s) + 2), max(2, int(w / s) + 2)
        grid = rng.random((gh, gw)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    out /= total
    lo, hi = np.percentile(out, (1, 99))
    return np.clip((out - lo) / max(hi - lo, 1e-6), 0.0, 1.0)


def _blob_mask(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """Binary uint8 H x W: an irregular solid object (noise-thresholded ellipse/polygon)."""
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cy, cx = rng.uniform(0.25, 0.75) * h, rng.uniform(0.25, 0.75) * w
    ry, rx = rng.uniform(0.2, 0.6) * h, rng.uniform(0.2, 0.6) * w
    angle = rng.uniform(0, np.pi)
    dy, dx = yy - cy, xx - cx
    u = (dx * np.cos(angle) + dy * np.sin(angle)) / rx
    v = (-dx * np.sin(angle) + dy * np.cos(angle)) / ry
    field = 1.0 - np.sqrt(u * u + v * v)
    field += rng.uniform(0.2, 0.8) * (smooth_noise(rng, size, rng.uniform(0.1, 0.4) * min(h, w)) - 0.5)
    mask = (field > 0).astype(np.uint8)
    if rng.random() < 0.5:  # a straight-edged part (man-made objects)
        pts = np.stack([rng.uniform(0, w, 5), rng.uniform(0, h, 5)], 1).astype(np.int32)
        cv2.fillPoly(mask, [cv2.convexHull(pts)], 1)
    return mask


def solid(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """An opaque object with anti-aliased edges."""
    big = (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE)
    return _downsample(_blob_mask(rng, big).astype(np.float32), size)


def _strand(rng: np.random.Generator, start: np.ndarray, direction: float, length: float,
            curl: float, steps: int = 24) -> np.ndarray:
    pts = [start]
    theta = direction
    step = length / steps
    bend = rng.normal(0, curl)
    for _ in range(steps):
        theta += bend + rng.normal(0, curl * 0.5)
        pts.append(pts[-1] + step * np.array([np.cos(theta), np.sin(theta)]))
    return np.array(pts)


def hair(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """Hair or fur: a solid core with many thin, curved, overlapping, partly
    transparent strands growing out of its boundary."""
    s = SUPERSAMPLE
    big = (size[0] * s, size[1] * s)
    core = _blob_mask(rng, big)
    # Erode the core so strands reach across its edge both ways.
    canvas = cv2.erode(core, np.ones((9, 9), np.uint8)).astype(np.float32)
    contours, _ = cv2.findContours(core, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return _downsample(canvas, size)
    boundary = np.concatenate([c[:, 0, :] for c in contours]).astype(np.float32)
    m = cv2.moments(core)
    centre = np.array([m["m10"] / max(m["m00"], 1), m["m01"] / max(m["m00"], 1)])
    n = int(rng.integers(150, 1500))
    length_mean = rng.uniform(0.05, 0.3) * max(big)
    curl = rng.uniform(0.005, 0.08)
    thickness = rng.choice([1, 1, 2, 3]) if rng.random() < 0.7 else int(rng.integers(2, 6))
    # Strands are drawn in a few opacity groups (one canvas each, not one per
    # strand, for speed); groups overlap multiplicatively like real layers.
    groups = int(rng.integers(2, 5))
    layers = [np.zeros(big, np.float32) for _ in range(groups)]
    for _ in range(n):
        p = boundary[rng.integers(len(boundary))]
        out = p - centre
        direction = np.arctan2(out[1], out[0]) + rng.normal(0, 0.5)
        start = p - 0.3 * length_mean * np.array([np.cos(direction), np.sin(direction)])
        pts = _strand(rng, start, direction, rng.uniform(0.3, 1.5) * length_mean, curl)
        cv2.polylines(layers[rng.integers(groups)], [np.round(pts * 4).astype(np.int32)], False,
                      1.0, thickness=int(thickness), lineType=cv2.LINE_AA, shift=2)
    strands = np.zeros(big, np.float32)
    for layer in layers:
        strands = 1.0 - (1.0 - strands) * (1.0 - rng.uniform(0.4, 1.0) * layer)
    canvas = 1.0 - (1.0 - canvas) * (1.0 - strands)
    return _downsample(canvas, size)


def defocus(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """An out-of-focus object: a solid shape blurred by a disk (bokeh) kernel."""
    alpha = solid(rng, size)
    r = int(rng.integers(2, max(3, min(size) // 12)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)).astype(np.float32)
    return np.clip(cv2.filter2D(alpha, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT),
                   0, 1).astype(np.float32)


def motion_blur(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A moving object: a solid (or hairy) shape smeared along a line."""
    alpha = solid(rng, size) if rng.random() < 0.7 else hair(rng, size)
    length = int(rng.integers(5, max(6, min(size) // 6)))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1.0)
    kernel = cv2.warpAffine(kernel, rot, (length, length))
    kernel /= max(kernel.sum(), 1e-6)
    return np.clip(cv2.filter2D(alpha, -1, kernel, borderType=cv2.BORDER_REFLECT), 0, 1).astype(np.float32)


def translucent(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """Glass, smoke or a veil: partial opacity inside a shape, varying smoothly."""
    shape = solid(rng, size)
    kind = rng.integers(3)
    if kind == 0:    # glass: nearly clear body, more opaque rim and highlights
        inner = cv2.erode(shape, np.ones((7, 7), np.uint8))
        body = rng.uniform(0.05, 0.35) + 0.2 * smooth_noise(rng, size, min(size) / 3)
        alpha = shape * (1 - inner) + inner * body
    elif kind == 1:  # smoke: fractal noise, soft all over
        alpha = shape * smooth_noise(rng, size, rng.uniform(0.1, 0.5) * min(size), octaves=5) ** rng.uniform(0.7, 2)
        alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(1, 6))
    else:            # veil: fabric with folds, fairly uniform opacity
        yy, xx = np.mgrid[0:size[0], 0:size[1]].astype(np.float32)
        a = rng.uniform(0, np.pi)
        folds = np.sin((xx * np.cos(a) + yy * np.sin(a)) / rng.uniform(4, 20) +
                       3 * smooth_noise(rng, size, min(size) / 2))
        alpha = shape * np.clip(rng.uniform(0.25, 0.7) + 0.2 * folds, 0, 1)
    return np.clip(alpha, 0, 1).astype(np.float32)


def lattice(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """Holes and lattices: a net of thin threads, or a solid sheet with holes."""
    s = SUPERSAMPLE
    big = (size[0] * s, size[1] * s)
    h, w = big
    region = _blob_mask(rng, big) if rng.random() < 0.6 else np.ones(big, np.uint8)
    period = rng.uniform(6, 30) * s
    canvas = np.zeros(big, np.float32)
    if rng.random() < 0.5:   # net
        thick = int(rng.integers(1, max(2, int(period / 5))))
        a = rng.uniform(0, np.pi)
        for angle in (a, a + rng.uniform(np.pi / 4, np.pi / 2)):
            d = np.array([np.cos(angle), np.sin(angle)])
            nrm = np.array([-d[1], d[0]])
            extent = np.hypot(h, w)
            for k in np.arange(-extent, extent, period):
                p0 = np.array([w / 2, h / 2]) + nrm * k - d * extent
                p1 = np.array([w / 2, h / 2]) + nrm * k + d * extent
                cv2.line(canvas, tuple(int(v) for v in p0), tuple(int(v) for v in p1), 1.0, thick,
                         cv2.LINE_AA)
    else:                    # sieve: sheet with holes
        canvas[:] = 1.0
        r = int(rng.uniform(0.2, 0.42) * period)
        jitter = rng.uniform(0, 0.2) * period
        for y in np.arange(0, h + period, period):
            for x in np.arange(0, w + period, period):
                c = (int(x + rng.normal(0, jitter + 1e-3)), int(y + rng.normal(0, jitter + 1e-3)))
                cv2.circle(canvas, c, r, 0.0, -1, cv2.LINE_AA)
    alpha = canvas * region
    if rng.random() < 0.3:   # warp: nets are rarely flat
        fx = ((smooth_noise(rng, big, h / 2) - 0.5) * rng.uniform(5, 20) * s).astype(np.float32)
        fy = ((smooth_noise(rng, big, h / 2) - 0.5) * rng.uniform(5, 20) * s).astype(np.float32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        alpha = cv2.remap(alpha.astype(np.float32), xx + fx, yy + fy, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)
    return _downsample(alpha, size)


#: name -> (generator, sampling weight)
GENERATORS: dict[str, tuple[AlphaGenerator, float]] = {
    "hair": (hair, 0.3),
    "solid": (solid, 0.15),
    "defocus": (defocus, 0.1),
    "motion_blur": (motion_blur, 0.1),
    "translucent": (translucent, 0.15),
    "lattice": (lattice, 0.2),
}


def random_alpha(rng: np.random.Generator, size: tuple[int, int]) -> tuple[str, np.ndarray]:
    """A generator drawn by weight, and its alpha (float32 H x W in [0, 1])."""
    names = list(GENERATORS)
    weights = np.array([GENERATORS[n][1] for n in names])
    name = names[rng.choice(len(names), p=weights / weights.sum())]
    return name, GENERATORS[name][0](rng, size)
