"""Scribble trimaps solved coarse to fine: the band found, the answer against the exact solve."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.engines.base import EngineOptions
from matteditor.engines.fast_cf import FastClosedFormEngine
from matteditor.solvers.scribbles import CoarseToFine, ScribbleSettings
from matteditor.solvers.settings import CFSettings
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN, paint_stroke

SMALL = ScribbleSettings(coarse_pixels=4096)


def disk_photo(h: int = 240, w: int = 320, seed: int = 1):
    """A textured disk with a soft 6-px rim on a gradient, its true alpha, and
    scribbles: two strokes inside the disk, two in the background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot(yy - h / 2, xx - w / 2) - min(h, w) * 0.3
    alpha = np.clip(0.5 - d / 6.0, 0, 1).astype(np.float32)
    fg = np.stack([0.85 + 0.05 * np.sin(xx / 4), 0.4 + 0.05 * rng.random((h, w)),
                   0.15 + 0 * xx], -1)
    bg = np.stack([0.1 + 0.3 * xx / w, 0.55 + 0 * xx, 0.3 + 0.4 * yy / h], -1)
    image = np.clip(alpha[..., None] * fg + (1 - alpha[..., None]) * bg
                    + 0.01 * rng.standard_normal((h, w, 3)), 0, 1).astype(np.float32)
    trimap = np.full((h, w), UNKNOWN, np.uint8)
    cx, cy, r = w / 2, h / 2, min(h, w) * 0.3
    paint_stroke(trimap, [(cx - r / 2, cy), (cx + r / 2, cy)], 3, FOREGROUND)
    paint_stroke(trimap, [(cx, cy - r / 2), (cx, cy + r / 2)], 3, FOREGROUND)
    paint_stroke(trimap, [(10, 10), (w - 10, 10)], 3, BACKGROUND)
    paint_stroke(trimap, [(10, h - 10), (10, 20)], 3, BACKGROUND)
    return image, trimap, alpha


def test_only_mostly_unknown_trimaps_on_large_enough_photos_are_scribbles():
    image, trimap, alpha = disk_photo()
    c2f = CoarseToFine(SMALL)
    c2f.set_image(image)
    assert c2f.applies(trimap) and c2f.coarse_image.shape[0] * c2f.coarse_image.shape[1] <= 1.05 * 4096
    banded = np.where(alpha >= 0.999, FOREGROUND, np.where(alpha <= 0.001, BACKGROUND, UNKNOWN))
    assert not c2f.applies(banded.astype(np.uint8))
    tiny = CoarseToFine(ScribbleSettings(coarse_pixels=10 ** 6))
    tiny.set_image(image)
    assert not tiny.applies(trimap)                  # nothing to reduce


def test_only_the_steep_part_of_the_matte_is_solved_again_at_full_size():
    image, trimap, alpha = disk_photo()
    c2f = CoarseToFine(SMALL)
    c2f.set_image(image)
    engine = FastClosedFormEngine(options=EngineOptions(scribbles=None))
    engine.set_image(c2f.coarse_image)
    asked = []

    def solve_fixed(level, fixed, band):
        asked.append((level.shape, fixed, band))
        return fixed

    c2f.solve(trimap, lambda small: engine.predict(small).alpha, solve_fixed)
    shape, fixed, band = asked[-1]
    assert shape == image.shape
    known = trimap != UNKNOWN
    assert not band[known].any()                                  # strokes are never solved
    np.testing.assert_array_equal(fixed[known], trimap[known] == FOREGROUND)
    rim = (alpha > 0.05) & (alpha < 0.95)
    assert band[rim].mean() > 0.99                                # the edge is solved again
    assert band.mean() < 0.5 < (trimap == UNKNOWN).mean()         # and little else
    far = ~band & ~known
    assert np.abs(fixed[far] - alpha[far]).mean() < 0.05          # kept where it is smooth


@pytest.mark.parametrize("method", ["direct", "iterative"])
def test_coarse_to_fine_is_within_five_percent_of_the_exact_scribble_solve(method):
    image, trimap, truth = disk_photo()
    settings = CFSettings(method=method, rtol=1e-5)
    quick = FastClosedFormEngine(options=EngineOptions(closed_form=settings, scribbles=SMALL)
                                 ).estimate(image, trimap)
    exact = FastClosedFormEngine(options=EngineOptions(closed_form=settings, scribbles=None)
                                 ).estimate(image, trimap)
    sad_quick = np.abs(quick - truth).sum()
    sad_exact = np.abs(exact - truth).sum()
    assert sad_quick <= 1.05 * sad_exact
    assert (quick[trimap == FOREGROUND] == 1).all() and (quick[trimap == BACKGROUND] == 0).all()


def test_a_large_photo_goes_through_levels_each_about_eight_times_smaller():
    c2f = CoarseToFine(ScribbleSettings(coarse_pixels=2000, level_ratio=8))
    c2f.set_image(np.zeros((300, 400, 3), np.float32))
    sizes = [level.shape[0] * level.shape[1] for level in c2f._levels]
    assert sizes[0] == 120_000 and sizes[-1] <= 1.05 * 2000 and len(sizes) == 3
    assert all(7 <= a / b <= 9.5 for a, b in zip(sizes, sizes[1:]))
