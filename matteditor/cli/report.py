"""How the frames of a ``matteditor matte`` batch went: per-frame results, the
progress lines, the counts and the closing summary, whichever way the batch
runs (in-process or on Dask).

A batch that stops early (Ctrl+C, a lost Dask scheduler, no worker left) still
prints its true counts: what was written, skipped and failed, and how many
frames were not done, so that the user knows a rerun of the same command
finishes the rest (finished outputs are skipped).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .progress import ProgressBar

log = logging.getLogger(__name__)

#: The identity of an output file on disk: (device, inode, size, mtime in ns).
#: An atomic write renames a new file over the old one, so a file written
#: after the stamp was taken always has another stamp.
Stamp = tuple[int, int, int, int]


def output_stamp(path: Path) -> Stamp | None:
    """The stamp of the file at ``path``, or None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def written_since(path: Path, before: Stamp | None) -> bool:
    """True when a file at ``path`` exists and is not the one stamped ``before``
    (it was written after the stamp was taken)."""
    now = output_stamp(path)
    return now is not None and now != before


@dataclass(frozen=True)
class FrameResult:
    """How one frame of a batch went: ``message`` is "wrote ..." or the reason it failed.

    ``unexpected``: the failure was not a MatteError (a bug, a resource limit);
    a Dask batch tries such a frame once more.  ``worker``, ``pid``: where a Dask
    task ran (its watch tells a stopped worker process from a busy one by them).
    """
    ok: bool
    message: str
    unexpected: bool = False
    worker: str = ""   # on Dask: the address and process id of the worker that ran it
    pid: int = 0


def one_line(text: str, limit: int = 300) -> str:
    """``text`` with its line breaks folded, cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def unexpected_failure(image: Path, error: BaseException) -> FrameResult:
    """A frame that raised something other than a MatteError (a bug, a resource limit)."""
    log.debug("unexpected error on %s", image, exc_info=error)
    if isinstance(error, MemoryError):
        return FrameResult(False, "not enough memory for this frame (try a smaller image "
                                  "or another engine)", unexpected=True)
    text = one_line(error)
    name = type(error).__name__
    return FrameResult(False, f"unexpected {name}: {text}" if text else f"unexpected {name}",
                       unexpected=True)


class BatchReport:
    """Progress lines, counts and the closing summary of a batch."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total = total
        self.bar = ProgressBar(total, enabled=not quiet)
        self.failures: list[tuple[Path, str]] = []
        self.written = self.skipped = self.done = 0

    def triage(self, job, overwrite: bool) -> bool:
        """True if ``job`` (a :class:`~matteditor.cli.frames.Job`) needs matting; else
        report it done (its pairing failed, or its output exists and ``overwrite`` is off)."""
        if job.trimap is None and not job.subject:
            self.frame(job, FrameResult(False, job.problem))
        elif job.output.exists() and not overwrite:
            self.skipped += 1
            self.done += 1
            self.bar.item_done(self.done, job.image.name, f"skipped, {job.output} exists")
        else:
            return True
        return False

    def frame(self, job, result: FrameResult) -> None:
        self.done += 1
        if result.ok:
            self.written += 1
            self.bar.item_done(self.done, job.image.name, result.message)
        else:
            self.failures.append((job.image, result.message))
            self.bar.item_done(self.done, job.image.name, "FAILED")

    @property
    def not_done(self) -> int:
        return self.total - self.done

    def summary(self) -> str:
        text = (f"matteditor: {self.written} written, {self.skipped} skipped, "
                f"{len(self.failures)} failed")
        if self.not_done:
            text += f", {self.not_done} not done"
        if self.skipped:
            text += " (existing outputs are kept; --overwrite redoes them)"
        return text

    def finish(self) -> int:
        """Print the summary and the failures; the exit status."""
        print(self.summary(), file=sys.stderr)
        for image, message in self.failures:
            print(f"matteditor: error: {image}: {message}", file=sys.stderr)
        return 1 if self.failures or self.not_done else 0

    def stopped(self) -> None:
        """Print the summary of a batch that stops early (the caller then says why);
        a rerun of the same command skips what was written."""
        print(self.summary(), file=sys.stderr)
        for image, message in self.failures:
            print(f"matteditor: error: {image}: {message}", file=sys.stderr)
        if self.written or self.skipped:
            print("matteditor: finished outputs are kept; run the same command again to do "
                  "the rest", file=sys.stderr)
