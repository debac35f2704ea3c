"""Segment Anything (Kirillov et al. 2023) as a predictor-style session.

:class:`SamSession` holds transformers' own ``SamModel`` and its image processor,
loaded from an installed model folder (:mod:`matteditor.models`; safetensors only,
local files only).  :meth:`SamSession.set_image` runs the costly image encoder once per
photo and keeps the embedding; :meth:`SamSession.predict` then answers a box, positive
and negative clicks, or both, with only the prompt encoder and the small mask decoder
(0.8 s a prompt on a 2-core CPU, docs/sam.md).  transformers is imported on first use, not by this package.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import MatteError, ModelError
from ..models import installed, missing_message, model_spec, verified_dir
from ..nn.pretrained import transformers_available

log = logging.getLogger(__name__)

#: the SAM models on offer, the preferred first (SlimSAM: a tenth of the encoder's cost)
SAM_MODELS = ("slimsam", "sam")


@dataclass(frozen=True)
class Prompt:
    """What the user gave, in full-resolution image pixels.

    box: (x0, y0, x1, y1) around the object, or None.
    points: clicks on the object, (x, y) each.
    negative: clicks on what is not the object.
    """

    box: tuple[float, float, float, float] | None = None
    points: tuple[tuple[float, float], ...] = ()
    negative: tuple[tuple[float, float], ...] = ()

    @property
    def empty(self) -> bool:
        return self.box is None and not self.points and not self.negative


@dataclass(frozen=True, eq=False)
class Segmentation:
    """SAM's answer: ``mask`` bool H x W (True = object), ``score`` its predicted IoU
    (about 0..1), ``logits`` float32 H x W (> 0 inside; soft edge for the trimap)."""

    mask: np.ndarray
    score: float
    logits: np.ndarray = field(repr=False)


def installed_sam() -> str | None:
    """The name of an installed SAM model (SlimSAM first), or None."""
    if not transformers_available():
        return None
    for name in SAM_MODELS:
        if installed(model_spec(name)):
            return name
    return None


def sam_missing_message() -> str:
    """One line: how to install a SAM model."""
    if not transformers_available():
        return "Segment Anything needs the 'transformers' package: pip install transformers"
    return missing_message(model_spec("slimsam")).replace(
        "download it with", "download it (or 'sam', SAM ViT-B) with")


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class SamSession:
    """One SAM model on one device and the embedding of the current photo.

    Args:
        model: a registry name ("slimsam", "sam"); None picks the installed one.
        model_dir: an installed model folder to load instead (tests, benchmarks).
        device: "cpu" or "cuda"; None: CUDA when present.
    """

    def __init__(self, model: str | None = None, *, model_dir: str | Path | None = None,
                 device: str | None = None) -> None:
        if not transformers_available():
            raise ModelError(sam_missing_message())
        if model_dir is None:
            model = model or installed_sam()
            if model is None:
                raise ModelError(sam_missing_message())
            model_dir = verified_dir(model_spec(model))
        self.name = model or "sam"
        import torch
        from transformers import SamImageProcessorPil, SamModel, SamProcessor
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        folder = Path(model_dir)
        try:
            self.model = SamModel.from_pretrained(str(folder), use_safetensors=True,
                                                  local_files_only=True)
            if (folder / "preprocessor_config.json").is_file():
                images = SamImageProcessorPil.from_pretrained(str(folder))
            else:
                images = SamImageProcessorPil()
        except (OSError, ValueError, RuntimeError, KeyError) as e:
            raise ModelError(f"cannot load the Segment Anything model in {folder}: "
                             f"{' '.join(str(e).split())[:300]}") from None
        self.processor = SamProcessor(images)
        self.device = device or _default_device()
        self.model.eval().to(self.device)
        self._torch = torch
        self._embedding = None
        self._sizes: tuple[tuple[int, int], tuple[int, int]] | None = None
        self.embeddings_computed = 0   # how many times the image encoder ran

    # -- the photo -----------------------------------------------------------------
    def set_image(self, image: np.ndarray) -> None:
        """Encode ``image`` (float32 H x W x 3 RGB in [0, 1], or uint8) once; later
        prompts reuse the embedding."""
        if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < 1:
            raise MatteError(f"Segment Anything needs an H x W x 3 RGB image, got shape "
                             f"{image.shape}")
        if image.dtype != np.uint8:
            image = np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
        inputs = self.processor(images=image, return_tensors="pt")
        with self._torch.inference_mode():
            self._embedding = self.model.get_image_embeddings(
                inputs["pixel_values"].to(self.device))
        original = tuple(int(v) for v in inputs["original_sizes"][0])
        reshaped = tuple(int(v) for v in inputs["reshaped_input_sizes"][0])
        self._sizes = (original, reshaped)
        self.embeddings_computed += 1

    @property
    def has_image(self) -> bool:
        return self._embedding is not None

    def reset(self) -> None:
        """Forget the photo's embedding."""
        self._embedding, self._sizes = None, None

    # -- prompts -------------------------------------------------------------------
    def _scale(self) -> np.ndarray:
        (h, w), (rh, rw) = self._sizes
        return np.array([rw / w, rh / h], np.float32)

    def _check(self) -> None:
        if self._embedding is None:
            raise MatteError("Segment Anything has no photo: call set_image first")

    def predict(self, prompt: Prompt, *, multimask: bool | None = None) -> Segmentation:
        """The object ``prompt`` points at: the best-scored of SAM's masks.

        multimask: ask for SAM's three candidate masks (the default for a single click,
        which is ambiguous) or one; the best-scored is returned.
        """
        self._check()
        if prompt.empty:
            raise MatteError("Segment Anything needs a box or at least one click")
        torch = self._torch
        scale = self._scale()
        kwargs = {}
        clicks = [(p, 1) for p in prompt.points] + [(p, 0) for p in prompt.negative]
        if clicks:
            xy = np.array([p for p, _ in clicks], np.float32) * scale
            labels = np.array([lab for _, lab in clicks], np.int64)
            kwargs["input_points"] = torch.from_numpy(xy)[None, None].to(self.device)
            kwargs["input_labels"] = torch.from_numpy(labels)[None, None].to(self.device)
        if prompt.box is not None:
            box = np.array(prompt.box, np.float32) * np.tile(scale, 2)
            kwargs["input_boxes"] = torch.from_numpy(box)[None, None].to(self.device)
        if multimask is None:
            multimask = prompt.box is None and len(clicks) == 1
        with torch.inference_mode():
            out = self.model(image_embeddings=self._embedding, multimask_output=multimask,
                             **kwargs)
        scores = out.iou_scores[0, 0].float().cpu().numpy()
        best = int(np.argmax(scores))
        logits = self._upscale(out.pred_masks[0, 0, best])
        return Segmentation(logits > 0, float(scores[best]), logits)

    def predict_points(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each of ``points`` (float N x 2, image pixels) alone as a positive click, in
        one batch: low-resolution logits float32 N x 3 x h x w and scores N x 3."""
        self._check()
        torch = self._torch
        xy = torch.from_numpy(np.asarray(points, np.float32) * self._scale())
        with torch.inference_mode():
            out = self.model(image_embeddings=self._embedding, multimask_output=True,
                             input_points=xy[None, :, None].to(self.device),
                             input_labels=torch.ones(1, len(xy), 1, dtype=torch.long,
                                                     device=self.device))
        return (out.pred_masks[0].float().cpu().numpy(),
                out.iou_scores[0].float().cpu().numpy())

    def predict_box(self, box: tuple[float, float, float, float]
                    ) -> tuple[np.ndarray, np.ndarray]:
        """The three candidate masks of a box: low-resolution logits 3 x h x w, scores 3."""
        self._check()
        torch = self._torch
        b = torch.from_numpy(np.array(box, np.float32) * np.tile(self._scale(), 2))
        with torch.inference_mode():
            out = self.model(image_embeddings=self._embedding, multimask_output=True,
                             input_boxes=b[None, None].to(self.device))
        return out.pred_masks[0, 0].float().cpu().numpy(), out.iou_scores[0, 0].float().cpu().numpy()

    def crop_low(self, low: np.ndarray) -> np.ndarray:
        """The part of low-resolution masks (... x h x w) that covers the photo (SAM pads
        the resized photo at the bottom and right)."""
        self._check()
        _, (rh, rw) = self._sizes
        pad = self.processor.image_processor.pad_size
        h, w = low.shape[-2:]
        return low[..., :max(1, round(rh * h / pad["height"])),
                   :max(1, round(rw * w / pad["width"]))]

    def upscale(self, low: np.ndarray) -> np.ndarray:
        """Low-resolution logits (h x w, from the predict_* methods) to the photo's size:
        float32 H x W, > 0 inside."""
        self._check()
        return self._upscale(self._torch.from_numpy(np.ascontiguousarray(low, np.float32)))

    def _upscale(self, low) -> np.ndarray:
        """One h x w tensor of logits -> float32 H x W (the processor's own resize:
        to the padded input, crop the padding, to the photo)."""
        original, reshaped = self._sizes
        masks = self.processor.post_process_masks(
            low.reshape(1, 1, 1, *low.shape[-2:]).float().cpu(), [original], [reshaped],
            binarize=False)
        return masks[0][0, 0].numpy().astype(np.float32)
