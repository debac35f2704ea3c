"""QSettings at the UI edge: remembered session settings, recent files, window geometry."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QMainWindow, QSpinBox


from ..errors import ProjectError
from ..project import SessionSettings

log = logging.getLogger(__name__)

ORGANIZATION = "matteditor"
APPLICATION = "matteditor"
MAX_RECENT = 10


def open_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def load_session_settings(qs: QSettings) -> SessionSettings:
    raw = qs.value("session/settings", "")
    if not raw:
        return SessionSettings()
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


def restore_window(qs: QSettings, window: QMainWindow, band: QSpinBox,
                   checks: dict[str, QCheckBox]) -> None:
    """The window's geometry and docks, the band width and the panel's remembered
    check boxes as they were at the last exit (defaults on a first start)."""
    value = str(qs.value("quickselect/band", ""))
    if value.isdigit():  # the spin box clamps it to its range
        band.setValue(int(value))
    for key, box in checks.items():
        checked = qs.value(key)
        if checked is not None:
            box.setChecked(str(checked).lower() in ("true", "1"))
    geometry = qs.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(1280, 820)
    state = qs.value("window/state")
    if state is not None:
        window.restoreState(state)


def save_window(qs: QSettings, window: QMainWindow, band: QSpinBox,
                checks: dict[str, QCheckBox]) -> None:
    """Remember what :func:`restore_window` restores."""
    qs.setValue("window/geometry", window.saveGeometry())
    qs.setValue("window/state", window.saveState())
    qs.setValue("quickselect/band", band.value())
    for key, box in checks.items():
        qs.setValue(key, box.isChecked())
