"""The closed-form solvers against pymatting's, on small synthetic cases.

``method="iterative"`` pins the torch solver (the default on the CPU is the
direct one, tested in test_direct_solver.py).

Tolerances: Laplacian products agree with pymatting's sparse matrix to 1e-9
(float64 rounding); a solve to rtol 1e-8 agrees with pymatting's alpha to
1e-3 per pixel; the default settings keep SAD against the true alpha within
2% of pymatting's.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from matteditor.engines import CancelToken, EngineOptions, all_engines, create_engine
from matteditor.engines.fast_cf import FastClosedFormEngine
from matteditor.errors import Cancelled, TrimapError
from matteditor.geometry import Rect
from matteditor.solvers.blocks import BlockLayout
from matteditor.solvers.closed_form import Problem, solve_closed_form
from matteditor.solvers.laplacian_torch import BlockLaplacian
from matteditor.solvers.settings import CFSettings

pymatting = pytest.importorskip("pymatting")

FAST = CFSettings(method="iterative")
EXACT = CFSettings(rtol=1e-8, method="iterative")
DIRECT = CFSettings(method="direct")
BOTH = pytest.mark.parametrize("settings", [FAST, DIRECT], ids=["iterative", "direct"])


def soft_disk_case(h: int = 56, w: int = 72, seed: int = 0):
    """A textured foreground disk with a soft rim over a gradient background.

    Returns image float32 H x W x 3, trimap uint8 (band around the rim), true alpha.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.hypot(yy - h / 2, xx - w / 2) - min(h, w) * 0.3
    alpha = np.clip(0.5 - d / 4.0, 0, 1).astype(np.float32)
    fg = np.stack([0.8 + 0.1 * np.sin(xx / 3), 0.3 + 0.05 * rng.random((h, w)), 0.2 + 0 * xx], -1)
    bg = np.stack([0.1 + 0.5 * xx / w, 0.6 + 0 * xx, 0.3 + 0.4 * yy / h], -1)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    image = np.clip(image + 0.01 * rng.standard_normal(image.shape), 0, 1).astype(np.float32)
    trimap = np.full((h, w), 128, np.uint8)
    trimap[d < -4] = 255
    trimap[d > 4] = 0
    return image, trimap, alpha


def pymatting_alpha(image, trimap):
    return pymatting.estimate_alpha_cf(image.astype(np.float64), trimap / 255.0)


@pytest.mark.parametrize("radius", [1, 2])
def test_laplacian_products_match_pymatting_matrix(radius):
    rng = np.random.default_rng(1)
    h, w = 23, 31
    image = rng.random((h, w, 3))
    image[:8, :10] = 0.3                       # a flat patch: the ill-conditioned case
    L = pymatting.cf_laplacian(image, 1e-7, radius)
    p = rng.random((h, w))
    expected = (L @ p.ravel()).reshape(h, w)
    layout = BlockLayout(np.ones((h, w), bool), 8, 2 * radius, "cpu")   # several blocks: halos matter
    img = layout.gather_padded(layout.to_canvas(image, torch.float64)).contiguous()
    centre_ok = np.zeros((h, w))
    centre_ok[radius:h - radius, radius:w - radius] = 1
    valid = layout.gather_padded(layout.to_canvas(centre_ok, torch.float64))
    valid = valid[:, radius:-radius, radius:-radius].unsqueeze(1).contiguous()
    lap = BlockLaplacian(img, valid, 1e-7, radius, torch.float64)
    out = lap.matvec(layout.gather_padded(layout.to_canvas(p, torch.float64)))
    got = layout.add_blocks(np.zeros((h, w)), out)
    diag = layout.add_blocks(np.zeros((h, w)), lap.diagonal)
    assert np.abs(got - expected).max() < 1e-9 * max(1.0, np.abs(expected).max())
    assert np.abs(diag.ravel() - L.diagonal()).max() < 1e-6


def test_tight_solve_matches_pymatting_alpha():
    image, trimap, _ = soft_disk_case()
    unknown = trimap == 128
    ours = solve_closed_form(Problem(image, (trimap == 255).astype(np.float32), unknown), EXACT, "cpu")
    ref = pymatting_alpha(image, trimap)
    assert np.abs(ours - ref)[unknown].max() < 1e-3


def test_default_settings_keep_sad_within_two_percent_of_pymatting():
    image, trimap, truth = soft_disk_case(64, 80, seed=3)
    unknown = trimap == 128
    engine = FastClosedFormEngine(options=EngineOptions(closed_form=FAST))
    ours = engine.estimate(image, trimap)
    ref = pymatting_alpha(image, trimap)
    sad_ours = np.abs(ours - truth)[unknown].sum()
    sad_ref = np.abs(ref - truth)[unknown].sum()
    assert abs(sad_ours / sad_ref - 1) < 0.02


@BOTH
def test_alpha_is_exact_where_trimap_is_known(settings):
    image, trimap, _ = soft_disk_case()
    engine = FastClosedFormEngine(options=EngineOptions(closed_form=settings))
    alpha = engine.estimate(image, trimap)
    assert alpha.dtype == np.float32 and alpha.shape == trimap.shape
    assert np.all(alpha[trimap == 255] == 1.0) and np.all(alpha[trimap == 0] == 0.0)
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0


