"""The one small interface every alpha estimator implements.

An :class:`Engine` turns (image, trimap) into alpha.  It reports progress
through a callback, checks a :class:`CancelToken` between steps (raising
:class:`~matteditor.errors.Cancelled`), and says which devices it can use.
Engines hold their costly state (weights) themselves and are not thread-safe:
one worker thread owns them.
"""

from __future__ import annotations

import abc
import threading
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

from ..errors import Cancelled, TrimapError
from ..trimap import check_trimap, clamp_to_trimap

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


def _no_progress(fraction: float, message: str) -> None:
    pass


@dataclass(frozen=True)
class EngineInfo:
    name: str          # registry key, used on the command line
    label: str         # shown in the editor
    description: str
    devices: tuple[str, ...]


class Engine(abc.ABC):
    """Base class of alpha estimators.

    Subclasses implement :meth:`_estimate`; :meth:`estimate` checks inputs,
    and forces the known trimap regions to be exact in the result.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, device: str = "cpu") -> None:
        if device not in self.devices():
            raise ValueError(f"engine {self.name!r} cannot run on {device!r}; "
                             f"it supports {', '.join(self.devices())}")
        self.device = device

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        """Devices this engine can use on this machine, best first."""
        return ("cpu",)

    @classmethod
    def available(cls) -> bool:
        """False if something it needs (weights, a library) is missing here."""
        return True

    @classmethod
    def info(cls) -> EngineInfo:
        return EngineInfo(cls.name, cls.label, cls.description, cls.devices())

    def estimate(self, image: np.ndarray, trimap: np.ndarray, *,
                 progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None) -> np.ndarray:
        """Estimate alpha.

        Args:
            image: float32 H x W x 3 sRGB in [0, 1].
            trimap: uint8 H x W in {0, 128, 255}.
            progress: called with (fraction, message) now and then.
            cancel: checked between steps; when set, raises Cancelled.
        Returns:
            float32 H x W in [0, 1], exactly 0/1 where the trimap is known.
        """
        if image.ndim != 3 or image.shape[2] != 3:
            raise TrimapError(f"image must be H x W x 3, got shape {image.shape}")
        check_trimap(trimap, image.shape[:2])
        if not (trimap != 128).any():
            raise TrimapError("the trimap has no foreground or background pixels; "
                              "paint at least one of each")
        cancel = cancel or CancelToken()
        progress = progress or _no_progress
        cancel.raise_if_cancelled()
        image = np.ascontiguousarray(image, dtype=np.float32)
        if not (trimap == 128).any():
            progress(1.0, "nothing unknown")
            return (trimap == 255).astype(np.float32)
        alpha = self._estimate(image, trimap, progress, cancel)
        progress(1.0, "done")
        return clamp_to_trimap(np.clip(alpha, 0.0, 1.0), trimap)

    @abc.abstractmethod
    def _estimate(self, image: np.ndarray, trimap: np.ndarray,
                  progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        """Inputs are checked; return float H x W (clamping is done by the caller)."""
