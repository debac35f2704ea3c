"""Synthetic composites for the transparency test's labelled set (``benchmarks/transparency.py``).

Two kinds, each composited as I = alpha F + (1 - alpha) B over procedural
backgrounds (smooth fields of a few colours, with man-made edges, sometimes
blurred) and given a trimap the DIM way (:func:`matteditor.training.trimaps.random_trimap`,
bands of 1-12 px around every partly transparent pixel):

* see-through (glass, water, smoke, veils): the alpha of
  :func:`matteditor.training.alphas.translucent` (a glass with an opaque rim,
  smoke, a folded veil: broad regions of low and medium alpha); the
  foreground colour is either the background seen through a tint and shifted
  by refraction (glass, water) or a pale colour of its own, unevenly lit
  (smoke, a veil); half of them get an opaque part (a cap, a stem) of its own
  colour;
* opaque: hair or fur (:func:`~matteditor.training.alphas.hair`: alpha-1 core,
  thin soft strands), nets and sieves (:func:`~matteditor.training.alphas.lattice`)
  and plain solid edges (:func:`~matteditor.training.alphas.solid`), coloured
  by a smooth single-hued field, as hair and dyed fabric are.

Every case has foreground, background and unknown pixels.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matteditor.training.alphas import hair, lattice, smooth_noise, solid, translucent  # noqa: E402
from matteditor.training.trimaps import random_trimap  # noqa: E402

SEE_THROUGH_KINDS = ("see-through",)
OPAQUE_KINDS = ("hair", "net", "solid")
_OPAQUE = {"hair": hair, "net": lattice, "solid": solid}


def background(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """float32 H x W x 3 in [0, 1]: three colours mixed by smooth noise, some
    rectangles and lines, fine grain, sometimes a blur."""
    h, w = size
    colours = rng.uniform(0, 1, (3, 3)).astype(np.float32)
    weights = np.stack([smooth_noise(rng, size, rng.uniform(15, 120)) for _ in range(3)], -1) ** 2
    bg = (weights[..., :, None] * colours).sum(2) / np.maximum(weights.sum(-1, keepdims=True), 1e-3)
    bg = np.ascontiguousarray(bg, np.float32)
    for _ in range(int(rng.integers(0, 8))):
        c = rng.uniform(0, 1, 3).tolist()
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        if rng.random() < 0.5:
            x1, y1 = x0 + int(rng.integers(5, w // 2)), y0 + int(rng.integers(5, h // 2))
            cv2.rectangle(bg, (x0, y0), (x1, y1), c, -1)
        else:
            end = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(bg, (x0, y0), end, c, int(rng.integers(1, 6)))
    bg *= (0.92 + 0.16 * smooth_noise(rng, size, rng.uniform(3, 10)))[..., None]
    sigma = float(rng.choice([0, 0, 1, 2, 4]))
    if sigma:
        bg = cv2.GaussianBlur(bg, (0, 0), sigma)
    return np.clip(bg, 0, 1).astype(np.float32)


def colour_field(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """float32 H x W x 3: one hue, shaded by smooth noise."""
    base = rng.uniform(0.05, 1, 3).astype(np.float32)
    return np.clip(base * (0.5 + smooth_noise(rng, size, min(size) / 4)[..., None]), 0, 1)


def _see_through(rng: np.random.Generator, size: tuple[int, int]):
    alpha = translucent(rng, size)
    bg = background(rng, size)
    if rng.random() < 0.5:       # glass, water: the background seen through a tint, refracted
        yy, xx = np.mgrid[0:size[0], 0:size[1]].astype(np.float32)
        dx, dy = ((smooth_noise(rng, size, min(size) / 3) - 0.5) * rng.uniform(0, 20)
                  for _ in range(2))
        seen = cv2.remap(bg, (xx + dx).astype(np.float32), (yy + dy).astype(np.float32),
                         cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        fg = seen * rng.uniform(0.6, 1.2, 3).astype(np.float32) + rng.uniform(-0.1, 0.2)
    else:                        # smoke, a veil: a pale colour of its own, lit unevenly
        pale = rng.uniform(0.6, 1.0, 3).astype(np.float32)
        fg = pale * (0.8 + 0.3 * smooth_noise(rng, size, min(size) / 3))[..., None]
    fg = np.clip(fg, 0, 1)
    if rng.random() < 0.5:       # an opaque part of its own colour (a cap, a stem)
        part = solid(rng, size) * (smooth_noise(rng, size, min(size) / 2) > 0.6)
        part = cv2.GaussianBlur(part.astype(np.float32), (0, 0), 1.0)
        fg = part[..., None] * colour_field(rng, size) + (1 - part[..., None]) * fg
        alpha = np.maximum(alpha, part)
    return alpha, fg, bg


def synthetic_case(rng: np.random.Generator, kind: str, size: tuple[int, int] = (320, 320)
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(image float32 H x W x 3, trimap uint8 H x W, alpha float32 H x W) of ``kind``
    (one of SEE_THROUGH_KINDS + OPAQUE_KINDS), quantised to 8 bits like a photograph."""
    for _ in range(20):
        if kind in SEE_THROUGH_KINDS:
            alpha, fg, bg = _see_through(rng, size)
        else:
            alpha, fg, bg = _OPAQUE[kind](rng, size), colour_field(rng, size), background(rng, size)
        trimap = random_trimap(rng, alpha, 1, 12)
        if (trimap == 128).mean() > 0.03 and (trimap == 0).any() and (trimap == 255).any():
            break
    image = np.round((alpha[..., None] * fg + (1 - alpha[..., None]) * bg) * 255) / 255
    return image.astype(np.float32), trimap, alpha.astype(np.float32)
