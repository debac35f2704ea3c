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

from PySide6.QtCore import QLockFile, QRunnable, QStandardPaths, QThreadPool

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


class RecoveryStore:
    """This window's recovery file (``path``), and the orphans of editors that died.

    The lock is taken on the first autosave and held until :meth:`discard`.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_recovery_dir()
        self.path = self._new_path()
        self.lock: QLockFile | None = None
        self.saved_revision: int | None = None
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(1)  # one autosave at a time

    def _new_path(self) -> Path:
        return self.folder / f"{PREFIX}-{uuid.uuid4().hex[:12]}{PROJECT_SUFFIX}"

    def exists(self) -> bool:
        """True if this window's recovery file is on disk."""
        return self.path.is_file()

    def _acquire(self) -> bool:
        if self.lock is not None:
            return True
        self.folder.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # a name taken by a live editor or an orphan: pick another
            lock = _lock_for(self.path)
            if not self.path.exists() and lock.tryLock(0):
                self.lock = lock
                return True
            self.path = self._new_path()
        log.warning("autosave: could not lock a recovery file in %s", self.folder)
        return False

    def _snapshot(self, document: Document, settings: SessionSettings
                  ) -> tuple[Project, bool] | None:
        """What to write, taken now (None: the recovery file could not be locked): the
        trimap copied (it is painted in place), the photo by reference (the document
        replaces it, never changes it in place); and whether the photo is embedded."""
        try:
            if not self._acquire():
                return None
            embed = document.path is None or not document.path.is_file()
            return Project(document.trimap.copy(), settings, document.path,
                           document.image if embed else None, document.adjustments), embed
        except (OSError, MatteError) as e:
            log.warning("autosave failed: %s", e)
            return None

    def _write(self, path: Path, project: Project, embed: bool, revision: int) -> bool:
        try:
            save_project(path, project, embed=embed)
        except (OSError, MatteError) as e:
            log.warning("autosave failed: %s", e)
            return False
        self.saved_revision = revision
        log.debug("autosaved revision %d to %s", revision, path)
        return True

    def save(self, document: Document, settings: SessionSettings) -> bool:
        """Write the session now; returns False (and logs) if it could not be written."""
        self.wait()
        if self.saved_revision == document.revision and self.exists():
            return True
        snapshot = self._snapshot(document, settings)
        return snapshot is not None and self._write(self.path, *snapshot, document.revision)

    def save_in_background(self, document: Document, settings: SessionSettings) -> bool:
        """Start writing the session on the autosave thread (encoding a 12 MP trimap
        takes ~160 ms: not on the UI thread every 30 s).  Returns False if nothing
        was started: already saved, a write still running (the next autosave
        catches up), or no recovery file could be locked."""
        if self._pool.activeThreadCount() > 0:
            return False
        if self.saved_revision == document.revision and self.exists():
            return False
        snapshot = self._snapshot(document, settings)
        if snapshot is None:
            return False
        project, embed = snapshot
        path, revision = self.path, document.revision
        self._pool.start(_Task(lambda: self._write(path, project, embed, revision)))
        return True

    def wait(self) -> None:
        """Block until a background autosave has been written."""
        self._pool.waitForDone()

    def load(self) -> Project:
        return load_project(self.path)

    def discard(self) -> None:
        """Remove this window's recovery file and its lock (a clean exit, or a save)."""
        self.wait()  # an autosave still being written must not recreate the file
        self.saved_revision = None
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
