"""Autosave to a recovery file, offered again after a crash.

Each running editor window autosaves to its own recovery file, an ordinary
project (see matteditor.project) named ``autosave-<id>.mattproj`` in the
application's data folder (QStandardPaths.AppDataLocation).  While the
window runs, a QLockFile next to it (``<file>.lock``) says so; on a clean
exit both are removed.  A recovery file whose lock is missing or stale (the
process that held it is gone: it crashed or was killed) is an orphan, and
only orphans are offered at start-up, so two editors running side by side
never overwrite, offer or delete each other's recovery files.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QRunnable, QStandardPaths, QThreadPool, Signal

from ..document import Document
from ..errors import MatteError
from ..project import PROJECT_SUFFIX, Project, SessionSettings, load_project, save_project

log = logging.getLogger(__name__)

PREFIX = "autosave"


def default_recovery_dir() -> Path:
    loc = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(loc) / "recovery"


class _Task(QRunnable):
    def __init__(self, work) -> None:
        super().__init__()
        self._work = work

    def run(self) -> None:  # autosave thread
        self._work()


def _lock_for(path: Path) -> QLockFile:
    lock = QLockFile(str(path.with_name(path.name + ".lock")))
    # Only a dead owner makes a lock stale, never its age: a session may run for days.
    lock.setStaleLockTime(0)
    return lock


def _state(document: Document) -> tuple[int, int, bool]:
    """What an autosave of ``document`` holds: its revision, and which matte."""
    exact = document.has_exact_result
    return (document.revision, document.alpha_revision if exact else -1,
            exact and document.foreground is not None)


class RecoveryStore(QObject):
    """This window's recovery file (``path``), and the orphans of editors that died.

    The lock is taken on the first autosave and held until :meth:`discard`.  What was
    last written is tagged with the session it belongs to (:meth:`new_session`: revisions
    restart with every document), so a write finishing on the autosave thread after
    another photo was opened is never taken for that photo's.

    Signals:
        problem(str): autosave stopped working (why, e.g. "No space left on device in
            /home/me/.local/share/matteditor/recovery", for the status bar) or, with "",
            works again.  Emitted from the autosave thread.
    """

    problem = Signal(str)

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder or default_recovery_dir()
        self.path = self._new_path()
        self.lock: QLockFile | None = None
        self._session = 0
        # (session, state) of the last write; replaced whole by the autosave thread
        self._written: tuple[int, tuple[int, int, bool]] | None = None
        self._failing = False
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(1)  # one autosave at a time

    def _new_path(self) -> Path:
        return self.folder / f"{PREFIX}-{uuid.uuid4().hex[:12]}{PROJECT_SUFFIX}"

    def new_session(self) -> None:
        """Another document is open: nothing written so far is its autosave."""
        self._session += 1

    @property
    def saved_revision(self) -> int | None:
        """The revision of this session's document last written (None: not yet)."""
        written = self._written
        return written[1][0] if written is not None and written[0] == self._session else None

    def _saved(self, document: Document) -> bool:
        return self._written == (self._session, _state(document)) and self.exists()

    def exists(self) -> bool:
        """True if this window's recovery file is on disk."""
        return self.path.is_file()

    def _acquire(self) -> None:
        if self.lock is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # a name taken by a live editor or an orphan: pick another
            lock = _lock_for(self.path)
            if not self.path.exists() and lock.tryLock(0):
                self.lock = lock
                return
            self.path = self._new_path()
        raise OSError(f"no recovery file in {self.folder} could be locked")

    def _failed(self, error: Exception) -> bool:
        """Log an autosave that failed and tell the window (once, until one works)."""
        log.warning("autosave failed: %s", error)
        reason = getattr(error, "strerror", None) or str(error)
        if not self._failing:
            self._failing = True
            self.problem.emit(f"{reason} in {self.folder}")
        return False

    def _snapshot(self, document: Document, settings: SessionSettings,
                  fields: dict | None) -> tuple[Project, bool] | None:
        """What to write, taken now (None: the recovery file could not be locked): the
        trimap copied (it is painted in place), the photo, the exact matte and
        ``fields`` (more :class:`Project` fields: the project file, the background) by
        reference (the document replaces them, never changes them in place); and
        whether the photo is embedded."""
        try:
            self._acquire()
            embed = document.path is None or not document.path.is_file()
            exact = document.has_exact_result
            return Project(document.trimap.copy(), settings, document.path,
                           document.image if embed else None, document.adjustments,
                           alpha=document.alpha if exact else None,
                           foreground=document.foreground if exact else None,
                           **(fields or {})), embed
        except (OSError, MatteError) as e:
            self._failed(e)
            return None

    def _write(self, path: Path, project: Project, embed: bool,
               written: tuple[int, tuple[int, int, bool]]) -> bool:
        try:
            save_project(path, project, embed=embed)
        except (OSError, MatteError) as e:
            return self._failed(e)
        self._written = written
        if self._failing:
            self._failing = False
            self.problem.emit("")
        log.debug("autosaved revision %d to %s", written[1][0], path)
        return True

    def save(self, document: Document, settings: SessionSettings,
             fields: dict | None = None) -> bool:
        """Write the session now; returns False (and logs) if it could not be written."""
        self.wait()
        if self._saved(document):
            return True
        snapshot = self._snapshot(document, settings, fields)
        return snapshot is not None and self._write(
            self.path, *snapshot, (self._session, _state(document)))

    def save_in_background(self, document: Document, settings: SessionSettings,
                           fields: dict | None = None) -> bool:
        """Start writing the session on the autosave thread (encoding a 12 MP trimap
        takes ~160 ms: not on the UI thread every 30 s).  Returns False if nothing
        was started: already saved, a write still running (the next autosave
        catches up), or no recovery file could be locked."""
        if self._pool.activeThreadCount() > 0:
            return False
        if self._saved(document):
            return False
        snapshot = self._snapshot(document, settings, fields)
        if snapshot is None:
            return False
        project, embed = snapshot
        path, written = self.path, (self._session, _state(document))
        self._pool.start(_Task(lambda: self._write(path, project, embed, written)))
        return True

    def wait(self) -> None:
        """Block until a background autosave has been written."""
        self._pool.waitForDone()

    def load(self) -> Project:
        return load_project(self.path)

    def discard(self) -> None:
        """Remove this window's recovery file and its lock (a clean exit, or a save)."""
        self.wait()  # an autosave still being written must not recreate the file
        self._written = None
        try:
            self.path.unlink(missing_ok=True)
        except OSError as e:
            log.warning("could not remove the recovery file %s: %s", self.path, e)
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None

    # -- orphans of editors that did not exit cleanly ---------------------------------------
    def orphans(self) -> list[Path]:
        """Recovery files no running editor holds, newest first."""
        try:
            candidates = [p for p in self.folder.glob(f"{PREFIX}*{PROJECT_SUFFIX}")
                          if p.is_file() and p != self.path]
        except OSError as e:
            log.warning("could not look for recovery files in %s: %s", self.folder, e)
            return []
        found = []
        for path in candidates:
            lock = _lock_for(path)
            if lock.tryLock(0):  # missing or stale: its editor is gone
                lock.unlock()
                found.append(path)
        return sorted(found, key=_modified, reverse=True)

    def adopt(self, orphan: Path) -> bool:
        """Make ``orphan`` this window's recovery file, so the recovered session keeps
        autosaving there.  False if another editor claimed it meanwhile."""
        lock = _lock_for(orphan)
        if not orphan.is_file() or not lock.tryLock(0):
            return False
        self.discard()
        self.path, self.lock = orphan, lock
        return True

    def discard_orphan(self, orphan: Path) -> None:
        """Delete an orphan the user does not want back (unless another editor took it)."""
        lock = _lock_for(orphan)
        if not lock.tryLock(0):
            return
        try:
            orphan.unlink(missing_ok=True)
        except OSError as e:
            log.warning("could not remove the recovery file %s: %s", orphan, e)
        lock.unlock()


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
