"""Edge controls (matteditor.edges) on synthetic mattes: each control's expected effect."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from matteditor.edges import (AdjustmentError, EdgeAdjustments, decontaminate, edge_band,
                              feather)
from matteditor.errors import MatteError, ProjectError
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN


def soft_disk(h: int, w: int, cy: float, cx: float, radius: float, ramp: float) -> np.ndarray:
    """A disk whose alpha falls linearly from 1 to 0 over ``ramp`` px around ``radius``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist = np.hypot(yy - cy, xx - cx)
    return np.clip((radius - dist) / ramp + 0.5, 0.0, 1.0).astype(np.float32)


def soft_edge(h: int = 40, w: int = 80, at: float = 40.0, ramp: float = 6.0) -> np.ndarray:
    """Opaque left of column ``at``, a linear ramp ``ramp`` px wide across it."""
    xx = np.broadcast_to(np.arange(w, dtype=np.float32), (h, w))
    return np.clip((at - xx) / ramp + 0.5, 0.0, 1.0).astype(np.float32)


def crossing(row: np.ndarray) -> float:
    """Sub-pixel column where a falling profile crosses 0.5."""
    i = int(np.argmax(row < 0.5))
    a, b = float(row[i - 1]), float(row[i])
    return i - 1 + (a - 0.5) / (a - b)


def partial_count(alpha: np.ndarray) -> int:
    return int(((alpha > 0.02) & (alpha < 0.98)).sum())


def test_default_adjustments_leave_the_matte_bit_for_bit():
    rng = np.random.default_rng(1)
    alpha = rng.random((37, 53), dtype=np.float32)
    trimap = np.full(alpha.shape, UNKNOWN, np.uint8)
    trimap[:5] = FOREGROUND
    adjustments = EdgeAdjustments()
    assert adjustments.is_identity and not adjustments.changes_alpha
    for out in (adjustments.apply(alpha), adjustments.apply(alpha, trimap)):
        assert out.dtype == np.float32
        assert out.tobytes() == alpha.tobytes()
        assert out is not alpha


def test_decontamination_alone_is_not_identity_but_keeps_alpha():
    alpha = soft_disk(30, 30, 15, 15, 8, 4)
    adjustments = EdgeAdjustments(decontamination=0.5)
    assert not adjustments.is_identity and not adjustments.changes_alpha
    assert np.array_equal(adjustments.apply(alpha), alpha)


@pytest.mark.parametrize("percent, moved", [(50.0, 0.25 * 6), (-50.0, -0.25 * 6)])
def test_shift_edge_moves_the_half_contour_out_or_in_by_its_share_of_the_ramp(percent, moved):
    alpha = soft_edge(ramp=6.0)
    out = EdgeAdjustments(shift_edge=percent).apply(alpha)
    assert crossing(out[20]) == pytest.approx(crossing(alpha[20]) + moved, abs=0.05)


def test_shift_edge_spreads_a_disk_outward():
    alpha = soft_disk(80, 80, 40, 40, 20, 8)
    spread = EdgeAdjustments(shift_edge=50).apply(alpha)
    choked = EdgeAdjustments(shift_edge=-50).apply(alpha)
    assert (choked >= 0.5).sum() < (alpha >= 0.5).sum() < (spread >= 0.5).sum()
    assert ((spread >= 0.5) >= (alpha >= 0.5)).all()  # the old inside stays inside


def test_feather_widens_the_transition_and_keeps_a_straight_edge_in_place():
    alpha = soft_edge(ramp=2.0)
    out = EdgeAdjustments(feather=4).apply(alpha)
    assert partial_count(out) > 3 * partial_count(alpha)
    assert crossing(out[20]) == pytest.approx(crossing(alpha[20]), abs=0.05)


def test_wide_feather_matches_a_true_gaussian_blur():
    alpha = soft_edge(h=60, w=400, at=200.0, ramp=1.0)
    fast = feather(alpha, 30.0)  # above 8 px: the box-filter approximation
    exact = cv2.GaussianBlur(alpha, (0, 0), 30.0, borderType=cv2.BORDER_REPLICATE)
    assert np.abs(fast - exact).max() < 0.02


def test_contrast_sharpens_the_transition_around_one_half():
    alpha = soft_edge(ramp=10.0)
    out = EdgeAdjustments(contrast=60).apply(alpha)
    assert partial_count(out) < 0.5 * partial_count(alpha)
    assert crossing(out[20]) == pytest.approx(crossing(alpha[20]), abs=0.05)
    hard = EdgeAdjustments(contrast=100).apply(alpha)
    assert set(np.unique(hard)) <= {0.0, 1.0}


