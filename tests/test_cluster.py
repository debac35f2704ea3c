"""``matteditor matte --scheduler / --workers``: a batch on a real Dask cluster.

A local scheduler and two worker processes on the loopback interface; a worker
is killed in the middle of writing a frame; failing frames are listed as in
the in-process batch.

Outputs are compared with the in-process batch's to within one 8-bit level:
they are bit-for-bit equal in practice, but a worker runs with one thread and
the test process with several, and a BLAS or numba reduction summed in another
order may round an alpha value to the neighbouring level.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("distributed")

import cloudpickle  # noqa: E402  (installed with distributed)
from distributed import Client, LocalCluster  # noqa: E402

from matteditor.cli import run_cli  # noqa: E402
from matteditor.imageio import save_image  # noqa: E402

pytestmark = pytest.mark.slow

# The functions below run inside the worker processes, which cannot import this file.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

ENGINE = "closed-form"
SIZE = 96
FRAMES = 12


def _frame(i: int) -> tuple[np.ndarray, np.ndarray]:
    """A soft vertical edge at a different place in each frame, with noise."""
    rng = np.random.default_rng(i)
    x = np.arange(SIZE, dtype=np.float32)
    alpha = np.clip((30 + 3 * i - x) / 14, 0, 1)[None, :].repeat(SIZE, 0)
    fg = np.array([0.9, 0.25, 0.1], np.float32)
    bg = np.array([0.1, 0.6, 0.35], np.float32)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    image = np.clip(image + rng.normal(0, 0.03, image.shape), 0, 1).astype(np.float32)
    trimap = np.full((SIZE, SIZE), 128, np.uint8)
    trimap[alpha > 0.999] = 255
    trimap[alpha < 0.001] = 0
    return image, trimap


def _write_frames(folder: Path, count: int) -> None:
    folder.mkdir()
    for i in range(count):
        image, trimap = _frame(i)
        save_image(folder / f"f{i:02d}.png", image)
        save_image(folder / f"f{i:02d}_trimap.png", trimap.astype(np.float32) / 255)


def _matte(src: Path, out: Path, *extra: str) -> int:
    return run_cli(["matte", str(src / "*.png"), "-o", f"{out}/", "-e", ENGINE, *extra])


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> tuple[Path, Path]:
    """(folder of FRAMES frames with trimaps, their in-process batch outputs)."""
    root = tmp_path_factory.mktemp("frames")
    _write_frames(root / "in", FRAMES)
    assert _matte(root / "in", root / "reference", "-q") == 0
    return root / "in", root / "reference"


#: how long a test waits for both workers (a killed one restarted by its nanny, which
#: imports numpy, torch and the engines again: seconds on a quiet machine, more on a busy one)
WORKERS_BACK_S = 180


@pytest.fixture
def cluster():
    """A scheduler and two worker processes (with nannies, which restart a killed
    worker) listening on 127.0.0.1 only; a fresh one per test, so that no test depends
    on a nanny having restarted the worker an earlier test killed."""
    environ = dict(os.environ)  # the nannies set OMP_NUM_THREADS & co. in this process
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local, \
            Client(local, set_as_default=False, timeout=60) as client:
        client.wait_for_workers(2, timeout=WORKERS_BACK_S)
        yield client
    os.environ.clear()
    os.environ.update(environ)


def _die_in_first_write(marker: str) -> None:
    """On a worker: exit abruptly in the first output write, after the PNG bytes
    are in the temporary file and before it is renamed over the target."""
    import matteditor.imagewrite as imagewrite

    def fsync_then_die(path):
        Path(marker).write_text(str(path))
        os._exit(1)

    imagewrite._fsync = fsync_then_die


def _decode(path: Path) -> np.ndarray:
    data = path.read_bytes()
    assert data.endswith(b"IEND\xaeB`\x82"), f"{path} is truncated"
    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert pixels is not None and pixels.shape == (SIZE, SIZE, 4), path
    return pixels.astype(np.int16)


def test_a_worker_killed_mid_write_loses_no_frame(frames, cluster, tmp_path, capsys):
    src, reference = frames
    out = tmp_path / "out"
    marker = tmp_path / "killed"
    victim = sorted(cluster.scheduler_info()["workers"])[0]
    cluster.run(_die_in_first_write, str(marker), workers=[victim])

    code = _matte(src, out, "--scheduler", cluster.scheduler.address)
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"{FRAMES} written, 0 skipped, 0 failed" in err
    assert marker.exists(), "the worker was not killed"
    # The frame it was writing was done again elsewhere; what the dead worker left
    # is at most a hidden temporary file, never a partial frame under a real name.
    visible = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert visible == [f"f{i:02d}.png" for i in range(FRAMES)]
    assert all(p.name.endswith(".tmp.png") for p in out.iterdir() if p.name.startswith("."))
    for name in visible:
        diff = np.abs(_decode(out / name) - _decode(reference / name))
        assert diff.max() <= 1, f"{name} differs from the in-process result by {diff.max()}"

    # Run again: every frame is skipped, nothing is redone, and the dead writer's
    # temporary file (no live process holds its lock) is removed.
    assert _matte(src, out, "--scheduler", cluster.scheduler.address) == 0
    err = capsys.readouterr().err
    assert f"0 written, {FRAMES} skipped, 0 failed" in err
    assert "removed 1 temporary file(s)" in err
    assert sorted(p.name for p in out.iterdir()) == visible


def _flaky_loads(log: str) -> None:
    """On a worker: loading 'flaky.png' fails the first time (any worker),
    'broken.png' always; every attempt is logged."""
    import matteditor.cli.frames as matte

    original = getattr(matte, _loader_name(matte))

    def load(path, *args, **kwargs):
        name = Path(path).name
        with open(log, "a") as f:
            f.write(name + "\n")
        if name == "broken.png" or (name == "flaky.png"
                                    and Path(log).read_text().split().count(name) == 1):
            raise RuntimeError(f"simulated failure on {name}")
        return original(path, *args, **kwargs)

    setattr(matte, _loader_name(matte), load)
    matte._original_load_image = original


def _restore_loads() -> None:
    import matteditor.cli.frames as matte

    name = _loader_name(matte)
    setattr(matte, name, getattr(matte, "_original_load_image", getattr(matte, name)))


def test_unexpected_errors_are_retried_once_bad_input_is_not(cluster, tmp_path, capsys):
    src = tmp_path / "in"
    _write_frames(src, 2)
    for name in ("flaky", "broken", "badsize"):
        shutil.copyfile(src / "f00.png", src / f"{name}.png")
        shutil.copyfile(src / "f00_trimap.png", src / f"{name}_trimap.png")
    (src / "badsize_trimap.png").unlink()
    save_image(src / "badsize_trimap.png", np.zeros((10, 12), np.float32))
    attempts = tmp_path / "attempts.log"
    cluster.wait_for_workers(2, timeout=WORKERS_BACK_S)  # a worker killed by the test above is back
    cluster.run(_flaky_loads, str(attempts))
    try:
        code = _matte(src, tmp_path / "out", "--scheduler", cluster.scheduler.address, "-q")
    finally:
        cluster.run(_restore_loads)
    err = capsys.readouterr().err
    assert code == 1
    assert "3 written, 0 skipped, 2 failed" in err
    tried = attempts.read_text().split()
    assert tried.count("flaky.png") == 2 and (tmp_path / "out" / "flaky.png").exists()
    assert tried.count("broken.png") == 2
    assert f"{src / 'broken.png'}: unexpected RuntimeError: simulated failure on broken.png" in err
    assert tried.count("badsize.png") == 1  # a MatteError is not retried
    assert f"{src / 'badsize.png'}: trimap {src / 'badsize_trimap.png'} is 12x10" in err


def _loader_name(matte) -> str:
    """The name under which the batch's frame loads its photo."""
    return "load_image_rgba" if hasattr(matte, "load_image_rgba") else "load_image"


