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

from PySide6.QtCore import QLockFile, QStandardPaths

from ..document import Document
from ..errors import MatteError
from ..project import PROJECT_SUFFIX, Project, SessionSettings, load_project, save_project

log = logging.getLogger(__name__)

PREFIX = "autosave"


def default_recovery_dir() -> Path:
    loc = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(loc) / "recovery"


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

    def save(self, document: Document, settings: SessionSettings) -> bool:
        """Write the session; returns False (and logs) if it could not be written."""
        if self.saved_revision == document.revision and self.exists():
            return True
        try:
            if not self._acquire():
                return False
            embed = document.path is None or not document.path.is_file()
            save_project(self.path, Project(document.trimap.copy(), settings, document.path,
                                            document.image if embed else None), embed=embed)
        except (OSError, MatteError) as e:
            log.warning("autosave failed: %s", e)
            return False
        self.saved_revision = document.revision
        log.debug("autosaved revision %d to %s", document.revision, self.path)
        return True

    def load(self) -> Project:
        return load_project(self.path)

    def discard(self) -> None:
        """Remove this window's recovery file and its lock (a clean exit, or a save)."""
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
