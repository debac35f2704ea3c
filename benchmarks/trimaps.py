"""Engines on trimaps as people paint them: realistic trimap families on eval-dev.

    nice -n 5 .venv/bin/python benchmarks/trimaps.py                       # crops, every family
    .venv/bin/python benchmarks/trimaps.py --set full --limit 4 --families given,wide25
    .venv/bin/python benchmarks/trimaps.py --set full --names a80134c72d --families wide25
    .venv/bin/python benchmarks/trimaps.py --engines auto,fast-cf --limit 40 --markdown t.md
    .venv/bin/python benchmarks/trimaps.py --engines auto,auto-unnarrowed --families given,wide25

``--engines`` takes registry names, ``auto-unnarrowed``: the default engine with its
band narrowing off (``matteditor.solvers.narrowing``), to show what narrowing changes, and
``auto-norelabel``: the default engine with its second solve off (narrowing only, no
solve-then-relabel: ``relabel_alpha=0``).

Composition-1k's trimaps are tight: a thin unknown band drawn around the true
transition.  A person paints wider and rougher ones.  Every family below is derived
from the ground-truth alpha of an eval-dev case (or from its given trimap) the way a
person would make it:

- ``given``: the case's own trimap;
- ``wide10``, ``wide25``, ``wide50``: the given unknown band grown by 10, 25 and 50 px
  (elliptic dilation), as a rough outline painted with a big brush;
- ``brush30``, ``brush60``: a constant-width brush (30 or 60 px across) dragged along
  the alpha = 0.5 contour; outside it foreground where alpha >= 0.5, else background;
- ``quick``: the editor's quick select from only the subject's box (the box around
  alpha > 0, padded 3%): GrabCut, then its band (``matteditor.quickselect``);
- ``scribbles``: two foreground and two background strokes, the rest unknown
  (``benchmarks/scribbles.py``'s trimap).

For each family and engine it prints the mean SAD over that family's unknown band
(Composition-1k conventions: the prediction clamped to the trimap, errors counted over
its unknown pixels; ``matteditor.metrics.sad``), the ratio to pymatting's closed-form
(``estimate_alpha_cf``, called directly: the reference row) on the same trimaps, and the
ratio to the engine's own SAD on the given trimaps.  ``--halves`` prints the same for
the two halves of the cases split by photo name (sorted names, first half / second
half), which is how a default chosen here is checked for generalising.

It reads ``../shared/eval-dev`` and skips (exit 0, one line) when it is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from quality import REFERENCE, Case, engine_estimator, read_cases, reference_estimator  # noqa: E402

FAMILIES = ("given", "wide10", "wide25", "wide50", "brush30", "brush60", "quick", "scribbles")
DEFAULT_ENGINES = "auto,auto-unnarrowed,information-flow,fast-cf"
#: the default engine without its band narrowing (before / after)
UNNARROWED = "auto-unnarrowed"
#: ... and with only its second solve off (narrowing, no solve-then-relabel)
UNRELABELLED = "auto-norelabel"
#: the results' key of the narrowing step's own (share of the band labelled, seconds)
NARROWING = "narrowing"


def _disk(radius: int) -> np.ndarray:
    import cv2

    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def widened(trimap: np.ndarray, pixels: int) -> np.ndarray:
    """The given trimap with its unknown band grown by ``pixels`` (elliptic dilation)."""
    import cv2

    unknown = cv2.dilate((trimap == 128).astype(np.uint8), _disk(pixels)).astype(bool)
    out = trimap.copy()
    out[unknown] = 128
    return out


def brushed(gt: np.ndarray, width: int) -> np.ndarray:
    """A ``width``-px brush along the alpha = 0.5 contour; outside, the side of 0.5."""
    import cv2

    inside = (gt >= 0.5).astype(np.uint8)
    contour = cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    band = cv2.dilate(contour, _disk(max(1, width // 2))).astype(bool)
    out = np.where(inside.astype(bool), 255, 0).astype(np.uint8)
    out[band] = 128
    return out


def box_of(gt: np.ndarray, pad: float = 0.03) -> tuple[int, int, int, int]:
    """(x, y, w, h) around alpha > 0, padded by ``pad`` of the photo's size, clipped."""
    ys, xs = np.nonzero(gt > 0.0)
    h, w = gt.shape
    px, py = int(round(pad * w)), int(round(pad * h))
    x0, y0 = max(0, xs.min() - px), max(0, ys.min() - py)
    x1, y1 = min(w, xs.max() + 1 + px), min(h, ys.max() + 1 + py)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def quick_select(image: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """The editor's GrabCut quick select from the subject's box."""
    from matteditor.quickselect import grabcut_mask, trimap_from_selection

    mask = grabcut_mask(image, rect=box_of(gt))
    return trimap_from_selection(image, mask)


def family_trimap(family: str, image: np.ndarray, trimap: np.ndarray,
                  gt: np.ndarray) -> np.ndarray:
    if family == "given":
        return trimap
    if family.startswith("wide"):
        return widened(trimap, int(family[4:]))
    if family.startswith("brush"):
        return brushed(gt, int(family[5:]))
    if family == "quick":
        return quick_select(image, gt)
    if family == "scribbles":
        from scribbles import scribble_trimap

        return scribble_trimap(gt)
    raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")


def narrowing_estimator(device: str | None, **settings):
    """``auto`` with these band-narrowing settings (``enabled=False``: none)."""
    from matteditor.engines import create_engine
    from matteditor.solvers.narrowing import NarrowingSettings

    engine = create_engine("auto", device)
    engine.narrowing = NarrowingSettings(**settings)
    return lambda image, trimap: engine.estimate(image, trimap)


def usable(trimap: np.ndarray) -> bool:
    """A trimap the engines can solve: some unknown, some foreground, some background."""
    return all((trimap == v).any() for v in (0, 128, 255))


def run(cases: list[Case], families: list[str], estimators: dict, log) -> dict:
    """(SAD, seconds) per (family, engine, case), absent where the family's trimap is
    unusable or the engine refused it (counted and said, never hidden); with ``auto`` among
    the engines also (share of the band labelled, seconds) of its narrowing step per
    (family, NARROWING, case)."""
    from matteditor.engines.policy import narrowed_trimap
    from matteditor.errors import MatteError
    from matteditor.metrics import sad
    from matteditor.trimap import clamp_to_trimap

    results: dict = {}
    for case in cases:
        image, trimap, gt = case.load()
        for family in families:
            try:
                t = family_trimap(family, image, trimap, gt)
            except MatteError as e:     # e.g. a crop whose subject's box is the whole crop
                log(f"{case.name} {family}: no trimap: {e}")
                continue
            if not usable(t):
                log(f"{case.name} {family}: trimap lacks a label, skipped")
                continue
            if "auto" in estimators:
                t0 = time.perf_counter()
                narrowed = narrowed_trimap(image, t)
                results[(family, NARROWING, case.name)] = (
                    float((narrowed[t == 128] != 128).mean()), time.perf_counter() - t0)
            for label, estimate in estimators.items():
                t0 = time.perf_counter()
                try:
                    alpha = clamp_to_trimap(np.asarray(estimate(image, t), np.float32), t)
                except MatteError as e:
                    log(f"{case.name} {family} {label}: refused: {e}")
                    continue
                seconds = time.perf_counter() - t0
                results[(family, label, case.name)] = (sad(alpha, gt, t), seconds)
        log(f"{case.name} done")
    return results


def table(results: dict, cases: list[Case], families: list[str], labels: list[str],
          title: str) -> list[str]:
    """Markdown rows: per family, each engine's mean SAD, x closed-form, x own given."""
    names = {c.name for c in cases}
    lines = [f"### {title} ({len(cases)} cases)", "",
             "| family | " + " | ".join(labels) + " |",
             "|---|" + "---|" * len(labels)]

    def mean(family: str, label: str, keep: set[str]) -> float:
        vals = [results[(family, label, n)][0] for n in keep if (family, label, n) in results]
        return float(np.mean(vals)) if vals else float("nan")

    for family in families:
        # only the cases every engine answered, so the means compare like with like
        keep = {n for n in names if all((family, lb, n) in results for lb in labels)}
        keep_given = {n for n in keep if all(("given", lb, n) in results for lb in labels)}
        cells = []
        for label in labels:
            m = mean(family, label, keep)
            ref = mean(family, REFERENCE, keep)
            own = mean("given", label, keep_given)
            mine = mean(family, label, keep_given)
            cells.append(f"{m:.2f} ({m / ref:.2f}x cf, {mine / own:.2f}x given)"
                         if label != REFERENCE else f"{m:.2f} ({mine / own:.2f}x given)")
        lines.append(f"| {family} ({len(keep)}) | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "eval-dev")
    ap.add_argument("--set", default="crop", choices=("crop", "full"))
    ap.add_argument("--limit", type=int, default=None, help="cases (index order)")
    ap.add_argument("--names", default=None, help="only these cases (comma-separated)")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--engines", default=DEFAULT_ENGINES)
    ap.add_argument("--device", default=None)
    ap.add_argument("--halves", action="store_true", help="also each half, split by photo")
    ap.add_argument("--per-case", action="store_true", help="also each case's SAD and seconds")
    ap.add_argument("--markdown", type=Path, help="also write the tables here")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if not (args.data / "index.tsv").is_file():
        print(f"no eval-dev at {args.data}: skipped")
        return 0
    families = [f for f in args.families.split(",") if f]
    for f in families:
        if f not in FAMILIES:
            ap.error(f"unknown family {f!r}; known: {', '.join(FAMILIES)}")
    cases = read_cases(args.data, args.set, args.limit,
                       args.names.split(",") if args.names else None)
    estimators = {REFERENCE: reference_estimator()}
    for name in args.engines.split(","):
        if name == UNNARROWED:
            estimators[name] = narrowing_estimator(args.device, enabled=False)
        elif name == UNRELABELLED:
            estimators[name] = narrowing_estimator(args.device, relabel_alpha=0.0)
        elif name:
            estimators[name] = engine_estimator(name, args.device)
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr,
                                                                   flush=True))
    t0 = time.perf_counter()
    results = run(cases, families, estimators, log)
    labels = list(estimators)
    lines = table(results, cases, families, labels, f"eval-dev {args.set}")
    if args.halves:
        ordered = sorted(cases, key=lambda c: c.name)
        half = len(ordered) // 2
        for title, part in (("first half by name", ordered[:half]),
                            ("second half by name", ordered[half:])):
            lines += [""] + table(results, part, families, labels, title)
    seconds = {lb: sum(v[1] for k, v in results.items() if k[1] == lb) for lb in labels}
    lines += ["", "seconds in all: " + ", ".join(f"{lb} {s:.1f}" for lb, s in seconds.items()),
              f"wall: {time.perf_counter() - t0:.0f} s", "", "mean seconds per trimap:"]
    for family in families:
        cells = [f"{lb} {np.mean(v):.2f}" for lb in labels
                 if (v := [r[1] for k, r in results.items() if k[:2] == (family, lb)])]
        lines.append(f"- {family}: " + ", ".join(cells))
    if args.per_case:
        lines += ["", "per case (SAD, seconds):"]
        for family in families:
            for case in cases:
                cells = [f"{lb} {results[(family, lb, case.name)][0]:.1f} "
                         f"{results[(family, lb, case.name)][1]:.1f} s"
                         for lb in labels if (family, lb, case.name) in results]
                if cells:
                    lines.append(f"- {case.name} {family}: " + ", ".join(cells))
    if "auto" in labels:
        step = {f: [v for k, v in results.items() if k[:2] == (f, NARROWING)] for f in families}
        lines += ["", "auto's narrowing step per trimap (mean share of the band labelled, mean "
                  "seconds): " + ", ".join(f"{f} {np.mean([v[0] for v in vals]):.0%} "
                                           f"{np.mean([v[1] for v in vals]):.2f} s"
                                           for f, vals in step.items() if vals)]
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
