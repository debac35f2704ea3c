"""Tiles around the unknown region and incremental solves.

Tolerances: a tiled solve and a whole-picture solve, both to rtol 1e-9, agree
to 1e-5 per pixel; tiles an edit did not touch are reused bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.geometry import Rect
from matteditor.errors import Cancelled, TrimapError
from matteditor.solvers.closed_form import Problem, solve_closed_form
from matteditor.solvers.settings import CFSettings
from matteditor.solvers.tiled_session import SolveSession
from matteditor.solvers.tiles import unknown_tiles

TIGHT = CFSettings(rtol=1e-9)


def two_blob_case(h: int = 48, w: int = 96, seed: int = 0):
    """Two soft-edged blobs, far apart, each with its own unknown band."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d1 = np.hypot(yy - h / 2, xx - w * 0.25) - 9
    d2 = np.hypot(yy - h / 2, xx - w * 0.75) - 9
    d = np.minimum(d1, d2)
    alpha = np.clip(0.5 - d / 3.0, 0, 1)
    fg = np.stack([0.9 + 0 * xx, 0.4 + 0.2 * np.sin(yy / 2), 0.1 + 0 * xx], -1)
    bg = np.stack([0.1 + 0.3 * xx / w, 0.2 + 0 * xx, 0.7 - 0.3 * yy / h], -1)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    image = np.clip(image + 0.01 * rng.standard_normal(image.shape), 0, 1).astype(np.float32)
    trimap = np.full((h, w), 128, np.uint8)
    trimap[d < -3] = 255
    trimap[d > 3] = 0
    return image, trimap


def test_tiles_cover_every_unknown_pixel_without_overlapping():
    _, trimap = two_blob_case()
    tiles = unknown_tiles(trimap)
    covered = np.zeros(trimap.shape, int)
    for t in tiles:
        covered[t.slices] += 1
    assert covered.max() == 1
    assert np.all(covered[trimap == 128] == 1)
    assert len(tiles) == 2


def test_tiles_keep_a_known_margin_of_two_radii_inside_the_image():
    trimap = np.zeros((40, 40), np.uint8)
    trimap[10:20, 12:15] = 128
    (tile,) = unknown_tiles(trimap, radius=2)
    assert tile == Rect(12 - 4, 10 - 4, 15 + 4, 20 + 4)
    (edge,) = unknown_tiles(trimap[10:, 12:], radius=1)
    assert edge.x0 == 0 and edge.y0 == 0


def test_unknown_groups_within_two_radii_share_a_tile_and_farther_ones_do_not():
    trimap = np.zeros((30, 60), np.uint8)
    trimap[10:20, 10:12] = 128
    trimap[10:20, 14:16] = 128        # 3 columns apart: coupled for r = 1 (<= 2r + 1 apart)
    trimap[10:20, 40:42] = 128        # far away
    tiles = unknown_tiles(trimap, radius=1)
    assert len(tiles) == 2
    assert tiles[0].x0 <= 10 and tiles[0].x1 >= 16


def test_grown_boxes_that_overlap_are_merged():
    trimap = np.zeros((30, 60), np.uint8)
    trimap[5, 5:25] = 128
    trimap[9:25, 20] = 128            # box overlaps the first one's box but pixels are apart
    tiles = unknown_tiles(trimap, radius=1, margin=4)
    assert len(tiles) == 1


def test_margin_below_two_radii_is_rejected():
    with pytest.raises(ValueError, match="margin"):
        unknown_tiles(np.full((8, 8), 128, np.uint8), radius=2, margin=3)


def test_no_unknown_pixels_means_no_tiles():
    assert unknown_tiles(np.zeros((8, 8), np.uint8)) == []


def test_tiled_solve_equals_whole_picture_solve():
    image, trimap = two_blob_case()
    unknown = trimap == 128
    fixed = (trimap == 255).astype(np.float32)
    whole = solve_closed_form(Problem(image, fixed, unknown), TIGHT, "cpu")
    session = SolveSession(TIGHT)
    session.set_image(image)
    tiled = session.solve(trimap)
    assert np.abs(tiled - whole).max() < 1e-5
    # and each tile alone, cropped out of the picture, gives the same alpha
    for tile in unknown_tiles(trimap):
        rows, cols = tile.slices
        alone = solve_closed_form(Problem(image[rows, cols], fixed[rows, cols], unknown[rows, cols]),
                                  TIGHT, "cpu")
        assert np.abs(alone - whole[rows, cols]).max() < 1e-5


def test_incremental_solve_reuses_untouched_tiles_bit_for_bit():
    image, trimap = two_blob_case()
    session = SolveSession(TIGHT)
    session.set_image(image)
    first = session.solve(trimap)
    left, right = unknown_tiles(trimap)
    edited = trimap.copy()
    edited[21:27, 79:84] = 255                     # a stroke inside the right blob's band
    second = session.solve(edited)
    report = session.last_report
    assert report.tiles == 2 and report.solved_tiles == 1
    np.testing.assert_array_equal(second[left.slices], first[left.slices])
    assert np.all(second[edited == 255] == 1.0)


