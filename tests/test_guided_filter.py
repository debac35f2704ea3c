"""Guided filter and reduced-resolution previews."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.engines.fast_cf import FastClosedFormEngine
from matteditor.errors import TrimapError
from matteditor.guided_filter import guided_filter, preview_alpha
from matteditor.solvers.settings import CFSettings


def naive_guided_filter(guide, src, r, eps):
    """Direct per-window least squares (He et al. eq. 5-8), reflect borders like cv2's BORDER_REFLECT."""
    h, w = src.shape
    gp = np.pad(guide, ((r, r), (r, r), (0, 0)), mode="symmetric").astype(np.float64)
    pp = np.pad(src, r, mode="symmetric").astype(np.float64)
    a = np.zeros((h, w, 3))
    b = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            G = gp[y:y + 2 * r + 1, x:x + 2 * r + 1].reshape(-1, 3)
            P = pp[y:y + 2 * r + 1, x:x + 2 * r + 1].ravel()
            mg, mp = G.mean(0), P.mean()
            cov = (G - mg).T @ (G - mg) / len(P) + eps * np.eye(3)
            a[y, x] = np.linalg.solve(cov, (G - mg).T @ (P - mp) / len(P))
            b[y, x] = mp - a[y, x] @ mg
    ap = np.pad(a, ((r, r), (r, r), (0, 0)), mode="symmetric")
    bp = np.pad(b, r, mode="symmetric")
    out = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            out[y, x] = (ap[y:y + 2 * r + 1, x:x + 2 * r + 1].reshape(-1, 3).mean(0) @ guide[y, x]
                         + bp[y:y + 2 * r + 1, x:x + 2 * r + 1].mean())
    return out


def test_guided_filter_matches_direct_least_squares():
    rng = np.random.default_rng(0)
    guide = rng.random((14, 17, 3)).astype(np.float32)
    src = rng.random((14, 17)).astype(np.float32)
    ours = guided_filter(guide, src, 2, 1e-2)
    assert np.abs(ours - naive_guided_filter(guide, src, 2, 1e-2)).max() < 1e-4


def test_guided_filter_keeps_a_constant_constant():
    rng = np.random.default_rng(1)
    out = guided_filter(rng.random((20, 20, 3)).astype(np.float32), np.full((20, 20), 0.3, np.float32),
                        3, 1e-3)
    assert np.abs(out - 0.3).max() < 1e-5


def test_guided_filter_keeps_an_edge_the_guide_has():
    guide = np.zeros((20, 20, 3), np.float32)
    guide[:, 10:] = 1.0
    src = guide[..., 0].copy()
    out = guided_filter(guide, src, 4, 1e-4)
    assert np.abs(out - src).max() < 1e-2        # a box blur of radius 4 would be off by ~0.5


def test_guided_filter_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        guided_filter(np.zeros((5, 5, 3), np.float32), np.zeros((5, 6), np.float32), 1, 1e-3)


def disk_case(h=120, w=160):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot(yy - h / 2, xx - w / 2) - 35
    alpha = np.clip(0.5 - d / 3.0, 0, 1)
    fg = np.array([0.9, 0.5, 0.1], np.float32)
    bg = np.stack([0.1 + 0.4 * xx / w, 0.2 + 0 * xx, 0.8 - 0.3 * yy / h], -1)
    image = (alpha[..., None] * fg + (1 - alpha[..., None]) * bg).astype(np.float32)
    trimap = np.full((h, w), 128, np.uint8)
    trimap[d < -6] = 255
    trimap[d > 6] = 0
    return image, trimap, alpha


def test_preview_is_close_to_the_full_solve_and_exact_where_known():
    image, trimap, _ = disk_case()
    engine = FastClosedFormEngine(settings=CFSettings(threads=1))
    full = engine.estimate(image, trimap)
    preview = preview_alpha(engine, image, trimap, max_side=64)
    unknown = trimap == 128
    assert preview.shape == trimap.shape and preview.dtype == np.float32
    assert np.all(preview[trimap == 255] == 1) and np.all(preview[trimap == 0] == 0)
    assert np.abs(preview - full)[unknown].mean() < 0.01


def test_preview_of_a_small_image_is_the_full_solve():
    image, trimap, _ = disk_case(40, 50)
    engine = FastClosedFormEngine(settings=CFSettings(threads=1))
    np.testing.assert_array_equal(preview_alpha(engine, image, trimap, max_side=64),
                                  engine.estimate(image, trimap))


def test_preview_checks_its_inputs():
    image, trimap, _ = disk_case(40, 50)
    engine = FastClosedFormEngine(settings=CFSettings(threads=1))
    with pytest.raises(TrimapError):
        preview_alpha(engine, image, trimap[:-1], max_side=32)
    with pytest.raises(ValueError, match="max_side"):
        preview_alpha(engine, image, trimap, max_side=4)