def _slow_loads(seconds: float) -> None:
    """On a worker: every frame takes at least ``seconds`` to load."""
    import time

    import matteditor.cli.frames as matte

    original = getattr(matte, _loader_name(matte))

    def load(*args, **kwargs):
        time.sleep(seconds)
        return original(*args, **kwargs)

    setattr(matte, _loader_name(matte), load)
    matte._original_load_image = original


def test_ctrl_c_cancels_the_outstanding_frames_and_keeps_the_finished(
        frames, cluster, tmp_path, capsys, monkeypatch):
    import matteditor.cli.frames as matte

    src, reference = frames
    out = tmp_path / "out"
    finish = matte.BatchReport.frame

    def interrupt_after_the_first(self, job, result):
        finish(self, job, result)
        raise KeyboardInterrupt  # as Ctrl+C would, in the client's wait for results

    monkeypatch.setattr(matte.BatchReport, "frame", interrupt_after_the_first)
    cluster.wait_for_workers(2, timeout=WORKERS_BACK_S)
    cluster.run(_slow_loads, 1.0)
    try:
        assert _matte(src, out, "--scheduler", cluster.scheduler.address, "-q") == 130
        # Long enough for every frame to be done had they not been cancelled.
        time.sleep(FRAMES * 1.0 / 2)
    finally:
        cluster.run(_restore_loads)
    assert "interrupted" in capsys.readouterr().err
    assert cluster.run_on_scheduler(_our_tasks) == 0
    # Written: the first frame, and those running or sent to a worker when it
    # stopped (one running and one queued per worker, at most): a worker cannot
    # stop a frame it is running, and its write is complete.
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert 1 <= len(written) <= 4, written
    for name in written:
        assert np.abs(_decode(out / name) - _decode(reference / name)).max() <= 1


