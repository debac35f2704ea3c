"""``matteditor matte ... --workers N | --scheduler ADDRESS``: a batch on Dask.

Imported only when one of those options is given (Dask is the optional extra
``matteditor[cluster]``).  The client sends one task per frame naming its
input files and output path, never pixels: the workers read and write shared
storage.  Each task runs :func:`matteditor.cli.matte.matte_frame`, the same
per-frame work as the in-process batch, whose write is atomic, so a killed
worker leaves no half-written frame (at most a hidden ``.<stem>.<hex>.tmp.png``
temporary file).

* One engine per worker process: :class:`FrameWorker`, a Dask worker plugin,
  creates it on the worker's first frame and keeps it (weights and compiled
  kernels load once); engines are not thread-safe, so a worker with several
  threads runs one frame's estimate at a time.
* Threads: a local cluster has one task thread per worker process, and each
  process gets its share of the cores for torch, numba and BLAS.
* Failures: a :class:`MatteError` (bad input) is a failed frame at once, as in
  the in-process batch; any other exception is retried once (``retries=1``);
  a frame whose worker dies is rescheduled by the scheduler (its
  ``allowed-failures`` setting; ``KilledWorker`` after that).
* Ctrl+C cancels every task not yet finished; finished outputs stay.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import uuid
from typing import Iterator

import dask
from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
from distributed.scheduler import KilledWorker

from ..engines import Engine, all_engines, create_engine, default_engine_name
from ..errors import MatteError
from .output import OutputSpec
from .matte import (FrameResult, Job, make_spec, matte_frame, prepare_batch, spec_options,
                    unexpected_failure)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 30
# The environment variables that size BLAS/OpenMP thread pools; they must be
# set before the worker process starts (Dask's own default is 1).
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def usable_cpus() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class FrameWorker(WorkerPlugin):
    """Lives on each worker: holds its one engine and output spec for a batch.

    Args:
        engine: engine name (``create_engine``), device: its device or None.
        options: the output options (``matte.spec_options``); the spec, and a
            --background image, are made on the worker.
        workers_per_host: host name -> worker processes there, to share its cores.
        local: the workers are this command's own processes (--workers): they
            leave Ctrl+C, which a terminal sends to all of them, to the command.
    """

    def __init__(self, engine: str, device: str | None, options: dict,
                 workers_per_host: dict[str, int], local: bool = False) -> None:
        self.engine_name = engine
        self.local = local
        self.device = device
        self.options = options
        self.workers_per_host = workers_per_host
        self.threads = 1
        self._engine: Engine | None = None
        self._spec: OutputSpec | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        # Sent to each worker before setup: the configuration only.
        state = self.__dict__.copy()
        state.update(_engine=None, _spec=None, _lock=None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def setup(self, worker) -> None:
        host = worker.address.rsplit(":", 1)[0].split("://")[-1]
        sharing = self.workers_per_host.get(host, 1)
        self.threads = max(1, usable_cpus() // sharing)
        log.debug("worker %s: %d thread(s) per frame", worker.address, self.threads)
        if self.local and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def teardown(self, worker) -> None:
        self._engine = None  # frees weights and solver state with the last reference

    def run(self, job: Job) -> FrameResult:
        """Matte one frame with this worker's engine (created on the first call)."""
        with self._lock:
            try:
                if self._engine is None:
                    self._spec = make_spec(**self.options)
                    self._engine = create_engine(self.engine_name, self.device)
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


def matte_task(plugin_name: str, job: Job) -> FrameResult:
    """The Dask task of one frame: its worker's :class:`FrameWorker` does the work."""
    return get_worker().plugins[plugin_name].run(job)


def _quiet_dask(quiet: bool) -> None:
    """Dask logs every connection at INFO: show its warnings (errors with -q),
    unless -v asked for everything."""
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        logging.getLogger("distributed").setLevel(logging.ERROR if quiet else logging.WARNING)


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Client]:
    _quiet_dask(args.quiet)
    if args.scheduler is not None:
        try:
            client = Client(args.scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, ValueError) as e:
            raise MatteError(f"cannot reach the Dask scheduler at {args.scheduler}: {e} "
                             "(is 'dask scheduler' running there, and the port open?)") from None
        with client:
            yield client
        return
    threads = max(1, usable_cpus() // args.workers)
    environ = {name: threads for name in BLAS_THREAD_VARIABLES}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        # The workers' own log lines (a task cancelled by Ctrl+C...) say nothing
        # the batch's report does not; their nannies, here, warn of a dead worker.
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address="127.0.0.1:0",
                               silence_logs=logging.ERROR)
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


def _workers_per_host(client: Client) -> dict[str, int]:
    counts: dict[str, int] = {}
    for address in client.scheduler_info()["workers"]:
        host = address.rsplit(":", 1)[0].split("://")[-1]
        counts[host] = counts.get(host, 0) + 1
    return counts


def _outcome(future, job: Job) -> FrameResult:
    if future.status == "finished":
        return future.result()
    error = future.exception()
    if isinstance(error, KilledWorker):
        return FrameResult(False, "the workers running this frame died each time "
                                  "(out of memory?); see the workers' logs")
    return unexpected_failure(job, error)


def run_batch(jobs: list[Job], spec: OutputSpec, args: argparse.Namespace) -> int:
    """Run a batch on a Dask cluster; the exit status, as the in-process batch's."""
    engine = args.engine or default_engine_name()
    if engine not in all_engines():
        # Checked here so that a typo is one line, not a failure per frame.
        create_engine(engine, args.device)
    report = prepare_batch(jobs, spec, args)
    todo = [job for job in jobs if report.triage(job, args.overwrite)]
    if not todo:
        return report.finish()
    with _client(args) as client:
        if client.dashboard_link and not args.quiet:
            print(f"matteditor: Dask dashboard: {client.dashboard_link}", file=sys.stderr)
        if not client.scheduler_info()["workers"] and not args.quiet:
            print("matteditor: the scheduler has no workers yet; waiting for some",
                  file=sys.stderr)
        name = f"matteditor-{uuid.uuid4().hex[:12]}"
        client.register_plugin(
            FrameWorker(engine, args.device, spec_options(args), _workers_per_host(client),
                        local=args.scheduler is None),
            name=name)
        futures = {}
        try:
            for job in todo:
                future = client.submit(matte_task, name, job, retries=1, pure=False,
                                       key=f"matte-{job.image.name}-{uuid.uuid4().hex[:8]}")
                futures[future] = job
            for future in as_completed(futures, loop=client.loop):
                report.frame(futures[future], _outcome(future, futures[future]))
        except BaseException:  # Ctrl+C, a lost scheduler: stop what has not finished
            with contextlib.suppress(Exception):
                client.cancel(list(futures), force=True)
            raise
        finally:
            with contextlib.suppress(Exception):
                client.unregister_worker_plugin(name)
    return report.finish()
