"""Network engines: Deep Image Matting (``dim``) and its fusion variant
(``dim-fusion``, which also takes closed-form and KNN alphas as input).

Weights are the project's own (``resources/weights/``, see MODEL_CARD.md),
loaded from safetensors only.  Large photos are processed in overlapping
tiles over the unknown region (:class:`.tiled_network.TiledNetworkEngine`: one
tile in memory at a time, cancellation between tiles, running out of GPU memory
halves the tiles, then falls back to the CPU, with a notice).  On CUDA the
network runs in fp16; on the CPU in fp32.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from ..errors import WeightsError
from ..nn.fusion_inputs import classical_alphas
from ..nn.model import STRIDE, DIMNet
from ..nn.weights import load_weights, read_metadata
from ..paths import weights_dir
from .base import EngineOptions
from .tiled_network import TiledNetworkEngine


class _NetworkEngine(TiledNetworkEngine):
    """A :class:`DIMNet` behind the engine interface."""

    weights_name: ClassVar[str]
    fusion: ClassVar[int]
    # measured (resources/weights/MODEL_CARD.md): the CPU-trained weights lose to
    # closed-form on eval-dev and can leave holes where alpha should be 1
    note = "experimental: loses to closed-form (model card), may leave holes"
    stride = STRIDE

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

    def _move_to_cpu(self) -> None:
        self.model = self.model.float().to("cpu")
        self.half = False


class DIMEngine(_NetworkEngine):
    name = "dim"
    label = "Deep matting"
    description = "Deep Image Matting network trained by the project (resources/weights/dim)"
    weights_name = "dim.safetensors"
    fusion = 0


class DIMFusionEngine(_NetworkEngine):
    name = "dim-fusion"
    label = "Deep matting + classical"
    description = "Deep matting network refining closed-form and KNN alphas"
    weights_name = "dim-fusion.safetensors"
    fusion = 2
