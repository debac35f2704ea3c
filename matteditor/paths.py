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
