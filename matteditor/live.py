"""The live-matte pipeline: from a trimap revision to the results the editor shows.

No Qt here: the editor's solver thread is a thin adapter around
:class:`LiveMatte`, and the benchmarks and the command line use it as it is.
For one request (a document revision, the region changed since the previous
request, an engine name) :meth:`LiveMatte.run` yields typed results, each
tagged with the revision it belongs to, in this order:

1. ``PREVIEW``: a solve of the photo reduced to ~320 px, upsampled edge-aware
   (large photos only; by the engine itself where it declares ``preview``, else, for
   the networks, by the fast classical engine);
2. ``LOCAL``: the stroke's surroundings solved at full resolution
   (``local_first`` engines, after an edit), then ``EXACT``: the exact alpha;
3. ``FOREGROUND``: the decontaminated foreground colours for that alpha,
   solved again only in the tiles where the alpha changed since the last ones
   (:class:`~matteditor.foreground.ForegroundSession`; cancelled between tiles,
   so the next stroke does not wait behind a whole photo's colours).

Cancellation is checked between the steps (and inside them by the engines).
The pipeline holds the sessions of one photo and one engine at a time (each
holds what it computed from the photo: 144 MB and more at 12 MP), made on first
use; a new photo or another engine forgets the others.  It remembers for each
session which region changed since it last answered, so a cancelled request's
edits are not lost to the next one.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .engines import Engine, EngineOptions, create_engine, fallback_engine_name
from .engines.base import CancelToken, ProgressFn, no_progress
from .engines.memory import solving_engine
from .errors import TrimapError
from .foreground import ForegroundSession
from .geometry import Rect
from .preview import PreviewSolver

log = logging.getLogger(__name__)

#: The editor's options for the pipeline.  Engines that can (fast-cf, information-flow)
#: first solve a stroke's surroundings only, this far around it, show that, then refine
#: the whole band (see SolveSession).
INTERACTIVE_MARGIN = 64
#: The editor holds the photo, its layers and undo history besides the solver: a band
#: whose direct solve would need more than this (CHOLMOD's predicted factor, 12 bytes an
#: entry: about what the whole solve adds) is solved iteratively.  12 MP with a 10% band
#: needs 2053 MB; the session then peaks at ~2.9 GB (benchmarks/speed.py), within the
#: 3 GB the editor is allowed.
EDITOR_MEMORY_MB = 2200
EDITOR_OPTIONS = EngineOptions(local_margin=INTERACTIVE_MARGIN, memory_mb=EDITOR_MEMORY_MB)

#: engine factory: (name, options) -> a new engine session
EngineFactory = Callable[[str, EngineOptions], Engine]

#: shares of the progress bar taken by each step
_PREVIEW_END, _ALPHA_END, _REFINE_END = 0.15, 0.9, 0.92


def registry_factory(name: str, options: EngineOptions) -> Engine:
    """Engines from the registry, on their best device."""
    return create_engine(name, options=options)


class ResultKind(enum.Enum):
    PREVIEW = "preview"          # full-size alpha from a reduced solve
    LOCAL = "local"              # full resolution, solved around the edit only
    EXACT = "exact"              # full resolution, the engine's answer
    FOREGROUND = "foreground"    # the exact alpha with foreground colours


@dataclass(frozen=True, eq=False)
class LiveRequest:
    """One solve of the document's trimap at ``revision``.

    trimap: uint8 H x W, a private copy.  changed: the region changed since the
    previous request (None: unknown, e.g. the first request of a photo).
    """

    revision: int
    trimap: np.ndarray
    changed: Rect | None
    engine: str
    preview: bool = True
    foreground: bool = True


@dataclass(frozen=True, eq=False)
class LiveResult:
    """alpha: float32 H x W in [0, 1]; foreground: float32 H x W x 3 (FOREGROUND only)."""

    kind: ResultKind
    revision: int
    alpha: np.ndarray
    foreground: np.ndarray | None = None
    seconds: float = 0.0         # since the request started
    engine: str = ""             # the engine that answered (``auto`` names its choice)

    @property
    def final(self) -> bool:
        """Whether this alpha is the engine's exact answer (not a preview or local one)."""
        return self.kind in (ResultKind.EXACT, ResultKind.FOREGROUND)


class _Changes:
    """The region changed since a consumer (an engine session) last answered."""

    def __init__(self) -> None:
        self._since: dict[str, Rect | None] = {}

    def add(self, changed: Rect | None) -> None:
        for key, rect in self._since.items():
            self._since[key] = None if changed is None or rect is None else rect.union(changed)

    def since(self, key: str) -> Rect | None:
        return self._since.get(key)

    def answered(self, key: str) -> None:
        self._since[key] = Rect(0, 0, 0, 0)

    def forget(self, key: str) -> None:
        """The consumer starts afresh: nothing is known about its last answer."""
        self._since.pop(key, None)


