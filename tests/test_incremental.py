"""The incremental-tile planner both tiled sessions share, and the shared
factorisation helpers (shift-and-retry, the direct-or-iterative choice).

The planner is tested on hand-made tiles and alphas (random values, so that a
reused tile is seen to be copied bit for bit rather than recomputed)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from matteditor.geometry import Rect
from matteditor.solvers import cholmod, factorise
from matteditor.solvers.incremental import Job, TileCache

H, W = 40, 100
LEFT, RIGHT = Rect(0, 0, 40, 40), Rect(50, 0, 100, 40)


def two_tile_trimap() -> np.ndarray:
    """Background everywhere, an unknown square in each tile, foreground inside it."""
    trimap = np.zeros((H, W), np.uint8)
    for x0 in (5, 55):
        trimap[5:35, x0:x0 + 30] = 128
        trimap[15:25, x0 + 10:x0 + 20] = 255
    return trimap


def committed(cache: TileCache, trimap: np.ndarray, seed: int = 0, **plan) -> np.ndarray:
    """Plan ``trimap``, 'solve' it with random alpha on the unknown pixels, commit."""
    p = cache.plan(trimap, [LEFT, RIGHT], **plan)
    alpha = p.alpha.copy()
    solve = p.mask()
    alpha[solve] = np.random.default_rng(seed).random(int(solve.sum()), dtype=np.float32)
    cache.commit(p, alpha)
    return alpha


def test_first_plan_solves_every_tile_whole_from_the_trimap():
    trimap = two_tile_trimap()
    plan = TileCache(local_margin=4).plan(trimap, [LEFT, RIGHT], changed=Rect(10, 10, 12, 12))
    assert plan.jobs == (Job(LEFT), Job(RIGHT)) and not plan.approximate
    np.testing.assert_array_equal(plan.alpha, (trimap == 255).astype(np.float32))
    np.testing.assert_array_equal(plan.mask(), trimap == 128)


def test_untouched_tiles_keep_the_previous_alpha_bit_for_bit():
    cache = TileCache()
    trimap = two_tile_trimap()
    before = committed(cache, trimap)
    edited = trimap.copy()
    edited[8:12, 60:64] = 255                       # in the right tile only
    plan = cache.plan(edited, [LEFT, RIGHT])
    assert plan.jobs == (Job(RIGHT),)
    assert np.array_equal(plan.alpha[LEFT.slices], before[LEFT.slices])
    np.testing.assert_array_equal(plan.alpha[RIGHT.slices],
                                  (edited[RIGHT.slices] == 255).astype(np.float32))
    assert not plan.mask()[LEFT.slices].any()


def test_a_tile_whose_rectangle_changed_is_solved_again():
    cache = TileCache()
    trimap = two_tile_trimap()
    committed(cache, trimap)
    moved = Rect(0, 0, 41, 40)                     # same content, another rectangle
    plan = cache.plan(trimap, [moved, RIGHT])
    assert plan.jobs == (Job(moved),)


def test_an_edit_under_half_a_tile_is_solved_only_around_itself():
    cache = TileCache(local_margin=3)
    trimap = two_tile_trimap()
    before = committed(cache, trimap)
    edited = trimap.copy()
    edited[8:10, 10:12] = 255
    plan = cache.plan(edited, [LEFT, RIGHT], changed=Rect(10, 8, 12, 10))
    region = Rect(7, 5, 15, 13)                    # the edit grown by 3
    assert plan.jobs == (Job(LEFT, region),) and plan.local_jobs == 1
    assert plan.approximate == frozenset({LEFT})
    unknown = edited == 128
    # every unknown pixel of the tile starts at its previous alpha; only the region's are solved
    np.testing.assert_array_equal(plan.alpha[LEFT.slices][unknown[LEFT.slices]],
                                  before[LEFT.slices][unknown[LEFT.slices]])
    solve = plan.mask()
    assert solve.sum() == unknown[region.slices].sum() and not solve[~unknown].any()
    assert np.array_equal(plan.alpha[RIGHT.slices], before[RIGHT.slices])


def test_an_edit_over_half_a_tile_solves_the_tile_whole():
    cache = TileCache(local_margin=0)
    trimap = two_tile_trimap()
    committed(cache, trimap)
    edited = trimap.copy()
    edited[0:20, 0:40] = np.where(edited[0:20, 0:40] == 128, 0, edited[0:20, 0:40])
    # exactly half of the 40 x 40 tile: not less than half, so whole
    plan = cache.plan(edited, [LEFT, RIGHT], changed=Rect(0, 0, 40, 20))
    assert plan.jobs == (Job(LEFT),) and not plan.approximate
    # one row less is under half: local
    edited[19] = trimap[19]
    plan = cache.plan(edited, [LEFT, RIGHT], changed=Rect(0, 0, 40, 19))
    assert plan.jobs == (Job(LEFT, Rect(0, 0, 40, 19)),)


def test_without_a_local_margin_or_a_changed_region_tiles_are_solved_whole():
    trimap = two_tile_trimap()
    edited = trimap.copy()
    edited[8:10, 10:12] = 255
    for margin, changed in ((None, Rect(10, 8, 12, 10)), (3, None)):
        cache = TileCache(local_margin=margin)
        committed(cache, trimap)
        assert cache.plan(edited, [LEFT, RIGHT], changed=changed).jobs == (Job(LEFT),)


def test_another_key_reuses_nothing_and_solves_whole():
    cache = TileCache(local_margin=3)
    trimap = two_tile_trimap()
    committed(cache, trimap, key=True)
    edited = trimap.copy()
    edited[8:10, 10:12] = 255
    plan = cache.plan(edited, [LEFT, RIGHT], changed=Rect(10, 8, 12, 10), key=False)
    assert plan.jobs == (Job(LEFT), Job(RIGHT)) and not plan.approximate
    assert cache.plan(trimap, [LEFT, RIGHT], key=True).jobs == ()


def test_refine_plans_the_local_tiles_whole_and_reuse_keeps_them_approximate():
    cache = TileCache(local_margin=3)
    trimap = two_tile_trimap()
    committed(cache, trimap)
    assert cache.refine_plan() is None and not cache.approximate
    edited = trimap.copy()
    edited[8:10, 10:12] = 255
    local = committed(cache, edited, seed=1, changed=Rect(10, 8, 12, 10))
    assert cache.approximate
    # an edit elsewhere reuses the local tile, which stays approximate
    again = edited.copy()
    again[8:10, 60:62] = 255
    plan = cache.plan(again, [LEFT, RIGHT])
    assert plan.jobs == (Job(RIGHT),) and plan.approximate == frozenset({LEFT})
    refine = cache.refine_plan()      # the uncommitted plan changed nothing
    assert refine.jobs == (Job(LEFT),) and refine.trimap is cache.trimap
    assert refine.alpha is not cache.alpha and np.array_equal(refine.alpha, local)
    cache.commit(refine, refine.alpha)
    assert not cache.approximate and cache.refine_plan() is None


def test_a_plan_never_committed_leaves_the_cache_as_it_was():
    cache = TileCache()
    trimap = two_tile_trimap()
    before = committed(cache, trimap)
    edited = trimap.copy()
    edited[8:12, 60:64] = 255
    cache.plan(edited, [LEFT, RIGHT])               # the solve was cancelled
    assert cache.trimap is not None and np.array_equal(cache.trimap, trimap)
    assert cache.alpha is before and cache.plan(trimap, [LEFT, RIGHT]).jobs == ()


def test_a_negative_local_margin_is_refused():
    with pytest.raises(ValueError, match="local_margin"):
        TileCache(local_margin=-1)


def test_direct_or_iterative_is_one_choice(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(cholmod, "available", lambda: True)
    assert factorise.uses_direct("auto", "cpu") and factorise.uses_direct("auto", torch.device("cpu"))
    assert not factorise.uses_direct("auto", "cuda:0")
    assert factorise.uses_direct("direct", "cuda")
    assert not factorise.uses_direct("iterative", "cpu")
    monkeypatch.setattr(cholmod, "available", lambda: False)
    assert not any(factorise.uses_direct(m, "cpu") for m in ("auto", "direct"))


def recording_factor(error: cholmod.CholmodError, tried: list[float]):
    """A cholmod.Factor stand-in that records each shift and raises ``error``."""
    class Failing:
        def __init__(self, matrix, order=None, shift=0.0, **options):
            tried.append(shift)
            raise error

    return Failing


def test_each_shift_is_tried_before_the_matrix_is_refused(monkeypatch):
    tried: list[float] = []
    monkeypatch.setattr(cholmod, "Factor",
                        recording_factor(cholmod.NotPositiveDefinite("simulated"), tried))
    with pytest.raises(cholmod.NotPositiveDefinite, match="even shifted"):
        factorise.factorise_shifted(sp.csr_matrix(sp.diags([4.0, -1.0, 2.0])))
    assert tried == [4.0 * s for s in factorise.SHIFTS]


def test_a_factor_too_large_is_not_retried_shifted(monkeypatch):
    tried: list[float] = []
    monkeypatch.setattr(cholmod, "Factor", recording_factor(cholmod.CholmodError("too large"), tried))
    with pytest.raises(cholmod.CholmodError, match="too large"):
        factorise.factorise_shifted(sp.csr_matrix(sp.diags([4.0, 1.0, 2.0])))
    assert tried == [0.0]


@pytest.mark.skipif(not cholmod.available(), reason="CHOLMOD (cvxopt on Linux) not available")
def test_a_positive_definite_matrix_is_factorised_unshifted():
    a = sp.csr_matrix(sp.diags([2.0, 3.0, 4.0]))
    factor, shift = factorise.factorise_shifted(a)
    with factor:
        assert shift == 0.0
        np.testing.assert_allclose(factor.solve(np.array([2.0, 3.0, 4.0])), 1.0)
