"""Draw a grid of generated training samples (docs/training-samples.png).

    python -m matteditor.training.preview --backgrounds ~/photos --out docs/training-samples.png

Each row is one sample: composite, trimap, ground-truth alpha, foreground
colours and background, labelled with the alpha generator that made it.
"""

from __future__ import annotations

import argparse
import sys

import cv2
import numpy as np

from ..imageio import save_image
from .alphas import GENERATORS
from .dataset import SyntheticSource, make_sample
from .photos import PhotoPool


def sample_grid(photos: PhotoPool, per_kind: int = 2, crop: int = 192, seed: int = 3) -> np.ndarray:
    """float32 image: rows of samples, ``per_kind`` for every generator kind."""
    rng = np.random.default_rng(seed)
    source = SyntheticSource(photos)
    wanted = {name: per_kind for name in GENERATORS}
    rows = []
    for _ in range(500):
        if not any(wanted.values()):
            break
        s = make_sample(rng, source, photos, crop)
        if wanted.get(s.kind, 0) == 0:
            continue
        wanted[s.kind] -= 1
        gray = lambda a: np.repeat(a[..., None], 3, axis=2)  # noqa: E731
        row = np.concatenate([s.image, gray(s.trimap.astype(np.float32) / 255), gray(s.alpha),
                              s.foreground, s.background], axis=1)
        row = np.round(row * 255).astype(np.uint8)   # OpenCV draws text on 8-bit images only
        cv2.putText(row, s.kind, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(row, s.kind, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1,
                    cv2.LINE_AA)
        rows.append(row)
    header = np.full((24, rows[0].shape[1], 3), 255, np.uint8)
    for i, title in enumerate(("composite", "trimap", "alpha", "foreground", "background")):
        cv2.putText(header, title, (i * crop + 6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return np.concatenate([header] + rows, axis=0).astype(np.float32) / 255


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backgrounds", required=True)
    p.add_argument("--out", default="docs/training-samples.png")
    p.add_argument("--per-kind", type=int, default=2)
    args = p.parse_args(argv)
    save_image(args.out, sample_grid(PhotoPool(args.backgrounds), args.per_kind))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
