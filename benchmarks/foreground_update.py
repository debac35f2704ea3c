"""Foreground colours after a stroke: the whole photo once, against only the tiles whose
alpha changed (matteditor.foreground.ForegroundSession), and how soon a cancel stops it.

The sample photo enlarged to about 2.5 MP with a soft matte around the cat; a "stroke"
changes the alpha in a 120-px square.  Prints seconds for pymatting's one call on the
whole photo, the tiled estimate from scratch, the update after the stroke, and the time
from a cancel (set from another thread mid-update) to the update giving up.

    .venv/bin/python benchmarks/foreground_update.py [--scale 4]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matteditor.engines.base import CancelToken  # noqa: E402
from matteditor.errors import Cancelled  # noqa: E402
from matteditor.foreground import ForegroundSession  # noqa: E402
from matteditor.imageio import load_image, load_trimap  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=4.2, help="enlargement of the sample")
    args = ap.parse_args(argv)
    sample = ROOT / "resources" / "sample"
    image = load_image(sample / "sample.jpg")
    trimap = load_trimap(sample / "sample_trimap.png", image.shape[:2])
    image = np.clip(cv2.resize(image, None, fx=args.scale, fy=args.scale,
                               interpolation=cv2.INTER_CUBIC), 0, 1)
    trimap = cv2.resize(trimap, (image.shape[1], image.shape[0]),
                        interpolation=cv2.INTER_NEAREST)
    alpha = cv2.GaussianBlur((trimap == 255).astype(np.float32), (0, 0), 2 * args.scale)
    alpha[trimap == 0], alpha[trimap == 255] = 0.0, 1.0
    h, w = alpha.shape
    print(f"photo {w}x{h} ({w * h / 1e6:.1f} MP)")

    from pymatting import estimate_foreground_ml
    estimate_foreground_ml(image[:64, :64].copy(), alpha[:64, :64].copy())   # compile
    t = time.perf_counter()
    estimate_foreground_ml(image, alpha)
    print(f"pymatting, whole photo (cannot be cancelled): {time.perf_counter() - t:6.2f} s")

    session = ForegroundSession(image)
    t = time.perf_counter()
    session.update(alpha)
    print(f"tiles, from scratch ({session.tiles_solved} tiles with partial alpha): "
          f"{time.perf_counter() - t:6.2f} s")
    stroke = alpha.copy()
    ys, xs = np.nonzero((alpha > 0.1) & (alpha < 0.9))
    y, x = int(ys[len(ys) // 2]), int(xs[len(xs) // 2])
    stroke[max(0, y - 60):y + 60, max(0, x - 60):x + 60] = 1.0
    t = time.perf_counter()
    session.update(stroke)
    print(f"tiles, after a 120-px stroke ({session.tiles_solved} tiles): "
          f"{time.perf_counter() - t:6.2f} s")

    token = CancelToken()
    fresh = ForegroundSession(image)
    timer = threading.Timer(0.5, token.cancel)
    timer.start()
    t = time.perf_counter()
    try:
        fresh.update(alpha, token)
        print("finished before the cancel")
    except Cancelled:
        print(f"cancel set at 0.50 s, update gave up at {time.perf_counter() - t:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
