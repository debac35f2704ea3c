"""Watching the cluster while a Dask batch waits for its frames.

Dask itself recomputes the frames of a worker that dies, but it says nothing
while it waits: for workers that never come (all killed), or for one that
stopped answering (suspended, swapping: the scheduler drops it only after its
``worker-ttl``, five minutes by default).  :class:`Watch`, asked about once a
second by the batch's wait loop, says so within seconds, in one line that
tells the user what to do:

* the scheduler is gone: :class:`ClusterError` at once;
* no worker is connected: a warning at once, :class:`ClusterError` after the
  worker timeout (``--worker-timeout``) if none has joined;
* a worker whose heartbeat stopped: a warning after a few seconds; after the
  worker timeout it is removed at the scheduler, which gives its frames to the
  other workers (a stopped process cannot finish them).
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from ..errors import ClusterError

log = logging.getLogger(__name__)

POLL_S = 1.0
#: A worker silent for this long (or half the timeout, if shorter) is reported.
WARN_AFTER_S = 10.0


def scheduler_lost(address: str) -> ClusterError:
    return ClusterError(f"lost the connection to the Dask scheduler at {address} (did it stop?); "
                        "frames its workers were running may still be written: run the same "
                        "command again when it is back, finished frames are skipped")


async def _remove_worker(address: str, dask_scheduler=None) -> str:
    """Run on the scheduler: drop a worker that stopped answering (its tasks go elsewhere)."""
    return await dask_scheduler.remove_worker(address, stimulus_id="matteditor-worker-silent",
                                              close=True)


class Watch:
    """Tells, within seconds, that the cluster cannot make progress.

    Args:
        client: the batch's ``distributed.Client``.
        address: the scheduler's address, as the user knows it.
        timeout_s: how long a worker may be silent, and the cluster without workers,
            before the batch acts (drops the worker, or stops).
        say: prints one line for the user.
        clock: seconds, monotonic (for tests).
    """

    def __init__(self, client, address: str, timeout_s: float, say: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.address = address
        self.timeout_s = timeout_s
        self.warn_after_s = min(WARN_AFTER_S, timeout_s / 2)
        self.say = say
        self.clock = clock
        self._last_poll = -float("inf")
        self._none_since: float | None = None
        self._heard: dict[str, tuple[float, float]] = {}   # worker -> (last_seen, when it changed)
        self._warned: set[str] = set()

    def check(self) -> None:
        """Look at the cluster (at most every :data:`POLL_S`); raise ClusterError if the
        batch cannot go on."""
        now = self.clock()
        if now - self._last_poll < POLL_S:
            return
        self._last_poll = now
        if self.client.status != "running":
            raise scheduler_lost(self.address)
        try:
            workers = self.client.scheduler_info(n_workers=-1)["workers"]
        except Exception as e:  # CommClosedError, OSError, TimeoutError...: the scheduler
            log.debug("asking the scheduler for its workers failed", exc_info=e)
            raise scheduler_lost(self.address) from None
        self._check_any(workers, now)
        self._check_each(workers, now)

    def _check_any(self, workers: dict, now: float) -> None:
        if workers:
            if self._none_since is not None:
                self.say(f"{len(workers)} Dask worker(s) connected again; the batch goes on")
            self._none_since = None
            return
        if self._none_since is None:
            self._none_since = now
            self.say(f"no Dask worker is connected to {self.address}: start some "
                     f"('dask worker {self.address}'); the batch waits {self.timeout_s:.0f} s "
                     "for one")
        elif now - self._none_since >= self.timeout_s:
            raise ClusterError(f"no Dask worker has been connected to {self.address} for "
                               f"{self.timeout_s:.0f} s; start workers ('dask worker "
                               f"{self.address}') and run the same command again, finished "
                               "frames are skipped")

    def _check_each(self, workers: dict, now: float) -> None:
        for address in set(self._heard) - set(workers):
            self._heard.pop(address)
            self._warned.discard(address)
        for address, info in workers.items():
            seen = info.get("last_seen", info.get("last-seen"))
            heard = self._heard.get(address)
            if heard is None or heard[0] != seen:
                if address in self._warned:
                    self.say(f"worker {address} answers again")
                    self._warned.discard(address)
                self._heard[address] = (seen, now)
                continue
            silent = now - heard[1]
            if silent >= self.timeout_s:
                self._drop(address, silent)
            elif silent >= self.warn_after_s and address not in self._warned:
                self._warned.add(address)
                self.say(f"worker {address} has not answered for {silent:.0f} s (stopped, or "
                         "out of memory and swapping?); its frames go to the other workers "
                         f"if it stays silent for {self.timeout_s:.0f} s (or resume it, or "
                         "kill it)")

    def _drop(self, address: str, silent: float) -> None:
        self._heard.pop(address, None)
        self._warned.discard(address)
        try:
            self.client.run_on_scheduler(_remove_worker, address)
        except Exception as e:
            log.debug("removing %s failed", address, exc_info=e)
            self.say(f"worker {address} has not answered for {silent:.0f} s and the scheduler "
                     "would not drop it; stop it, and Dask gives its frames to the other workers")
            return
        self.say(f"dropped worker {address}, silent for {silent:.0f} s; its frames go to the "
                 "other workers")
