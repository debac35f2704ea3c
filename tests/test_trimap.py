"""Trimap rules: snapping, validation, painting, filling, bands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matteditor.errors import TrimapError
from matteditor.trimap import (BACKGROUND, FOREGROUND, MIN_RADIUS, UNKNOWN, check_trimap,
                               clamp_to_trimap, flood_fill, paint_stroke, resize_band,
                               snap_trimap, trimap_from_mask, trimap_to_float)


def distance_to_polyline(h: int, w: int, points) -> np.ndarray:
    """Distance of every pixel centre (x=j+0.5, y=i+0.5) to the polyline, H x W."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if len(pts) == 1:
        pts = np.concatenate([pts, pts])
    best = np.full((h, w), np.inf)
    for a, b in zip(pts[:-1], pts[1:]):
        d = b - a
        length2 = d @ d
        t = np.clip(((xs - a[0]) * d[0] + (ys - a[1]) * d[1]) / length2, 0, 1) if length2 else 0
        best = np.minimum(best, np.hypot(xs - a[0] - t * d[0], ys - a[1] - t * d[1]))
    return best


# -- snapping and validation ------------------------------------------------------
def test_snap_rule_below_64_is_background_above_191_foreground():
    levels = np.array([[0, 63, 64, 128, 191, 192, 255]], np.uint8)
    np.testing.assert_array_equal(snap_trimap(levels)[0], [0, 0, 128, 128, 128, 255, 255])


def test_snap_reads_16bit_and_float_on_the_same_scale():
    np.testing.assert_array_equal(snap_trimap(np.array([[0, 16000, 32768, 49500, 65535]],
                                                       np.uint16))[0], [0, 0, 128, 255, 255])
    np.testing.assert_array_equal(snap_trimap(np.array([[0.0, 0.2, 0.5, 0.8, 1.0]]))[0],
                                  [0, 0, 128, 255, 255])


def test_snap_keeps_unknown_for_plain_integer_arrays():
    labels = np.array([[0, 128, 255]], np.int64)
    np.testing.assert_array_equal(snap_trimap(labels)[0], [0, 128, 255])


def test_snap_refuses_out_of_range_integers():
    with pytest.raises(TrimapError, match="0..255"):
        snap_trimap(np.array([[-1, 5]]))


def test_snap_returns_uint8_labels_only():
    out = snap_trimap(np.linspace(0, 1, 101).reshape(1, -1))
    assert out.dtype == np.uint8 and set(np.unique(out)) <= {0, 128, 255}


def test_check_trimap_names_both_sizes_on_mismatch():
    with pytest.raises(TrimapError, match="trimap is 4x3 but the image is 5x6"):
        check_trimap(np.zeros((3, 4), np.uint8), (6, 5))


@pytest.mark.parametrize("bad", [np.zeros((3, 4), np.float32), np.zeros((3, 4, 3), np.uint8)])
def test_check_trimap_refuses_wrong_type_or_layout(bad):
    with pytest.raises(TrimapError, match="uint8 gray"):
        check_trimap(bad, (3, 4))


def test_check_trimap_names_a_stray_value():
    t = np.zeros((2, 2), np.uint8)
    t[1, 1] = 7
    with pytest.raises(TrimapError, match="e.g. 7"):
        check_trimap(t, (2, 2))


def test_trimap_to_float_and_clamp_use_the_labels():
    t = np.array([[0, 128, 255]], np.uint8)
    np.testing.assert_array_equal(trimap_to_float(t), [[0, 128 / 255, 1]])
    alpha = np.full((1, 3), 0.3, np.float32)
    np.testing.assert_array_equal(clamp_to_trimap(alpha, t), np.float32([[0, 0.3, 1]]))
    assert alpha[0, 0] == np.float32(0.3)  # input untouched


# -- painting --------------------------------------------------------------------------
def test_stroke_paints_exactly_the_pixels_within_the_radius():
    t = np.zeros((30, 40), np.uint8)
    pts = [(5.0, 5.0), (30.0, 12.5), (20.0, 25.0)]
    paint_stroke(t, pts, 3.5, FOREGROUND)
    d = distance_to_polyline(30, 40, pts)
    np.testing.assert_array_equal(t == FOREGROUND, d <= 3.5)


