"""Alpha estimators behind one interface, the registry of what is available, and
the one policy that says which engine is the default.

The registry (:mod:`.registry`) maps names to classes; :func:`available_engines`
lists those usable on this machine (a network engine whose weights are missing is
left out).  Engine names appear as literals in this package only: the command
line, the editor and project files ask :func:`default_engine_name`.

The default is ``auto`` (:class:`.auto.AutoEngine`), which asks
:func:`choose_engine` (:mod:`.policy`) per trimap: information-flow matting where it was
measured to beat closed-form at acceptable cost, the fallback (fast-cf) for
larger bands and scribbles.  The figures behind the rule are in
docs/information-flow.md.
"""

from __future__ import annotations

from .base import (Capabilities, CancelToken, Engine, EngineInfo, EngineOptions, Prediction,
                   ProgressFn)
from .policy import (AUTO_ENGINE, FALLBACK_ORDER, INFOFLOW_ENGINE, INFOFLOW_MAX_UNKNOWN,
                     REFERENCE_ENGINE, SCRIBBLE_MIN_UNREACHED, choose_engine,
                     default_engine_name, fallback_engine_name)
from .registry import (all_engines, available_engines, create_engine, engine_class,
                       register)

__all__ = ["Capabilities", "CancelToken", "Engine", "EngineInfo", "EngineOptions", "Prediction",
           "ProgressFn", "register", "all_engines", "engine_class", "available_engines",
           "create_engine", "default_engine_name", "fallback_engine_name", "choose_engine",
           "AUTO_ENGINE", "FALLBACK_ORDER", "INFOFLOW_ENGINE", "INFOFLOW_MAX_UNKNOWN",
           "SCRIBBLE_MIN_UNREACHED", "REFERENCE_ENGINE"]
