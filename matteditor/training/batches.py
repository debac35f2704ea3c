"""Samples to tensors, and the fixed validation set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..nn.fusion_inputs import classical_alphas
from ..trimap import UNKNOWN
from .dataset import AlphaSource, Sample, make_sample
from .photos import PhotoPool


@dataclass(frozen=True)
class Batch:
    """Tensors N x C x H x W: image/foreground/background C=3 in [0, 1];
    trimap C=1 in {0, 0.5, 1}; alpha C=1; mask C=1 (1 on unknown pixels);
    classical C=fusion or None."""

    image: torch.Tensor
    trimap: torch.Tensor
    alpha: torch.Tensor
    foreground: torch.Tensor
    background: torch.Tensor
    mask: torch.Tensor
    classical: torch.Tensor | None

    def to(self, device: str | torch.device) -> "Batch":
        return Batch(*(None if t is None else t.to(device, non_blocking=True)
                       for t in (self.image, self.trimap, self.alpha, self.foreground,
                                 self.background, self.mask, self.classical)))


def _chw(arrays: list[np.ndarray]) -> torch.Tensor:
    stacked = np.stack([a if a.ndim == 3 else a[..., None] for a in arrays])
    return torch.from_numpy(np.ascontiguousarray(stacked.transpose(0, 3, 1, 2), dtype=np.float32))


def collate(samples: list[Sample], fusion: int = 0, fusion_scale: int = 2) -> Batch:
    classical = None
    if fusion:
        classical = torch.from_numpy(np.stack(
            [classical_alphas(s.image, s.trimap, fusion_scale) for s in samples]))
    trimaps = [s.trimap for s in samples]
    return Batch(image=_chw([s.image for s in samples]),
                 trimap=_chw([t.astype(np.float32) / 255.0 for t in trimaps]).round(decimals=1),
                 alpha=_chw([s.alpha for s in samples]),
                 foreground=_chw([s.foreground for s in samples]),
                 background=_chw([s.background for s in samples]),
                 mask=_chw([(t == UNKNOWN).astype(np.float32) for t in trimaps]),
                 classical=classical)


def validation_batches(source: AlphaSource, backgrounds: PhotoPool, count: int, crop: int,
                       batch: int, fusion: int, fusion_scale: int, seed: int = 12345,
                       max_band: int = 25) -> list[Batch]:
    """A fixed set drawn from the training generator with its own seed."""
    rng = np.random.default_rng(seed)
    samples = [make_sample(rng, source, backgrounds, crop, max_band=max_band) for _ in range(count)]
    return [collate(samples[i:i + batch], fusion, fusion_scale) for i in range(0, count, batch)]


@torch.no_grad()
def evaluate(model: torch.nn.Module, batches: list[Batch], device: torch.device) -> dict[str, float]:
    """Mean per-image SAD (sum |error| / 1000) and MSE over the unknown region,
    refined alpha clamped to the trimap's known values."""
    model.eval()
    sads, mses = [], []
    for b in batches:
        b = b.to(device)
        _, alpha = model(b.image, b.trimap, b.classical)
        alpha = torch.where(b.mask > 0, alpha.float(), (b.trimap > 0.75).float())
        err = (alpha - b.alpha) * b.mask
        sads.extend((err.abs().sum(dim=(1, 2, 3)) / 1000.0).tolist())
        mses.extend(((err ** 2).sum(dim=(1, 2, 3)) / b.mask.sum(dim=(1, 2, 3)).clamp_min(1)).tolist())
    model.train()
    return {"val_sad": float(np.mean(sads)), "val_mse": float(np.mean(mses))}
