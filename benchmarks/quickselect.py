"""Quick select on eval-dev: from only a bounding box to a trimap and a cutout, by the command line.

For every full-size case, the box around the ground-truth alpha (grown by a
few pixels, as a user would drag it) goes through ``matteditor trimap --rect``
(GrabCut, then the unknown band), and ``matteditor matte`` writes a cutout
(RGBA PNG) with that trimap and another with the given trimap.  SAD of the
cutouts' alpha channels against ground truth is reported over the whole image
(our trimap's known regions can be wrong, so they must count) and over the
given trimap's unknown region.  The commands run in this process through the
command line's own entry point (``matteditor.__main__.main``), so what is
measured is exactly what a batch user gets, minus Python's start-up.

    python benchmarks/quickselect.py [--engine closed-form] [--band 12] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matteditor.__main__ import main as matteditor  # noqa: E402
from matteditor.imageio import load_image_rgba, load_mask, load_trimap  # noqa: E402
from matteditor.quickselect import QuickSelectSettings  # noqa: E402
from matteditor.trimap import UNKNOWN  # noqa: E402


def cases(data: Path, limit: int | None):
    names = sorted(p.name[:-len("_image.png")] for p in (data / "full").glob("*_image.png"))
    return names[:limit] if limit else names


def run(*argv: str) -> None:
    code = matteditor(list(argv))
    if code != 0:
        raise SystemExit(f"matteditor {' '.join(argv)} exited with {code}")


def cutout_alpha(path: Path) -> np.ndarray:
    _, alpha = load_image_rgba(path)
    if alpha is None:
        raise SystemExit(f"{path} has no alpha channel")
    return alpha


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval-dev")
    ap.add_argument("--engine", default="closed-form")
    ap.add_argument("--band", type=int, default=QuickSelectSettings.band)
    ap.add_argument("--pad", type=int, default=10, help="pixels added around the true box")
    ap.add_argument("--no-adaptive", action="store_true", help="fixed-width band (--fixed-band)")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args(argv)
    if not (args.data / "full").is_dir():
        print(f"eval-dev not found at {args.data}; skipping")
        return 0
    print(f"engine {args.engine}, band {args.band}px, adaptive {not args.no_adaptive}")
    print(f"{'case':<12}{'SAD box':>10}{'SAD given':>11}{'SADu box':>10}{'SADu given':>12}"
          f"{'unk% box':>10}{'unk% given':>11}{'trimap s':>10}")
    rows, failed = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for name in cases(args.data, args.limit):
            base = args.data / "full" / name
            photo = f"{base}_image.png"
            gt = load_mask(f"{base}_alpha.png")
            given = load_trimap(f"{base}_trimap.png", gt.shape)
            ys, xs = np.nonzero(gt > 0.01)
            h, w = gt.shape
            x0, y0 = max(0, xs.min() - args.pad), max(0, ys.min() - args.pad)
            x1, y1 = min(w, xs.max() + 1 + args.pad), min(h, ys.max() + 1 + args.pad)
            ours_path = out / f"{name}_box_trimap.png"
            t = time.perf_counter()
            try:
                run("trimap", photo, "--rect", f"{x0},{y0},{x1 - x0},{y1 - y0}",
                    "--band", str(args.band), *(["--fixed-band"] if args.no_adaptive else []),
                    "-o", str(ours_path))
            except SystemExit as e:   # e.g. GrabCut found nothing in the box: a result too
                print(f"{name:<12}failed: {e}", flush=True)
                failed += 1
                continue
            t_trimap = time.perf_counter() - t
            ours = load_trimap(ours_path, gt.shape)
            for tag, trimap in (("box", ours_path), ("given", Path(f"{base}_trimap.png"))):
                run("matte", photo, "--trimap", str(trimap), "--engine", args.engine, "-q",
                    "-o", str(out / f"{name}_{tag}.png"))
            a_box = cutout_alpha(out / f"{name}_box.png")
            a_given = cutout_alpha(out / f"{name}_given.png")
            unk = given == UNKNOWN
            row = (np.abs(a_box - gt).sum() / 1000, np.abs(a_given - gt).sum() / 1000,
                   np.abs(a_box - gt)[unk].sum() / 1000, np.abs(a_given - gt)[unk].sum() / 1000,
                   100 * (ours == UNKNOWN).mean(), 100 * unk.mean(), t_trimap)
            rows.append(row)
            print(f"{name:<12}" + "".join(f"{v:>{wd}.1f}" for v, wd in
                                          zip(row, (10, 11, 10, 12, 10, 11, 10))), flush=True)
    if rows:
        m = np.mean(rows, axis=0)
        print(f"{'mean':<12}" + "".join(f"{v:>{wd}.1f}" for v, wd in
                                        zip(m, (10, 11, 10, 12, 10, 11, 10))))
    print(f"{len(rows)} cases, {failed} where the box gave no trimap")
    return 0


if __name__ == "__main__":
    sys.exit(main())
