"""Real photographs for backgrounds and foreground colours, held in memory."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from ..errors import ImageLoadError, MatteError
from ..imageio import load_image

log = logging.getLogger(__name__)

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


class PhotoPool:
    """Photographs from a folder (recursively), downscaled to ``max_side`` and
    kept as uint8 RGB, from which random crops are drawn."""

    def __init__(self, folder: str | Path, max_side: int = 1024) -> None:
        folder = Path(folder)
        if not folder.is_dir():
            raise MatteError(f"photo folder not found: {folder} "
                             "(scripts/fetch-training-photos.sh fetches some)")
        self.photos: list[np.ndarray] = []
        self.names: list[str] = []
        for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES):
            try:
                img = load_image(path)
            except ImageLoadError as exc:
                log.warning("skipping %s: %s", path, exc)
                continue
            h, w = img.shape[:2]
            f = min(1.0, max_side / max(h, w))
            if f < 1.0:
                img = cv2.resize(img, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
            self.photos.append(np.round(img * 255).astype(np.uint8))
            self.names.append(path.name)
        if not self.photos:
            raise MatteError(f"no photographs ({', '.join(PHOTO_SUFFIXES)}) in {folder}")
        log.info("loaded %d photographs from %s", len(self.photos), folder)

    def __len__(self) -> int:
        return len(self.photos)

    def crop(self, rng: np.random.Generator, size: tuple[int, int], index: int | None = None,
             scale: tuple[float, float] = (0.3, 1.0)) -> np.ndarray:
        """A random crop resized to ``size``: float32 H x W x 3 in [0, 1].

        ``scale`` bounds the crop's side as a fraction of the photo's short side.
        """
        img = self.photos[int(rng.integers(len(self.photos))) if index is None else index]
        ph, pw = img.shape[:2]
        h, w = size
        side = rng.uniform(*scale) * min(ph, pw)
        ch = int(min(ph, max(8, side * h / max(h, w))))
        cw = int(min(pw, max(8, side * w / max(h, w))))
        y = int(rng.integers(0, ph - ch + 1))
        x = int(rng.integers(0, pw - cw + 1))
        patch = img[y:y + ch, x:x + cw]
        interp = cv2.INTER_AREA if ch > h else cv2.INTER_LINEAR
        out = cv2.resize(patch, (w, h), interpolation=interp).astype(np.float32) / 255.0
        if rng.random() < 0.5:
            out = out[:, ::-1]
        return np.ascontiguousarray(out)
