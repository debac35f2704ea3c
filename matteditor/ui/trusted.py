"""Projects the user saved, remembered in QSettings so reopening them asks nothing.

A project that names a photo outside its folder could make the editor read any
file, so the editor asks before opening such a project from somewhere else.  A
project this editor saved is the user's own: its path and the SHA-256 of the
file as written are remembered (the last :data:`MAX_TRUSTED`), and the project
is trusted while both still match.  A project changed by anyone else since, or
copied in from elsewhere, is asked about again.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QSettings

from ..project import file_sha256

log = logging.getLogger(__name__)

KEY = "projects/trusted"
MAX_TRUSTED = 200


def _entries(qs: QSettings) -> list[list[str]]:
    raw = str(qs.value(KEY, "") or "")
    if not raw:
        return []
    try:
        entries = json.loads(raw)
    except ValueError as e:
        log.warning("ignoring the remembered list of saved projects: %s", e)
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 2
            and all(isinstance(x, str) for x in e)]


def remember_saved(qs: QSettings, path: Path) -> None:
    """Remember ``path`` as a project this editor has just written."""
    key = str(Path(path).resolve())
    try:
        digest = file_sha256(key)
    except OSError as e:
        log.warning("could not read back the project %s to remember it: %s", key, e)
        return
    entries = [e for e in _entries(qs) if e[0] != key]
    qs.setValue(KEY, json.dumps([[key, digest], *entries][:MAX_TRUSTED]))


def is_trusted(qs: QSettings, path: Path) -> bool:
    """True when ``path`` is a project this editor saved and nobody changed since."""
    key = str(Path(path).resolve())
    known = [d for p, d in _entries(qs) if p == key]
    if not known:
        return False
    try:
        return file_sha256(key) == known[0]
    except OSError:
        return False
