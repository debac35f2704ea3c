"""The default engine: for each trimap, the engine measured best for it.

:class:`AutoEngine` is a session like any other; it asks
:func:`matteditor.engines.choose_engine` which engine serves the trimap it is
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
from .base import Capabilities, CancelToken, Engine, EngineOptions, ProgressFn


class AutoEngine(Engine):
    name = "auto"
    label = "Automatic"
    description = ("Picks per trimap: information-flow matting for unknown bands up to "
                   "1.25 M pixels (measured best on eval-dev), fast closed-form for larger "
                   "bands and for scribbles (a few strokes, the rest unknown)")
    capabilities = Capabilities(incremental=True, local_first=True, preview=True)

    def __init__(self, device: str = "cpu", options: EngineOptions = EngineOptions()) -> None:
        super().__init__(device, options)
        self._sessions: dict[str, Engine] = {}
        self._last: str | None = None      # the engine of the last answer
        self._chosen: str | None = None    # the engine of the last predict
        self._asked: tuple[np.ndarray, str] | None = None    # the last engine_for's answer

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        from . import engine_class, fallback_engine_name

        return engine_class(fallback_engine_name()).devices()

    @property
    def answered_by(self) -> str:
        return self._chosen or self.name

    def engine_for(self, trimap: np.ndarray) -> str:
        """:func:`~matteditor.engines.choose_engine`'s choice, remembered for the same
        trimap array until the next ``predict`` (the pipeline asks before its preview,
        and ``predict`` again: on 12 MP the rule's erosion takes ~15 ms)."""
        from . import choose_engine

        if self._asked is None or self._asked[0] is not trimap:
            self._asked = (trimap, choose_engine(self._require_image(), trimap))
        return self._asked[1]

    def session(self, name: str) -> Engine:
        """The session of engine ``name`` on this photo (made on first use): on that
        engine's own default device, unless this one was made for another device and
        that engine can use it."""
        from . import create_engine, engine_class

        engine = self._sessions.get(name)
        if engine is None:
            devices = engine_class(name).devices()
            asked = self.device != type(self).devices()[0]
            device = self.device if asked and self.device in devices else devices[0]
            engine = self._sessions[name] = create_engine(name, device, self.options)
        if engine.image is not self._image:
            engine.set_image(self._image)
        return engine

    def _set_image(self, image: np.ndarray) -> None:
        self._last = None       # the sessions move to the photo when next used
        self._asked = None

    def _reset(self) -> None:
        for engine in self._sessions.values():
            engine.reset()
        self._last = None

    def _predict(self, trimap: np.ndarray, changed: Rect | None, progress: ProgressFn,
                 cancel: CancelToken) -> tuple[np.ndarray, bool]:
        name = self.engine_for(trimap)
        self._asked = None
        self._chosen = name
        engine = self.session(name)
        if name != self._last:
            changed = None      # that session's last answer was for an older trimap
        prediction = engine.predict(trimap, changed, progress=progress, cancel=cancel)
        self._last = name
        return prediction.alpha, prediction.exact

    def _refine(self, progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        engine = self._sessions[self._last]
        alpha = engine.refine(progress=progress, cancel=cancel)
        if alpha is None:       # already exact (cannot happen after a local answer)
            alpha = engine.predict(self._trimap, progress=progress, cancel=cancel).alpha
        return alpha
