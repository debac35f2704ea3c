"""matteditor: an image-matting editor and its Qt-free core.

The Python API (see README, "Python API", and docs/api_example.py)::

    import matteditor
    alpha = matteditor.estimate_alpha(image, trimap, engine="auto")
    foreground = matteditor.estimate_foreground(image, alpha)
    rgba = matteditor.cutout(image, trimap, "cutout.png")

Array conventions used across the core (see each function's docstring):

* image  -- float32 H x W x 3, sRGB, values in [0, 1]
* trimap -- uint8 H x W, 0 background, 128 unknown, 255 foreground
* alpha  -- float32 H x W in [0, 1]

Importing the package loads neither Qt nor torch nor the solvers: the API's
functions are looked up in :mod:`matteditor.api` on first use, and torch is
imported only by an engine that needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (Cancelled, EngineError, ExportError, ImageLoadError, MatteError,
                     TrimapError)

if TYPE_CHECKING:
    from .api import cutout, estimate_alpha, estimate_foreground
    from .engines import available_engines, create_engine

__version__ = "0.1.0"

#: lazily imported attributes -> the module that holds them
_LAZY = {
    "estimate_alpha": "api",
    "estimate_foreground": "api",
    "cutout": "api",
    "available_engines": "engines",
    "create_engine": "engines",
}

__all__ = ["estimate_alpha", "estimate_foreground", "cutout", "available_engines",
           "create_engine", "MatteError", "ImageLoadError", "TrimapError", "EngineError",
           "ExportError", "Cancelled", "__version__"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'matteditor' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value     # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
