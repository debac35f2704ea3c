"""Speed of pymatting's closed-form against matteditor's engines, side by side.

    nice -n 10 .venv/bin/python benchmarks/speed.py                      # eval-dev full + 12 MP
    .venv/bin/python benchmarks/speed.py --engines fast-cf,knn --limit 3 --markdown speed.md
    .venv/bin/python benchmarks/speed.py --no-eval --force-pymatting-12mp

Cases: the full-size eval-dev composites (``../shared/eval-dev/full``
relative to the repository root, ``--data`` to change; skipped with a message
when absent) and a synthetic 12-megapixel photo with a 10% unknown band
(``--no-synthetic`` to skip).  pymatting is skipped on the 12 MP photo unless
``--force-pymatting-12mp``: it builds a Laplacian of the whole picture
(about 5 GB and minutes on two cores).

Then the editor's latencies (``editor_latency.py``: its solver thread driven
headless on the 12 MP photo, per engine, exact and local incremental modes) and
the 12 MP scribble row of ``scribbles.py`` (``--no-editor`` skips these).

Every (engine, case) runs in its own subprocess: the peak memory reported is
that run's own (``ru_maxrss``: tracemalloc misses torch's and numba's memory)
and no run warms another's caches.  Seconds time ``estimate`` only (after one
tiny warm-up solve on each side, so numba's compilation is not counted); CPU
seconds are given too, since wall time on a shared machine follows the load.  SAD follows Composition-1k
(``matteditor.metrics.sad``).  Per case and engine: seconds, speed-up over pymatting,
peak RSS, SAD and SAD relative to pymatting's; then the median speed-up and SAD
ratio per engine on eval-dev.  Only the editor rows import PySide6.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PYMATTING = "pymatting-cf"
SYNTHETIC = "synthetic-12mp"


@dataclass(frozen=True)
class Run:
    case: str
    engine: str
    size: str = ""
    unknown: float = 0.0
    seconds: float = float("nan")
    cpu_seconds: float = float("nan")
    peak_mb: float = float("nan")
    sad: float = float("nan")
    error: str = ""


# ---------------------------------------------------------------- cases

def synthetic_case(height: int = 3000, width: int = 4000, seed: int = 0):
    """A 12 MP 'photo': textured subject with a wavy soft rim over a textured
    background; the unknown band covers about 10% of the picture.

    Returns image float32 H x W x 3, trimap uint8, true alpha float32.
    """
    import cv2

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cy, cx = height * 0.55, width * 0.5
    ang = np.arctan2(yy - cy, xx - cx)
    radius = min(height, width) * 0.33 * (1 + 0.08 * np.sin(7 * ang) + 0.03 * np.sin(23 * ang))
    d = np.hypot(yy - cy, xx - cx) - radius
    soft = 6.0 + 4.0 * (1 + np.sin(5 * ang))                 # rim softness varies along the outline
    alpha = np.clip(0.5 - d / soft, 0, 1).astype(np.float32)
    noise = cv2.resize(rng.random((height // 40, width // 40, 3)).astype(np.float32), (width, height),
                       interpolation=cv2.INTER_CUBIC)
    fg = np.clip(np.array([0.75, 0.45, 0.3], np.float32) + 0.25 * (noise - 0.5), 0, 1)
    bg = np.stack([0.2 + 0.5 * xx / width, 0.5 + 0.2 * np.sin(yy / 97), 0.6 - 0.4 * yy / height], -1)
    bg = np.clip(bg + 0.3 * (noise[..., ::-1] - 0.5), 0, 1)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    image += rng.normal(0, 0.01, image.shape).astype(np.float32)
    image = np.round(np.clip(image, 0, 1) * 255) / 255          # 8-bit like a photo
    # band half-width chosen so the unknown band is 10% of the picture
    perimeter = 2 * np.pi * min(height, width) * 0.33 * 1.05
    half = 0.105 * height * width / (2 * perimeter)   # the wavy outline is a bit longer
    trimap = np.full((height, width), 128, np.uint8)
    trimap[d < -half] = 255
    trimap[d > half] = 0
    return image.astype(np.float32), trimap, alpha


def eval_cases(data: Path) -> list[str]:
    full = data / "full"
    return sorted(p.name[:-len("_image.png")] for p in full.glob("*_image.png"))


def load_case(data: Path, case: str):
    if case == SYNTHETIC:
        return synthetic_case()
    from matteditor.imageio import load_image, load_mask, load_trimap

    base = data / "full" / case
    image = load_image(f"{base}_image.png")
    trimap = load_trimap(f"{base}_trimap.png", image.shape[:2])
    return image, trimap, load_mask(f"{base}_alpha.png")


# ---------------------------------------------------------------- one run (child process)

def worker(args: argparse.Namespace) -> None:
    import resource

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    image, trimap, truth = load_case(Path(args.data), args.case)
    if args.engine == PYMATTING:
        import pymatting

        image64, trimap01 = image.astype(np.float64), trimap / 255.0
        pymatting.estimate_alpha_cf(image64[:8, :8], np.array([[0, 0.5] * 4] * 4 + [[1, 0.5] * 4] * 4))

        def estimate():
            return pymatting.estimate_alpha_cf(image64, trimap01).astype(np.float32)
    else:
        from matteditor.engines import create_engine
        from matteditor.live import matte_once   # the pipeline the editor and CLI run
        engine = create_engine(args.engine, args.device)
        # like pymatting's above: a tiny solve first, so numba's JIT (or loading its
        # cache) and torch's start-up are not timed
        warm = np.zeros((16, 16), np.uint8)
        warm[5:11], warm[11:] = 128, 255
        engine.estimate(np.random.default_rng(0).random((16, 16, 3), dtype=np.float32), warm)

        def estimate():
            return matte_once(engine, image, trimap, foreground=False)[0]
    t, c = time.perf_counter(), time.process_time()
    alpha = estimate()
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    from matteditor.metrics import sad

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # KiB on Linux
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak, "sad": sad(alpha, truth, trimap),
                      "size": f"{trimap.shape[1]}x{trimap.shape[0]}",
                      "unknown": float((trimap == 128).mean())}))


def run_child(args: argparse.Namespace, case: str, engine: str) -> Run:
    cmd = [sys.executable, __file__, "--worker", "--case", case, "--engine", engine,
           "--data", str(args.data), "--threads", str(args.threads)]
    if args.device:
        cmd += ["--device", args.device]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, check=False)
    except subprocess.TimeoutExpired:
        return Run(case, engine, error=f"timeout after {args.timeout} s")
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return Run(case, engine, error=f"exit {out.returncode}: {tail}")
    r = json.loads(lines[-1])
    return Run(case, engine, r["size"], r["unknown"], r["seconds"], r["cpu_seconds"], r["peak_mb"],
               r["sad"])


# ---------------------------------------------------------------- report

def table(runs: list[Run], engines: list[str]) -> list[str]:
    base = {r.case: r for r in runs if r.engine == PYMATTING and not r.error}
    head = ("| case | size | unknown | engine | seconds | CPU s | speed-up (wall) | speed-up (CPU) "
            "| peak MB | SAD | SAD vs pymatting |")
    rows = [head, "|" + "---|" * 11]
    for r in runs:
        ref = base.get(r.case)
        if r.error:
            rows.append(f"| {r.case} | {r.size} | | {r.engine} | {r.error} | | | | | | |")
            continue
        speed = f"{ref.seconds / r.seconds:.2f}x" if ref else "-"
        speed_cpu = f"{ref.cpu_seconds / r.cpu_seconds:.2f}x" if ref else "-"
        rel = f"{(r.sad / ref.sad - 1) * 100:+.1f}%" if ref and ref.sad > 0 else "-"
        rows.append(f"| {r.case} | {r.size} | {r.unknown * 100:.1f}% | {r.engine} | {r.seconds:.2f} | "
                    f"{r.cpu_seconds:.2f} | {speed} | {speed_cpu} | {r.peak_mb:.0f} | {r.sad:.2f} | {rel} |")
    rows.append("")
    for engine in engines:
        if engine == PYMATTING:
            continue
        pairs = [(base[r.case], r) for r in runs
                 if r.engine == engine and not r.error and r.case in base and r.case != SYNTHETIC]
        if not pairs:
            continue
        speedups = [b.seconds / r.seconds for b, r in pairs]
        cpu_speedups = [b.cpu_seconds / r.cpu_seconds for b, r in pairs]
        sad_ratio = [r.sad / b.sad for b, r in pairs if b.sad > 0]
        total = sum(r.sad for _, r in pairs) / sum(b.sad for b, _ in pairs)
        rows.append(f"**{engine}** over {len(pairs)} eval-dev cases: median speed-up "
                    f"{statistics.median(speedups):.2f}x (min {min(speedups):.2f}x, max "
                    f"{max(speedups):.2f}x), in CPU seconds {statistics.median(cpu_speedups):.2f}x; "
                    f"SAD ratio to pymatting median "
                    f"{statistics.median(sad_ratio):.4f}, summed SAD ratio {total:.4f}")
        rows.append("")
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "eval-dev")
    p.add_argument("--engines", default="fast-cf",
                   help="comma-separated matteditor engines (pymatting's closed-form always runs)")
    p.add_argument("--device", default=None, help="device for matteditor engines (default: best)")
    p.add_argument("--limit", type=int, default=0, help="only the first N eval-dev cases")
    p.add_argument("--no-eval", action="store_true", help="skip the eval-dev cases")
    p.add_argument("--no-synthetic", action="store_true", help="skip the 12 MP synthetic photo")
    p.add_argument("--force-pymatting-12mp", action="store_true",
                   help="run pymatting on the 12 MP photo too (minutes, ~5 GB)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    p.add_argument("--markdown", type=Path, help="also write the table to this file")
    p.add_argument("--no-editor", action="store_true", help="skip the editor latency and 12 MP "
                   "scribble rows (solver thread driven headless)")
    p.add_argument("--local-margins", default="-1,64",
                   help="incremental modes for the editor rows: -1 exact, N local margin")
    p.add_argument("--editor-engines", default="fast-cf,information-flow",
                   help="engines of the editor rows")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--case", help=argparse.SUPPRESS)
    p.add_argument("--engine", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    engines = [PYMATTING] + [e for e in args.engines.split(",") if e]
    cases: list[str] = []
    if not args.no_eval:
        if (args.data / "full").is_dir():
            cases = eval_cases(args.data)[: args.limit or None]
        else:
            print(f"eval-dev not found at {args.data}; skipping its cases", file=sys.stderr)
    if not args.no_synthetic:
        cases.append(SYNTHETIC)
    runs: list[Run] = []
    for case in cases:
        for engine in engines:
            if engine == PYMATTING and case == SYNTHETIC and not args.force_pymatting_12mp:
                continue
            run = run_child(args, case, engine)
            runs.append(run)
            status = run.error or f"{run.seconds:.2f} s, {run.peak_mb:.0f} MB, SAD {run.sad:.2f}"
            print(f"{case:>16} {engine:>14}: {status}", file=sys.stderr, flush=True)
    import platform
    import torch

    header = [f"# speed: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
              f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
              f"device {args.device or 'best'}", ""]
    editor: list[str] = []
    if not args.no_editor:
        done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "editor_latency.py"),
                               "--engines", args.editor_engines, "--local-margins",
                               args.local_margins, "--timeout", str(args.timeout)],
                              capture_output=True, text=True, check=False)
        editor = ["", done.stdout.strip() or done.stderr.strip()]
        # scribbles (two strokes of each label, the rest unknown): benchmarks/scribbles.py's row
        done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "scribbles.py"),
                               "--no-eval"], capture_output=True, text=True, timeout=args.timeout)
        editor += ["", (done.stdout.strip() or done.stderr.strip()).splitlines()[-1]]
    text = "\n".join(header + (table(runs, engines) if runs else []) + editor)
    print(text)
    if args.markdown:
        from matteditor.imageio import atomic_write
        with atomic_write(args.markdown) as tmp:
            Path(tmp).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
