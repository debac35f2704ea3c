"""The Deep Image Matting losses (Xu et al. 2017, section 3.1).

Shapes: alphas and the unknown-region mask are float N x 1 x H x W; colors
(image, foreground, background) float N x 3 x H x W in [0, 1].  Every term
is averaged over the unknown region of the trimap (the mask), as in DIM.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

#: epsilon of the "Charbonnier" square root; DIM uses 1e-6.
EPS = 1e-6


@dataclass(frozen=True)
class LossTerms:
    """Named loss terms (scalar tensors) and the total that is minimised."""

    alpha: torch.Tensor          # alpha-prediction loss of the raw (stage 1) alpha
    composition: torch.Tensor    # compositional loss of the raw alpha
    refine: torch.Tensor         # alpha-prediction loss of the refined alpha
    total: torch.Tensor

    def as_floats(self) -> dict[str, float]:
        return {"alpha": float(self.alpha.detach()), "composition": float(self.composition.detach()),
                "refine": float(self.refine.detach()), "total": float(self.total.detach())}


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` (N x C x H x W) over pixels where mask (N x 1 x H x W) is 1."""
    channels = values.shape[1]
    return (values * mask).sum() / (mask.sum() * channels).clamp_min(1.0)


def alpha_prediction_loss(pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """mean over the mask of sqrt((pred - gt)^2 + eps^2); all N x 1 x H x W."""
    return _masked_mean(torch.sqrt((pred - gt) ** 2 + EPS ** 2), mask)


def compositional_loss(pred: torch.Tensor, image: torch.Tensor, foreground: torch.Tensor,
                       background: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """mean over the mask and colour channels of sqrt((c_pred - c_image)^2 + eps^2),
    where c_pred = pred * foreground + (1 - pred) * background."""
    composite = pred * foreground + (1.0 - pred) * background
    return _masked_mean(torch.sqrt((composite - image) ** 2 + EPS ** 2), mask)


def dim_loss(raw: torch.Tensor, refined: torch.Tensor, gt: torch.Tensor, image: torch.Tensor,
             foreground: torch.Tensor, background: torch.Tensor, mask: torch.Tensor,
             stage1_weight: float = 0.5) -> LossTerms:
    """Both stages trained jointly: 0.5 alpha + 0.5 composition on the raw alpha
    (DIM's weights), plus the alpha-prediction loss on the refined alpha."""
    alpha = alpha_prediction_loss(raw, gt, mask)
    comp = compositional_loss(raw, image, foreground, background, mask)
    refine = alpha_prediction_loss(refined, gt, mask)
    total = stage1_weight * alpha + (1.0 - stage1_weight) * comp + refine
    return LossTerms(alpha, comp, refine, total)
