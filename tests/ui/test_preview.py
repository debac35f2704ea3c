"""The reduced-resolution preview: thin scribbles survive, edges follow the full photo."""

from __future__ import annotations

import numpy as np

from matteditor.engines.base import CancelToken
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN
from matteditor.ui.preview import PreviewSolver, guided_upsample, preview_size, reduce_trimap

from .conftest import SmoothEngine


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
    solver = PreviewSolver(max_side=160)
    assert solver.worthwhile(image)
    alpha = solver.solve(SmoothEngine(), image, t, progress=lambda f, m: None,
                         cancel=CancelToken())
    assert alpha.shape == (500, 700)
    assert (alpha[t == FOREGROUND] == 1).all() and (alpha[t == BACKGROUND] == 0).all()
