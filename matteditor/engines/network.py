"""Network engines: Deep Image Matting (``dim``) and its fusion variant
(``dim-fusion``, which also takes closed-form and KNN alphas as input).

Weights are the project's own (``resources/weights/``, see MODEL_CARD.md),
loaded from safetensors only.  Large photos are processed in overlapping
tiles over the unknown region (:mod:`matteditor.nn.windows`), one tile in
memory at a time, with cancellation between tiles.  On CUDA the network runs
in fp16; on the CPU in fp32.  Running out of GPU memory halves the tiles, then
falls back to the CPU, with a notice (a logged warning and a progress message).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from ..errors import EngineError, WeightsError
from ..geometry import Rect
from ..nn.fusion_inputs import classical_alphas
from ..nn.model import STRIDE, DIMNet
from ..nn.windows import predict_tiled
from ..nn.weights import load_weights, read_metadata
from ..paths import weights_dir
from . import register
from .base import CancelToken, Engine, EngineOptions, ProgressFn

log = logging.getLogger(__name__)

MIN_TILE = 128  # smallest tile tried on the GPU before falling back to the CPU


class _NetworkEngine(Engine):
    """A :class:`DIMNet` behind the engine interface."""

    weights_name: ClassVar[str]
    fusion: ClassVar[int]
    # measured (resources/weights/MODEL_CARD.md): the CPU-trained weights lose to
    # closed-form on eval-dev and can leave holes where alpha should be 1
    note = "experimental: loses to closed-form (model card), may leave holes"

    def __init__(self, device: str = "cpu", options: EngineOptions = EngineOptions(),
                 weights: str | Path | None = None, tile: int = 640, overlap: int = 96) -> None:
        super().__init__(device, options)
        self.weights_path = Path(weights) if weights is not None else self.default_weights()
        self.tile, self.overlap = tile, overlap
        self.model: DIMNet = load_weights(self.weights_path, device)
        if self.model.config.fusion != self.fusion:
            raise WeightsError(f"{self.weights_path} holds a network with {self.model.config.fusion} "
                               f"classical inputs; engine {self.name!r} needs {self.fusion}")
        self.half = device == "cuda"
        if self.half:
            self.model.half()

    @classmethod
    def default_weights(cls) -> Path:
        return weights_dir() / cls.weights_name

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        return ("cuda", "cpu") if torch.cuda.is_available() else ("cpu",)

    @classmethod
    def available(cls) -> bool:
        try:
            meta = read_metadata(cls.default_weights())
        except WeightsError:
            return False
        return f'"fusion": {cls.fusion}' in meta.get("config", "")

    @torch.inference_mode()
    def _predict_tile(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        dtype = torch.float16 if self.half else torch.float32
        dev = torch.device(self.device)
        img = torch.from_numpy(image.transpose(2, 0, 1).copy())[None].to(dev, dtype)
        tri = torch.from_numpy((trimap.astype(np.float32) / 255.0).round(1))[None, None].to(dev, dtype)
        classical = None
        if self.fusion:
            c = classical_alphas(image, trimap, self.model.config.fusion_scale)
            classical = torch.from_numpy(c)[None].to(dev, dtype)
        _, refined = self.model(img, tri, classical)
        return refined[0, 0].float().cpu().numpy()

    def _predict(self, trimap: np.ndarray, changed: Rect | None, progress: ProgressFn,
                 cancel: CancelToken) -> tuple[np.ndarray, bool]:
        image = self._require_image()

        def on_tile(done: int, total: int) -> None:
            cancel.raise_if_cancelled()
            progress(done / max(total, 1), f"{self.label}: tile {done + 1} of {total}")

        while True:
            try:
                return predict_tiled(image, trimap, self._predict_tile, tile=self.tile,
                                     overlap=self.overlap, stride=STRIDE, on_tile=on_tile), True
            except (torch.OutOfMemoryError, MemoryError):
                notice = self._shrink_after_oom()
                log.warning("%s", notice)
                progress(0.0, notice)

    def _shrink_after_oom(self) -> str:
        """After running out of memory: halve the tiles on the GPU, then move to
        the CPU (both stay in effect for later calls).  Returns the notice;
        raises EngineError when the CPU itself ran out."""
        if self.device != "cuda":
            raise EngineError(f"{self.label} ran out of memory on the {self.device}; "
                              "try a smaller image or another engine")
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        if self.tile > MIN_TILE:
            self.tile = max(MIN_TILE, self.tile // 2)
            return f"{self.label}: out of GPU memory, retrying with {self.tile}-pixel tiles"
        self.model = self.model.float().to("cpu")
        self.device, self.half = "cpu", False
        return f"{self.label}: out of GPU memory even with small tiles; running on the CPU"


@register
class DIMEngine(_NetworkEngine):
    name = "dim"
    label = "Deep matting"
    description = "Deep Image Matting network trained by the project (resources/weights/dim)"
    weights_name = "dim.safetensors"
    fusion = 0


@register
class DIMFusionEngine(_NetworkEngine):
    name = "dim-fusion"
    label = "Deep matting + classical"
    description = "Deep matting network refining closed-form and KNN alphas"
    weights_name = "dim-fusion.safetensors"
    fusion = 2
