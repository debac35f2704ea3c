"""Quick select on eval-dev: from only a bounding box to a trimap and a cutout.

For every full-size case, the box around the ground-truth alpha (grown by a
few pixels, as a user would drag it) goes through GrabCut and
``trimap_from_selection``; an engine mattes with that trimap and with the
given trimap.  SAD against ground truth is reported over the whole image
(our trimap's known regions can be wrong, so they must count) and over the
given trimap's unknown region.

    python benchmarks/quickselect.py [--engine closed-form] [--band 12] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matteditor.engines import create_engine  # noqa: E402
from matteditor.imageio import load_image, load_mask, load_trimap  # noqa: E402
from matteditor.quickselect import (QuickSelectSettings, grabcut_mask,  # noqa: E402
                                    trimap_from_selection)
from matteditor.trimap import UNKNOWN  # noqa: E402


def cases(data: Path, limit: int | None):
    names = sorted(p.name[:-len("_image.png")] for p in (data / "full").glob("*_image.png"))
    return names[:limit] if limit else names


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval-dev")
    ap.add_argument("--engine", default="closed-form")
    ap.add_argument("--band", type=int, default=12)
    ap.add_argument("--pad", type=int, default=10, help="pixels added around the true box")
    ap.add_argument("--no-adaptive", action="store_true")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args(argv)
    if not (args.data / "full").is_dir():
        print(f"eval-dev not found at {args.data}; skipping")
        return 0
    settings = QuickSelectSettings(band=args.band, adaptive_band=not args.no_adaptive)
    engine = create_engine(args.engine)
    rows = []
    print(f"engine {args.engine}, band {args.band}px, adaptive {settings.adaptive_band}")
    print(f"{'case':<12}{'SAD box':>10}{'SAD given':>11}{'SADu box':>10}{'SADu given':>12}"
          f"{'unk% box':>10}{'unk% given':>11}{'grabcut s':>11}")
    for name in cases(args.data, args.limit):
        base = args.data / "full" / name
        image = load_image(f"{base}_image.png")
        gt = load_mask(f"{base}_alpha.png")
        given = load_trimap(f"{base}_trimap.png", gt.shape)
        ys, xs = np.nonzero(gt > 0.01)
        h, w = gt.shape
        x0, y0 = max(0, xs.min() - args.pad), max(0, ys.min() - args.pad)
        x1, y1 = min(w, xs.max() + 1 + args.pad), min(h, ys.max() + 1 + args.pad)
        t = time.perf_counter()
        sel = grabcut_mask(image, rect=(x0, y0, x1 - x0, y1 - y0), settings=settings)
        ours = trimap_from_selection(image, sel, settings)
        t_gc = time.perf_counter() - t
        a_box = engine.estimate(image, ours)
        a_given = engine.estimate(image, given)
        unk = given == UNKNOWN
        row = (np.abs(a_box - gt).sum() / 1000, np.abs(a_given - gt).sum() / 1000,
               np.abs(a_box - gt)[unk].sum() / 1000, np.abs(a_given - gt)[unk].sum() / 1000,
               100 * (ours == UNKNOWN).mean(), 100 * unk.mean(), t_gc)
        rows.append(row)
        print(f"{name:<12}" + "".join(f"{v:>{wd}.1f}" for v, wd in
                                      zip(row, (10, 11, 10, 12, 10, 11, 11))), flush=True)
    m = np.mean(rows, axis=0)
    print(f"{'mean':<12}" + "".join(f"{v:>{wd}.1f}" for v, wd in zip(m, (10, 11, 10, 12, 10, 11, 11))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
