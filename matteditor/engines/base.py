"""The one small interface every alpha estimator implements: a predictor session.

Modelled on segment-anything's predictor.  An :class:`Engine` is a session on
one photo:

- :meth:`Engine.set_image` does what depends on the photo alone (features,
  neighbour structures, weights on the device) once;
- :meth:`Engine.predict` answers a trimap, told which region changed since the
  previous answer so an incremental engine redoes only that; an engine that
  declares ``local_first`` may answer a stroke with a quick local solve first
  (``Prediction.exact`` False), and :meth:`Engine.refine` then gives the exact
  alpha;
- :meth:`Engine.reset` forgets the previous answers (the photo stays).

:meth:`Engine.estimate` is the one-shot convenience on top (set the image if it
is another one, predict exactly).  What an engine can do is declared in its
:attr:`Engine.capabilities`, never probed.  Engines are not thread-safe: one
worker thread owns a session.  Progress goes through a callback, and a
:class:`CancelToken` is checked between steps (raising
:class:`~matteditor.errors.Cancelled`).
"""

from __future__ import annotations

import abc
import threading
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

from ..errors import Cancelled, EngineError, TrimapError
from ..geometry import Rect
from ..solvers.infoflow.settings import InfoFlowSettings
from ..solvers.scribbles import ScribbleSettings
from ..solvers.settings import CFSettings
from ..trimap import FOREGROUND, UNKNOWN, check_trimap, clamp_to_trimap

#: progress(fraction in [0, 1], short message)
ProgressFn = Callable[[float, str], None]


class CancelToken:
    """Thread-safe flag checked by engines between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")


def no_progress(fraction: float, message: str) -> None:
    """A :data:`ProgressFn` that reports nowhere."""


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do, declared by its class.

    local_first: given a changed region, ``predict`` may answer with a quick
        solve around it (``Prediction.exact`` False) and ``refine`` then gives
        the exact alpha.
    preview: a solve of the photo reduced to a few hundred pixels is much
        quicker and close to the full answer, so the editor shows one first
        (not so for a network, whose answer at another scale differs).
    """

    local_first: bool = False
    preview: bool = True


@dataclass(frozen=True)
class EngineOptions:
    """How the caller wants an engine to run (the same type for every engine;
    an engine ignores what does not apply to it).

    local_margin: for ``local_first`` engines, how far around a changed region
        the quick first answer is solved (pixels); None: every answer exact.
    memory_mb: budget for an engine's largest allocation (e.g. a direct
        solver's factor); None: the engine's own default.
    closed_form: the closed-form solver's settings (fast-cf, and ``auto`` when it
        chooses fast-cf).
    information_flow: information-flow matting's settings (information-flow, and
        ``auto`` when it chooses it).
    scribbles: how fast-cf solves a mostly-unknown trimap coarse to fine; None:
        every trimap is solved exactly as it is.
    """

    local_margin: int | None = None
    memory_mb: int | None = None
    closed_form: CFSettings = CFSettings()
    information_flow: InfoFlowSettings = InfoFlowSettings()
    scribbles: ScribbleSettings | None = ScribbleSettings()

    def __post_init__(self) -> None:
        if self.local_margin is not None and self.local_margin < 0:
            raise ValueError(f"local_margin must be >= 0, got {self.local_margin}")
        if self.memory_mb is not None and self.memory_mb <= 0:
            raise ValueError(f"memory_mb must be positive, got {self.memory_mb}")


@dataclass(frozen=True)
class EngineInfo:
    name: str          # registry key, used on the command line
    label: str         # shown in the editor
    description: str
    devices: tuple[str, ...]
    capabilities: Capabilities
    note: str = ""     # a caveat shown beside the name (e.g. measured to lose to another)
    model: str = ""    # the downloadable model it needs (matteditor.models), "" for none


@dataclass(frozen=True)
class Prediction:
    """An engine's answer: float32 H x W alpha in [0, 1], exact 0/1 where the
    trimap is known; ``exact`` False for a local first answer (see ``refine``);
    ``engine``: the name of the engine that answered (``auto`` runs another one)."""

    alpha: np.ndarray
    exact: bool = True
    engine: str = ""


