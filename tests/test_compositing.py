import numpy as np
import pytest

from matteditor.compositing import (
    CHECKER_DARK, CHECKER_LIGHT, checkerboard, composite_over_checkerboard, composite_over_color,
    composite_over_image, cutout_rgba, fit_background, parse_color, premultiply)
from matteditor.errors import MatteError


def _fg_alpha():
    fg = np.zeros((2, 3, 3), np.float32)
    fg[..., 0] = 1.0  # pure red foreground
    alpha = np.array([[0.0, 0.25, 1.0], [0.5, 0.75, 0.0]], np.float32)
    return fg, alpha


def test_cutout_is_straight_alpha_with_foreground_rgb_unchanged():
    fg, alpha = _fg_alpha()
    rgba = cutout_rgba(fg, alpha)
    assert rgba.shape == (2, 3, 4) and rgba.dtype == np.float32
    np.testing.assert_array_equal(rgba[..., :3], fg)
    np.testing.assert_array_equal(rgba[..., 3], alpha)


def test_premultiply_scales_rgb_by_alpha_and_keeps_alpha():
    fg, alpha = _fg_alpha()
    pm = premultiply(cutout_rgba(fg, alpha))
    np.testing.assert_allclose(pm[..., 0], alpha)
    np.testing.assert_array_equal(pm[..., 3], alpha)
    assert (pm[..., 1:3] == 0).all()


def test_composite_over_color_follows_the_matting_equation():
    fg, alpha = _fg_alpha()
    out = composite_over_color(fg, alpha, (0.0, 0.0, 1.0))
    # red * a + blue * (1 - a)
    np.testing.assert_allclose(out[..., 0], alpha, atol=1e-7)
    np.testing.assert_allclose(out[..., 2], 1.0 - alpha, atol=1e-7)
    np.testing.assert_allclose(out[..., 1], 0.0)
    assert out.dtype == np.float32


def test_composite_over_color_rejects_out_of_range_colour():
    fg, alpha = _fg_alpha()
    with pytest.raises(MatteError):
        composite_over_color(fg, alpha, (2.0, 0.0, 0.0))


def test_mismatched_alpha_is_refused_with_both_sizes():
    fg, _ = _fg_alpha()
    with pytest.raises(MatteError, match="3x2"):
        cutout_rgba(fg, np.zeros((4, 4), np.float32))


def test_checkerboard_alternates_squares():
    board = checkerboard(4, 6, square=2)
    assert board.shape == (4, 6, 3)
    assert board[0, 0, 0] == pytest.approx(CHECKER_LIGHT)
    assert board[0, 2, 0] == pytest.approx(CHECKER_DARK)
    assert board[2, 0, 0] == pytest.approx(CHECKER_DARK)
    assert board[2, 2, 0] == pytest.approx(CHECKER_LIGHT)


def test_transparent_pixels_show_the_checkerboard():
    fg, alpha = _fg_alpha()
    out = composite_over_checkerboard(fg, alpha, square=1)
    board = checkerboard(2, 3, square=1)
    np.testing.assert_allclose(out[alpha == 0], board[alpha == 0])
    np.testing.assert_allclose(out[alpha == 1], fg[alpha == 1])


def test_background_image_is_scaled_to_cover_and_centre_cropped():
    # A 2x4 background with distinct columns covers a 4x4 canvas at scale 2:
    # it becomes 4x8 and the centre 4 columns are kept.
    bg = np.zeros((2, 4, 3), np.float32)
    bg[:, :, 0] = np.array([0.0, 0.25, 0.5, 0.75])[None, :]
    placed = fit_background(bg, 4, 4)
    assert placed.shape == (4, 4, 3)
    # Centre of an 8-wide upscale lies between source columns 1 and 2.
    assert placed[:, 0, 0].mean() < placed[:, 3, 0].mean()
    assert 0.1 < placed[0, 0, 0] < 0.3 and 0.45 < placed[0, 3, 0] < 0.75


def test_background_offset_shifts_it_and_repeats_edges():
    bg = np.zeros((4, 4, 3), np.float32)
    bg[:, 0] = 1.0  # white first column
    shifted = fit_background(bg, 4, 4, offset=(2, 0))
    # Columns 0..1 are beyond the background's left edge: the edge repeats.
    assert (shifted[:, :3, 0] == 1.0).all()
    assert (shifted[:, 3, 0] == 0.0).all()


def test_composite_over_image_matches_color_for_a_flat_image():
    fg, alpha = _fg_alpha()
    flat = np.full((7, 5, 3), 0.5, np.float32)
    np.testing.assert_allclose(composite_over_image(fg, alpha, flat),
                               composite_over_color(fg, alpha, (0.5, 0.5, 0.5)), atol=1e-6)


@pytest.mark.parametrize("text,expected", [
    ("white", (1.0, 1.0, 1.0)), ("Green", (0.0, 1.0, 0.0)), ("#ff0080", (1.0, 0.0, 128 / 255)),
    ("#0f0", (0.0, 1.0, 0.0))])
def test_parse_color_accepts_names_and_hex(text, expected):
    assert parse_color(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "chartreuse-ish", "#12345", "#gggggg"])
def test_parse_color_refuses_garbage_with_the_accepted_forms(text):
    with pytest.raises(MatteError, match="#rrggbb"):
        parse_color(text)
