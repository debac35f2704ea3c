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
* a worker whose heartbeat stopped: a worker process of this machine that is
  running is only busy (a long computation that holds Python's lock delays its
  heartbeats) and is left alone; a stopped one (SIGSTOP, Ctrl+Z) is named with
  the command that resumes it; elsewhere, a warning after a few seconds.  After
  the worker timeout a stopped worker, or a silent one while others answer, is
  removed at the scheduler, which gives its frames to the other workers; when
  none answers, the batch waits and says so (dropping every worker would end
  the batch on an overloaded machine).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path
from typing import Callable

from ..errors import ClusterError
from .cluster_task import host_of

log = logging.getLogger(__name__)

POLL_S = 1.0
#: How long the scheduler may take to say which workers it has (a stopped one never does).
ASK_TIMEOUT_S = 15.0
#: A worker silent for this long (or half the timeout, if shorter) is reported.
WARN_AFTER_S = 10.0


#: Host names of this machine in a worker's address (its process can be looked at).
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", socket.gethostname()})


def listening_pid(port: int) -> int | None:
    """The process of this machine listening on TCP ``port`` (Linux: /proc), if it is
    one of this user's; None otherwise."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            listening = len(fields) > 9 and fields[3] == "0A"   # TCP_LISTEN
            if listening and int(fields[1].rsplit(":", 1)[1], 16) == port:
                sockets.add(f"socket:[{fields[9]}]")
    if not sockets:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in sockets for fd in (proc / "fd").iterdir()):
                return int(proc.name)
        except OSError:   # another user's process, or one that just ended
            continue
    return None


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
        self._answered = clock()    # when the scheduler last answered
        self._none_since: float | None = None
        self._heard: dict[str, tuple[float, float]] = {}   # worker -> (last_seen, when it changed)
        self._warned: set[str] = set()
        self._pids: dict[str, int] = {}   # worker -> its process id, learnt from its frames

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
            # Asked directly: Client.scheduler_info() answers from a cache when the
            # scheduler does not (and its periodic refresh lists no workers).
            info = self.client.sync(self.client.scheduler.identity, n_workers=-1,
                                    callback_timeout=ASK_TIMEOUT_S)
            workers = info["workers"]
        except Exception as e:  # CommClosedError, OSError, TimeoutError...
            log.debug("asking the scheduler for its workers failed", exc_info=e)
            # A broken connection is a lost scheduler; a slow answer (an overloaded
            # machine) only once it has lasted the worker timeout.
            if self.client.status != "running" or now - self._answered >= self.timeout_s:
                raise scheduler_lost(self.address) from None
            return
        self._answered = now
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

    def learn(self, worker: str, pid: int) -> None:
        """Note the process id of ``worker`` (from a frame it returned)."""
        if worker and pid:
            self._pids[worker] = pid

    def _state(self, address: str) -> str | None:
        """The worker's process state on this machine ("stopped", "running", "gone"),
        None when unknown (another machine, or no frame of it back yet)."""
        if host_of(address) not in LOCAL_HOSTS:
            return None
        pid = self._pids.get(address)
        if pid is None:
            pid = listening_pid(int(address.rsplit(":", 1)[1]))
            if pid is None:
                return None
            self._pids[address] = pid
        try:
            # /proc/PID/stat: "pid (comm) state ..."; comm may hold spaces and parentheses
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return "gone"
        return "stopped" if state in "Tt" else "running"

    def _check_each(self, workers: dict, now: float) -> None:
        for address in set(self._heard) - set(workers):
            self._heard.pop(address)
            self._warned.discard(address)
        answering = set()
        for address, info in workers.items():
            seen = info.get("last_seen", info.get("last-seen"))
            heard = self._heard.get(address)
            if heard is None or heard[0] != seen:
                if address in self._warned:
                    self.say(f"worker {address} answers again")
                    self._warned.discard(address)
                self._heard[address] = (seen, now)
            if now - self._heard[address][1] < self.warn_after_s:
                answering.add(address)
        for address in set(workers) - answering:
            self._silent(address, now - self._heard[address][1], bool(answering))

    def _silent(self, address: str, silent: float, others: bool) -> None:
        """A worker whose heartbeat stopped ``silent`` seconds ago (``others``: some
        other worker answers).  A process of this machine that is running is busy (a
        long computation holding Python's lock delays heartbeats): left alone.  A
        stopped one, or one elsewhere while others answer, loses its frames to the
        others after the timeout; the user is told first."""
        state = self._state(address)
        log.debug("worker %s silent for %.0f s, process %s, others answering: %s", address,
                  silent, state or "unknown", others)
        if state == "running":
            return
        if silent >= self.timeout_s and (state == "stopped" or others):
            self._drop(address, silent)
            return
        if address in self._warned:
            return
        self._warned.add(address)
        if state == "stopped":
            pid = self._pids[address]
            self.say(f"worker {address} (process {pid}) is stopped (Ctrl+Z or SIGSTOP?): "
                     f"resume it ('kill -CONT {pid}'), or its frames go to the other "
                     f"workers {self.timeout_s:.0f} s after it stopped answering")
        elif others:
            self.say(f"worker {address} has not answered for {silent:.0f} s (stopped, or "
                     "out of memory and swapping?); its frames go to the other workers "
                     f"if it stays silent for {self.timeout_s:.0f} s (or resume it, or "
                     "kill it)")
        else:
            self.say(f"no Dask worker has answered for {silent:.0f} s (all busy, stopped or "
                     "swapping?); the batch waits for them: resume or restart them, or "
                     "press Ctrl+C (finished frames are kept)")

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
