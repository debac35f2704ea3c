"""The registry: engine names to engine classes, and making a session of one.

The classical engines (numpy and pymatting only) are registered when this
module loads.  The others are named here by module, like entry points, and
imported on first use: the networks pull in torch, which listing the classical
engines does not need, and ``auto`` runs other engines through
:func:`create_engine` (so it imports this module, never the other way round:
no import circle).
"""

from __future__ import annotations

import difflib
import importlib

from ..errors import EngineError
from .base import Engine, EngineOptions
from .classical import CLASSICAL_ENGINES
from .fast_cf import FastClosedFormEngine
from .information_flow import InformationFlowEngine

_REGISTRY: dict[str, type[Engine]] = {}

#: engines in modules imported on first use: name -> (module in this package, class)
ELSEWHERE: dict[str, tuple[str, str]] = {
    "auto": ("auto", "AutoEngine"),
    "dim": ("network", "DIMEngine"),
    "dim-fusion": ("network", "DIMFusionEngine"),
    "vitmatte": ("vitmatte", "VitMatteEngine"),
    "vitmatte-base": ("vitmatte", "VitMatteBaseEngine"),
}
#: of those, the ones that need torch (not loaded to list or run the others)
NEEDS_TORCH = ("dim", "dim-fusion", "vitmatte", "vitmatte-base")


def register(cls: type[Engine]) -> type[Engine]:
    """Add an engine class to the registry (usable as a decorator)."""
    _REGISTRY[cls.name] = cls
    return cls


for _cls in (*CLASSICAL_ENGINES, FastClosedFormEngine, InformationFlowEngine):
    register(_cls)


def _load(name: str) -> type[Engine] | None:
    """The class of engine ``name`` from its module (None: not listed, or its module
    cannot load here, e.g. torch missing)."""
    cls = _REGISTRY.get(name)
    if cls is not None or name not in ELSEWHERE:
        return cls
    module, attribute = ELSEWHERE[name]
    try:
        cls = getattr(importlib.import_module(f"{__package__}.{module}"), attribute)
    except ImportError:
        return None
    return register(cls)


def registered(name: str) -> type[Engine] | None:
    """The class of ``name`` if it can be had without importing torch, else None."""
    return _REGISTRY.get(name) if name in NEEDS_TORCH else _load(name)


def all_engines() -> dict[str, type[Engine]]:
    """Every known engine class by name, available here or not (imports the networks'
    modules: torch)."""
    for name in ELSEWHERE:
        _load(name)
    return dict(_REGISTRY)


def available_engines() -> dict[str, type[Engine]]:
    return {n: c for n, c in all_engines().items() if c.available()}


def engine_class(name: str) -> type[Engine]:
    """The class of engine ``name``; EngineError naming the close ones if unknown."""
    cls = _load(name)
    if cls is None:
        engines = all_engines()
        if name not in engines:
            close = difflib.get_close_matches(str(name), list(engines), n=2)
            hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
            raise EngineError(f"unknown engine {name!r}; {hint}known engines: "
                              f"{', '.join(sorted(engines))}")
        cls = engines[name]
    return cls


def create_engine(name: str, device: str | None = None,
                  options: EngineOptions = EngineOptions()) -> Engine:
    """Instantiate engine ``name`` on ``device``: None means the engine's own default
    (for ``auto``: each engine it runs on its own default); a device named holds, or
    EngineError says which devices the engine can use."""
    cls = engine_class(name)
    if not cls.available():
        raise EngineError(cls.unavailable_reason())
    devices = cls.devices()
    if device is None and not cls.device_per_engine:
        device = devices[0]
    if device is not None and device not in devices:
        raise EngineError(f"engine {name!r} cannot use device {device!r}; it can use "
                          f"{', '.join(devices)}")
    return cls(device=device, options=options)