def solved_blobs_with_a_stroke():
    """The two-blob case solved once, and the same trimap with a stroke on one blob."""
    image, trimap = two_blob_case()
    session = SolveSession(TIGHT)
    session.set_image(image)
    session.solve(trimap)
    edited = trimap.copy()
    edited[21:27, 79:84] = 255
    return image, trimap, session, edited


def test_incremental_solve_equals_a_fresh_full_solve():
    image, trimap, session, edited = solved_blobs_with_a_stroke()
    edited[2:6, 2:6] = 128                         # and a new unknown speck: a new tile
    incremental = session.solve(edited)
    fresh = SolveSession(TIGHT)
    fresh.set_image(image)
    full = fresh.solve(edited)
    assert session.last_report.solved_tiles == 2 and fresh.last_report.solved_tiles == 3
    assert np.abs(incremental - full).max() < 1e-5


def test_cancelled_solve_keeps_the_previous_state():
    image, trimap = two_blob_case()
    session = SolveSession(TIGHT)
    session.set_image(image)
    first = session.solve(trimap)
    edited = trimap.copy()
    edited[21:27, 79:84] = 255

    def stop(fraction):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        session.solve(edited, hook=stop)
    again = session.solve(trimap)
    assert session.last_report.solved_tiles == 0
    np.testing.assert_array_equal(again, first)


def test_solve_without_image_or_with_wrong_trimap_size_raises():
    session = SolveSession()
    with pytest.raises(TrimapError, match="set_image"):
        session.solve(np.zeros((4, 4), np.uint8))
    session.set_image(np.zeros((10, 12, 3), np.float32))
    with pytest.raises(TrimapError):
        session.solve(np.zeros((12, 10), np.uint8))


def long_band_session():
    """A session in local mode (margin 24) on a picture whose band is one long tile,
    and that band's trimap with a small foreground stroke in it."""
    image, trimap = two_blob_case(64, 160)
    band = trimap.copy()
    band[24:40, 2:158] = np.where(band[24:40, 2:158] == 0, 128, band[24:40, 2:158])
    session = SolveSession(TIGHT, local_margin=24)
    session.set_image(image)
    edited = band.copy()
    edited[29:35, 88:94] = 255
    return session, image, band, edited


def full_solve(image, trimap):
    fresh = SolveSession(TIGHT)
    fresh.set_image(image)
    return fresh.solve(trimap)


def test_local_mode_solves_only_near_the_edit_and_recovers_most_of_the_change():
    session, image, band, edited = long_band_session()
    before = session.solve(band)
    assert session.last_report.tiles == 1
    local = session.solve(edited, changed=Rect.of_diff(band, edited))
    report = session.last_report
    assert report.local_tiles == 1 and report.solved_pixels < (edited == 128).sum() / 2
    full = full_solve(image, edited)
    unknown = edited == 128
    assert np.all(local[edited == 255] == 1)
    # approximate by design: the alpha change beyond the margin is dropped
    assert np.abs(local - full)[unknown].mean() < 0.1 * np.abs(before - full)[unknown].mean()


def test_refine_after_a_local_solve_gives_the_full_solve():
    session, image, band, edited = long_band_session()
    session.solve(band)
    assert not session.approximate and session.refine() is None   # first solve: exact
    session.solve(edited, changed=Rect.of_diff(band, edited))
    assert session.approximate
    refined = session.refine()
    assert not session.approximate and session.last_report.solved_tiles == 1
    assert np.abs(refined - full_solve(image, edited)).max() < 1e-4
    # the refined alpha is the session's from now on
    np.testing.assert_array_equal(session.solve(edited), refined)
    assert session.last_report.solved_tiles == 0


def test_cancelled_refine_keeps_the_local_alpha_pending():
    session, image, band, edited = long_band_session()
    session.solve(band)
    local = session.solve(edited, changed=Rect.of_diff(band, edited))

    def cancel(fraction):
        raise Cancelled()

    with pytest.raises(Cancelled):
        session.refine(cancel)
    assert session.approximate
    np.testing.assert_array_equal(session.solve(edited), local)


def test_exact_mode_resolves_the_whole_changed_tile():
    image, trimap, session, edited = solved_blobs_with_a_stroke()
    session.solve(edited, changed=Rect.of_diff(trimap, edited))
    assert session.last_report.local_tiles == 0


def test_without_the_changed_region_a_local_session_solves_exactly():
    session, image, band, edited = long_band_session()
    session.solve(band)
    session.solve(edited)
    assert not session.approximate and session.last_report.local_tiles == 0
