"""``matteditor matte ... --workers N | --scheduler ADDRESS``: a batch on Dask.

Imported only when one of those options is given (Dask is the optional extra
``matteditor[cluster]``).  The client sends one task per frame naming its
input files and output path, never pixels: the workers read and write shared
storage.  Each task runs :func:`matteditor.cli.frames.matte_frame`, the same
per-frame work as the in-process batch, whose write is atomic, so a killed
worker leaves no half-written frame (at most a hidden temporary file, which
the next batch over that folder removes).

Nothing lost under faults:

* Any single worker may die at any moment (start-up, its first frame, mid-frame,
  while writing): nothing is registered with the workers beforehand (each task
  carries its configuration, :mod:`.cluster_task`), and the scheduler gives a
  dead worker's frames to another (its ``allowed-failures`` setting;
  ``KilledWorker`` after that, a failed frame).
* A written frame is never redone: each result is fetched and its future
  released as soon as it finishes (Dask recomputes a lost worker's finished
  tasks only while a client still wants them), and a task whose output was
  written by an earlier attempt of this batch does not write it again.
* A frame that raises anything but a MatteError is tried once more; a
  MatteError (bad input) is a failed frame at once, as in-process.
* A lost scheduler, no worker left, a worker that stopped answering: said
  within seconds (:mod:`.cluster_watch`); the batch stops with one line and
  its true counts, every finished frame kept.  Ctrl+C cancels every task not
  yet finished, with the same counts.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
import uuid
from typing import Iterator

import dask
from distributed import Client, LocalCluster, as_completed
from distributed.scheduler import KilledWorker

from ..engines import all_engines, create_engine, default_engine_name
from ..errors import ClusterError, MatteError
from .cluster_task import BatchConfig, host_of, matte_task, release, usable_cpus
from .cluster_watch import Watch, scheduler_lost
from .frames import Job, prepare_batch, spec_options
from .output import OutputSpec
from .report import BatchReport, FrameResult, Stamp, output_stamp, unexpected_failure, \
    written_since

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 30
#: How long the wait loop sleeps when no frame has finished.
IDLE_S = 0.2
#: How long fetching a finished frame's result may take before the loop looks again.
FETCH_S = 5.0
# The environment variables that size BLAS/OpenMP thread pools; they must be
# set before the worker process starts (Dask's own default is 1).
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _say(quiet: bool):
    def say(text: str) -> None:
        if not quiet:
            print(f"matteditor: {text}", file=sys.stderr, flush=True)
    return say


def _quiet_dask() -> None:
    """Dask logs connections, lost comms and cancelled tasks, some with tracebacks; the
    batch says what matters in its own lines, so only -v shows Dask's."""
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # Dask's logging configuration gives some of its loggers their own level
        # ("distributed.client": its reconnection traceback when the scheduler dies),
        # so each one is quietened, not only the parents.
        prefixes = ("distributed", "tornado", "asyncio")
        names = [name for name in list(logging.root.manager.loggerDict)
                 if name.split(".")[0] in prefixes]
        for name in {*prefixes, *names}:
            logging.getLogger(name).setLevel(logging.CRITICAL)


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Client]:
    _quiet_dask()
    if args.scheduler is not None:
        try:
            client = Client(args.scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, ValueError) as e:
            raise MatteError(f"cannot reach the Dask scheduler at {args.scheduler}: {e} "
                             "(is 'dask scheduler' running there, and the port open?)") from None
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=5)
        return
    threads = max(1, usable_cpus() // args.workers)
    environ = {name: threads for name in BLAS_THREAD_VARIABLES}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address="127.0.0.1:0",
                               silence_logs=logging.CRITICAL)
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


def _workers_per_host(client: Client) -> dict[str, int]:
    counts: dict[str, int] = {}
    for address in client.scheduler_info(n_workers=-1)["workers"]:
        counts[host_of(address)] = counts.get(host_of(address), 0) + 1
    return counts


