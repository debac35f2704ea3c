"""Start the editor: ``matteditor [PHOTO] [--trimap T]`` ends up here.

Environment: ``MATTEDITOR_LOG`` sets the log level (debug, info, warning);
the log goes to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from ..errors import MatteError
from ..project import load_project
from . import settings as prefs
from .main_window import MainWindow
from .solve import wait_for_solvers
from .theme import apply_dark_theme, icon

log = logging.getLogger(__name__)


def _describe_autosave(path: Path) -> str:
    """'of photo.jpg, autosaved 14 March 10:32' for the recovery question."""
    when = datetime.fromtimestamp(path.stat().st_mtime).strftime("%d %B %H:%M")
    try:
        project = load_project(path)
    except MatteError:
        return f"autosaved {when}"
    if project.saved_as is not None:
        return f"of the project {project.saved_as.name}, autosaved {when}"
    photo = project.image_path
    return f"of {photo.name if photo else 'an embedded photo'}, autosaved {when}"


#: the answers to "Recover unsaved work?"
RESTORE, DELETE, LATER = "restore", "delete", "later"


def _ask_recovery(window: MainWindow, about: str) -> str:
    """Ask whether to reopen an autosaved session: RESTORE, DELETE or LATER (keep it
    for the next start; also Esc or closing the box)."""
    Button = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work?",
                      f"matteditor did not close properly last time. Reopen the session "
                      f"{about}?\n\nDelete throws this autosaved work away; Later keeps it "
                      "and asks again the next time matteditor starts.",
                      Button.Yes | Button.No | Button.Ignore, window)
    for button, text in ((Button.Yes, "&Restore"), (Button.No, "&Delete"),
                         (Button.Ignore, "&Later")):
        box.button(button).setText(text)
    box.setDefaultButton(Button.Yes)
    box.setEscapeButton(Button.Ignore)
    answer = box.exec()
    box.deleteLater()
    return {Button.Yes: RESTORE, Button.No: DELETE}.get(Button(answer), LATER)


def _offer_recovery(window: MainWindow) -> bool:
    """Offer, newest first, the autosaved sessions of editors that ended badly (their
    recovery file's lock is stale); True if one was reopened.  Deleted ones are removed;
    those put off till later, or not asked about (one was reopened), are offered again
    next time."""
    for path in window.recovery.orphans():
        try:
            about = _describe_autosave(path)
        except OSError:  # another editor took it and exited meanwhile
            continue
        answer = _ask_recovery(window, about)
        if answer == RESTORE:
            if window.files.open_recovery(path):
                return True
        elif answer == DELETE:
            window.recovery.discard_orphan(path)
        else:
            log.info("recovery of %s put off till the next start", path)
    return False


def open_at_start(window: MainWindow, image: str | None = None, trimap: str | None = None) -> None:
    """What a new window opens: the autosave of a crashed run if the user wants it back
    (also when a photo was named: the autosave would be overwritten, then removed on
    exit), else ``image`` with ``trimap``."""
    if _offer_recovery(window) or image is None:
        return
    if not window.files.open_path(Path(image), Path(trimap) if trimap else None):
        log.warning("could not open %s", image)


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    QCoreApplication.setOrganizationName(prefs.ORGANIZATION)
    QCoreApplication.setApplicationName(prefs.APPLICATION)
    app.setWindowIcon(icon("matteditor"))
    apply_dark_theme(app)
    return app  # type: ignore[return-value]


def run(image: str | None = None, trimap: str | None = None) -> int:
    """Open the editor window (with ``image`` and ``trimap`` if given); returns the exit code."""
    if not logging.getLogger().handlers:
        level = os.environ.get("MATTEDITOR_LOG", "info").upper()
        logging.basicConfig(level=getattr(logging, level, logging.INFO),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        for noisy in ("numba", "PIL"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    app = create_application()
    window = MainWindow()
    window.show()
    open_at_start(window, image, trimap)
    code = app.exec()
    wait_for_solvers()  # the window is gone; let an uninterruptible solve step end
    return code
