import math

import numpy as np
import pytest

from matteditor.errors import MatteError, TrimapError
from matteditor.metrics import (
    GRADIENT_SIGMA, _gaussian_derivative_filter, connectivity_error, gradient_error, mse, sad)

U, F, B = 128, 255, 0


def test_sad_and_mse_count_only_unknown_pixels():
    pred = np.array([[0.5, 0.2], [0.3, 0.9]])
    gt = np.array([[0.3, 0.2], [0.0, 1.0]])
    trimap = np.array([[U, U], [B, F]], np.uint8)
    # Unknown: |0.5 - 0.3| + |0.2 - 0.2| = 0.2; the known pixels are clamped to 0 and 1.
    assert sad(pred, gt, trimap) == pytest.approx(0.2 / 1000)
    assert mse(pred, gt, trimap) == pytest.approx((0.04 + 0.0) / 2)


def test_prediction_is_clamped_to_known_trimap_values_first():
    gt = np.array([[0.0, 0.5, 1.0]])
    trimap = np.array([[B, U, F]], np.uint8)
    wrong_in_known = np.array([[0.7, 0.5, 0.1]])  # wrong only where the trimap is known
    assert sad(wrong_in_known, gt, trimap) == 0.0
    assert gradient_error(wrong_in_known, gt, trimap) == pytest.approx(0.0, abs=1e-15)
    assert connectivity_error(wrong_in_known, gt, trimap) == 0.0


def test_mse_is_zero_without_unknown_pixels():
    trimap = np.array([[B, F]], np.uint8)
    assert mse(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]), trimap) == 0.0


def test_gradient_kernel_is_the_benchmarks_nine_tap_unit_norm_derivative():
    k = _gaussian_derivative_filter(GRADIENT_SIGMA)
    # half-size = ceil(1.4 * sqrt(-2 ln(sqrt(2 pi) * 1.4 * 0.01))) = ceil(3.62) = 4
    assert k.shape == (9, 9)
    assert np.sum(k ** 2) == pytest.approx(1.0)
    assert np.sum(k) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(k, -k[:, ::-1])  # odd along x
    np.testing.assert_allclose(k, k[::-1, :])   # even along y


def test_gradient_error_of_two_ramps_matches_the_separable_hand_computation():
    # For alpha = s * x (constant along y) the 2-D convolution reduces to a 1-D
    # one along x with the kernel's column sums S0 * dg(j) / N, where S0 = sum g,
    # N = the unnormalised kernel's L2 norm; the border repeats the edge value.
    sigma = GRADIENT_SIGMA
    offsets = np.arange(-4, 5)
    g = np.exp(-offsets ** 2 / (2 * sigma ** 2)) / (sigma * math.sqrt(2 * math.pi))
    dg = -offsets * g / sigma ** 2
    colsum = g.sum() * dg / math.sqrt(np.sum(np.outer(g, dg) ** 2))
    h, w = 6, 40
    xs = np.arange(w)
    per_unit_slope = np.array([sum(c * np.clip(x - j, 0, w - 1) for j, c in zip(offsets, colsum))
                               for x in xs])
    # Far from the border this is the closed form S0 * S2 / (sigma^2 N).
    s2 = np.sum(offsets ** 2 * g)
    assert per_unit_slope[20] == pytest.approx(
        g.sum() * s2 / (sigma ** 2 * math.sqrt(np.sum(np.outer(g, dg) ** 2))))

    gt = np.repeat((0.02 * xs)[None, :], h, 0)
    pred = np.repeat((0.01 * xs)[None, :], h, 0)
    trimap = np.full((h, w), U, np.uint8)
    expected = h * np.sum(((0.02 - 0.01) * np.abs(per_unit_slope)) ** 2) / 1000
    assert gradient_error(pred, gt, trimap) == pytest.approx(expected, rel=1e-9)


def test_gradient_error_is_zero_for_a_perfect_prediction():
    rng = np.random.default_rng(0)
    gt = rng.random((16, 16))
    trimap = np.full((16, 16), U, np.uint8)
    assert gradient_error(gt, gt, trimap) == 0.0


def test_connectivity_error_counts_a_hole_that_cuts_a_pixel_off():
    # gt is one connected opaque row; the prediction punches a hole at x = 2.
    pred = np.array([[1.0, 1.0, 0.0, 0.5]])
    gt = np.array([[1.0, 1.0, 1.0, 0.5]])
    trimap = np.full((1, 4), U, np.uint8)
    # Levels: pixels 0-1 stay connected (l = 1); pixels 2 and 3 drop out at t = 0.1 (l = 0).
    # phi_pred = [1, 1, 1, 0.5], phi_gt = [1, 1, 0, 0.5]  ->  error 1 / 1000.
    assert connectivity_error(pred, gt, trimap) == pytest.approx(1.0 / 1000)


def test_connectivity_error_ignores_differences_under_0_15_above_the_level():
    trimap = np.full((1, 2), U, np.uint8)
    # Pixel 1 leaves the source region at t = 0.2, so its level is 0.1.
    # gt d = 0.2 - 0.1 < 0.15 -> phi 1 = pred's phi: no error.
    assert connectivity_error(np.array([[1.0, 0.1]]), np.array([[1.0, 0.2]]), trimap) == 0.0
    # gt d = 0.3 - 0.1 = 0.2 >= 0.15 -> phi_gt = 0.8, phi_pred = 1: error 0.2 / 1000.
    assert connectivity_error(np.array([[1.0, 0.1]]), np.array([[1.0, 0.3]]),
                              trimap) == pytest.approx(0.2 / 1000)


def test_connectivity_uses_four_connectivity():
    # Diagonal neighbours are not connected: the pixel at (1, 1) is its own component.
    gt = np.array([[1.0, 0.0], [0.0, 1.0]])
    pred = gt.copy()
    trimap = np.full((2, 2), U, np.uint8)
    assert connectivity_error(pred, gt, trimap) == 0.0
    pred2 = np.array([[1.0, 0.0], [0.0, 0.6]])
    # (1,1) is cut off from (0,0) in both; levels: (0,0) -> 1, others -> 0.
    # d_pred = 0.6 -> phi 0.4; d_gt = 1.0 -> phi 0.0; error 0.4 / 1000.
    assert connectivity_error(pred2, gt, trimap) == pytest.approx(0.4 / 1000)


def test_metrics_refuse_mismatched_shapes():
    with pytest.raises(MatteError, match="same size"):
        sad(np.zeros((2, 2)), np.zeros((3, 3)), np.zeros((2, 2), np.uint8))
    with pytest.raises(TrimapError):
        mse(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((3, 2), np.uint8))