class LiveMatte:
    """The live matte of one photo at a time (not thread-safe: one worker owns it).

    Args:
        factory: makes an engine session from a name and options.
        preview_side: long side of the reduced preview solve.
        options: given to the full-resolution sessions (the preview's solve
            whole and exactly).
    """

    def __init__(self, factory: EngineFactory = registry_factory, preview_side: int = 320,
                 options: EngineOptions = EngineOptions()) -> None:
        self.factory = factory
        self.preview_side = preview_side
        self.options = options
        self._image: np.ndarray | None = None
        self._engine_name: str | None = None
        self._engines: dict[str, Engine] = {}
        self._previews: dict[str, PreviewSolver] = {}
        self._foreground: ForegroundSession | None = None
        self._changes = _Changes()

    @property
    def image(self) -> np.ndarray | None:
        return self._image

    @property
    def sessions(self) -> int:
        """How many engine sessions (full size and preview) are held now."""
        return len(self._engines) + len(self._previews)

    def set_image(self, image: np.ndarray) -> None:
        """Start on a new photo (float32 H x W x 3; the caller never changes it in
        place): the sessions of the previous one are forgotten (their memory freed)."""
        self._image = image
        self._engines.clear()
        self._previews.clear()
        self._foreground = None
        self._changes = _Changes()

    def set_engine(self, name: str) -> None:
        """Answer with engine ``name`` from now on: the other engines' sessions are
        forgotten (:meth:`run` calls it when a request names another engine)."""
        if name == self._engine_name:
            return
        self._engine_name = name
        self._engines = {k: v for k, v in self._engines.items() if k == name}
        for key in list(self._previews):
            self._changes.forget(f"preview:{key}")
        self._previews.clear()

    def engine(self, name: str) -> Engine:
        """The full-resolution session of engine ``name`` on the current photo."""
        self.set_engine(name)
        engine = self._engines.get(name)
        if engine is None:
            engine = self._engines[name] = self.factory(name, self.options)
        if engine.image is not self._image:
            engine.set_image(self._image)
            self._changes.forget(f"full:{name}")
        return engine

    def _preview(self, name: str) -> PreviewSolver:
        solver = self._previews.get(name)
        if solver is None:
            solver = self._previews[name] = PreviewSolver(self.factory(name, EngineOptions()),
                                                          self.preview_side)
        if solver.image is not self._image:
            solver.set_image(self._image)
            self._changes.forget(f"preview:{name}")
        return solver

    def run(self, request: LiveRequest, progress: ProgressFn = no_progress,
            cancel: CancelToken | None = None) -> Iterator[LiveResult]:
        """Yield the results for ``request`` (see the module's docstring).

        Raises Cancelled when ``cancel`` is set, and the engines' errors.
        """
        if self._image is None:
            raise TrimapError("no photo to matte")
        cancel = cancel or CancelToken()
        start = time.perf_counter()
        self._changes.add(request.changed)

        def result(kind: ResultKind, alpha: np.ndarray, by: str,
                   fg: np.ndarray | None = None) -> LiveResult:
            seconds = time.perf_counter() - start
            log.info("%s alpha for revision %d in %.2f s (%s)", kind.value, request.revision,
                     seconds, by)
            return LiveResult(kind, request.revision, alpha, fg, seconds, by)

        engine = self.engine(request.engine)
        image, trimap = self._image, request.trimap
        if request.preview and PreviewSolver.worthwhile(image, self.preview_side):
            # the preview is solved by the engine that will answer (auto's choice for this
            # trimap at full size, before narrowing its band: on the reduced photo it might
            # choose another); an engine whose reduced answer would mislead (a network) is
            # previewed by the fast classical engine, and gives the final answer itself
            name = (solving_engine(engine, image, trimap, preview=True)
                    if engine.capabilities.preview else fallback_engine_name())
            alpha = self._run_preview(request, name, scaled(progress, 0.0, _PREVIEW_END),
                                      cancel)
            if alpha is not None:
                yield result(ResultKind.PREVIEW, alpha, name)
        key = f"full:{request.engine}"
        prediction = engine.predict(trimap, self._changes.since(key),
                                    progress=scaled(progress, _PREVIEW_END, _ALPHA_END),
                                    cancel=cancel)
        self._changes.answered(key)
        alpha = prediction.alpha
        if not prediction.exact:
            yield result(ResultKind.LOCAL, alpha, prediction.engine)
            alpha = engine.refine(progress=scaled(progress, _ALPHA_END, _REFINE_END), cancel=cancel)
        yield result(ResultKind.EXACT, alpha, prediction.engine)
        if request.foreground:
            progress(_REFINE_END, "estimating foreground colours")
            if self._foreground is None:
                self._foreground = ForegroundSession(image)
            fg = self._foreground.update(alpha, cancel)
            yield result(ResultKind.FOREGROUND, alpha, prediction.engine, fg)

    def _run_preview(self, request: LiveRequest, name: str, progress: ProgressFn,
                     cancel: CancelToken) -> np.ndarray | None:
        key = f"preview:{name}"
        solver = self._preview(name)
        try:
            alpha = solver.solve(request.trimap, self._changes.since(key), progress=progress,
                                 cancel=cancel)
        except TrimapError as e:   # e.g. scribbles too thin to survive the reduction
            log.debug("no preview: %s", e)
            solver.forget()
            self._changes.forget(key)
            return None
        self._changes.answered(key)
        return alpha


def scaled(progress: ProgressFn, lo: float, hi: float) -> ProgressFn:
    """``progress`` with fractions mapped from [0, 1] to [lo, hi]."""
    return lambda fraction, message: progress(lo + (hi - lo) * float(fraction), message)


def matte_once(engine: Engine, image: np.ndarray, trimap: np.ndarray, *, foreground: bool = True,
               progress: ProgressFn = no_progress, cancel: CancelToken | None = None
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """The pipeline's final answer for one photo, without a preview: (alpha float32
    H x W, foreground colours float32 H x W x 3 or None when not asked for).  The
    command line's ``matte`` and the cluster's workers use it, with one engine
    session kept for all their frames."""
    live = LiveMatte(lambda name, options: engine)
    live.set_image(image)
    request = LiveRequest(0, trimap, None, engine.name, preview=False, foreground=foreground)
    alpha, colours = None, None
    for result in live.run(request, progress, cancel):
        alpha, colours = result.alpha, result.foreground
    return alpha, colours
