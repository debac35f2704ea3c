"""The base of engines that run a network over the unknown band in overlapping tiles
(:func:`matteditor.nn.windows.predict_tiled`): one tile in memory at a time, progress
and cancellation between tiles, and running out of GPU memory handled in one place
(halve the tiles, then fall back to the CPU, with a notice)."""

from __future__ import annotations

import abc
import logging
from typing import ClassVar

import numpy as np
import torch

from ..errors import EngineError
from ..geometry import Rect
from ..nn.windows import predict_tiled
from .base import Capabilities, CancelToken, Engine, ProgressFn

log = logging.getLogger(__name__)

MIN_TILE = 128  # smallest tile tried on the GPU before falling back to the CPU


class TiledNetworkEngine(Engine):
    """Subclasses set :attr:`tile`, :attr:`overlap` and :attr:`stride` and implement
    :meth:`_predict_tile` and :meth:`_move_to_cpu`."""

    # a network's answer on a reduced photo differs from its answer at full size, and
    # it answers whole: no preview, no local first answer, nothing reused
    capabilities: ClassVar[Capabilities] = Capabilities(local_first=False, preview=False)
    tile: int = 640
    overlap: int = 96
    stride: int = 32

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        return ("cuda", "cpu") if torch.cuda.is_available() else ("cpu",)

    @abc.abstractmethod
    def _predict_tile(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        """Alpha of one tile (float32 h x w x 3, uint8 h x w; h, w multiples of
        :attr:`stride`) -> float32 h x w."""

    @abc.abstractmethod
    def _move_to_cpu(self) -> None:
        """Move the network to the CPU in fp32."""

    def _predict(self, trimap: np.ndarray, changed: Rect | None, progress: ProgressFn,
                 cancel: CancelToken) -> tuple[np.ndarray, bool]:
        image = self._require_image()

        def on_tile(done: int, total: int) -> None:
            cancel.raise_if_cancelled()
            progress(done / max(total, 1), f"{self.label}: tile {done + 1} of {total}")

        while True:
            try:
                return predict_tiled(image, trimap, self._predict_tile, tile=self.tile,
                                     overlap=self.overlap, stride=self.stride,
                                     on_tile=on_tile), True
            except (torch.OutOfMemoryError, MemoryError):
                notice = self._shrink_after_oom()
                log.warning("%s", notice)
                progress(0.0, notice)

    def _shrink_after_oom(self) -> str:
        """After running out of memory: halve the tiles on the GPU, then move to the
        CPU (both stay in effect for later calls).  Returns the notice; raises
        EngineError when the CPU itself ran out."""
        if self.device != "cuda":
            raise EngineError(f"{self.label} ran out of memory on the {self.device}; "
                              "try a smaller image or another engine")
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        if self.tile > MIN_TILE:
            self.tile = max(MIN_TILE, self.tile // 2)
            return f"{self.label}: out of GPU memory, retrying with {self.tile}-pixel tiles"
        self._move_to_cpu()
        self.device = "cpu"
        return f"{self.label}: out of GPU memory even with small tiles; running on the CPU"
