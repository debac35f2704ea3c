"""A user's own matting data: foregrounds with alpha, for training with real mattes.

Layout accepted (``--foregrounds DIR``):

* RGBA images (PNG/TIFF/WebP with an alpha channel) directly in ``DIR``; or
* ``DIR/fg/NAME.*`` colour images with ``DIR/alpha/NAME.*`` gray mattes of
  the same size (the Adobe Composition-1k training layout).

Backgrounds come from ``--backgrounds`` as for synthetic data.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from ..errors import MatteError
from ..imageio import load_image, load_image_rgba, load_mask
from .dataset import color_jitter
from .photos import PHOTO_SUFFIXES

log = logging.getLogger(__name__)


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)


def find_pairs(folder: str | Path) -> list[tuple[Path, Path | None]]:
    """(foreground, alpha file or None when the alpha is the image's own channel)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MatteError(f"foreground folder not found: {folder}")
    fg_dir, alpha_dir = folder / "fg", folder / "alpha"
    if fg_dir.is_dir() and alpha_dir.is_dir():
        alphas = {p.stem: p for p in _images(alpha_dir)}
        pairs = []
        for fg in _images(fg_dir):
            if fg.stem not in alphas:
                raise MatteError(f"{fg} has no matte {alpha_dir / fg.stem}.* of the same name")
            pairs.append((fg, alphas[fg.stem]))
    else:
        pairs = [(p, None) for p in _images(folder)]
    if not pairs:
        raise MatteError(f"no foregrounds in {folder}: put RGBA images there, or fg/ and alpha/ "
                         "folders with images of the same names")
    return pairs


class FolderSource:
    """Foregrounds with real alpha, loaded once, downscaled to ``max_side``."""

    def __init__(self, folder: str | Path, max_side: int = 1024) -> None:
        self.items: list[tuple[np.ndarray, np.ndarray]] = []
        for fg_path, alpha_path in find_pairs(folder):
            if alpha_path is None:
                rgb, alpha = load_image_rgba(fg_path)
                if alpha is None:
                    raise MatteError(f"{fg_path} has no alpha channel; give RGBA images, or fg/ and "
                                     "alpha/ folders")
            else:
                rgb = load_image(fg_path)
                alpha = load_mask(alpha_path, rgb.shape[:2])
            h, w = alpha.shape
            f = min(1.0, max_side / max(h, w))
            if f < 1.0:
                size = (round(w * f), round(h * f))
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
                alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
            self.items.append((rgb.astype(np.float32), np.clip(alpha, 0, 1).astype(np.float32)))
        log.info("loaded %d foregrounds with alpha from %s", len(self.items), folder)

    def foreground(self, rng: np.random.Generator, size: tuple[int, int]
                   ) -> tuple[str, np.ndarray, np.ndarray]:
        """A crop centred on a random unknown pixel, at a random scale."""
        rgb, alpha = self.items[int(rng.integers(len(self.items)))]
        h, w = size
        f = rng.uniform(0.5, 1.5) * max(h, w) / max(min(alpha.shape), 1) * 2
        f = min(max(f, max(h / alpha.shape[0], w / alpha.shape[1])), 4.0)
        dsize = (max(w, round(alpha.shape[1] * f)), max(h, round(alpha.shape[0] * f)))
        rgb_s = cv2.resize(rgb, dsize, interpolation=cv2.INTER_LINEAR)
        a_s = cv2.resize(alpha, dsize, interpolation=cv2.INTER_LINEAR)
        ys, xs = np.nonzero((a_s > 0.02) & (a_s < 0.98))
        if len(ys):
            i = int(rng.integers(len(ys)))
            cy, cx = ys[i], xs[i]
        else:
            cy, cx = dsize[1] // 2, dsize[0] // 2
        y = int(np.clip(cy - h // 2, 0, dsize[1] - h))
        x = int(np.clip(cx - w // 2, 0, dsize[0] - w))
        return ("folder", color_jitter(rng, rgb_s[y:y + h, x:x + w], strength=0.3),
                np.ascontiguousarray(a_s[y:y + h, x:x + w]))
