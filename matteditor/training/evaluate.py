"""Score weights files (and classical engines) on an evaluation folder.

    python -m matteditor.training.evaluate --data ../shared/eval-dev --set crop \\
        runs/a/weights-best.safetensors closed-form knn

Each argument is a weights file (run through the ``dim``/``dim-fusion``
engine it fits) or a registered engine name.  The folder layout is eval-dev's
(``index.tsv``; ``<set>/<name>_{image,trimap,alpha}.png``).  Prints mean SAD,
MSE, Gradient and Connectivity errors (``matteditor.metrics``) and seconds
per case; ``--json`` writes per-case figures.  Means are taken over the
cases that every engine could solve (pymatting's solvers refuse trimaps
without both foreground and background pixels); failures are counted.
For measuring only: never train on that data.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

from ..engines import create_engine
from ..engines.base import Engine
from ..errors import MatteError
from ..imageio import load_image, load_mask, load_trimap
from ..imagewrite import atomic_write_text
from ..metrics import connectivity_error, gradient_error, mse, sad
from ..nn.weights import read_metadata


def _engine_for(spec: str) -> Engine:
    path = Path(spec)
    if path.suffix == ".safetensors":
        from ..engines.network import DIMEngine, DIMFusionEngine

        fusion = '"fusion": 2' in read_metadata(path).get("config", "")
        return (DIMFusionEngine if fusion else DIMEngine)(weights=path)
    return create_engine(spec)


def _cases(data: Path, which: str, limit: int | None) -> list[tuple[Path, str]]:
    with open(data / "index.tsv", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["set"] == which]
    return [(data / which, r["name"]) for r in rows[:limit]]


def score(engine: Engine, cases: list[tuple[Path, str]]) -> list[dict | None]:
    """Per case figures, or None where the engine refused the case."""
    out: list[dict | None] = []
    for folder, name in cases:
        image = load_image(folder / f"{name}_image.png")
        trimap = load_trimap(folder / f"{name}_trimap.png", image.shape[:2])
        gt = load_mask(folder / f"{name}_alpha.png", image.shape[:2])
        t0 = time.perf_counter()
        try:
            pred = engine.estimate(image, trimap)
        except (MatteError, ValueError) as exc:
            print(f"  {name}: {exc}", file=sys.stderr)
            out.append(None)
            continue
        seconds = time.perf_counter() - t0
        out.append({"name": name, "sad": sad(pred, gt, trimap), "mse": mse(pred, gt, trimap),
                    "grad": gradient_error(pred, gt, trimap),
                    "conn": connectivity_error(pred, gt, trimap), "seconds": seconds})
    return out


def print_row(spec: str, rows: list[dict | None], use: list[bool]) -> None:
    rows_used = [r for r, u in zip(rows, use) if u and r is not None]
    failed = sum(1 for r, u in zip(rows, use) if u and r is None)
    m = {k: float(np.mean([r[k] for r in rows_used])) if rows_used else float("nan")
         for k in ("sad", "mse", "grad", "conn", "seconds")}
    print(f"{spec[-48:]:<48} {m['sad']:8.2f} {m['mse']:8.4f} {m['grad']:8.2f} {m['conn']:8.2f} "
          f"{m['seconds']:7.2f}" + (f"  ({failed} failed)" if failed else ""), flush=True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m matteditor.training.evaluate",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("specs", nargs="+", help="weights files or engine names")
    p.add_argument("--data", default="../shared/eval-dev")
    p.add_argument("--set", default="crop", choices=("crop", "full"))
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--json", help="write per-case results here")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cases = _cases(Path(args.data), args.set, args.limit)
    results = {}
    print(f"{len(cases)} {args.set} cases")
    print(f"{'engine':<48} {'SAD':>8} {'MSE':>8} {'Grad':>8} {'Conn':>8} {'s/case':>7}")
    for spec in args.specs:
        results[spec] = score(_engine_for(spec), cases)
        print_row(spec, results[spec], [True] * len(cases))
    solved = [all(results[s][i] is not None for s in args.specs) for i in range(len(cases))]
    print(f"\nover the {sum(solved)} cases every engine solved:")
    for spec in args.specs:
        print_row(spec, results[spec], solved)
    if args.json:
        atomic_write_text(args.json, json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
