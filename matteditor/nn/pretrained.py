"""Pretrained networks from Hugging Face ``transformers``, loaded from an installed
model folder (:mod:`matteditor.models`): safetensors only, local files only.

transformers is imported here, on first use, not by the engines' registry: it takes
seconds to import and the classical path never needs it.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np
import torch

from ..errors import ModelError

log = logging.getLogger(__name__)


def transformers_available() -> bool:
    """Whether transformers is installed (without importing it)."""
    return importlib.util.find_spec("transformers") is not None


class VitMatteRunner:
    """transformers' ``VitMatteForImageMatting`` with its own image processor, on one
    device, answering one tile at a time.

    Args:
        folder: an installed model folder (``config.json``, ``model.safetensors``,
            optionally ``preprocessor_config.json``).
        device: "cpu" or "cuda"; on CUDA the network runs in fp16 until a tile's
            answer is not finite, then in fp32 from that tile on.
    """

    def __init__(self, folder: str | Path, device: str = "cpu") -> None:
        if not transformers_available():
            raise ModelError("ViTMatte needs the 'transformers' package: "
                             "pip install transformers")
        from transformers import VitMatteForImageMatting, VitMatteImageProcessorPil
        from transformers.utils import logging as transformers_logging

        # transformers draws a "Loading weights" bar on stderr; ours are the only progress
        # the command line and the editor show (idempotent, transformers' own switch)
        transformers_logging.disable_progress_bar()

        folder = Path(folder)
        try:
            # use_safetensors: never a pickle, even if one were put beside the weights
            self.model = VitMatteForImageMatting.from_pretrained(
                str(folder), use_safetensors=True, local_files_only=True)
        except (OSError, ValueError, RuntimeError, KeyError) as e:
            raise ModelError(f"cannot load the ViTMatte model in {folder}: "
                             f"{' '.join(str(e).split())[:300]}") from None
        if (folder / "preprocessor_config.json").is_file():
            # the PIL-backed class: the torchvision one needs a package we do not require
            self.processor = VitMatteImageProcessorPil.from_pretrained(str(folder))
        else:
            self.processor = VitMatteImageProcessorPil()
        self.stride = int(getattr(self.processor, "size_divisor", 32) or 32)
        self.model.eval().to(device)
        self.device = device
        self.half = device == "cuda"
        if self.half:
            self.model.half()

    def to_cpu(self) -> None:
        """Move to the CPU in fp32 (after the GPU ran out of memory)."""
        self.model = self.model.float().to("cpu")
        self.device, self.half = "cpu", False

    @torch.inference_mode()
    def __call__(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        """Alpha of one tile: image float32 h x w x 3 in [0, 1], trimap uint8 h x w in
        {0, 128, 255} (h, w multiples of :attr:`stride`) -> float32 h x w in [0, 1]."""
        inputs = self.processor(images=image, trimaps=trimap.astype(np.float32) / 255.0,
                                do_rescale=False, return_tensors="pt")
        pixels = inputs["pixel_values"].to(self.device)
        if self.half:
            alpha = self.model(pixel_values=pixels.half()).alphas.float()
            if torch.isfinite(alpha).all():
                return alpha[0, 0, :image.shape[0], :image.shape[1]].cpu().numpy()
            log.warning("ViTMatte: fp16 overflowed on this tile; running in fp32 from now on")
            self.model.float()
            self.half = False
        alpha = self.model(pixel_values=pixels.float()).alphas
        return alpha[0, 0, :image.shape[0], :image.shape[1]].float().cpu().numpy()
