"""The default engine: for each trimap, the engine measured best for it.

:class:`AutoEngine` is a session like any other; it asks
:func:`matteditor.engines.policy.choose_engine` which engine serves the trimap it is
given (information-flow for bands up to the size measured, the fallback for
larger bands and scribbles) and keeps one session of each engine it used, so a
stroke that keeps the choice is answered incrementally (locally first, then
exactly) by the same session, and one that changes it starts that engine's
session afresh.  It is an engine rather than a rule in each caller so that the
command line, the batch cluster, the editor and project files all say "auto"
and get the same choice.
"""

from __future__ import annotations

import numpy as np

from ..geometry import Rect
from .base import Capabilities, CancelToken, Engine, EngineOptions, Prediction, ProgressFn
from .policy import choose_engine, fallback_engine_name
from .registry import create_engine, engine_class


class AutoEngine(Engine):
    name = "auto"
    label = "Automatic"
    description = ("Picks per trimap: information-flow matting for unknown bands up to "
                   "1.25 M pixels (measured best on eval-dev), fast closed-form for larger "
                   "bands and for scribbles (a few strokes, the rest unknown)")
    capabilities = Capabilities(local_first=True, preview=True)

    #: ``device=None`` means each engine's own default device (see :meth:`session`)
    device_per_engine = True

    def __init__(self, device: str | None = None,
                 options: EngineOptions = EngineOptions()) -> None:
        super().__init__(device if device is not None else type(self).devices()[0], options)
        self.requested_device = device    # None: each engine on its own default
        self._sessions: dict[str, Engine] = {}
        self._last: str | None = None      # the engine of the last answer
        self._asked: tuple[np.ndarray, str] | None = None    # the last engine_for's answer

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        return engine_class(fallback_engine_name()).devices()

    def engine_for(self, trimap: np.ndarray) -> str:
        """:func:`~matteditor.engines.choose_engine`'s choice, remembered for the same
        trimap array until the next ``predict`` (the pipeline asks before its preview,
        and ``predict`` again: on 12 MP the rule's erosion takes ~15 ms)."""
        if self._asked is None or self._asked[0] is not trimap:
            self._asked = (trimap, choose_engine(self._require_image(), trimap))
        return self._asked[1]

    def session(self, name: str) -> Engine:
        """The session of engine ``name`` on this photo (made on first use): on the
        device this one was made for when one was named (EngineError if that engine
        cannot use it), else on that engine's own default device."""
        engine = self._sessions.get(name)
        if engine is None:
            engine = self._sessions[name] = create_engine(name, self.requested_device,
                                                          self.options)
        if engine.image is not self._image:
            engine.set_image(self._image)
        return engine

    def _set_image(self, image: np.ndarray) -> None:
        # the sessions of the previous photo are forgotten, not moved: one kept for an
        # engine the new photo never asks for would hold the old photo's data
        self._sessions.clear()
        self._last = None
        self._asked = None

    def _reset(self) -> None:
        for engine in self._sessions.values():
            engine.reset()
        self._last = None

    def _predict(self, trimap: np.ndarray, changed: Rect | None, progress: ProgressFn,
                 cancel: CancelToken) -> Prediction:
        name = self.engine_for(trimap)
        self._asked = None
        engine = self.session(name)
        if name != self._last:
            changed = None      # that session's last answer was for an older trimap
        prediction = engine.predict(trimap, changed, progress=progress, cancel=cancel)
        self._last = name
        return prediction       # names the engine that answered

    def _refine(self, progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        engine = self._sessions[self._last]
        alpha = engine.refine(progress=progress, cancel=cancel)
        if alpha is None:       # already exact (cannot happen after a local answer)
            alpha = engine.predict(self._trimap, progress=progress, cancel=cancel).alpha
        return alpha
