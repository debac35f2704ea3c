"""What runs on a Dask worker for ``matteditor matte --workers / --scheduler``.

Each task carries everything its worker needs (:class:`BatchConfig`: the
engine, the output options, how many workers share each machine), so nothing
has to be registered with the workers before the batch starts: a worker that
dies at start-up, or joins late, costs nothing but its own frames, which the
scheduler gives to another worker.

* One engine per worker process and batch: the first task of a batch on a
  worker makes a :class:`FrameWorker` and keeps it among the worker's plugins
  (under the batch's name), so weights and compiled kernels load once and the
  worker frees it when it closes or the batch ends (:func:`release`).
* Never a frame twice: a task is given the stamp its output had when the batch
  planned it (:func:`~matteditor.cli.report.output_stamp`).  If the output
  has changed since, an earlier attempt of this batch wrote it (a worker that
  died after finishing, its result lost) and the task does not write it again.
* Every exception is caught and returned as a one-line :class:`FrameResult`
  (``unexpected`` for anything but a MatteError, which the client tries once
  more), so a worker never logs a multi-line "Compute Failed" traceback.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass, field, replace

from distributed import WorkerPlugin, get_worker

from ..engines import Engine, create_engine
from ..errors import MatteError
from .frames import Job, make_spec, matte_frame
from .output import OutputSpec
from .report import FrameResult, Stamp, unexpected_failure, written_since

log = logging.getLogger(__name__)


def usable_cpus() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def host_of(address: str) -> str:
    """The host part of a Dask address such as ``tcp://10.0.0.5:40123``."""
    return address.rsplit(":", 1)[0].split("://")[-1]


@dataclass(frozen=True)
class BatchConfig:
    """What a worker needs for the frames of one batch.

    Attributes:
        name: the batch's unique name (its engine holder's plugin name on a worker).
        engine: engine name (``create_engine``), device: its device or None.
        options: the output options (``matte.spec_options``); the spec, and a
            --background image, are made on the worker.
        workers_per_host: host name -> worker processes there, to share its cores.
        local: the workers are this command's own processes (--workers): they
            leave Ctrl+C, which a terminal sends to all of them, to the command.
    """
    name: str
    engine: str
    device: str | None
    options: dict = field(default_factory=dict)
    workers_per_host: dict = field(default_factory=dict)
    local: bool = False


def _ignore_sigint() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class FrameWorker(WorkerPlugin):
    """Lives on a worker for one batch: its engine (made on the first frame) and output spec."""

    def __init__(self, config: BatchConfig) -> None:
        self.config = config
        self.threads = 1
        self._engine: Engine | None = None
        self._spec: OutputSpec | None = None
        self._lock = threading.Lock()

    def setup(self, worker) -> None:
        sharing = self.config.workers_per_host.get(host_of(worker.address), 1)
        self.threads = max(1, usable_cpus() // sharing)
        log.debug("worker %s: %d thread(s) per frame", worker.address, self.threads)
        if self.config.local:
            worker.loop.add_callback(_ignore_sigint)  # on the worker's main thread

    def teardown(self, worker) -> None:
        self._engine = None  # frees weights and solver state with the last reference

    def run(self, job: Job) -> FrameResult:
        """Matte one frame with this worker's engine (created on the first call)."""
        with self._lock:
            try:
                if self._engine is None:
                    self._spec = make_spec(**self.config.options)
                    self._engine = create_engine(self.config.engine, self.config.device)
            except MatteError as e:  # e.g. no weights on this machine, a missing --background
                return FrameResult(False, f"on worker {socket.gethostname()}: {e}")
            _limit_threads(self.threads)
            return matte_frame(self._engine, job, self._spec)


def _limit_threads(n: int) -> None:
    """torch's threads for the process, numba's for this (task) thread."""
    import numba
    import torch

    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def frame_worker(config: BatchConfig) -> FrameWorker:
    """This worker's :class:`FrameWorker` for the batch ``config`` (made on first use)."""
    worker = get_worker()
    holder = worker.plugins.get(config.name)
    if holder is None:
        holder = FrameWorker(config)
        holder.setup(worker)
        holder = worker.plugins.setdefault(config.name, holder)
    return holder


def matte_task(config: BatchConfig, job: Job, before: Stamp | None) -> FrameResult:
    """The Dask task of one frame (``before``: its output's stamp when the batch began)."""
    try:
        if written_since(job.output, before):
            result = FrameResult(True, f"wrote {job.output} (an earlier attempt of this batch)")
        else:
            result = frame_worker(config).run(job)
    except Exception as e:  # one line back to the client, never a worker's traceback
        result = unexpected_failure(job.image, e)
    try:
        return replace(result, worker=get_worker().address, pid=os.getpid())
    except ValueError:  # not on a worker (called directly)
        return result


def release(name: str, dask_worker) -> None:
    """Run on each worker when the batch ends: drop its engine for batch ``name``."""
    holder = dask_worker.plugins.pop(name, None)
    if holder is not None:
        holder.teardown(dask_worker)
