"""Alpha estimators behind one interface, the registry of what is available, and
the one policy that says which engine is the default.

Engines register by class; :func:`available_engines` lists those usable on
this machine (a network engine whose weights are missing is left out).  Engine
names appear as literals here and in the engine classes only: the command line,
the editor and project files ask :func:`default_engine_name`.

The default is ``auto`` (:class:`.auto.AutoEngine`), which asks
:func:`choose_engine` per trimap: information-flow matting where it was
measured to beat closed-form at acceptable cost, the fallback (fast-cf) for
larger bands and scribbles.  The figures behind the rule are in
docs/information-flow.md.
"""

from __future__ import annotations

import numpy as np

from ..errors import EngineError
from ..solvers.infoflow import InfoFlowSettings, unreached_share
from ..solvers.scribbles import ScribbleSettings
from ..trimap import UNKNOWN
from .base import (Capabilities, CancelToken, Engine, EngineInfo, EngineOptions, Prediction,
                   ProgressFn)
from .classical import CLASSICAL_ENGINES
from .fast_cf import FastClosedFormEngine

_REGISTRY: dict[str, type[Engine]] = {}

#: The engine of the cases information-flow does not take, best first: the first
#: available one wins.  fast-cf gives pymatting's closed-form matte (SAD within 0.1% on
#: eval-dev) 7x faster (docs/speed.md), solves scribbles coarse to fine and bounds its
#: memory; the shipped network loses to it (resources/weights/MODEL_CARD.md).
FALLBACK_ORDER = ("fast-cf", "closed-form")
#: The default engine: the per-case choice of :func:`choose_engine`.
AUTO_ENGINE = "auto"
#: Per-case choice (:func:`choose_engine`): information-flow up to this many unknown
#: pixels, the largest band measured (the 12 MP photo's 1.2 M: ~25 s, peak 2.7 GB;
#: eval-dev's largest, 1.14 M: 2.7 GB); its time and memory grow with the band (one
#: CHOLMOD factor per connected band), so larger bands go to the fallback (fast-cf:
#: memory-bounded).
INFOFLOW_MAX_UNKNOWN = 1_250_000
#: ... and unless the trimap is scribbles: at least half of it unknown (fast-cf's own
#: criterion, :class:`~matteditor.solvers.scribbles.ScribbleSettings`) and more than this
#: share of the unknown pixels beyond the neighbour searches' reach of a known pixel
#: (:func:`~matteditor.solvers.infoflow.unreached_share`).  Scribbles (a few strokes, the rest
#: unknown) measure at least 0.53 on eval-dev's photos reduced to a quarter, more when
#: larger; with them information-flow's matte is blocky (far-off known-to-unknown samples):
#: SAD 1.8x fast-cf's at a quarter size, 4.4x at 0.6, several times slower.  Neither
#: property alone would do: eval-dev's crops are bands of hair up to 100% unknown, where
#: information-flow wins at every share (0.41x closed-form's SAD above 90%), and wide bands
#: of large photos are mostly beyond reach (35eef13f03: 0.50; the 12 MP photo: 0.69) yet
#: information-flow wins there.  The rule sends 8 of eval-dev's 150 crops and none of its 14
#: full-size images to fast-cf.  Figures: docs/information-flow.md.
SCRIBBLE_MIN_UNREACHED = 0.5
INFOFLOW_ENGINE = "information-flow"
_INFOFLOW_REACH = InfoFlowSettings().search_margin
_SCRIBBLE_SHARE = ScribbleSettings().unknown_share
#: The engine every figure is compared with: pymatting's closed-form solver.
REFERENCE_ENGINE = "closed-form"


def register(cls: type[Engine]) -> type[Engine]:
    """Add an engine class to the registry (usable as a decorator)."""
    _REGISTRY[cls.name] = cls
    return cls


for _cls in CLASSICAL_ENGINES:
    register(_cls)
