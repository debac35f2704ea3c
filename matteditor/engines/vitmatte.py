"""ViTMatte (Yao et al. 2023), the pretrained trimap-matting network, as an engine.

The network and its pre-processing are transformers' own classes
(:class:`~matteditor.nn.pretrained.VitMatteRunner`); the weights are the authors',
downloaded by the user on first use (:mod:`matteditor.models`), never bundled.  Large
photos are solved in overlapping tiles around the unknown band
(:class:`.tiled_network.TiledNetworkEngine`), each padded to a multiple of 32, so
memory follows the tile, not the photo; progress and cancellation work between tiles.
In the editor the live preview comes from the fast classical engine and ViTMatte gives
the final answer (:mod:`matteditor.live`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..models import MODELS, installed, missing_message, model_spec, verified_dir
from ..models.registry import ModelSpec
from ..nn.pretrained import VitMatteRunner, transformers_available
from .base import EngineOptions
from .tiled_network import TiledNetworkEngine

#: Tile side per device, and the blended overlap (pixels).  ViTMatte's global-attention
#: blocks see a whole tile: a larger tile gives more context, but their cost grows with
#: the square of its tokens.  On this project's 2-core CPU a 2.5 MP photo with a 10% band
#: took 1.7x the CPU time and twice the peak memory with 1024-px tiles (docs/vitmatte.md):
#: 512 px, the crop size ViTMatte was trained on, on the CPU; 1024 px on CUDA, where
#: attention is cheap and memory ample.
TILE = {"cpu": 512, "cuda": 1024}
OVERLAP = 128


class _VitMatteEngine(TiledNetworkEngine):
    """ViTMatte from the installed model :attr:`model_name` (or ``model_dir``)."""

    def __init__(self, device: str = "cpu", options: EngineOptions = EngineOptions(), *,
                 model_dir: str | Path | None = None, tile: int | None = None,
                 overlap: int = OVERLAP) -> None:
        super().__init__(device, options)
        folder = Path(model_dir) if model_dir is not None else verified_dir(self.spec())
        self.runner = VitMatteRunner(folder, device)
        self.stride = self.runner.stride
        self.tile, self.overlap = tile or TILE.get(device, TILE["cpu"]), overlap

    @classmethod
    def spec(cls) -> ModelSpec:
        return model_spec(cls.model_name)

    @classmethod
    def available(cls) -> bool:
        return transformers_available() and installed(cls.spec())

    @classmethod
    def unavailable_reason(cls) -> str:
        if not transformers_available():
            return f"{cls.label} needs the 'transformers' package: pip install transformers"
        return missing_message(cls.spec())

    @property
    def half(self) -> bool:
        return self.runner.half

    def _predict_tile(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        return self.runner(image, trimap)

    def _move_to_cpu(self) -> None:
        self.runner.to_cpu()


def _describe(spec: ModelSpec) -> str:
    return (f"{spec.description}; downloaded on first use ({spec.summary}). "
            f"{spec.published}")


class VitMatteEngine(_VitMatteEngine):
    name = "vitmatte"
    label = MODELS["vitmatte"].label
    model_name = "vitmatte"
    description = _describe(MODELS["vitmatte"])


class VitMatteBaseEngine(_VitMatteEngine):
    name = "vitmatte-base"
    label = MODELS["vitmatte-base"].label
    model_name = "vitmatte-base"
    description = _describe(MODELS["vitmatte-base"])


__all__ = ["VitMatteEngine", "VitMatteBaseEngine", "TILE", "OVERLAP"]
