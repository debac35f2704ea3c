"""Composited training samples, I = alpha F + (1 - alpha) B, made on the fly.

:class:`SyntheticSource` draws procedural alphas (:mod:`.alphas`) with
foreground colours and backgrounds cropped from real photographs;
:class:`FolderSource` (in :mod:`.folder`) uses a user's own foregrounds
with alpha.  Both give :class:`Sample` objects at a fixed crop size;
:func:`make_sample` does the compositing, trimap and augmentation shared by
both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from .alphas import random_alpha, smooth_noise
from .photos import PhotoPool
from .trimaps import random_trimap


@dataclass(frozen=True)
class Sample:
    """One training example; colours float32 H x W x 3 in [0, 1]."""

    image: np.ndarray        # the composite
    trimap: np.ndarray       # uint8 H x W in {0, 128, 255}
    alpha: np.ndarray        # float32 H x W in [0, 1], ground truth
    foreground: np.ndarray
    background: np.ndarray
    kind: str                # which generator made the alpha


class AlphaSource(Protocol):
    def foreground(self, rng: np.random.Generator, size: tuple[int, int]
                   ) -> tuple[str, np.ndarray, np.ndarray]:
        """(kind, foreground float32 H x W x 3, alpha float32 H x W)."""


def color_jitter(rng: np.random.Generator, rgb: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Random hue shift, saturation, brightness and contrast; float32 H x W x 3 in [0, 1]."""
    hsv = cv2.cvtColor(rgb.astype(np.float32), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-40, 40) * strength) % 360.0
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(1 - 0.5 * strength, 1 + 0.5 * strength), 0, 1)
    out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    mean = out.mean()
    out = (out - mean) * rng.uniform(1 - 0.3 * strength, 1 + 0.3 * strength) + mean
    out = out * rng.uniform(1 - 0.3 * strength, 1 + 0.3 * strength)
    return np.clip(out, 0, 1).astype(np.float32)


class SyntheticSource:
    """Procedural alphas; foreground colours from photographs (or, now and
    then, a smooth single-hued colour field, like hair or dyed fabric)."""

    def __init__(self, photos: PhotoPool) -> None:
        self.photos = photos

    def foreground(self, rng: np.random.Generator, size: tuple[int, int]
                   ) -> tuple[str, np.ndarray, np.ndarray]:
        kind, alpha = random_alpha(rng, size)
        if rng.random() < 0.25:
            base = rng.random(3).astype(np.float32)
            shade = smooth_noise(rng, size, min(size) / 4)[..., None]
            fg = np.clip(base * (0.5 + shade), 0, 1).astype(np.float32)
        else:
            fg = self.photos.crop(rng, size, scale=(0.1, 0.6))
        return kind, color_jitter(rng, fg), alpha


def make_sample(rng: np.random.Generator, source: AlphaSource, backgrounds: PhotoPool,
                crop: int, max_band: int = 25, min_unknown: float = 0.05) -> Sample:
    """Draw a foreground at a random scale, crop, flip, jitter, composite and
    make a trimap; retries a few times so that the crop shows some unknown
    region (at least ``min_unknown`` of its pixels)."""
    for attempt in range(8):
        scale = rng.uniform(1.0, 1.6)            # scale augmentation: draw bigger, crop
        big = int(crop * scale)
        kind, fg, alpha = source.foreground(rng, (big, big))
        y = int(rng.integers(0, big - crop + 1))
        x = int(rng.integers(0, big - crop + 1))
        fg, alpha = fg[y:y + crop, x:x + crop], alpha[y:y + crop, x:x + crop]
        if rng.random() < 0.5:
            fg, alpha = fg[:, ::-1], alpha[:, ::-1]
        trimap = random_trimap(rng, alpha, max_band=max_band)
        # Retry crops that miss the object's edge (checked on the trimap's
        # band, so that thin-edged kinds are not dropped more than others).
        if (trimap == 128).mean() >= min_unknown:
            break
    bg = color_jitter(rng, backgrounds.crop(rng, (crop, crop)), strength=0.5)
    if rng.random() < 0.3:  # defocused background, as in portraits
        bg = cv2.GaussianBlur(bg, (0, 0), rng.uniform(1, 5))
    fg = np.ascontiguousarray(fg)
    alpha = np.ascontiguousarray(alpha)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    image = np.round(image * 255) / 255        # as an 8-bit photograph would be
    return Sample(image.astype(np.float32), trimap, alpha, fg, bg.astype(np.float32), kind)
