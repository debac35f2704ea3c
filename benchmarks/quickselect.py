"""Quick select on eval-dev: from only a bounding box to a trimap and a cutout, by the command line.

For every full-size case, the box around the ground-truth alpha (grown by 3 % of
its sides, as a user would drag it) goes through ``matteditor trimap --rect``
(``--selector grabcut`` by default, then the unknown band), and ``matteditor matte``
(the default engine unless ``--engine``) writes a cutout
(RGBA PNG) with that trimap and another with the given trimap.  SAD of the
cutouts' alpha channels against ground truth is reported over the whole image
(our trimap's known regions can be wrong, so they must count) and over the
given trimap's unknown region.  The commands run in this process through the
command line's own entry point (``matteditor.__main__.main``), so what is
measured is exactly what a batch user gets, minus Python's start-up.

    nice -n 5 python benchmarks/quickselect.py [--engine NAME] [--band 12] [--limit N]
        [--selector grabcut|sam] [--grabcut-first-pass-only]

``--stroke-refine`` instead times what a correction stroke after quick select costs in the
editor: GrabCut on the whole box again (before) against GrabCut around the stroke only
(``grabcut_refine_region``), on a synthetic 1600 x 1600 photo.

``--grabcut-first-pass-only`` gives GrabCut as it was before its second pass at full
resolution in the band (``QuickSelectSettings.second_pass``), for before/after figures.
It takes minutes: each case runs GrabCut and two full-size solves.
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
from matteditor.engines import default_engine_name  # noqa: E402
from matteditor.imageio import load_image, save_image  # noqa: E402
from matteditor.quickselect import grabcut_mask, trimap_from_selection  # noqa: E402
from matteditor.imageio import load_image_rgba, load_mask, load_trimap  # noqa: E402
from matteditor.quickselect import QuickSelectSettings  # noqa: E402
from matteditor.trimap import UNKNOWN  # noqa: E402


def cases(data: Path, limit: int | None, skip: int = 0):
    names = sorted(p.name[:-len("_image.png")] for p in (data / "full").glob("*_image.png"))
    names = names[skip:]
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


def stroke_refine(side: int = 1600) -> int:
    """Seconds of a whole-box GrabCut against the local one around a 20-px stroke."""
    from matteditor.quickselect import grabcut_refine_region
    from matteditor.trimap import FOREGROUND

    yy, xx = np.mgrid[:side, :side]
    c, r = side / 2, side * 0.31
    obj = (xx - c) ** 2 + (yy - c) ** 2 < r ** 2
    rng = np.random.default_rng(0)
    img = np.where(obj[..., None], (0.85, 0.35, 0.2), (0.15, 0.45, 0.5)).astype(np.float32)
    img = np.clip(img + rng.normal(0, 0.05, img.shape).astype(np.float32), 0, 1)
    box = (int(c - 1.1 * r), int(c - 1.1 * r), int(2.2 * r), int(2.2 * r))
    seeds = np.full((side, side), UNKNOWN, np.uint8)
    sx, sy = int(c + r - 30), int(c)
    seeds[sy - 10:sy + 10, sx - 10:sx + 10] = FOREGROUND
    t = time.perf_counter()
    mask = grabcut_mask(img, rect=box, trimap=seeds)
    whole = time.perf_counter() - t
    t = time.perf_counter()
    grabcut_refine_region(img, mask, seeds, (sx - 10, sy - 10, sx + 10, sy + 10))
    local = time.perf_counter() - t
    print(f"{side}x{side} photo: GrabCut on the whole box {whole:.2f} s, around the stroke "
          f"{local:.2f} s")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "eval-dev")
    ap.add_argument("--engine", default=default_engine_name())
    ap.add_argument("--band", type=int, default=QuickSelectSettings.band)
    ap.add_argument("--pad", type=float, default=0.03,
                    help="share of the true box's sides added around it (default 3%%)")
    ap.add_argument("--selector", choices=("grabcut", "sam"), default="grabcut")
    ap.add_argument("--grabcut-first-pass-only", action="store_true",
                    help="GrabCut without its second pass (the figures before it)")
    ap.add_argument("--no-adaptive", action="store_true", help="fixed-width band (--fixed-band)")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--skip", type=int, default=0, help="leave out the first N cases")
    ap.add_argument("--stroke-refine", action="store_true",
                    help="time a correction stroke's refine (whole box vs around the stroke)")
    args = ap.parse_args(argv)
    if args.stroke_refine:
        return stroke_refine()
    if not (args.data / "full").is_dir():
        print(f"eval-dev not found at {args.data}; skipping")
        return 0
    print(f"engine {args.engine}, selector {args.selector}, band {args.band}px, adaptive "
          f"{not args.no_adaptive}, box padded {100 * args.pad:g}%, GrabCut second pass "
          f"{not args.grabcut_first_pass_only}")
    print(f"{'case':<12}{'SAD box':>10}{'SAD given':>11}{'SADu box':>10}{'SADu given':>12}"
          f"{'unk% box':>10}{'unk% given':>11}{'trimap s':>10}")
    rows, failed = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for name in cases(args.data, args.limit, args.skip):
            base = args.data / "full" / name
            photo = f"{base}_image.png"
            gt = load_mask(f"{base}_alpha.png")
            given = load_trimap(f"{base}_trimap.png", gt.shape)
            ys, xs = np.nonzero(gt > 0.01)
            h, w = gt.shape
            px = int(round(args.pad * (xs.max() + 1 - xs.min())))
            py = int(round(args.pad * (ys.max() + 1 - ys.min())))
            x0, y0 = max(0, xs.min() - px), max(0, ys.min() - py)
            x1, y1 = min(w, xs.max() + 1 + px), min(h, ys.max() + 1 + py)
            ours_path = out / f"{name}_box_trimap.png"
            t = time.perf_counter()
            try:
                if args.grabcut_first_pass_only:
                    # the command line's own steps, with the second pass off
                    image = load_image(photo)
                    settings = QuickSelectSettings(band=args.band, second_pass=False,
                                                   adaptive_band=not args.no_adaptive)
                    mask = grabcut_mask(image, rect=(x0, y0, x1 - x0, y1 - y0),
                                        settings=settings)
                    save_image(ours_path, trimap_from_selection(image, mask, settings))
                else:
                    run("trimap", photo, "--rect", f"{x0},{y0},{x1 - x0},{y1 - y0}",
                        "--selector", args.selector, "--band", str(args.band),
                        *(["--fixed-band"] if args.no_adaptive else []), "-o", str(ours_path))
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
