"""The cluster batch when the cluster itself fails (issue 26, items 6 and 7), on real
processes: a ``dask scheduler`` and two ``dask worker`` processes (no nanny) on
127.0.0.1, and the command a user types, each its own process.  After the batch
has written two frames the test kills the scheduler, kills every worker, or
stops one worker (SIGSTOP).  Each ends within seconds with one clear line and
true counts (or, for the stopped worker, with every frame written by the other).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")

from matteditor.imageio import save_image  # noqa: E402

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
FRAMES = 8
SIZE = 96
TIMEOUT_S = 8   # --worker-timeout


def _write_frames(folder: Path) -> None:
    folder.mkdir()
    x = np.arange(SIZE, dtype=np.float32)
    for i in range(FRAMES):
        alpha = np.clip((30 + 3 * i - x) / 14, 0, 1)[None, :].repeat(SIZE, 0)
        image = alpha[..., None] * [0.9, 0.25, 0.1] + (1 - alpha[..., None]) * [0.1, 0.6, 0.35]
        trimap = np.full((SIZE, SIZE), 0.5, np.float32)
        trimap[alpha > 0.999], trimap[alpha < 0.001] = 1.0, 0.0
        save_image(folder / f"f{i:02d}.png", image.astype(np.float32))
        save_image(folder / f"f{i:02d}_trimap.png", trimap)


class Cluster:
    """A scheduler and two worker processes; every process is killed at the end."""

    def __init__(self, root: Path) -> None:
        info = root / "scheduler.json"
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-dashboard", "--scheduler-file", str(info)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip().endswith("}"):
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        self.address = json.loads(info.read_text())["address"]
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        self.workers = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads",
             "1", "--no-nanny", "--host", "127.0.0.1", "--no-dashboard"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        from distributed import Client

        with Client(self.address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)

    def close(self) -> None:
        for proc in [self.scheduler, *self.workers]:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGCONT)
                proc.kill()
            proc.wait()


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


def _written(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) \
        if out.is_dir() else []


def _batch_with_fault(tmp_path: Path, cluster: Cluster, fault) -> tuple[int, str, float, Path]:
    """Run the batch; once it has written two frames, apply ``fault``.  (exit status,
    stderr, seconds from the fault to the exit, output folder)."""
    src, out = tmp_path / "in", tmp_path / "out"
    _write_frames(src)
    batch = subprocess.Popen(
        [sys.executable, "-m", "matteditor", "matte", str(src / "*.png"), "-o", f"{out}/",
         "-e", "closed-form", "--scheduler", cluster.address,
         "--worker-timeout", str(TIMEOUT_S)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while len(_written(out)) < 2:
        assert batch.poll() is None and time.monotonic() < deadline, "two frames not written"
        time.sleep(0.05)
    fault(cluster)
    faulted = time.monotonic()
    try:
        _, err = batch.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        batch.kill()
        raise AssertionError("the batch went on waiting, silently") from None
    return batch.returncode, err, time.monotonic() - faulted, out


def _summary_counts(err: str) -> tuple[int, int]:
    """(written, not done) from the summary line."""
    line = next(ln for ln in err.splitlines() if " written, " in ln and "skipped" in ln)
    words = line.replace(",", "").split()
    written = int(words[words.index("written") - 1])
    not_done = int(words[words.index("not") - 1]) if "not done" in line else 0
    return written, not_done


def test_a_lost_scheduler_stops_the_batch_with_one_line_and_true_counts(tmp_path, cluster):
    code, err, seconds, out = _batch_with_fault(tmp_path, cluster,
                                                lambda c: c.scheduler.kill())
    assert code == 1, err
    assert "Traceback" not in err and "CancelledError" not in err and "FAILED" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "lost the connection to the Dask scheduler at " \
        f"{cluster.address}" in errors[0], err
    written, not_done = _summary_counts(err)
    assert written >= 2 and written + not_done == FRAMES
    assert written <= len(_written(out))   # a frame its worker was running may land later
    assert seconds < 90   # it stops, not waits on (the exact seconds are no behaviour to pin)


def test_no_worker_left_is_said_at_once_and_stops_the_batch_after_the_timeout(tmp_path,
                                                                               cluster):
    def kill_workers(c: Cluster) -> None:
        for worker in c.workers:
            worker.kill()

    code, err, seconds, out = _batch_with_fault(tmp_path, cluster, kill_workers)
    assert code == 1, err
    assert f"no Dask worker is connected to {cluster.address}" in err
    assert err.rstrip().splitlines()[-1] == (
        f"matteditor: error: no Dask worker has been connected to {cluster.address} for "
        f"{TIMEOUT_S} s; start workers ('dask worker {cluster.address}') and run the same "
        "command again, finished frames are skipped")
    written, not_done = _summary_counts(err)
    assert written == len(_written(out)) and written + not_done == FRAMES
    # not before the timeout, and not long after it (the last fetches time out too: about
    # 20 s more on a quiet machine); how long exactly is no behaviour to pin down here
    assert TIMEOUT_S <= seconds < TIMEOUT_S + 60


def test_a_stopped_worker_is_named_and_its_frames_go_to_the_other(tmp_path, cluster):
    stopped = cluster.workers[0].pid
    code, err, seconds, out = _batch_with_fault(
        tmp_path, cluster, lambda c: os.kill(stopped, signal.SIGSTOP))
    assert code == 0, err
    assert f"{FRAMES} written, 0 skipped, 0 failed" in err
    assert _written(out) == [f"f{i:02d}.png" for i in range(FRAMES)]
    said = [line for line in err.splitlines() if f"(process {stopped}) is stopped" in line]
    # said when it holds frames the others wait for; it may have held none
    assert not said or f"kill -CONT {stopped}" in said[0]
    assert seconds < 120