def test_fill_holes_fills_an_enclosed_hole_and_its_rim_but_not_an_open_bay():
    alpha = np.zeros((100, 100), np.float32)
    alpha[20:80, 20:80] = 1.0
    alpha = np.minimum(alpha, 1.0 - soft_disk(100, 100, 50, 50, 6, 3))   # enclosed hole
    alpha[45:55, 65:80] = 0.0                                            # bay open to the outside
    alpha = cv2.GaussianBlur(alpha, (0, 0), 1.0)                         # soft rims everywhere
    filled = EdgeAdjustments(fill_holes=True).apply(alpha)
    box = (slice(38, 63), slice(38, 63))
    assert (alpha[box] < 0.5).sum() > 100
    assert (filled[box][alpha[box] < 0.95] == 1.0).all()   # the hole and its soft rim
    assert (filled[box] >= alpha[box]).all()
    assert np.array_equal(filled[44:56, 66:82], alpha[44:56, 66:82])
    # a limit below the hole's size leaves it
    small_only = EdgeAdjustments(fill_holes=20).apply(alpha)
    assert np.array_equal(small_only, alpha)
    assert np.array_equal(EdgeAdjustments(fill_holes=500).apply(alpha), filled)


def test_remove_islands_removes_a_small_blob_and_keeps_the_subject():
    subject = soft_disk(120, 120, 60, 40, 12.6, 3)   # about 500 px of core
    blob = soft_disk(120, 120, 20, 100, 1.8, 2)      # about 10 px of core
    alpha = np.maximum(subject, blob)
    assert 8 <= (blob >= 0.5).sum() <= 14 and 450 <= (subject >= 0.5).sum() <= 550
    out = EdgeAdjustments(remove_islands=100).apply(alpha)
    assert (out[10:31, 90:111] == 0.0).all()          # the blob and its rim are gone
    assert np.array_equal(out[:, :80], alpha[:, :80])  # the subject is untouched
    assert np.array_equal(EdgeAdjustments(remove_islands=5).apply(alpha), alpha)


def test_smooth_removes_a_spike_and_a_notch_and_keeps_the_straight_edge():
    alpha = np.zeros((80, 120), np.float32)
    alpha[:, :60] = 1.0
    alpha[:, 60:64] = np.linspace(0.8, 0.2, 4, dtype=np.float32)   # a soft straight edge
    alpha[10:12, 64:74] = 1.0                                      # a 2-px spike out
    alpha[60:62, 50:60] = 0.0                                      # a 2-px notch in
    out = EdgeAdjustments(smooth=3).apply(alpha)
    assert (out[10:12, 66:74] < 0.2).all()
    assert (out[60:62, 50:58] == 1.0).all()
    assert np.array_equal(out[25:45], alpha[25:45])                # straight edge unchanged


def test_known_trimap_regions_stay_exact_while_the_rest_is_adjusted():
    alpha = soft_edge(ramp=4.0)
    trimap = np.full(alpha.shape, UNKNOWN, np.uint8)
    trimap[:, :36] = FOREGROUND
    trimap[:, 60:] = BACKGROUND
    adjustments = EdgeAdjustments(feather=6, shift_edge=-40)
    free = adjustments.apply(alpha)
    pinned = adjustments.apply(alpha, trimap)
    assert (free[:, 30:36] < 1.0).any()                   # the global control reaches there...
    assert (pinned[trimap == FOREGROUND] == 1.0).all()    # ...but painted foreground stays 1
    assert (pinned[trimap == BACKGROUND] == 0.0).all()
    unknown = trimap == UNKNOWN
    assert np.array_equal(pinned[unknown], free[unknown])


def test_settings_round_trip_through_json():
    adjustments = EdgeAdjustments(smooth=2, feather=1.5, contrast=20, shift_edge=-30,
                                  fill_holes=400, remove_islands=25, decontamination=0.75)
    data = json.loads(json.dumps(adjustments.to_dict()))
    assert EdgeAdjustments.from_dict(data) == adjustments
    assert EdgeAdjustments.from_dict({"feather": 3}) == EdgeAdjustments(feather=3.0)
    assert EdgeAdjustments.from_dict({"fill_holes": True}).fill_holes is True
    assert EdgeAdjustments(fill_holes=0).fill_holes is False