def _outcome(future, job: Job) -> FrameResult:
    """The result of a future that is done, as a FrameResult (ClusterError if the
    scheduler was lost)."""
    # Never wait without a limit: a result held by a worker that died before it was
    # fetched waits for its recomputation, which needs a worker (TimeoutError: later).
    if future.status == "finished":
        return future.result(timeout=FETCH_S)
    if future.status == "cancelled":
        raise ClusterError("a frame was cancelled outside this command (by another client "
                           "of the scheduler?)")
    error = future.exception(timeout=FETCH_S)
    if error is None and future.status == "finished":
        # it was pending again (the worker holding its result was dropped) and has been
        # computed again while we waited: its result, not a loss
        return future.result(timeout=FETCH_S)
    if isinstance(error, KilledWorker):
        return FrameResult(False, "the workers running this frame died each time "
                                  "(out of memory?); see the workers' logs")
    if error is None:  # a future the client gave up (its scheduler is gone)
        raise ClusterError(f"the result of {job.image} was lost")
    return unexpected_failure(job.image, error)


class _Batch:
    """The frames in flight: submitted, fetched and released one by one."""

    def __init__(self, client: Client, config: BatchConfig, report: BatchReport) -> None:
        self.client = client
        self.config = config
        self.report = report
        self.pending: dict[str, tuple[object, Job, Stamp | None, int]] = {}
        self.finished = as_completed(loop=client.loop)

    def submit(self, job: Job, before: Stamp | None, attempt: int = 0) -> None:
        key = f"matte-{job.image.name}-{uuid.uuid4().hex[:8]}"
        future = self.client.submit(matte_task, self.config, job, before, pure=False, key=key)
        self.pending[future.key] = (future, job, before, attempt)
        self.finished.add(future)

    def run(self, watch: Watch) -> None:
        while self.pending:
            watch.check()
            done = self.finished.next_batch(block=False)
            if not done:
                time.sleep(IDLE_S)
                continue
            for future in done:
                self._take(future, watch)

    def _take(self, future, watch: Watch) -> None:
        entry = self.pending.pop(future.key, None)
        if entry is None:
            return
        _, job, before, attempt = entry
        try:
            if self.client.status != "running":
                raise scheduler_lost(watch.address)
            result = _outcome(future, job)
        except TimeoutError:   # its result was lost with its worker: wait for it again
            self.pending[future.key] = entry
            self.finished.add(future)
            return
        except BaseException:
            self.pending[future.key] = entry  # still to be accounted for
            raise
        future.release()  # the scheduler forgets it: never recomputed
        watch.learn(result.worker, result.pid)
        if result.unexpected and attempt == 0:
            self.submit(job, before, attempt + 1)
        else:
            self.report.frame(job, result)

    def stop(self) -> None:
        """Cancel what has not finished; count the frames that were written anyway."""
        futures = [entry[0] for entry in self.pending.values()]
        with contextlib.suppress(Exception):
            self.client.cancel(futures, force=True)
        for _, job, before, _ in self.pending.values():
            if written_since(job.output, before):
                self.report.frame(job, FrameResult(True, f"wrote {job.output}"))
        self.pending.clear()


def _wait_address(args: argparse.Namespace, client: Client) -> str:
    return args.scheduler if args.scheduler is not None else client.scheduler.address


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
    say = _say(args.quiet)
    batch: _Batch | None = None
    try:
        with _client(args) as client:
            if client.dashboard_link:
                say(f"Dask dashboard: {client.dashboard_link}")
            config = BatchConfig(f"matteditor-{uuid.uuid4().hex[:12]}", engine, args.device,
                                 spec_options(args), _workers_per_host(client),
                                 local=args.scheduler is None)
            batch = _Batch(client, config, report)
            for job in todo:
                batch.submit(job, output_stamp(job.output))
            try:
                batch.run(Watch(client, _wait_address(args, client), args.worker_timeout, say))
            finally:
                if client.status == "running":
                    with contextlib.suppress(Exception):
                        client.run(release, config.name, wait=False)
    except (ClusterError, KeyboardInterrupt, OSError) as e:
        if batch is not None:
            batch.stop()
        report.stopped()
        if isinstance(e, OSError):  # the connection, mid-batch
            log.debug("the batch stopped on an OSError", exc_info=e)
            raise scheduler_lost(args.scheduler or "127.0.0.1") from None
        raise
    return report.finish()