def _our_tasks(dask_scheduler) -> int:
    return sum(1 for key in dask_scheduler.tasks if str(key).startswith("matte-"))


def test_bad_input_on_a_local_cluster_is_listed_like_in_process(tmp_path, capsys):
    src = tmp_path / "in"
    _write_frames(src, 3)
    (src / "f01.png").write_bytes(b"not a png at all")
    save_image(src / "f02_trimap.png", np.zeros((SIZE, SIZE + 1), np.float32))

    def failures(out: str, *extra: str) -> tuple[int, list[str]]:
        code = _matte(src, tmp_path / out, "-q", *extra)
        err = capsys.readouterr().err
        assert "1 written, 0 skipped, 2 failed" in err
        return code, sorted(line for line in err.splitlines() if "error:" in line)

    in_process = failures("in-process")
    on_cluster = failures("cluster", "--workers", "1")
    assert in_process[0] == on_cluster[0] == 1
    assert on_cluster[1] == in_process[1] and len(on_cluster[1]) == 2
    assert "f01.png" in on_cluster[1][0] and "f02_trimap.png" in on_cluster[1][1]


def test_a_single_output_file_is_refused_with_workers(frames, tmp_path, capsys):
    src, _ = frames
    code = run_cli(["matte", str(src / "f00.png"), "-o", str(tmp_path / "one.png"),
                    "--workers", "2"])
    assert code == 1
    assert "give -o a folder" in capsys.readouterr().err


def test_missing_dask_is_one_line_naming_the_extra(frames, tmp_path, capsys, monkeypatch):
    src, _ = frames
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    monkeypatch.delitem(sys.modules, "matteditor.cli.cluster", raising=False)
    monkeypatch.delattr("matteditor.cli.cluster", raising=False)
    assert _matte(src, tmp_path / "out", "--workers", "2") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("matteditor: error: ")
    assert 'pip install "matteditor[cluster]"' in err[-1]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def _batch_module(name: str):
    """The module of the cluster batch holding ``name`` (cluster_task since the
    tasks carry their configuration; cluster before)."""
    import importlib

    for module in ("matteditor.cli.cluster_task", "matteditor.cli.cluster"):
        try:
            found = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(found, name):
            return found
    raise LookupError(name)


def _die_at(moment: str, marker: str) -> None:
    """On a worker: exit abruptly at ``moment`` of its part in the next batch."""
    import matteditor.cli.frames as matte
    import matteditor.imagewrite as imagewrite

    def die(*args, **kwargs):
        Path(marker).write_text(moment)
        os._exit(1)

    if moment == "first-task":           # as its first frame arrives
        _batch_module("matte_task").matte_task = die
    elif moment == "engine-set-up":      # setting up the batch's engine holder (a worker
        _batch_module("FrameWorker").FrameWorker.setup = die   # plugin's registration once)
    elif moment == "mid-frame":          # in the middle of the solve
        matte.matte_once = die
    else:                                # with the PNG in the temporary file, not renamed
        imagewrite._fsync = die


@pytest.mark.parametrize("moment", ["at-start", "first-task", "engine-set-up", "mid-frame",
                                    "writing"])
