"""The cluster batch under a worker killed at a random moment (issue 26's "done when").

    nice -n 5 .venv/bin/python benchmarks/cluster_faults.py               # 20 runs
    .venv/bin/python benchmarks/cluster_faults.py --runs 5 --frames 6 --size 128 --seed 3

A real cluster on 127.0.0.1: a ``dask scheduler`` process and, for each run,
two fresh ``dask worker`` processes (no nanny, so a killed worker stays dead
and the other one must finish the batch).  Each run starts the command a user
types, ``matteditor matte 'in/*.png' -o out/ --scheduler ADDRESS``, as its own
process, and SIGKILLs one of the two workers (chosen at random) at a moment
drawn uniformly between the command's start and the duration of an unharmed
run: during the command's start-up, while the tasks are submitted, while the
worker sets up its engine, mid-frame or while it writes.

A run counts as good when the command exits 0, says every frame was written,
and every output equals the in-process batch's (``matteditor matte`` without
``--scheduler``) to within one 8-bit level (a worker's BLAS may sum in another
order).  Prints one line per run and the count of good runs; exit status 1
unless every run was good.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from matteditor.imageio import load_image_rgba, save_image  # noqa: E402

ENGINE = "closed-form"
DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]


def write_frames(folder: Path, count: int, size: int) -> None:
    """``count`` frames ``f00.png``... with ``f00_trimap.png``...: a soft vertical edge
    at a different place in each, with noise (float32 photos, uint8 trimaps)."""
    folder.mkdir(parents=True)
    x = np.arange(size, dtype=np.float32)
    for i in range(count):
        rng = np.random.default_rng(i)
        alpha = np.clip((size * 0.3 + 3 * i - x) / (size / 7), 0, 1)[None, :].repeat(size, 0)
        fg, bg = np.array([0.9, 0.25, 0.1], np.float32), np.array([0.1, 0.6, 0.35], np.float32)
        image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
        image = np.clip(image + rng.normal(0, 0.03, image.shape), 0, 1).astype(np.float32)
        trimap = np.full((size, size), 0.5, np.float32)
        trimap[alpha > 0.999] = 1.0
        trimap[alpha < 0.001] = 0.0
        save_image(folder / f"f{i:02d}.png", image)
        save_image(folder / f"f{i:02d}_trimap.png", trimap)


def matte_command(src: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "matteditor", "matte", str(src / "*.png"), "-o", f"{out}/",
            "-e", ENGINE, "-q", *extra]


def start_scheduler(folder: Path) -> tuple[subprocess.Popen, str]:
    """A ``dask scheduler`` on 127.0.0.1 (a free port); (its process, its address)."""
    info = folder / "scheduler.json"
    info.unlink(missing_ok=True)
    proc = subprocess.Popen([*DASK, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                             "--scheduler-file", str(info)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if info.exists():
            import json

            try:
                return proc, json.loads(info.read_text())["address"]
            except (ValueError, KeyError):
                pass
        if proc.poll() is not None:
            raise SystemExit("the dask scheduler did not start")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the dask scheduler did not write its address in 60 s")


def start_workers(address: str, count: int) -> list[subprocess.Popen]:
    """``count`` ``dask worker`` processes (one thread, no nanny) connected to ``address``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return [subprocess.Popen([*WORKER, address, "--nthreads", "1", "--no-nanny",
                              "--host", "127.0.0.1", "--no-dashboard"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(count)]


def wait_for_workers(address: str, count: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout=timeout, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=timeout)


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
    for proc in procs:
        proc.wait()


def compare(out: Path, reference: Path, count: int) -> str:
    """"" when every frame of ``reference`` is in ``out`` and equal to within one level,
    else what is wrong."""
    for i in range(count):
        name = f"f{i:02d}.png"
        if not (out / name).is_file():
            return f"{name} missing"
        a, _ = load_image_rgba(out / name)
        b, _ = load_image_rgba(reference / name)
        diff = np.abs(a - b).max() * 255
        if diff > 1.01:
            return f"{name} differs by {diff:.0f} levels"
    return ""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--size", type=int, default=160, help="frame side in pixels")
    p.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    args = p.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="cluster_faults_") as tmp:
        root = Path(tmp)
        src, reference = root / "in", root / "reference"
        write_frames(src, args.frames, args.size)
        subprocess.run(matte_command(src, reference), check=True, cwd=REPO, capture_output=True)
        scheduler, address = start_scheduler(root)
        try:
            return _runs(args, rng, root, src, reference, address)
        finally:
            stop([scheduler])


def _one_run(args, root: Path, src: Path, reference: Path, address: str, run: int,
             kill_at: float | None) -> tuple[bool, float, str]:
    """(good, seconds, what happened) of one batch, a worker killed ``kill_at`` s after
    the command started (None: unharmed)."""
    out = root / f"out{run}"
    workers = start_workers(address, 2)
    try:
        wait_for_workers(address, 2)
        start = time.monotonic()
        batch = subprocess.Popen(matte_command(src, out, "--scheduler", address), cwd=REPO,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = ""
        if kill_at is not None:
            try:
                batch.wait(timeout=kill_at)
                killed = "batch ended before the kill"
            except subprocess.TimeoutExpired:
                victim = random.Random(run).choice(workers)
                os.kill(victim.pid, signal.SIGKILL)
                killed = f"worker killed at {kill_at:.1f} s"
        try:
            _, err = batch.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            batch.kill()
            _, err = batch.communicate()
            return False, time.monotonic() - start, f"{killed}; batch hung 600 s"
        seconds = time.monotonic() - start
        summary = f"{args.frames} written, 0 skipped, 0 failed"
        problem = compare(out, reference, args.frames)
        if batch.returncode != 0 or summary not in err or problem:
            last = " | ".join(err.strip().splitlines()[-3:])
            return False, seconds, f"{killed}; exit {batch.returncode}; {problem}; {last}"
        return True, seconds, killed
    finally:
        stop(workers)


def _runs(args, rng: random.Random, root: Path, src: Path, reference: Path,
          address: str) -> int:
    good, seconds, note = _one_run(args, root, src, reference, address, 0, None)
    if not good:
        print(f"an unharmed run failed: {note}")
        return 1
    print(f"unharmed run: {seconds:.1f} s for {args.frames} frames of "
          f"{args.size}x{args.size} ({ENGINE}, 2 workers)", flush=True)
    shortest = seconds   # kill moments are drawn before the shortest batch so far ended
    count = runs = tries = 0
    while runs < args.runs and tries < 3 * args.runs:
        tries += 1
        kill_at = rng.uniform(0, 0.9 * shortest)
        ok, took, note = _one_run(args, root, src, reference, address, tries, kill_at)
        if note == "batch ended before the kill":
            print(f"(batch ended in {took:.1f} s, before the kill at {kill_at:.1f} s: "
                  "not counted, drawn again)", flush=True)
            shortest = min(shortest, took)
            continue
        runs += 1
        count += ok
        print(f"run {runs:2d}: {'good' if ok else 'BAD '} {took:5.1f} s, {note}", flush=True)
    print(f"{count}/{runs} runs with a worker killed ended with every frame written and equal "
          "to the in-process result")
    return 0 if count == runs == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
