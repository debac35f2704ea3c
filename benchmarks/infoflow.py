"""Information-flow matting against pymatting's closed-form: quality, speed, memory, ablations.

    nice -n 5 .venv/bin/python benchmarks/infoflow.py                 # crops, full-size, 12 MP
    .venv/bin/python benchmarks/infoflow.py --crops 40 --no-full --no-synthetic
    .venv/bin/python benchmarks/infoflow.py --crops 158 --no-full --no-synthetic --ablation
    .venv/bin/python benchmarks/infoflow.py --set local_weight=5 --set rtol=1e-6 --no-crops
    .venv/bin/python benchmarks/infoflow.py --set cm_weight=1 --no-crops   # the paper's four flows
    .venv/bin/python benchmarks/infoflow.py --no-crops --device cuda      # the matrix-free path on a GPU

Reads ``../shared/eval-dev`` (``--data``; skipped with a message when absent):
the 158 crops of 320x320 (``--crops N`` takes every k-th to run N of them)
give mean SAD and MSE of information-flow and of ``pymatting.estimate_alpha_cf``
(run in this process); ``--ablation`` adds a row per variant with one flow
switched off or changed.  The 14 full-size images give a per-image table:
SAD and MSE over the unknown region (``matteditor.metrics``), wall seconds of
each method and their ratio, and peak memory.  Every full-size run, and the
synthetic 12-megapixel photo with a 10% unknown band (``benchmarks/speed.py``'s),
runs in its own subprocess, whose ``ru_maxrss`` is that run's peak resident
memory (tracemalloc does not see numpy's or CHOLMOD's C allocations).  Each
subprocess makes one tiny untimed solve first so numba's compilation is not timed.
The full-size table also runs fast-cf (the default engine) and shows
:func:`matteditor.engines.choose_engine`'s pick per case with its SAD and speed-up:
information-flow's or fast-cf's.  On the crops pymatting's SAD stands in for
fast-cf's (they agree within 0.1%, docs/speed.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from matteditor.engines import choose_engine  # noqa: E402
from matteditor.metrics import mse, sad  # noqa: E402
from matteditor.solvers.infoflow import InfoFlowSession, InfoFlowSettings  # noqa: E402

PYMATTING, INFOFLOW, SYNTHETIC = "pymatting-cf", "information-flow", "synthetic-12mp"
FASTCF = "fast-cf"

#: ablation variants: name -> settings changes (the defaults leave the colour-mixture
#: flow off: the first row shows why)
ABLATIONS = {
    "with colour-mixture (the paper's four flows)": {"cm_weight": 1.0},
    "no intra-unknown (one direct solve)": {"uu_weight": 0.0},
    "exact neighbour searches": {"search_eps": 0.0},
    "no known-to-unknown": {"ku_weight": 0.0},
    "known-to-unknown always": {"transparency_test": False},
    "no local flow (colour-mixture on)": {"local_weight": 0.0, "cm_weight": 1.0},
    "local flow x5": {"local_weight": 5.0},
    "edge trimming": {"edge_trimming": True},
    "patch trimming": {"patch_trimming": True},
}


def settings_from(pairs: list[str], base: InfoFlowSettings = InfoFlowSettings()) -> InfoFlowSettings:
    """``key=value`` overrides (values parsed as JSON: 5, 1e-6, true) of ``base``."""
    changes = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        changes[key] = json.loads(value)
    return replace(base, **changes)


def _warm(estimate) -> None:
    rng = np.random.default_rng(0)
    tri = np.zeros((16, 16), np.uint8)
    tri[5:11], tri[11:] = 128, 255
    estimate(rng.random((16, 16, 3), dtype=np.float32), tri)


def pymatting_estimate(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    from pymatting import estimate_alpha_cf

    return estimate_alpha_cf(image.astype(np.float64), trimap / 255.0)


def infoflow_estimate(settings: InfoFlowSettings, device: str = "cpu"):
    def estimate(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        session = InfoFlowSession(settings, device=device)
        session.set_image(image)
        return session.solve(trimap)

    return estimate


# ---------------------------------------------------------------- crops (in process)

def crop_names(data: Path, count: int) -> list[str]:
    with open(data / "index.tsv", newline="") as f:
        names = [r["name"] for r in csv.DictReader(f, delimiter="\t") if r["set"] == "crop"]
    if count < len(names):
        step = len(names) / count
        names = [names[int(i * step)] for i in range(count)]
    return names


def load(folder: Path, name: str):
    from matteditor.imageio import load_image, load_mask, load_trimap

    image = load_image(folder / f"{name}_image.png")
    return (image, load_trimap(folder / f"{name}_trimap.png", image.shape[:2]),
            load_mask(folder / f"{name}_alpha.png", image.shape[:2]))


def run_crops(data: Path, count: int, variants: dict[str, InfoFlowSettings],
              per_crop: Path | None = None, device: str = "cpu") -> None:
    names = crop_names(data, count)
    cases = [load(data / "crop", n) for n in names]
    # pymatting needs all three labels (8 of the 158 crops have only one known label)
    cases = [(n, c) for n, c in zip(names, cases) if all((c[1] == v).any() for v in (0, 128, 255))]
    methods = {"pymatting cf": pymatting_estimate}
    methods.update({label: infoflow_estimate(s, device) for label, s in variants.items()})
    print(f"\n## Crops: {len(cases)} of eval-dev's 320x320 crops\n")
    print("| method | mean SAD | mean MSE | SAD / closed-form | wins | seconds |")
    print("|---|---|---|---|---|---|")
    reference, per_method = None, {}
    for label, estimate in methods.items():
        _warm(estimate)
        sads, mses, seconds = [], [], 0.0
        for name, (image, trimap, truth) in cases:
            start = time.perf_counter()
            alpha = estimate(image, trimap)
            seconds += time.perf_counter() - start
            sads.append(sad(alpha, truth, trimap))
            mses.append(mse(alpha, truth, trimap))
        sads = np.array(sads)
        if reference is None:
            reference = sads
        per_method[label] = (sads, np.array(mses))
        print_crop_row(label, sads, np.array(mses), reference, f"{seconds:.1f}")
    picks = np.array([choose_engine(c[0], c[1]) == INFOFLOW for _, c in cases])
    cf, inf = per_method["pymatting cf"], per_method[INFOFLOW]
    if per_crop is not None:         # one row per crop, for looking at a rule's effect
        with per_crop.open("w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["crop", "unknown_share", "sad_closed_form", "sad_information_flow",
                          "policy_picks_information_flow"])
            for (name, c), a, b, pick in zip(cases, cf[0], inf[0], picks):
                out.writerow([name, f"{(c[1] == 128).mean():.4f}", f"{a:.4f}", f"{b:.4f}",
                              int(pick)])
    print_crop_row(f"policy ({picks.sum()} information-flow)", np.where(picks, inf[0], cf[0]),
                   np.where(picks, inf[1], cf[1]), reference, "")


def print_crop_row(label: str, sads: np.ndarray, mses: np.ndarray, reference: np.ndarray,
                   seconds: str) -> None:
    wins = int((sads < reference).sum())
    print(f"| {label} | {sads.mean():.3f} | {mses.mean():.5f} | "
          f"{sads.mean() / reference.mean():.3f} | {wins}/{len(sads)} | {seconds} |", flush=True)


# ---------------------------------------------------------------- full size (a process per run)

def worker(args: argparse.Namespace) -> None:
    import resource

    from speed import load_case

    image, trimap, truth = load_case(args.data, args.case)
    if args.method == FASTCF:
        from matteditor.engines import create_engine

        estimate = create_engine(FASTCF, "cpu").estimate
    else:
        estimate = (pymatting_estimate if args.method == PYMATTING
                    else infoflow_estimate(settings_from(args.set), args.device))
    _warm(estimate)
    start = time.perf_counter()
    alpha = np.asarray(estimate(image, trimap), np.float32)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0      # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "sad": sad(alpha, truth, trimap),
                      "mse": mse(alpha, truth, trimap), "unknown": float((trimap == 128).mean()),
                      "size": f"{trimap.shape[1]}x{trimap.shape[0]}"}))


def run_child(args: argparse.Namespace, case: str, method: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", "--case", case, "--method", method,
           "--data", str(args.data), "--device", args.device] + [f"--set={s}" for s in args.set]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=args.timeout)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {out.returncode}: {tail}"}
    return json.loads(lines[-1])


def run_full(args: argparse.Namespace) -> None:
    from speed import eval_cases, load_case

    cases = eval_cases(args.data)[: args.full_limit or None]
    print(f"\n## Full size: {len(cases)} eval-dev images\n")
    print("| case | size | unknown | SAD cf | SAD if | SAD if/cf | MSE cf | MSE if | s cf | s if "
          "| speed-up | MB cf | MB if | SAD fast-cf | s fast-cf | policy | SAD pol | speed-up pol |")
    print("|---" * 18 + "|")
    rows = []
    for case in cases:
        runs = [run_child(args, case, method) for method in (PYMATTING, INFOFLOW, FASTCF)]
        if any("error" in r for r in runs):
            print(f"| {case} | {' '.join(r.get('error', '') for r in runs)} |", flush=True)
            continue
        cf, inf, fcf = runs
        image, trimap, _ = load_case(args.data, case)
        pick = choose_engine(image, trimap)
        pol = inf if pick == INFOFLOW else fcf
        rows.append((cf, inf, pol, fcf))
        print(f"| {case} | {cf['size']} | {100 * cf['unknown']:.1f}% | {cf['sad']:.2f} | "
              f"{inf['sad']:.2f} | {inf['sad'] / cf['sad']:.2f} | {cf['mse']:.5f} | "
              f"{inf['mse']:.5f} | {cf['seconds']:.2f} | {inf['seconds']:.2f} | "
              f"{cf['seconds'] / inf['seconds']:.2f}x | {cf['peak_mb']:.0f} | "
              f"{inf['peak_mb']:.0f} | {fcf['sad']:.2f} | {fcf['seconds']:.2f} | {pick} | "
              f"{pol['sad']:.2f} | {cf['seconds'] / pol['seconds']:.2f}x |", flush=True)
    if rows:
        m = lambda side, key: float(np.mean([r[side][key] for r in rows]))  # noqa: E731
        for side, label in ((1, INFOFLOW), (2, "policy"), (3, FASTCF)):
            speedups = [r[0]["seconds"] / r[side]["seconds"] for r in rows]
            print(f"\n{label}: mean SAD {m(side, 'sad'):.2f} against closed-form's "
                  f"{m(0, 'sad'):.2f} (ratio {m(side, 'sad') / m(0, 'sad'):.3f}); mean MSE "
                  f"{m(side, 'mse'):.5f} against {m(0, 'mse'):.5f}; median speed-up "
                  f"{statistics.median(speedups):.2f}x (min {min(speedups):.2f}x); peak MB max "
                  f"{max(r[side]['peak_mb'] for r in rows):.0f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "eval-dev")
    p.add_argument("--crops", type=int, default=158, help="how many crops (spread evenly)")
    p.add_argument("--no-crops", action="store_true")
    p.add_argument("--no-full", action="store_true")
    p.add_argument("--full-limit", type=int, default=0, help="only the first N full-size images")
    p.add_argument("--no-synthetic", action="store_true", help="skip the 12 MP photo")
    p.add_argument("--ablation", action="store_true", help="crops with each flow switched")
    p.add_argument("--crop-csv", type=Path, help="write each crop's SADs to this CSV file")
    p.add_argument("--device", default="cpu", help="information-flow's device: cpu, or cuda "
                   "(the matrix-free torch path)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override an InfoFlowSettings field (JSON value), repeatable")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per subprocess")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--case", help=argparse.SUPPRESS)
    p.add_argument("--method", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    settings = settings_from(args.set)
    if args.worker:
        worker(args)
        return 0
    print(f"# information-flow benchmark; settings: {settings}")
    if not (args.data / "index.tsv").is_file():
        print(f"eval-dev not found at {args.data}; skipping its cases", file=sys.stderr)
    else:
        if not args.no_crops and args.crops > 0:
            variants = {INFOFLOW: settings}
            if args.ablation:
                variants.update({k: replace(settings, **v) for k, v in ABLATIONS.items()})
            run_crops(args.data, args.crops, variants, args.crop_csv, args.device)
        if not args.no_full:
            run_full(args)
    if not args.no_synthetic:
        r = run_child(args, SYNTHETIC, INFOFLOW)
        print(f"\n## Synthetic 12 MP photo, 10% unknown band\n\ninformation-flow: " +
              (r["error"] if "error" in r else f"{r['seconds']:.2f} s (target < 30 s), peak "
               f"{r['peak_mb']:.0f} MB, SAD {r['sad']:.2f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