def test_a_worker_dying_at_any_moment_loses_no_frame(frames, cluster, tmp_path, capsys, moment):
    import signal

    src, reference = frames
    out = tmp_path / "out"
    marker = tmp_path / "killed"
    cluster.wait_for_workers(2, timeout=WORKERS_BACK_S)
    victim = sorted(cluster.scheduler_info()["workers"])[0]
    if moment == "at-start":             # killed as the batch starts
        os.kill(cluster.run(os.getpid, workers=[victim])[victim], signal.SIGKILL)
        marker.write_text(moment)
    else:
        cluster.run(_die_at, moment, str(marker), workers=[victim])

    code = _matte(src, out, "--scheduler", cluster.scheduler.address, "-q")
    err = capsys.readouterr().err
    assert marker.exists(), "the worker did not die"
    assert code == 0, err
    assert f"{FRAMES} written, 0 skipped, 0 failed" in err
    for i in range(FRAMES):
        name = f"f{i:02d}.png"
        diff = np.abs(_decode(out / name) - _decode(reference / name))
        assert diff.max() <= 1, f"{name} differs from the in-process result by {diff.max()}"


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def _log_writes(log: str) -> None:
    """On a worker: note "<pid> <output name>" for each output it writes."""
    import matteditor.imagewrite as imagewrite

    original = imagewrite._fsync

    def fsync(path):
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {Path(path).name.split('.')[1]}\n")
        return original(path)

    imagewrite._fsync = fsync


def test_a_frame_reported_written_is_never_written_again(frames, cluster, tmp_path, capsys,
                                                         monkeypatch):
    """Dask recomputes the finished tasks a dead worker held while a client still
    wants their results; the batch must not, or a written frame is rewritten."""
    import signal

    import matteditor.cli.frames as matte

    src, _ = frames
    out = tmp_path / "out"
    log = tmp_path / "writes.log"
    cluster.wait_for_workers(2, timeout=WORKERS_BACK_S)
    stamps: dict[Path, tuple[int, int]] = {}
    finish = matte.BatchReport.frame

    def stamp_and_kill(self, job, result):
        finish(self, job, result)
        stamps[job.output] = _stamp(job.output)
        if len(stamps) == 5:  # kill the worker that wrote the most of them
            writers = [line.split()[0] for line in log.read_text().splitlines()]
            os.kill(int(max(set(writers), key=writers.count)), signal.SIGKILL)

    monkeypatch.setattr(matte.BatchReport, "frame", stamp_and_kill)
    cluster.run(_log_writes, str(log))
    cluster.run(_slow_loads, 0.3)  # the batch is far from over after 5 frames
    try:
        code = _matte(src, out, "--scheduler", cluster.scheduler.address, "-q")
    finally:
        with contextlib.suppress(Exception):
            cluster.run(_restore_loads)
    err = capsys.readouterr().err
    assert code == 0, err
    assert len(stamps) == FRAMES
    rewritten = sorted(p.name for p, stamp in stamps.items() if _stamp(p) != stamp)
    assert rewritten == [], f"written again after they were reported: {rewritten}"
    names = [line.split()[1] for line in log.read_text().splitlines()]
    assert sorted(names) == sorted(set(names)), "a frame was written twice"


class _RecomputedFuture:
    """A future whose worker was dropped while it held the result: pending again, and
    computed again while the batch waits on it."""

    def __init__(self, result):
        self.status = "pending"
        self._result = result

    def exception(self, timeout=None):
        self.status = "finished"       # the recomputation ends while we wait
        return None

    def result(self, timeout=None):
        assert self.status == "finished"
        return self._result


def test_a_result_recomputed_while_waited_on_is_taken_not_called_lost(tmp_path):
    """A frame whose stopped worker was dropped is recomputed by another; the wait for it
    ends with no error, and that is its result (it was once reported as lost, failing a
    batch whose every frame had been written)."""
    from matteditor.cli.cluster import _outcome
    from matteditor.cli.frames import FrameResult, Job

    done = FrameResult(True, "wrote f00.png")
    job = Job(tmp_path / "f00.png", tmp_path / "out" / "f00.png", tmp_path / "f00_trimap.png")
    assert _outcome(_RecomputedFuture(done), job) is done