def test_engine_is_registered_as_fast_cf():
    cls = all_engines()["fast-cf"]
    assert cls is FastClosedFormEngine
    assert cls.label == "Closed-form (fast)"
    assert cls.devices()[-1] == "cpu"
    assert create_engine("fast-cf").device == cls.devices()[0]


@BOTH
def test_cancel_during_solve_raises_cancelled(settings):
    image, trimap, _ = soft_disk_case()
    token = CancelToken()
    calls = []

    def progress(fraction, message):
        calls.append(fraction)
        if fraction > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        FastClosedFormEngine(options=EngineOptions(closed_form=settings)).estimate(
            image, trimap, progress=progress, cancel=token)
    assert calls


@BOTH
def test_progress_comes_from_the_solve_and_only_grows(settings):
    image, trimap, _ = soft_disk_case()
    seen = []
    FastClosedFormEngine(options=EngineOptions(closed_form=settings)).estimate(image, trimap,
                                                 progress=lambda f, m: seen.append((f, m)))
    # between "preparing" and the base class's final 1.0, the solver's own reports
    solving = [f for f, m in seen if m.endswith(": solving")]
    assert solving and all(0.0 <= f < 1.0 for f in solving)
    assert max(solving) > 0.0
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)


def test_tiny_image_is_refused_with_a_clear_error():
    image = np.zeros((2, 9, 3), np.float32)
    trimap = np.array([[0, 128, 255] * 3] * 2, np.uint8)
    with pytest.raises(TrimapError, match="too small"):
        FastClosedFormEngine(options=EngineOptions(closed_form=FAST)).estimate(image, trimap)


@BOTH
def test_same_image_and_trimap_again_reuses_the_previous_alpha(settings):
    image, trimap, _ = soft_disk_case()
    engine = FastClosedFormEngine(options=EngineOptions(closed_form=settings))
    first = engine.estimate(image, trimap)
    second = engine.estimate(image, trimap)
    assert engine.session.last_report.solved_tiles == 0
    np.testing.assert_array_equal(first, second)


def test_new_image_is_solved_afresh():
    image, trimap, _ = soft_disk_case()
    engine = FastClosedFormEngine(options=EngineOptions(closed_form=FAST))
    engine.estimate(image, trimap)
    engine.estimate(image[:, ::-1].copy(), trimap)
    assert engine.session.last_report.solved_tiles == engine.session.last_report.tiles


def test_float32_products_run_with_a_larger_epsilon():
    image, trimap, _ = soft_disk_case()
    settings = CFSettings(epsilon=1e-4, dtype="float32", method="iterative")
    unknown = trimap == 128
    ours = solve_closed_form(Problem(image, (trimap == 255).astype(np.float32), unknown), settings, "cpu")
    ref = pymatting.estimate_alpha_cf(image.astype(np.float64), trimap / 255.0,
                                      laplacian_kwargs={"epsilon": 1e-4})
    assert np.abs(ours - ref)[unknown].mean() < 1e-2


def test_settings_reject_nonsense():
    with pytest.raises(ValueError):
        CFSettings(radius=0)
    with pytest.raises(ValueError):
        CFSettings(dtype="float16")
    with pytest.raises(ValueError):
        CFSettings(method="magic")
    with pytest.raises(ValueError):
        CFSettings(max_factor_mb=-1)


@pytest.mark.parametrize("method", ["iterative", "direct"])
def test_both_methods_keep_sad_within_two_percent_of_pymatting(method):
    image, trimap, truth = soft_disk_case(64, 80, seed=5)
    unknown = trimap == 128
    engine = FastClosedFormEngine(options=EngineOptions(closed_form=CFSettings(method=method)))
    ours = engine.estimate(image, trimap)
    ref = pymatting_alpha(image, trimap)
    sad_ours = np.abs(ours - truth)[unknown].sum()
    sad_ref = np.abs(ref - truth)[unknown].sum()
    assert abs(sad_ours / sad_ref - 1) < 0.02


def test_a_local_answer_to_a_stroke_is_refined_to_the_exact_alpha():
    image, trimap, _ = soft_disk_case(96, 96)
    engine = FastClosedFormEngine(options=EngineOptions(local_margin=6, closed_form=FAST))
    engine.set_image(image)
    assert engine.predict(trimap).exact
    stroke = trimap.copy()
    stroke[46:50, 18:22] = np.where(stroke[46:50, 18:22] == 128, 255, stroke[46:50, 18:22])
    changed = Rect.of_diff(trimap, stroke)
    assert not changed.empty
    local = engine.predict(stroke, changed)
    assert not local.exact and engine.session.last_report.local_tiles == 1
    exact = engine.refine()
    fresh = FastClosedFormEngine(options=EngineOptions(closed_form=FAST)).estimate(image, stroke)
    np.testing.assert_allclose(exact, fresh, atol=2e-2)   # FAST: CG to a loose tolerance
    assert engine.refine() is None


def test_without_a_changed_region_every_answer_is_exact():
    image, trimap, _ = soft_disk_case(96, 96)
    engine = FastClosedFormEngine(options=EngineOptions(local_margin=6, closed_form=FAST))
    engine.set_image(image)
    engine.predict(trimap)
    stroke = trimap.copy()
    stroke[46:50, 18:22] = 255
    assert engine.predict(stroke).exact and engine.refine() is None
