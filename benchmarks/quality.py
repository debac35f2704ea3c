"""Matte quality of every engine on the eval-dev cases, with pymatting's closed-form as reference.

    .venv/bin/python benchmarks/quality.py --set crop                  # all available engines
    .venv/bin/python benchmarks/quality.py --set full --engines closed-form --per-case
    .venv/bin/python benchmarks/quality.py --engines knn,lkm --limit 20 --markdown q.md

Reads ``../shared/eval-dev`` (relative to the repository root; ``--data`` to
change) and prints, per case set and engine, the mean SAD, MSE, Gradient and
Connectivity errors (Composition-1k conventions, ``matteditor.metrics``) and
seconds per megapixel of the whole image.  The reference row calls
``pymatting.estimate_alpha_cf`` directly, not through our engine, on the same
cases.  Engines come from the registry, so network engines join as soon as
their weights are installed.  Nothing is written unless ``--markdown`` is given.
Ctrl+C (or SIGTERM) stops at once and still prints the tables of the cases finished before it.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from matteditor.engines import available_engines, create_engine  # noqa: E402
from matteditor.errors import MatteError  # noqa: E402
from matteditor.imageio import load_image, load_mask, load_trimap  # noqa: E402
from matteditor.metrics import connectivity_error, gradient_error, mse, sad  # noqa: E402

REFERENCE = "pymatting cf (ref)"
SETS = ("full", "crop")

#: estimate(image float32 HxWx3, trimap uint8 HxW) -> alpha float HxW
Estimator = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Case:
    set: str
    name: str
    folder: Path

    def load(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        image = load_image(self.folder / f"{self.name}_image.png")
        trimap = load_trimap(self.folder / f"{self.name}_trimap.png", image.shape[:2])
        gt = load_mask(self.folder / f"{self.name}_alpha.png", image.shape[:2])
        return image, trimap, gt


@dataclass(frozen=True)
class Score:
    sad: float
    mse: float
    grad: float
    conn: float
    seconds: float
    megapixels: float


def read_cases(data: Path, which: str, limit: int | None,
               only: list[str] | None = None) -> list[Case]:
    """Cases of the set(s) in index order (or in the order of ``only``), ``limit`` per set."""
    with open(data / "index.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    cases = []
    for s in (SETS if which == "all" else (which,)):
        names = [r["name"] for r in rows if r["set"] == s]
        if only is not None:
            names = [n for n in only if n in names]
        cases += [Case(s, n, data / s) for n in names[:limit]]
    return cases


def reference_estimator() -> Estimator:
    from pymatting import estimate_alpha_cf

    return lambda image, trimap: estimate_alpha_cf(image.astype(np.float64),
                                                   trimap.astype(np.float64) / 255.0)


def engine_estimator(name: str, device: str | None) -> Estimator:
    engine = create_engine(name, device)
    return lambda image, trimap: engine.estimate(image, trimap)


def warm_up(estimate: Estimator, case: Case) -> None:
    """One untimed run on a downscaled copy (long side 96 px) so that numba compilation
    or cache loading and weight loading are not counted."""
    import cv2

    image, trimap, _ = case.load()
    h, w = trimap.shape
    f = 96 / max(h, w)
    size = (max(48, round(w * f)), max(48, round(h * f)))
    small_t = cv2.resize(trimap, size, interpolation=cv2.INTER_NEAREST)
    if all((small_t == v).any() for v in (0, 128, 255)):
        estimate(cv2.resize(image, size, interpolation=cv2.INTER_AREA), small_t)


def score_case(estimate: Estimator, case: Case) -> Score:
    image, trimap, gt = case.load()
    start = time.perf_counter()
    alpha = np.clip(np.asarray(estimate(image, trimap), dtype=np.float64), 0.0, 1.0)
    seconds = time.perf_counter() - start
    return Score(sad(alpha, gt, trimap), mse(alpha, gt, trimap), gradient_error(alpha, gt, trimap),
                 connectivity_error(alpha, gt, trimap), seconds, trimap.size / 1e6)


@dataclass(frozen=True)
class Row:
    label: str
    set: str
    scores: tuple[Score, ...]
    failures: tuple[str, ...]

    def cells(self) -> list[str]:
        if not self.scores:
            return [self.label, "0", "-", "-", "-", "-", "-"]
        m = lambda attr: float(np.mean([getattr(s, attr) for s in self.scores]))  # noqa: E731
        per_mp = sum(s.seconds for s in self.scores) / sum(s.megapixels for s in self.scores)
        n = f"{len(self.scores)}" + (f" ({len(self.failures)} failed)" if self.failures else "")
        return [self.label, n, f"{m('sad'):.2f}", f"{m('mse'):.5f}", f"{m('grad'):.2f}",
                f"{m('conn'):.2f}", f"{per_mp:.2f}"]


HEADER = ["engine", "cases", "SAD", "MSE", "Grad", "Conn", "s/MP"]


def run_all(estimators: dict[str, Estimator], cases: list[Case], per_case: bool) -> list[Row]:
    """Every estimator on every case, case by case (so an interrupted run stays comparable)."""
    for estimate in estimators.values():
        warm_up(estimate, cases[0])
    results = {(label, s): [] for label in estimators for s in SETS}
    failures = {(label, s): [] for label in estimators for s in SETS}
    try:
        for i, case in enumerate(cases):
            done: dict[str, Score] = {}
            for label, estimate in estimators.items():
                try:
                    done[label] = score = score_case(estimate, case)
                except (MatteError, AssertionError, ValueError, MemoryError) as e:
                    failures[label, case.set].append(f"{case.name}: {type(e).__name__}: {e}")
                    print(f"  {label} {case.set}/{case.name}: FAILED {type(e).__name__}: {e}",
                          file=sys.stderr)
                    continue
                if per_case:
                    print(f"  {label:<20} {case.set}/{case.name}: SAD {score.sad:8.3f}  MSE "
                          f"{score.mse:.5f}  Grad {score.grad:7.3f}  Conn {score.conn:7.3f}  "
                          f"{score.seconds:7.2f} s  {score.megapixels:.2f} MP",
                          file=sys.stderr, flush=True)
            # Committed only once every estimator has run, so all rows cover the same cases.
            for label, score in done.items():
                results[label, case.set].append(score)
            if not per_case:
                print(f"\r  {i + 1}/{len(cases)} cases", end="", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted: the tables cover the cases finished so far", file=sys.stderr)
    if not per_case:
        print(file=sys.stderr)
    return [Row(label, s, tuple(results[label, s]), tuple(failures[label, s]))
            for s in SETS for label in estimators if results[label, s] or failures[label, s]]


def text_table(rows: list[Row]) -> str:
    body = [HEADER] + [r.cells() for r in rows]
    widths = [max(len(line[i]) for line in body) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                               enumerate(zip(line, widths))) for line in body)


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "eval-dev",
                   help="eval-dev folder (default: ../shared/eval-dev from the repository root)")
    p.add_argument("--set", choices=("full", "crop", "all"), default="crop")
    p.add_argument("--limit", type=int, help="at most N cases per set")
    p.add_argument("--cases", help="comma-separated case names, run in this order")
    p.add_argument("--engines", help="comma-separated engine names (default: all available)")
    p.add_argument("--device", help="device for the engines (default: each engine's best)")
    p.add_argument("--no-reference", action="store_true", help="skip the pymatting reference row")
    p.add_argument("--per-case", action="store_true", help="print every case's figures")
    p.add_argument("--markdown", type=Path, help="also write the tables to this markdown file")
    return p.parse_args(argv)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` too ends with the tables so far
    if not (args.data / "index.tsv").is_file():
        print(f"quality benchmark skipped: no eval-dev data at {args.data}")
        return 0
    cases = read_cases(args.data, args.set, args.limit,
                       args.cases.split(",") if args.cases else None)
    if not cases:
        print(f"quality benchmark skipped: no cases in set {args.set!r} at {args.data}")
        return 0
    known = available_engines()
    names = args.engines.split(",") if args.engines else sorted(known)
    missing = [n for n in names if n not in known]
    if missing:
        print(f"quality: unknown or unavailable engine(s) {', '.join(missing)}; available: "
              f"{', '.join(sorted(known))}", file=sys.stderr)
        return 2
    print(f"{len(cases)} cases ({args.set}) from {args.data}; {os.cpu_count()} CPUs", file=sys.stderr)
    estimators = {} if args.no_reference else {REFERENCE: reference_estimator()}
    estimators.update({n: engine_estimator(n, args.device) for n in names})
    rows = run_all(estimators, cases, args.per_case)
    command = "benchmarks/quality.py " + " ".join(sys.argv[1:] if argv is None else argv)
    out = [f"# Matte quality on eval-dev\n\n`{command}` -- {time.strftime('%Y-%m-%d %H:%M')}, "
           f"{os.cpu_count()} CPUs. Means over cases; SAD, Grad, Conn / 1000; s/MP = seconds "
           "per megapixel of the whole image.\n"]
    for s in SETS:
        set_rows = [r for r in rows if r.set == s]
        if not set_rows:
            continue
        print(f"\n{s} ({len(set_rows[0].scores) + len(set_rows[0].failures)} cases)")
        print(text_table(set_rows))
        out.append(f"\n## {s}\n\n{markdown_table(set_rows)}\n")
        for r in set_rows:
            for f in r.failures:
                print(f"  {r.label} failed on {f}")
    if args.markdown:
        args.markdown.write_text("".join(out))
        print(f"\nwrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
