"""QSettings at the UI edge: remembered session settings, recent files, window geometry."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QSettings

from ..engines import available_engines
from ..errors import ProjectError
from ..project import SessionSettings

log = logging.getLogger(__name__)

ORGANIZATION = "matteditor"
APPLICATION = "matteditor"
MAX_RECENT = 10


def open_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


# For a first start: the matrix-free closed-form solver when it is there (same
# matte as pymatting's, several times faster), else pymatting's closed-form.
PREFERRED_ENGINES = ("fast-cf", "closed-form")


def default_engine() -> str:
    engines = available_engines()
    return next((n for n in PREFERRED_ENGINES if n in engines), next(iter(engines)))


def load_session_settings(qs: QSettings) -> SessionSettings:
    raw = qs.value("session/settings", "")
    if not raw:
        return SessionSettings(engine=default_engine())
    try:
        return SessionSettings.from_dict(json.loads(str(raw)), "remembered settings")
    except (ValueError, ProjectError) as e:
        log.warning("ignoring remembered settings: %s", e)
        return SessionSettings()


def save_session_settings(qs: QSettings, settings: SessionSettings) -> None:
    qs.setValue("session/settings", json.dumps(settings.to_dict()))


def recent_files(qs: QSettings) -> list[str]:
    raw = qs.value("files/recent", "[]")
    try:
        items = json.loads(str(raw))
    except ValueError:
        return []
    return [str(p) for p in items if isinstance(p, str)][:MAX_RECENT] if isinstance(items, list) else []


def add_recent_file(qs: QSettings, path: str | Path) -> list[str]:
    p = str(Path(path).resolve())
    items = [p] + [q for q in recent_files(qs) if q != p]
    items = items[:MAX_RECENT]
    qs.setValue("files/recent", json.dumps(items))
    return items


def clear_recent_files(qs: QSettings) -> None:
    qs.setValue("files/recent", "[]")