def test_stroke_has_round_caps_not_square_ones():
    t = np.zeros((21, 41), np.uint8)
    paint_stroke(t, [(10.5, 10.5), (30.5, 10.5)], 4, FOREGROUND)
    assert t[10, 6] == FOREGROUND and t[10, 34] == FOREGROUND   # cap tips, distance 4
    assert t[10, 5] == BACKGROUND and t[10, 35] == BACKGROUND
    assert t[7, 7] == BACKGROUND      # square-cap corner: distance 4.24
    assert t[6, 10] == FOREGROUND and t[5, 10] == BACKGROUND     # side edges


def test_stroke_touched_box_is_tight_around_painted_pixels():
    t = np.full((30, 40), UNKNOWN, np.uint8)
    before = t.copy()
    box = paint_stroke(t, [(3, 4), (17.5, 9.2)], 2.2, BACKGROUND)
    rows, cols = np.nonzero(t != before)
    assert box == (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)


def test_tiny_radius_still_paints_one_pixel_between_centres():
    t = np.zeros((5, 5), np.uint8)
    box = paint_stroke(t, [(2.0, 2.0)], 0.1, FOREGROUND)  # a corner of 4 pixels
    assert box is not None and (t == FOREGROUND).sum() >= 1
    assert MIN_RADIUS > np.hypot(0.5, 0.5)


def test_stroke_outside_the_trimap_touches_nothing():
    t = np.zeros((10, 10), np.uint8)
    assert paint_stroke(t, [(-50, -50), (-20, -30)], 5, FOREGROUND) is None
    assert not t.any()


def test_stroke_partly_outside_is_clipped():
    t = np.zeros((10, 10), np.uint8)
    box = paint_stroke(t, [(-5, 5), (3, 5)], 2, FOREGROUND)
    # centres x = j + 0.5 <= 5 and |i + 0.5 - 5| <= 2
    assert box == (0, 3, 5, 7)


def test_a_dot_at_a_pixel_centre_paints_that_pixel_like_flood_fill_picks_it():
    t = np.zeros((5, 5), np.uint8)
    x, y = 3.5, 1.5                       # centre of row 1, column 3
    assert paint_stroke(t, [(x, y)], 0.9, FOREGROUND) == (3, 1, 4, 2)
    assert t[1, 3] == FOREGROUND and t.sum() == FOREGROUND
    filled = flood_fill(t, (int(x), int(y)), UNKNOWN)
    assert filled[1, 3] == UNKNOWN and (filled == UNKNOWN).sum() == 1


def test_empty_stroke_does_nothing():
    t = np.zeros((4, 4), np.uint8)
    assert paint_stroke(t, [], 3, FOREGROUND) is None


@pytest.mark.parametrize("value", [1, 127, 256])
def test_painting_a_non_label_value_is_refused(value):
    with pytest.raises(TrimapError, match="use 0, 128 or 255"):
        paint_stroke(np.zeros((4, 4), np.uint8), [(1, 1)], 1, value)


def test_non_finite_stroke_points_are_refused():
    with pytest.raises(TrimapError, match="finite"):
        paint_stroke(np.zeros((4, 4), np.uint8), [(1, 1), (float("nan"), 2)], 1, FOREGROUND)


@settings(max_examples=40, deadline=None)
@given(points=st.lists(st.tuples(st.floats(-10, 50), st.floats(-10, 40)), min_size=1,
                       max_size=5),
       radius=st.floats(MIN_RADIUS, 9))
def test_any_stroke_matches_the_distance_rule_and_its_box(points, radius):
    t = np.full((30, 40), UNKNOWN, np.uint8)
    box = paint_stroke(t, points, radius, FOREGROUND)
    painted = t == FOREGROUND
    d = distance_to_polyline(30, 40, points)
    assert not (painted & (d > radius + 1e-9)).any()
    assert not (~painted & (d < radius - 1e-9)).any()
    if box is None:
        assert not painted.any()
    else:
        x0, y0, x1, y1 = box
        assert painted.sum() == painted[y0:y1, x0:x1].sum()


# -- flood fill ------------------------------------------------------------------------
def test_flood_fill_fills_the_connected_region_only():
    t = np.zeros((5, 7), np.uint8)
    t[:, 3] = FOREGROUND           # wall
    out = flood_fill(t, (0, 0), UNKNOWN)
    assert (out[:, :3] == UNKNOWN).all()
    assert (out[:, 3] == FOREGROUND).all() and (out[:, 4:] == BACKGROUND).all()
    assert (t[:, :3] == BACKGROUND).all()  # input untouched


def test_flood_fill_is_four_connected():
    t = np.full((3, 3), FOREGROUND, np.uint8)
    t[0, 0] = t[1, 1] = BACKGROUND   # diagonal neighbours only
    out = flood_fill(t, (0, 0), UNKNOWN)
    assert out[0, 0] == UNKNOWN and out[1, 1] == BACKGROUND


