"""Frames per minute of a ``matteditor matte`` batch: in-process, and on a local
Dask cluster of 1 and 2 worker processes (``--workers``).

    nice -n 5 .venv/bin/python benchmarks/cluster.py
    .venv/bin/python benchmarks/cluster.py --engine fast-cf --workers 1,2,4 --limit 6

Frames: the full-size eval-dev composites (``<name>_image.png`` with
``<name>_trimap.png`` in ``../shared/eval-dev/full`` relative to the repository
root, ``--data`` to change; skipped with a message when absent), with the
default engine unless ``--engine``.  Measurement only: nothing is scored.

Each mode is the command a user types, run as its own process into an empty
output folder, and timed from start to exit: Python's and the cluster's
start-up, numba's compilation in each process and the engine's set-up are
counted, as a user waits for them.  CPU seconds are those of the command and
every process it started (workers included); on a shared machine wall time
follows the load, CPU time less so.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _cases(data: Path, limit: int | None) -> list[Path]:
    images = sorted((data / "full").glob("*_image.png"))
    images = [p for p in images if p.with_name(p.name.replace("_image", "_trimap")).is_file()]
    return images[:limit] if limit else images


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(images: list[Path], out: Path, engine: str | None,
         workers: int | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one batch (trimaps are found beside the images)."""
    command = [sys.executable, "-m", "matteditor", "matte", *map(str, images),
               "-o", f"{out}/", "-q"]
    if engine:
        command += ["-e", engine]
    if workers:
        command += ["--workers", str(workers)]
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return wall, _children_cpu() - cpu


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "eval-dev",
                   help="eval-dev folder (default: ../shared/eval-dev from the repository root)")
    p.add_argument("--engine", help="engine (default: matteditor's default)")
    p.add_argument("--workers", default="1,2",
                   help="comma-separated local cluster sizes to measure (default 1,2)")
    p.add_argument("--limit", type=int, help="only the first N cases")
    args = p.parse_args()

    images = _cases(args.data, args.limit)
    if not images:
        print(f"cluster benchmark skipped: no eval-dev full-size cases at {args.data / 'full'}")
        return 0
    sys.path.insert(0, str(REPO))
    from matteditor.engines import default_engine_name

    engine = args.engine or default_engine_name()
    modes: list[int | None] = [None] + [int(n) for n in args.workers.split(",") if n.strip()]
    with tempfile.TemporaryDirectory(prefix="matteditor-cluster-bench-") as tmp:
        print(f"{len(images)} eval-dev full-size frames, engine {engine}, "
              f"{time.strftime('%Y-%m-%d %H:%M')}\n")
        print("| run | wall s | CPU s | frames/min |")
        print("|---|---|---|---|")
        for workers in modes:
            out = Path(tmp) / f"out-{workers or 0}"
            wall, cpu = _run(images, out, args.engine, workers)
            label = "in-process" if workers is None else f"--workers {workers}"
            print(f"| {label} | {wall:.1f} | {cpu:.1f} | {len(images) * 60 / wall:.1f} |",
                  flush=True)
            shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
