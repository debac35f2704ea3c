"""Mask to trimap on synthetic masks: a narrow band on smooth contours, a wide one on
ragged edges and busy photos, see-through holes unknown, noise holes filled."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.errors import TrimapError
from matteditor.mask_trimap import MaskTrimapSettings, mask_to_trimap
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN

H = W = 200
YY, XX = np.mgrid[:H, :W]
RADIUS = np.hypot(XX - 100, YY - 100)
ANGLE = np.arctan2(YY - 100, XX - 100)
DISK = RADIUS < 60


def _photo(mask, fg=(0.9, 0.3, 0.1), bg=(0.1, 0.2, 0.8)):
    image = np.empty((H, W, 3), np.float32)
    image[...] = bg
    image[mask] = fg
    return image


def _band_width(trimap, rows):
    """Mean unknown pixels per image column-crossing along ``rows``: twice the
    half-width where a row crosses the edge twice."""
    return (trimap[rows] == UNKNOWN).sum(axis=1).mean() / 2


def test_a_smooth_disk_gets_the_narrow_band():
    settings = MaskTrimapSettings(band=6, detail_band=20)
    trimap = mask_to_trimap(DISK, _photo(DISK), settings)
    unknown = trimap == UNKNOWN
    # the ring between radius 60 - 7 and 60 + 7, nothing much beyond
    assert unknown[(RADIUS > 53) & (RADIUS < 66)].mean() > 0.95
    assert not unknown[(RADIUS < 50) | (RADIUS > 70)].any()
    assert (trimap[RADIUS < 50] == FOREGROUND).all()
    assert (trimap[RADIUS > 70] == BACKGROUND).all()


def test_a_ragged_edge_gets_a_wider_band_than_the_smooth_part():
    # the lower half's edge is a comb of 40 strands, the upper half a smooth arc
    ragged = RADIUS < 60 + 12 * ((np.sin(ANGLE * 40) > 0.3) & (ANGLE > 0))
    settings = MaskTrimapSettings(band=6, detail_band=20)
    trimap = mask_to_trimap(ragged, None, settings)
    unknown = trimap == UNKNOWN
    outside_smooth = unknown[(YY < 75) & (RADIUS > 70)].sum()
    outside_ragged = unknown[(YY > 110) & (RADIUS > 78)].sum()
    assert outside_smooth == 0
    assert outside_ragged > 500          # reaches well past the strands' tips
    fixed = mask_to_trimap(ragged, None, MaskTrimapSettings(band=6, adaptive=False))
    assert (fixed == UNKNOWN)[(YY > 110) & (RADIUS > 78)].sum() < outside_ragged / 4


def test_a_busy_photo_across_the_edge_widens_the_band_there():
    image = _photo(DISK)
    hair = (YY > 100) & (RADIUS > 50) & (RADIUS < 75) & (np.sin(XX * 1.3) > 0)
    image[hair] = (0.95, 0.9, 0.8)                       # strands across the lower edge
    settings = MaskTrimapSettings(band=6, detail_band=20)
    unknown = mask_to_trimap(DISK, image, settings) == UNKNOWN
    plain = mask_to_trimap(DISK, _photo(DISK), settings) == UNKNOWN
    lower, upper = YY > 110, YY < 90
    assert unknown[lower].sum() > 1.5 * plain[lower].sum()
    assert unknown[upper].sum() == plain[upper].sum()   # the smooth side stays narrow


def test_a_hole_the_photo_shows_as_see_through_is_unknown():
    hole = RADIUS < 15
    mask = DISK & ~hole
    image = _photo(mask)                                 # the hole shows the background
    trimap = mask_to_trimap(mask, image, MaskTrimapSettings(band=3, detail_band=3))
    assert (trimap[hole] == UNKNOWN).all()
    assert (trimap[(RADIUS > 25) & (RADIUS < 50)] == FOREGROUND).all()


def test_a_hole_the_photo_fills_with_the_object_is_mask_noise():
    mask = DISK & ~(RADIUS < 15)
    trimap = mask_to_trimap(mask, _photo(DISK), MaskTrimapSettings(band=3, detail_band=3))
    assert (trimap[RADIUS < 45] == FOREGROUND).all()


def test_without_a_photo_every_real_hole_is_unknown_and_specks_are_filled():
    mask = DISK.copy()
    mask[RADIUS < 15] = False
    mask[100, 130] = False                               # a one-pixel speck
    trimap = mask_to_trimap(mask, None, MaskTrimapSettings(band=2, detail_band=2))
    assert (trimap[RADIUS < 15] == UNKNOWN).all()
    assert trimap[100, 140] == FOREGROUND


def test_an_empty_mask_is_all_background_and_a_wrong_size_is_refused():
    assert (mask_to_trimap(np.zeros((20, 30), bool)) == BACKGROUND).all()
    with pytest.raises(TrimapError, match="30x20"):
        mask_to_trimap(np.zeros((20, 30), bool), np.zeros((10, 10, 3), np.float32))
    with pytest.raises(ValueError):
        MaskTrimapSettings(band=-1)
