"""The reduced-resolution preview: thin scribbles survive, edges follow the full photo."""

from __future__ import annotations

import numpy as np

import cv2

from matteditor.engines.base import CancelToken, Engine, EngineOptions
from matteditor.engines.fast_cf import FastClosedFormEngine
from matteditor.geometry import Rect
from matteditor.guided_filter import guided_upsample, guided_upsample_at
from matteditor.preview import REDRAW_TOLERANCE, PreviewSolver, preview_size
from matteditor.solvers.settings import CFSettings
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN, clamp_to_trimap, reduce_trimap


class SmoothEngine(Engine):
    """Fast, deterministic stand-in: alpha is the blurred foreground mask."""

    name = "test-smooth"
    label = "Test smooth"

    def _predict(self, trimap, changed, progress, cancel):
        return cv2.GaussianBlur((trimap == FOREGROUND).astype(np.float32), (0, 0), 3), True


def preview(image, trimap, max_side=160, engine=None, changed=None, solver=None):
    if solver is None:
        solver = PreviewSolver(engine or SmoothEngine(), max_side)
        solver.set_image(image)
    return solver.solve(trimap, changed, progress=lambda f, m: None, cancel=CancelToken())


def test_preview_size_keeps_the_aspect_and_caps_the_long_side():
    assert preview_size(4000, 3000, 320) == (320, 240)
    assert preview_size(100, 50, 320) == (100, 50)


def test_reducing_a_trimap_keeps_a_thin_scribble_and_leaves_mixed_pixels_unknown():
    t = np.full((400, 400), UNKNOWN, np.uint8)
    t[100:103, :] = FOREGROUND          # a 3-px scribble, reduced 8x
    t[300:310, 0:200] = BACKGROUND
    t[300:310, 200:400] = FOREGROUND
    small = reduce_trimap(t, (50, 50))
    assert (small[12, :] == FOREGROUND).all()
    assert (small[37, :24] == BACKGROUND).all() and (small[37, 26:] == FOREGROUND).all()
    assert (small[0:10] == UNKNOWN).all()


def test_guided_upsampling_puts_the_edge_where_the_full_photo_has_it():
    h, w = 200, 200
    image = np.zeros((h, w, 3), np.float32)
    image[:, 103:] = (0.9, 0.7, 0.2)            # the true edge, inside a reduced pixel
    small = image.reshape(25, 8, 25, 8, 3).mean(axis=(1, 3))
    small_alpha = small[..., 0] / 0.9           # a perfect small matte of the same edge
    alpha = guided_upsample(small_alpha, small, image)
    assert alpha.shape == (h, w) and alpha.dtype == np.float32
    assert alpha[:, :96].max() < 0.05 and alpha[:, 112:].min() > 0.95
    assert alpha[:, 102].mean() < 0.3 and alpha[:, 103].mean() > 0.7  # sharp at full size


def test_preview_solve_is_full_size_and_exact_where_the_trimap_is_known():
    rng = np.random.default_rng(0)
    image = rng.random((500, 700, 3), dtype=np.float32)
    t = np.full((500, 700), UNKNOWN, np.uint8)
    t[200:300, 300:400] = FOREGROUND
    t[:20] = BACKGROUND
    assert PreviewSolver.worthwhile(image, 160)
    alpha = preview(image, t)
    assert alpha.shape == (500, 700)
    assert (alpha[t == FOREGROUND] == 1).all() and (alpha[t == BACKGROUND] == 0).all()


def test_upsampling_at_the_unknown_pixels_only_gives_the_dense_result():
    rng = np.random.default_rng(3)
    h, w = 370, 530
    image = rng.random((h, w, 3), dtype=np.float32)
    small = rng.random((37, 53, 3), dtype=np.float32)
    small_alpha = rng.random((37, 53), dtype=np.float32)
    t = np.full((h, w), BACKGROUND, np.uint8)
    t[100:250, 150:400] = UNKNOWN       # a band around a foreground core
    t[140:210, 200:350] = FOREGROUND
    dense = clamp_to_trimap(guided_upsample(small_alpha, small, image), t)
    sparse = guided_upsample_at(small_alpha, small, image, t)
    assert sparse.dtype == np.float32 and sparse.shape == (h, w)
    assert np.abs(sparse - dense).max() < 1e-3      # cv2.remap's 1/32-pixel positions
    assert (sparse[t == FOREGROUND] == 1).all() and (sparse[t == BACKGROUND] == 0).all()


def noise_with_a_banded_trimap(seed, band, core):
    """A random 800 x 600 photo and a trimap: background, an unknown box ``band``
    (rows, cols slices) and a foreground box ``core`` inside it."""
    image = np.random.default_rng(seed).random((600, 800, 3), dtype=np.float32)
    t = np.full((600, 800), BACKGROUND, np.uint8)
    t[band] = UNKNOWN
    t[core] = FOREGROUND
    return image, t


def test_preview_of_a_banded_trimap_is_smooth_inside_the_band():
    image, t = noise_with_a_banded_trimap(4, np.s_[150:450, 200:600], np.s_[200:400, 250:550])
    alpha = preview(image, t)
    band = t == UNKNOWN
    assert (alpha[t == FOREGROUND] == 1).all() and (alpha[t == BACKGROUND] == 0).all()
    assert 0 < alpha[band].mean() < 1 and np.isfinite(alpha).all()


def test_a_preview_after_a_local_stroke_equals_a_preview_made_afresh():
    image, t = noise_with_a_banded_trimap(5, np.s_[100:500, 150:650], np.s_[200:400, 300:500])
    kept = PreviewSolver(SmoothEngine(), max_side=160)
    kept.set_image(image)
    first = preview(image, t, solver=kept)
    stroke = t.copy()
    stroke[120:140, 170:260] = FOREGROUND          # a local stroke in the band
    second = preview(image, stroke, changed=Rect.of_diff(t, stroke), solver=kept)
    fresh = preview(image, stroke)
    assert second is not first and not np.array_equal(second, first)
    # changes of the small solve that move no pixel by half an 8-bit level are not redrawn
    assert np.abs(second - fresh).max() <= 2 * REDRAW_TOLERANCE
    assert first[130, 200] != 1.0                   # the earlier result was not written over


def test_preview_of_a_closed_form_solve_is_close_to_the_full_solve():
    h, w = 120, 160
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot(yy - h / 2, xx - w / 2) - 35
    alpha = np.clip(0.5 - d / 3.0, 0, 1)
    fg = np.array([0.9, 0.5, 0.1], np.float32)
    bg = np.stack([0.1 + 0.4 * xx / w, 0.2 + 0 * xx, 0.8 - 0.3 * yy / h], -1)
    image = (alpha[..., None] * fg + (1 - alpha[..., None]) * bg).astype(np.float32)
    trimap = np.full((h, w), UNKNOWN, np.uint8)
    trimap[d < -6] = FOREGROUND
    trimap[d > 6] = BACKGROUND
    settings = CFSettings()
    options = EngineOptions(closed_form=settings)
    full = FastClosedFormEngine(options=options).estimate(image, trimap)
    quick = preview(image, trimap, max_side=64, engine=FastClosedFormEngine(options=options))
    unknown = trimap == UNKNOWN
    assert quick.shape == trimap.shape and quick.dtype == np.float32
    assert np.all(quick[trimap == FOREGROUND] == 1) and np.all(quick[trimap == BACKGROUND] == 0)
    assert np.abs(quick - full)[unknown].mean() < 0.01
