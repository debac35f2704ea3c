"""Guided filter and reduced-resolution previews."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.guided_filter import guided_filter


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
