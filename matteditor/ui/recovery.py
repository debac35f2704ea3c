"""Autosave to a recovery file, offered again after a crash.

The recovery file is an ordinary project (see matteditor.project) in the
application's data folder (QStandardPaths.AppDataLocation).  It is written
while there are unsaved changes and removed on a clean exit, so finding it
at start-up means the last session ended badly.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from ..document import Document
from ..errors import MatteError
from ..project import PROJECT_SUFFIX, Project, SessionSettings, load_project, save_project

log = logging.getLogger(__name__)


def default_recovery_dir() -> Path:
    loc = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(loc) / "recovery"


class RecoveryStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_recovery_dir()
        self.path = self.folder / f"autosave{PROJECT_SUFFIX}"
        self.saved_revision: int | None = None

    def exists(self) -> bool:
        return self.path.is_file()

    def save(self, document: Document, settings: SessionSettings) -> bool:
        """Write the session; returns False (and logs) if it could not be written."""
        if self.saved_revision == document.revision and self.exists():
            return True
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
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
        self.saved_revision = None
        try:
            self.path.unlink(missing_ok=True)
        except OSError as e:
            log.warning("could not remove the recovery file %s: %s", self.path, e)