class Engine(abc.ABC):
    """Base class of alpha estimators (a session on one photo).

    Subclasses implement :meth:`_predict` and, where they cache work of the
    photo, :meth:`_set_image` / :meth:`_reset`; ``local_first`` engines also
    :meth:`_refine`.  The public methods check inputs, handle the trivial
    trimaps and force the known regions to be exact in every answer.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    note: ClassVar[str] = ""
    capabilities: ClassVar[Capabilities] = Capabilities()
    #: the downloadable model (:mod:`matteditor.models`) the engine needs, "" for none
    model_name: ClassVar[str] = ""
    #: True for an engine that runs others (``auto``): made with ``device=None`` it
    #: leaves each of them on its own default device
    device_per_engine: ClassVar[bool] = False

    def __init__(self, device: str = "cpu", options: EngineOptions = EngineOptions()) -> None:
        if device not in self.devices():
            raise ValueError(f"engine {self.name!r} cannot run on {device!r}; "
                             f"it supports {', '.join(self.devices())}")
        self.device = device
        self.options = options
        self._image: np.ndarray | None = None    # float32, contiguous: what engines use
        self._given: np.ndarray | None = None    # the array the caller gave
        self._trimap: np.ndarray | None = None   # of the last answer not yet refined
        self._answered_by = self.name

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        """Devices this engine can use on this machine, best first."""
        return ("cpu",)

    @classmethod
    def available(cls) -> bool:
        """False if something it needs (weights, a library) is missing here."""
        return True

    @classmethod
    def unavailable_reason(cls) -> str:
        """Why :meth:`available` is False, and what to do about it (one line)."""
        return f"engine {cls.name!r} is not available here (missing weights?)"

    @classmethod
    def info(cls) -> EngineInfo:
        return EngineInfo(cls.name, cls.label, cls.description, cls.devices(),
                          cls.capabilities, cls.note, cls.model_name)

    # -- the session ---------------------------------------------------------
    @property
    def answered_by(self) -> str:
        """The engine of the last :meth:`predict`'s :class:`Prediction` (its ``engine``)."""
        return self._answered_by

    @property
    def image(self) -> np.ndarray | None:
        """The photo given to :meth:`set_image`, the very array (None before): callers
        recognise their photo by identity."""
        return self._given

    def set_image(self, image: np.ndarray) -> None:
        """Start a session on ``image`` (float32 H x W x 3 sRGB in [0, 1]; kept,
        not copied: the caller never changes it in place)."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise TrimapError(f"image must be H x W x 3, got shape {image.shape}")
        self._given = image
        image = np.ascontiguousarray(image, dtype=np.float32)
        self._image = image
        self._trimap = None
        self._set_image(image)

    def reset(self) -> None:
        """Forget the previous answers (the photo and what was computed from it stay)."""
        self._trimap = None
        self._reset()

    def predict(self, trimap: np.ndarray, changed: Rect | None = None, *,
                progress: ProgressFn = no_progress,
                cancel: CancelToken | None = None) -> Prediction:
        """Alpha for ``trimap`` (uint8 H x W in {0, 128, 255}) on the session's photo.

        Args:
            changed: the region where the trimap differs from the previous
                ``predict``'s (None: unknown, or the first answer).  With it a
                ``local_first`` engine may answer locally (``exact`` False).
            progress: called with (fraction, message) now and then.
            cancel: checked between steps; when set, raises Cancelled and the
                session keeps its previous state.
        """
        image = self._require_image()
        check_trimap(trimap, image.shape[:2])
        if not (trimap != UNKNOWN).any():
            raise TrimapError("the trimap has no foreground or background pixels; "
                              "paint at least one of each")
        cancel = cancel or CancelToken()
        cancel.raise_if_cancelled()
        if not (trimap == UNKNOWN).any():
            self.reset()   # an incremental engine's last answer is no longer the previous one
            progress(1.0, "nothing unknown")
            self._answered_by = self.name
            return Prediction((trimap == FOREGROUND).astype(np.float32), True, self.name)
        local = (changed is not None and self.capabilities.local_first
                 and self.options.local_margin is not None)
        answer = self._predict(trimap, changed if local else None, progress, cancel)
        if isinstance(answer, Prediction):      # another engine's, which it names
            alpha, exact, by = answer.alpha, answer.exact, answer.engine
        else:
            (alpha, exact), by = answer, self.name
        self._trimap = None if exact else trimap.copy()
        self._answered_by = by
        progress(1.0, "done")
        return Prediction(clamp_to_trimap(np.clip(alpha, 0.0, 1.0), trimap), exact, by)

    def refine(self, *, progress: ProgressFn = no_progress,
               cancel: CancelToken | None = None) -> np.ndarray | None:
        """The exact alpha of the last :meth:`predict` when that answer was local
        (float32 H x W), else None."""
        trimap = self._trimap
        if trimap is None:
            return None
        cancel = cancel or CancelToken()
        alpha = self._refine(progress, cancel)
        self._trimap = None
        progress(1.0, "refined")
        return clamp_to_trimap(np.clip(alpha, 0.0, 1.0), trimap)

    def estimate(self, image: np.ndarray, trimap: np.ndarray, *,
                 progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None) -> np.ndarray:
        """One-shot: the exact alpha of ``trimap`` on ``image`` (float32 H x W in
        [0, 1], exactly 0/1 where the trimap is known).  The photo's session work
        is kept while the same array comes again."""
        if image is not self._given:
            self.set_image(image)
        return self.predict(trimap, None, progress=progress or no_progress,
                            cancel=cancel).alpha

    def _hook(self, progress: ProgressFn, cancel: CancelToken, message: str
              ) -> Callable[[float], None]:
        """A solver's ``hook(fraction)``: checks ``cancel`` and reports progress as
        "<label>: <message>" (below 1: the caller says when it is done)."""
        def hook(fraction: float) -> None:
            cancel.raise_if_cancelled()
            progress(min(0.99, fraction), f"{self.label}: {message}")
        return hook

    def _require_image(self) -> np.ndarray:
        if self._image is None:
            raise EngineError(f"{self.label}: no photo set; call set_image() first")
        return self._image

    # -- what subclasses implement --------------------------------------------
    def _set_image(self, image: np.ndarray) -> None:
        """Compute what depends on the photo alone (default: nothing)."""

    def _reset(self) -> None:
        """Forget cached answers (default: nothing cached)."""

    @abc.abstractmethod
    def _predict(self, trimap: np.ndarray, changed: Rect | None, progress: ProgressFn,
                 cancel: CancelToken) -> tuple[np.ndarray, bool] | Prediction:
        """Inputs are checked and some pixels are unknown; return (float H x W
        alpha, exact), or the :class:`Prediction` of another engine it ran (which
        names that engine).  ``changed`` is None unless a local answer is allowed.
        Clamping is done by the caller."""

    def _refine(self, progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        """The exact alpha after a local answer (only ``local_first`` engines give one)."""
        raise EngineError(f"{self.label} gives no local answers to refine")
