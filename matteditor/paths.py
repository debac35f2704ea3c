"""Where bundled resources live, from source and from a PyInstaller build.

This is the only module that knows about frozen builds.
"""

from __future__ import annotations

import sys
from pathlib import Path


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resources_dir() -> Path:
    """The ``resources/`` folder: icons, shipped weights, the sample photo."""
    if is_frozen():
        return Path(sys._MEIPASS) / "resources"  # type: ignore[attr-defined]
    source = Path(__file__).resolve().parent.parent / "resources"
    if source.is_dir():
        return source  # a source tree or an editable install
    return Path(sys.prefix) / "share" / "matteditor" / "resources"  # a wheel's data files


def weights_dir() -> Path:
    return resources_dir() / "weights"


def icons_dir() -> Path:
    return resources_dir() / "icons"


def sample_image() -> Path:
    return resources_dir() / "sample" / "sample.jpg"


def sample_trimap() -> Path:
    return resources_dir() / "sample" / "sample_trimap.png"


def bundled_licenses_dir() -> Path | None:
    """The frozen build's ``licenses/`` folder, or None when not frozen.

    ``matteditor.spec`` writes it (``matteditor.notices.write_bundle``): one folder
    per bundled distribution with its licence files, ``components.json`` and the
    ``THIRD_PARTY_NOTICES.txt`` index.  From source the notices come from the
    installed distributions' metadata instead.
    """
    if is_frozen():
        return Path(sys._MEIPASS) / "licenses"  # type: ignore[attr-defined]
    return None


def license_texts_dir() -> Path:
    """Licence texts kept with the project (GPL-3.0, LGPL-3.0) for wheels that ship none."""
    return resources_dir() / "licenses"


def project_license() -> Path:
    """The project's own LICENSE (MIT) at the root of a source tree."""
    return Path(__file__).resolve().parent.parent / "LICENSE"


#: Environment variable that overrides where downloaded models are kept.
MODELS_ENV = "MATTEDITOR_MODELS"


def user_data_dir() -> Path:
    """The per-user data folder, without Qt (the command line has no QApplication):
    ``%LOCALAPPDATA%\\matteditor`` on Windows, ``~/Library/Application Support/matteditor``
    on macOS, ``$XDG_DATA_HOME/matteditor`` (default ``~/.local/share/matteditor``)
    elsewhere.  Not created here."""
    import os

    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "matteditor"


def models_dir() -> Path:
    """Where downloaded models live: ``$MATTEDITOR_MODELS`` if set, else
    ``<user data folder>/models`` (:func:`user_data_dir`).  Read on every call, so a
    test or a studio setting the variable is honoured at once."""
    import os

    override = os.environ.get(MODELS_ENV)
    return Path(override).expanduser() if override else user_data_dir() / "models"
