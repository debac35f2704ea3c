"""Scribble trimaps: coarse to fine against the exact solve, and against pymatting.

    nice -n 5 .venv/bin/python benchmarks/scribbles.py --limit 5     # eval-dev, smallest first
    .venv/bin/python benchmarks/scribbles.py --no-eval               # the 12 MP rows only

eval-dev (``../shared/eval-dev/full``, skipped when absent): for each full-size
case a scribble trimap is derived from its ground truth, the way a user paints
one: two horizontal and two vertical 10-px strokes at 35% and 65% of the
picture, kept where they fall inside alpha = 1 or alpha = 0 eroded by 20 px;
everything else unknown.  Each trimap is solved three ways: fast-cf coarse to
fine (the default), the exact solve of the whole scribble trimap (fast-cf
without the coarse step, its direct solver allowed a 12 GB factor), and
pymatting's closed-form.  The table gives whole-image SAD (Composition-1k's
/1000, over every pixel: here nearly all are unknown), seconds, the coarse-to-
fine SAD relative to the exact solve's, and the speed-up over pymatting.

``--engines fast-cf,information-flow,auto --scale 0.25`` instead solves the same
scribble trimaps, derived from the ground truth reduced by ``--scale``, with each
named engine (the engines' own settings), and says which engine ``auto`` picked:
the figures behind its rule that scribbles go to fast-cf.

12 MP (``--no-synthetic`` to skip): the synthetic photo of ``speed.py`` with two
foreground and two background strokes and nothing else: seconds to the first
full-resolution matte, then to the exact answer after a further stroke.
Every solve runs in its own subprocess (peak memory is that run's).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
METHODS = ("coarse-to-fine", "exact", "pymatting")


def scribble_trimap(gt: np.ndarray) -> np.ndarray:
    """Strokes inside the certain foreground and background of a true alpha."""
    import cv2

    h, w = gt.shape
    kernel = np.ones((41, 41), np.uint8)
    fg = cv2.erode((gt >= 0.999).astype(np.uint8), kernel).astype(bool)
    bg = cv2.erode((gt <= 0.001).astype(np.uint8), kernel).astype(bool)
    trimap = np.full((h, w), 128, np.uint8)
    for frac in (0.35, 0.65):
        for axis, size in ((0, h), (1, w)):
            stroke = np.zeros((h, w), bool)
            c = int(size * frac)
            if axis == 0:
                stroke[c - 5:c + 5] = True
            else:
                stroke[:, c - 5:c + 5] = True
            trimap[stroke & fg] = 255
            trimap[stroke & bg] = 0
    return trimap


def run_case(data: Path, name: str, method: str) -> dict:
    """One solve (in the child process)."""
    import cv2

    from matteditor.imageio import load_image, load_mask

    image = load_image(data / f"{name}_image.png")
    gt = load_mask(data / f"{name}_alpha.png")
    engine, _, scale = method.partition("@")      # "information-flow@0.25": an engine, scaled
    if scale:
        size = (round(gt.shape[1] * float(scale)), round(gt.shape[0] * float(scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        gt = cv2.resize(gt, size, interpolation=cv2.INTER_AREA)
    trimap = scribble_trimap(gt)
    start = time.perf_counter()
    picked = ""
    if scale:
        from matteditor.engines import create_engine

        session = create_engine(engine)
        alpha = session.estimate(image, trimap)
        picked = session.answered_by
    elif method == "pymatting":
        import pymatting

        alpha = pymatting.estimate_alpha_cf(image.astype(np.float64), trimap / 255.0)
    else:
        from matteditor.engines.base import EngineOptions
        from matteditor.engines.fast_cf import FastClosedFormEngine
        from matteditor.solvers.settings import CFSettings

        engine = (FastClosedFormEngine() if method == "coarse-to-fine" else
                  FastClosedFormEngine(options=EngineOptions(
                      closed_form=CFSettings(max_factor_mb=12_000), scribbles=None)))
        alpha = engine.estimate(image, trimap)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "sad": float(np.abs(alpha - gt).sum() / 1000),
            "unknown": float((trimap == 128).mean()), "picked": picked,
            "size": f"{gt.shape[1]}x{gt.shape[0]}",
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_12mp() -> dict:
    """First matte and a further stroke on the 12 MP photo (in the child process)."""
    from matteditor.engines.fast_cf import FastClosedFormEngine
    from matteditor.geometry import Rect
    from matteditor.trimap import BACKGROUND, FOREGROUND, paint_stroke
    from speed import synthetic_case

    image, band_trimap, _ = synthetic_case(3000, 4000)
    h, w = band_trimap.shape
    trimap = np.full((h, w), 128, np.uint8)
    cx, cy, r = w / 2, h / 2, min(h, w) * 0.33
    for points, label in ((([cx - r / 2, cy], [cx + r / 2, cy]), FOREGROUND),
                          (([cx, cy - r / 2], [cx, cy + r / 2]), FOREGROUND),
                          (([80, 80], [w - 80, 80]), BACKGROUND),
                          (([80, h - 80], [80, 200]), BACKGROUND)):
        paint_stroke(trimap, list(points), 12, label)
    engine = FastClosedFormEngine()
    engine.set_image(image)
    start = time.perf_counter()
    engine.predict(trimap)
    first = time.perf_counter() - start
    stroke = trimap.copy()
    box = paint_stroke(stroke, [(w - 80, 300), (w - 80, h - 300)], 12, BACKGROUND)
    start = time.perf_counter()
    engine.predict(stroke, Rect(*box))
    again = time.perf_counter() - start
    return {"first": first, "stroke": again,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child(args: list[str], timeout: float) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1][:120]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def engines_table(full: Path, cases: list[str], engines: list[str], scale: float,
                  timeout: float) -> None:
    print(f"Scribble trimaps, photos at {scale:g} of their size: whole-image SAD and seconds\n")
    print("| case | size | unknown | " + " | ".join(f"SAD {e} | s {e}" for e in engines) + " |")
    print("|---|---|---|" + "---|---|" * len(engines))
    sads: dict[str, list[float]] = {e: [] for e in engines}
    for name in cases:
        r = {e: child([str(full), name, f"{e}@{scale}"], timeout) for e in engines}
        if any("error" in v for v in r.values()):
            print(f"| {name} | " + " | ".join(str(v.get("error", "")) for v in r.values()))
            continue
        first = r[engines[0]]
        cells = []
        for e in engines:
            sads[e].append(r[e]["sad"])
            pick = f" ({r[e]['picked']})" if r[e]["picked"] != e else ""
            cells.append(f"{r[e]['sad']:.1f}{pick} | {r[e]['seconds']:.1f}")
        print(f"| {name} | {first['size']} | {first['unknown']:.0%} | " + " | ".join(cells) + " |",
              flush=True)
    if sads[engines[0]]:
        print("\nmean SAD: " + ", ".join(f"{e} {statistics.mean(v):.2f}" for e, v in sads.items()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "eval-dev")
    ap.add_argument("--limit", type=int, default=0, help="the N smallest cases only")
    ap.add_argument("--cases", default="", help="these cases only (comma-separated names)")
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--no-synthetic", action="store_true")
    ap.add_argument("--no-pymatting", action="store_true")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--engines", default="", help="solve with these engines instead "
                    "(comma-separated, e.g. fast-cf,information-flow,auto)")
    ap.add_argument("--scale", type=float, default=1.0, help="with --engines: reduce the "
                    "photos by this factor first")
    ap.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child is not None:
        sys.path.insert(0, str(REPO / "benchmarks"))
        result = run_12mp() if a.child == ["12mp"] else run_case(Path(a.child[0]), *a.child[1:])
        print(json.dumps(result))
        return 0
    full = a.data / "full"
    if not a.no_eval and full.is_dir():
        rows = [line.split("\t") for line in (a.data / "index.tsv").read_text().splitlines()[1:]]
        cases = sorted((int(r[2]) * int(r[3]), r[1]) for r in rows if r[0] == "full")
        cases = [name for _, name in cases][:a.limit or None]
        if a.cases:
            cases = [name for name in cases if name in a.cases.split(",")]
        if a.engines:
            engines_table(full, cases, a.engines.split(","), a.scale, a.timeout)
            return 0
        methods = [m for m in METHODS if not (a.no_pymatting and m == "pymatting")]
        print("| case | unknown | SAD c2f | SAD exact | c2f/exact | s c2f | s exact | s pymatting "
              "| speed-up vs pymatting | MB c2f |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        ratios, speedups = [], []
        for name in cases:
            r = {m: child([str(full), name, m], a.timeout) for m in methods}
            if any("error" in v for v in r.values()):
                print(f"| {name} | " + " | ".join(str(v.get("error", "")) for v in r.values()))
                continue
            c, e, p = r["coarse-to-fine"], r["exact"], r.get("pymatting")
            ratio = c["sad"] / e["sad"]
            ratios.append(ratio)
            speed = p["seconds"] / c["seconds"] if p else float("nan")
            speedups.append(speed)
            print(f"| {name} | {c['unknown']:.0%} | {c['sad']:.2f} | {e['sad']:.2f} | {ratio:.3f} "
                  f"| {c['seconds']:.1f} | {e['seconds']:.1f} | "
                  f"{p['seconds'] if p else float('nan'):.1f} | {speed:.1f}x | {c['peak_mb']:.0f} |",
                  flush=True)
        if ratios:
            print(f"\n{len(ratios)} cases: SAD coarse-to-fine / exact: mean {statistics.mean(ratios):.3f}, "
                  f"max {max(ratios):.3f}; speed-up over pymatting: median "
                  f"{statistics.median(speedups):.1f}x, min {min(speedups):.1f}x")
    elif not a.no_eval:
        print(f"eval-dev not found at {a.data}; skipping its cases", file=sys.stderr)
    if not a.no_synthetic:
        r = child(["12mp"], a.timeout)
        print(f"\n12 MP, two foreground and two background strokes: first matte "
              f"{r.get('first', float('nan')):.1f} s, a further stroke's exact matte "
              f"{r.get('stroke', float('nan')):.1f} s, peak {r.get('peak_mb', float('nan')):.0f} MB"
              + (f" ({r['error']})" if "error" in r else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