def test_unknown_keys_are_a_project_error_naming_them():
    with pytest.raises(ProjectError, match="unknown edge adjustment.*sharpen"):
        EdgeAdjustments.from_dict({"feather": 1.0, "sharpen": 3})


@pytest.mark.parametrize("data, name", [
    ({"feather": -1}, "feather"), ({"contrast": 150}, "contrast"),
    ({"shift_edge": float("nan")}, "shift_edge"), ({"smooth": 2.5}, "smooth"),
    ({"smooth": 99}, "smooth"), ({"fill_holes": "yes"}, "fill_holes"),
    ({"remove_islands": -3}, "remove_islands"), ({"decontamination": 1.5}, "decontamination"),
    ({"feather": True}, "feather"), ({"contrast": "10"}, "contrast"),
])
def test_bad_values_are_a_project_error_naming_the_setting(data, name):
    with pytest.raises(ProjectError, match=name):
        EdgeAdjustments.from_dict(data)
    with pytest.raises(AdjustmentError, match=name):
        EdgeAdjustments(**data)


def test_a_non_mapping_is_a_project_error():
    with pytest.raises(ProjectError, match="mapping"):
        EdgeAdjustments.from_dict([("feather", 1)])  # type: ignore[arg-type]


def test_apply_rejects_a_colour_image_and_a_trimap_of_another_size():
    with pytest.raises(MatteError, match="H x W"):
        EdgeAdjustments(feather=1).apply(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(MatteError, match="trimap shape"):
        EdgeAdjustments(feather=1).apply(np.zeros((4, 4), np.float32),
                                         np.zeros((5, 4), np.uint8))


def test_scaled_settings_shrink_lengths_linearly_and_areas_quadratically():
    scaled = EdgeAdjustments(smooth=8, feather=10, contrast=30, fill_holes=400,
                             remove_islands=100).scaled(0.5)
    assert (scaled.smooth, scaled.feather, scaled.contrast) == (4, 5.0, 30.0)
    assert (scaled.fill_holes, scaled.remove_islands) == (100, 25)
    assert EdgeAdjustments(fill_holes=True).scaled(0.25).fill_holes is True


def test_edge_band_of_a_hard_edge_reaches_width_pixels_either_side():
    alpha = np.zeros((20, 40), np.float32)
    alpha[:, :20] = 1.0
    band = edge_band(alpha, 3)
    assert band.dtype == bool
    assert band[10, 17:23].all()             # 3 px either side of the step
    assert not band[10, :15].any() and not band[10, 25:].any()
    assert np.array_equal(edge_band(alpha, 0)[10], (np.arange(40) >= 19) & (np.arange(40) <= 20))


def test_edge_band_covers_every_partial_pixel_of_a_soft_matte():
    alpha = soft_disk(60, 60, 30, 30, 15, 6)
    band = edge_band(alpha, 2)
    partial = (alpha > 0.01) & (alpha < 0.99)
    assert band[partial].all()
    assert not band[30, 30] and not band[0, 0]


@pytest.mark.parametrize("width", [1.0, 2.5, 8.0, 12.7, 16.0, 20.0])
def test_edge_band_is_every_pixel_within_width_of_the_edge_euclidean(width):
    """The disk dilation used up to 16 px gives the exact distance transform's pixels."""
    rng = np.random.default_rng(1)
    alpha = (rng.random((120, 140)) > 0.995).astype(np.float32) * 0.3    # specks
    alpha[50:70, 60:90] = 1.0                                             # a hard edge
    seeds = edge_band(alpha, 0.5)           # under 1 px: the edge pixels themselves
    dist = cv2.distanceTransform((~seeds).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    np.testing.assert_array_equal(edge_band(alpha, width), dist <= width)


def test_decontaminate_blends_photo_and_foreground_colours_by_amount():
    image = np.full((2, 3, 3), 0.2, np.float32)
    foreground = np.full((2, 3, 3), 0.6, np.float32)
    assert np.allclose(decontaminate(image, foreground, 0.0), 0.2)
    assert np.allclose(decontaminate(image, foreground, 1.0), 0.6)
    assert np.allclose(decontaminate(image, foreground, 0.25), 0.3)
    with pytest.raises(MatteError, match="decontamination"):
        decontaminate(image, foreground, 1.2)
    with pytest.raises(MatteError, match="H x W x 3"):
        decontaminate(image, foreground[:1], 0.5)