def test_flood_fill_outside_returns_an_equal_copy():
    t = np.zeros((3, 3), np.uint8)
    out = flood_fill(t, (5, 1), FOREGROUND)
    assert out is not t and (out == t).all()


def test_flood_fill_refuses_a_non_label_value():
    with pytest.raises(TrimapError):
        flood_fill(np.zeros((3, 3), np.uint8), (1, 1), 3)


# -- bands --------------------------------------------------------------------------------
def disk_mask(h: int = 60, w: int = 80, r: float = 18) -> np.ndarray:
    ys, xs = np.mgrid[0:h, 0:w]
    return (np.hypot(xs - w / 2, ys - h / 2) <= r).astype(np.float32)


def test_hard_mask_with_zero_band_has_no_unknown():
    m = disk_mask()
    t = trimap_from_mask(m, 0)
    np.testing.assert_array_equal(t, np.where(m > 0.5, FOREGROUND, BACKGROUND))


def test_band_puts_unknown_on_both_sides_of_the_edge():
    m = disk_mask(r=18)
    t = trimap_from_mask(m, 5)
    cy, cx = 30, 40
    assert t[cy, cx] == FOREGROUND and t[0, 0] == BACKGROUND
    assert t[cy, cx + 16] == UNKNOWN and t[cy, cx + 21] == UNKNOWN   # just inside / outside
    assert t[cy, cx + 10] == FOREGROUND and t[cy, cx + 26] == BACKGROUND


def test_unknown_area_grows_monotonically_with_band():
    m = disk_mask()
    previous = trimap_from_mask(m, 0) == UNKNOWN
    for band in range(1, 15):
        unknown = trimap_from_mask(m, band) == UNKNOWN
        assert (unknown | ~previous).all() and unknown.sum() > previous.sum()
        previous = unknown


def test_soft_mask_pixels_are_unknown_and_inputs_of_any_scale_agree():
    m = disk_mask()
    m[30, 5:10] = 0.5
    t = trimap_from_mask(m, 2)
    assert (t[30, 5:10] == UNKNOWN).all()
    np.testing.assert_array_equal(trimap_from_mask((m * 255).round().astype(np.uint8), 2), t)
    np.testing.assert_array_equal(trimap_from_mask(disk_mask() > 0.5, 2),
                                  trimap_from_mask(disk_mask(), 2))


@pytest.mark.parametrize("mask,band", [(np.zeros((3, 3, 3)), 2), (np.zeros((3, 3)), -1)])
def test_trimap_from_mask_refuses_bad_input(mask, band):
    with pytest.raises(TrimapError):
        trimap_from_mask(mask, band)


def _band_trimap() -> np.ndarray:
    t = np.full((10, 40), FOREGROUND, np.uint8)
    t[:, 15:25] = UNKNOWN
    t[:, 25:] = BACKGROUND
    return t


def test_resize_band_grows_unknown_by_that_many_pixels():
    out = resize_band(_band_trimap(), 3)
    assert (out[:, 12:28] == UNKNOWN).all()
    assert (out[:, :12] == FOREGROUND).all() and (out[:, 28:] == BACKGROUND).all()


def test_resize_band_shrinks_unknown_towards_each_side():
    out = resize_band(_band_trimap(), -3)
    assert (out[:, :18] == FOREGROUND).all()
    assert (out[:, 18:22] == UNKNOWN).all()
    assert (out[:, 22:] == BACKGROUND).all()


def test_resize_band_by_zero_is_an_equal_copy():
    t = _band_trimap()
    out = resize_band(t, 0)
    assert out is not t and (out == t).all()


def test_mask_band_and_band_resize_past_the_diagonal_match_the_diagonal():
    mask = np.zeros((20, 30), np.float32)
    mask[5:15, 10:20] = 1.0
    # The diagonal is 36.1 pixels: a disk of radius 37 or more covers the whole
    # image from any pixel, and 10**9 would otherwise ask OpenCV for a 4e18-byte kernel.
    np.testing.assert_array_equal(trimap_from_mask(mask, 10**9), trimap_from_mask(mask, 40))
    tri = trimap_from_mask(mask, 2)
    np.testing.assert_array_equal(resize_band(tri, 10**9), resize_band(tri, 40))
    np.testing.assert_array_equal(resize_band(tri, -10**9), resize_band(tri, -40))