register(FastClosedFormEngine)
from .information_flow import InformationFlowEngine; register(InformationFlowEngine)  # noqa: E402,E702
from .auto import AutoEngine; register(AutoEngine)  # noqa: E402,E702


def _load_network_engines() -> None:
    # Imported here, not at the top: it pulls in torch, which the classical
    # path does not need.
    from . import network, vitmatte  # noqa: F401  (register on import)


def all_engines() -> dict[str, type[Engine]]:
    """Every known engine class by name, available here or not."""
    try:
        _load_network_engines()
    except ImportError:
        pass
    return dict(_REGISTRY)


def available_engines() -> dict[str, type[Engine]]:
    return {n: c for n, c in all_engines().items() if c.available()}


def default_engine_name() -> str:
    """The engine the command line, the editor and new projects use unless told otherwise."""
    return AUTO_ENGINE


def _usable(name: str) -> bool:
    """Registered at import and available (without loading the network engines: torch)."""
    cls = _REGISTRY.get(name)
    return cls is not None and cls.available()


def fallback_engine_name() -> str:
    """The engine :func:`choose_engine` gives the cases information-flow does not take."""
    for name in FALLBACK_ORDER:
        if _usable(name):
            return name
    return next(n for n in available_engines() if n != AUTO_ENGINE)


def choose_engine(image: np.ndarray, trimap: np.ndarray) -> str:
    """The engine for this photo and trimap: information-flow where it was measured to
    beat closed-form at acceptable cost (bands up to :data:`INFOFLOW_MAX_UNKNOWN` unknown
    pixels that are not scribbles), else :func:`fallback_engine_name`.

    Args:
        image: H x W x 3 photo (unused by the rule today; part of the signature so a rule
            on the image, such as the transparency test, needs no caller change).
        trimap: uint8 H x W in {0, 128, 255}.
    Only the trimap's and image's own properties decide, never a ground truth.
    """
    if image.shape[:2] != trimap.shape:
        raise EngineError(f"image {image.shape[:2]} and trimap {trimap.shape} differ in size")
    unknown = int(np.count_nonzero(trimap == UNKNOWN))
    if unknown > INFOFLOW_MAX_UNKNOWN or not _usable(INFOFLOW_ENGINE):
        return fallback_engine_name()
    scribbles = (unknown >= _SCRIBBLE_SHARE * trimap.size
                 and unreached_share(trimap, _INFOFLOW_REACH) > SCRIBBLE_MIN_UNREACHED)
    return fallback_engine_name() if scribbles else INFOFLOW_ENGINE


def engine_class(name: str) -> type[Engine]:
    """The class of engine ``name`` (the network engines, which load torch, are looked
    up only when the name is not among the others); EngineError if unknown."""
    cls = _REGISTRY.get(name)
    if cls is None:
        engines = all_engines()
        if name not in engines:
            raise EngineError(f"unknown engine {name!r}; available: {', '.join(sorted(engines))}")
        cls = engines[name]
    return cls


def create_engine(name: str, device: str | None = None,
                  options: EngineOptions = EngineOptions()) -> Engine:
    """Instantiate engine ``name`` on ``device`` (best available if None)."""
    cls = engine_class(name)
    if not cls.available():
        raise EngineError(cls.unavailable_reason())
    devices = cls.devices()
    if device is None:
        device = devices[0]
    if device not in devices:
        raise EngineError(f"engine {name!r} cannot use device {device!r}; it can use "
                          f"{', '.join(devices)}")
    return cls(device=device, options=options)


__all__ = ["Capabilities", "CancelToken", "Engine", "EngineInfo", "EngineOptions", "Prediction",
           "ProgressFn", "register", "all_engines", "engine_class", "available_engines",
           "create_engine", "default_engine_name", "fallback_engine_name", "choose_engine",
           "AUTO_ENGINE", "FALLBACK_ORDER", "INFOFLOW_MAX_UNKNOWN", "SCRIBBLE_MIN_UNREACHED",
           "REFERENCE_ENGINE"]
