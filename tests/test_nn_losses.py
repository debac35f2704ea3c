"""The DIM losses: zero at the truth, counted only over the unknown region."""

from __future__ import annotations

import pytest
import torch

from matteditor.nn.losses import EPS, alpha_prediction_loss, compositional_loss, dim_loss


def _case(seed=0):
    g = torch.Generator().manual_seed(seed)
    gt = torch.rand(2, 1, 8, 8, generator=g)
    fg, bg = torch.rand(2, 3, 8, 8, generator=g), torch.rand(2, 3, 8, 8, generator=g)
    image = gt * fg + (1 - gt) * bg
    mask = torch.zeros(2, 1, 8, 8)
    mask[..., 2:6, 2:6] = 1
    return gt, fg, bg, image, mask


def test_losses_are_epsilon_at_the_ground_truth():
    gt, fg, bg, image, mask = _case()
    assert float(alpha_prediction_loss(gt, gt, mask)) == pytest.approx(EPS, rel=1e-3)
    assert float(compositional_loss(gt, image, fg, bg, mask)) == pytest.approx(EPS, abs=1e-5)


def test_alpha_loss_is_mean_absolute_error_over_the_unknown_region():
    gt, _, _, _, mask = _case()
    pred = gt.clone()
    pred[..., 2:6, 2:6] += 0.1                     # inside the mask
    pred[..., 0, 0] = 1 - gt[..., 0, 0]            # outside: must not count
    assert float(alpha_prediction_loss(pred, gt, mask)) == pytest.approx(0.1, rel=1e-3)


def test_compositional_loss_sees_colour_error():
    gt, fg, bg, image, mask = _case()
    wrong = torch.zeros_like(gt)
    assert float(compositional_loss(wrong, image, fg, bg, mask)) > 0.05


def test_total_weights_stage_one_half_and_half_plus_refinement():
    gt, fg, bg, image, mask = _case()
    raw = (gt + 0.2).clamp(0, 1)
    refined = (gt + 0.1).clamp(0, 1)
    terms = dim_loss(raw, refined, gt, image, fg, bg, mask)
    expected = 0.5 * terms.alpha + 0.5 * terms.composition + terms.refine
    assert float(terms.total) == pytest.approx(float(expected))
    assert set(terms.as_floats()) == {"alpha", "composition", "refine", "total"}


def test_empty_unknown_region_gives_zero_not_nan():
    gt, fg, bg, image, mask = _case()
    terms = dim_loss(gt, gt, gt, image, fg, bg, torch.zeros_like(mask))
    assert float(terms.total) == 0.0
