"""The default engine: for each trimap, the engine measured best for it.

:class:`AutoEngine` is a session like any other.  It first narrows a wide band
(:func:`matteditor.engines.policy.narrowed_trimap`: the band's pure pixels labelled
from this photo's own known regions, :mod:`matteditor.solvers.narrowing`), asks
:func:`matteditor.engines.policy.choose_engine` which engine serves that trimap
(information-flow for bands up to the size measured, the fallback for
larger bands and scribbles) and keeps one session of each engine it used, so a
stroke that keeps the choice is answered incrementally (locally first, then
exactly) by the same session, and one that changes it starts that engine's
session afresh.  An exact answer for a narrowed band is solved once more on the
trimap :func:`~matteditor.solvers.narrowing.relabel_solved` makes of it (solve, then
relabel: the pure pixels next to the transition labelled where the solve and the colour
agree; on by default, :data:`~matteditor.engines.policy.NARROWING`), in a second set
of sessions, so the first set's state stays that of the narrowed trimap and a stroke is
still answered locally first (a local answer is the first solve's); the second set
reuses the solves of the bands a stroke did not change, as every session does.  It is an engine
rather than a rule in each caller so that the command line, the batch cluster, the
editor and project files all say "auto" and get the same choice.  Its answers are for
the caller's trimap: the known pixels the caller gave stay exact, and a pixel the
narrowing (or the relabelling) labelled is 0 or 1.
"""

from __future__ import annotations

import numpy as np

from ..geometry import Rect
from ..solvers.narrowing import NarrowingSettings, relabel_solved
from . import policy
from .base import Capabilities, CancelToken, Engine, EngineOptions, Prediction, ProgressFn
from .policy import choose_engine, fallback_engine_name, narrowed_trimap
from .registry import create_engine, engine_class


class AutoEngine(Engine):
    name = "auto"
    label = "Automatic"
    description = ("Picks per trimap: information-flow matting for unknown bands up to "
                   "1.25 M pixels (measured best on eval-dev), fast closed-form for larger "
                   "bands and for scribbles (a few strokes, the rest unknown); a wide band's "
                   "pure pixels are labelled from the photo's known regions first")
    capabilities = Capabilities(local_first=True, preview=True)

    #: ``device=None`` means each engine's own default device (see :meth:`session`)
    device_per_engine = True

    def __init__(self, device: str | None = None,
                 options: EngineOptions = EngineOptions()) -> None:
        super().__init__(device if device is not None else type(self).devices()[0], options)
        self.requested_device = device    # None: each engine on its own default
        self._sessions: dict[str, Engine] = {}
        self._last: str | None = None      # the engine of the last answer
        self._asked: tuple[np.ndarray, np.ndarray, str] | None = None   # the last plan
        self._solved: np.ndarray | None = None   # the trimap the last answer's engine solved
        #: sessions of the second solve (solve, then relabel), apart from ``_sessions``
        self._second: dict[str, Engine] = {}
        #: how a wide band is narrowed (None: the policy's :data:`~.policy.NARROWING`);
        #: ``NarrowingSettings(enabled=False)`` solves every trimap as given (the
        #: benchmarks' before/after)
        self.narrowing: NarrowingSettings | None = None

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        return engine_class(fallback_engine_name()).devices()

    def plan(self, trimap: np.ndarray) -> tuple[np.ndarray, str]:
        """The trimap the chosen engine solves (:func:`~matteditor.engines.policy.narrowed_trimap`:
        ``trimap`` itself unless its band is narrowed) and that engine
        (:func:`~matteditor.engines.choose_engine` on it), remembered for the same trimap
        array until the next ``predict`` (the pipeline asks before its preview, and
        ``predict`` again: on 12 MP the rule's erosion takes ~15 ms)."""
        if self._asked is None or self._asked[0] is not trimap:
            image = self._require_image()
            solved = narrowed_trimap(image, trimap, self.narrowing)
            self._asked = (trimap, solved, choose_engine(image, solved))
        return self._asked[1], self._asked[2]

    def engine_for(self, trimap: np.ndarray) -> str:
        """The engine that answers ``trimap`` (see :meth:`plan`)."""
        return self.plan(trimap)[1]

    def preview_engine_for(self, trimap: np.ndarray) -> str:
        """The engine that previews ``trimap``: the policy's choice for it as given.
        Narrowing a band takes 0.3-1.2 s at full size, more than the reduced preview solve
        itself, so the preview does not wait for it (the two choices differ only when the
        narrowing takes a band across the policy's size limit)."""
        if self._asked is not None and self._asked[0] is trimap:
            return self._asked[2]
        return choose_engine(self._require_image(), trimap)

    def session(self, name: str, second: bool = False) -> Engine:
        """The session of engine ``name`` on this photo (made on first use): on the
        device this one was made for when one was named (EngineError if that engine
        cannot use it), else on that engine's own default device.  ``second``: the one
        that solves the relabelled trimap (see the module's text)."""
        sessions = self._second if second else self._sessions
        engine = sessions.get(name)
        if engine is None:
            engine = sessions[name] = create_engine(name, self.requested_device, self.options)
        if engine.image is not self._image:
            engine.set_image(self._image)
        return engine

    def _set_image(self, image: np.ndarray) -> None:
        # the sessions of the previous photo are forgotten, not moved: one kept for an
        # engine the new photo never asks for would hold the old photo's data
        self._sessions.clear()
        self._second.clear()
        self._last = None
        self._asked = None
        self._solved = None

    def _reset(self) -> None:
        for engine in (*self._sessions.values(), *self._second.values()):
            engine.reset()
        self._last = None
        self._solved = None

    def _relabelled(self, trimap: np.ndarray, alpha: np.ndarray, progress: ProgressFn,
                    cancel: CancelToken) -> np.ndarray:
        """The exact ``alpha`` of ``self._solved`` (the caller's ``trimap`` narrowed), solved
        again on its relabelled trimap when :func:`relabel_solved` makes one (else
        ``alpha`` itself)."""
        image = self._require_image()
        settings = policy.NARROWING if self.narrowing is None else self.narrowing
        again = relabel_solved(image, trimap, self._solved, alpha, settings)
        if again is None:
            return alpha
        engine = self.session(choose_engine(image, again), second=True)
        return engine.predict(again, None, progress=progress, cancel=cancel).alpha

    def _predict(self, trimap: np.ndarray, changed: Rect | None, progress: ProgressFn,
                 cancel: CancelToken) -> Prediction:
        solved, name = self.plan(trimap)
        self._asked = None
        engine = self.session(name)
        if name != self._last or self._solved is None:
            changed = None      # that session's last answer was for an older trimap
        elif changed is not None:
            # the narrowing may relabel pixels far from the caller's change: the engine is
            # told where the trimap it solves changed
            changed = changed.union(Rect.of_diff(self._solved, solved))
        prediction = engine.predict(solved, changed, progress=progress, cancel=cancel)
        self._last, self._solved = name, solved
        if prediction.exact:
            return Prediction(self._relabelled(trimap, prediction.alpha, progress, cancel), True,
                              prediction.engine)
        return prediction       # names the engine that answered

    def _refine(self, progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        engine = self._sessions[self._last]
        alpha = engine.refine(progress=progress, cancel=cancel)
        if alpha is None:       # already exact (cannot happen after a local answer)
            alpha = engine.predict(self._solved, progress=progress, cancel=cancel).alpha
        # the caller's trimap of that local answer (kept by Engine.predict)
        return self._relabelled(self._trimap, alpha, progress, cancel)
