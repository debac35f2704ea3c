"""The direct closed-form solver: the sparse system against pymatting's matrix,
the nested-dissection order, the CHOLMOD binding, and the fallback to the
iterative solver."""

from __future__ import annotations

import ctypes
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp

from matteditor.solvers import closed_form
from matteditor.solvers.cholmod import CholmodError, Factor, available
from matteditor.solvers.closed_form import Problem, solve_closed_form, uses_direct
from matteditor.solvers.direct import solve_direct
from matteditor.solvers.ordering import nested_dissection, nested_dissection_postordered
from matteditor.solvers.settings import CFSettings
from matteditor.solvers.sparse_laplacian import build_system

from test_fast_cf import pymatting_alpha, soft_disk_case


def solve_spd(matrix, rhs, order=None, **kwargs):
    """Solve ``A x = rhs`` once; x and whether the given order was used."""
    with Factor(matrix, order, **kwargs) as factor:
        return factor.solve(rhs), factor.given_order


pymatting = pytest.importorskip("pymatting")
needs_cholmod = pytest.mark.skipif(not available(), reason="CHOLMOD (cvxopt on Linux) not available")


@pytest.mark.parametrize("radius", [1, 2])
def test_system_matches_pymatting_rows_of_the_unknown_pixels(radius):
    rng = np.random.default_rng(2)
    h, w = 29, 37
    image = rng.random((h, w, 3))
    image[:9, :12] = 0.4                                   # flat: the ill-conditioned windows
    solve = np.zeros((h, w), bool)
    solve[3:20, 0:30] = True                               # touches the image border
    solve[24:27, 31:35] = True                             # a second, separate group
    fixed = rng.random((h, w))                              # not only 0 and 1
    L = pymatting.cf_laplacian(image, 1e-7, radius).tocsr()
    s, k = solve.ravel(), ~solve.ravel()
    system = build_system(image, fixed, solve, 1e-7, radius)
    expected = L[s][:, s]
    assert abs(system.matrix - expected).max() < 1e-9 * abs(expected).max()
    rhs = -(L[s][:, k] @ fixed.ravel()[k])
    np.testing.assert_allclose(system.rhs, rhs, rtol=0, atol=1e-9 * np.abs(rhs).max())
    ys, xs = np.nonzero(solve)
    np.testing.assert_array_equal(system.rows, ys)
    np.testing.assert_array_equal(system.cols, xs)


def test_a_window_of_collinear_colours_gets_its_exact_laplacian():
    # grey pixels: the window covariance has rank one, the worst case for inverting
    # Sigma + eps/9 I by cofactors (pymatting's entries are off by ~4e-3 here)
    v = np.array([[0.05, 0.95, 0.05], [0.95, 0.05, 0.95], [0.05, 0.95, 0.95]])
    image = np.repeat(v[:, :, None], 3, axis=2)
    eps = 1e-7
    d = (v - v.mean()).ravel()
    # with C = d (1, 1, 1): c_i^T (C^T C + eps I)^-1 c_j = 3 d_i d_j / (3 |d|^2 + eps)
    exact = np.eye(9) - 1 / 9 - np.outer(d, d) * 3 / (3 * (d ** 2).sum() + eps)
    ours = build_system(image, np.zeros((3, 3)), np.ones((3, 3), bool), eps, 1).matrix.toarray()
    assert np.abs(ours - exact).max() < 1e-12
    assert np.linalg.eigvalsh(ours).min() > -1e-12


def test_system_built_in_a_given_order_is_the_permuted_upper_triangle():
    rng = np.random.default_rng(4)
    h, w = 26, 33
    image = rng.random((h, w, 3)).astype(np.float32)
    solve = np.zeros((h, w), bool)
    solve[4:22, 3:30] = True
    fixed = rng.random((h, w)).astype(np.float32)
    plain = build_system(image, fixed, solve)
    order = nested_dissection_postordered(plain.rows, plain.cols, (h, w))
    ordered = build_system(image, fixed, solve, order=lambda ys, xs: order)
    assert ordered.upper
    expected = sp.triu(plain.matrix[order][:, order])
    assert abs(ordered.matrix - expected).max() == 0
    assert ordered.matrix.has_sorted_indices
    np.testing.assert_array_equal(ordered.rhs, plain.rhs[order])
    np.testing.assert_array_equal(ordered.rows, plain.rows[order])
    x = rng.random(len(order))
    np.testing.assert_allclose(ordered.residual(x), (plain.matrix[order][:, order] @ x) - ordered.rhs)


def test_postordered_dissection_is_a_permutation_keeping_separators_after_their_parts():
    ys, xs = np.nonzero(np.ones((40, 50), bool))
    order = nested_dissection_postordered(ys, xs, (40, 50))
    assert sorted(order.tolist()) == list(range(len(ys)))
    # the top separator (a 2-pixel column strip) still comes after everything it separates
    last = order[-2 * 40:]
    assert np.ptp(xs[last]) == 1


def test_nested_dissection_is_a_permutation_that_eliminates_a_cutting_strip_last():
    ys, xs = np.nonzero(np.ones((60, 90), bool))
    order = nested_dissection(ys, xs, reach=2)
    assert sorted(order.tolist()) == list(range(len(ys)))
    # the last pixels eliminated are the top-level separator: a 2-pixel-wide column
    # strip (the piece is wider than tall) with pixels on both sides of it
    last = order[-2 * 60:]
    assert len(set(xs[last])) == 2 and np.ptp(xs[last]) == 1 and len(set(ys[last])) == 60
    assert xs.min() < xs[last].min() and xs[last].max() < xs.max()


def test_nested_dissection_of_a_small_or_empty_set_keeps_raster_order():
    np.testing.assert_array_equal(nested_dissection(np.arange(5), np.arange(5)), np.arange(5))
    assert len(nested_dissection(np.array([], np.int64), np.array([], np.int64))) == 0


@needs_cholmod
@pytest.mark.parametrize("ordered", [True, False])
def test_cholmod_solves_a_grid_system(ordered):
    rng = np.random.default_rng(0)
    ys, xs = np.nonzero(np.ones((30, 40), bool))
    n = len(ys)
    lap = sp.diags([4.0] * n) - sp.eye(n, k=1) - sp.eye(n, k=-1) - sp.eye(n, k=40) - sp.eye(n, k=-40)
    a = (lap + 0.01 * sp.eye(n)).tocsr()
    b = rng.random(n)
    x, given = solve_spd(a, b, nested_dissection(ys, xs, reach=1) if ordered else None)
    assert np.abs(a @ x - b).max() < 1e-9
    assert given == ordered
    lean, _ = solve_spd(a, b, lean=True)          # no supernode padding: the same solution
    assert np.abs(lean - x).max() < 1e-9


@needs_cholmod
def test_cholmod_refuses_a_singular_matrix():
    # what a band without any fixed pixel gives (L 1 = 0)
    a = sp.csr_matrix(np.array([[1.0, -1.0], [-1.0, 1.0]]))
    with pytest.raises(CholmodError, match="not positive definite"):
        solve_spd(a, np.ones(2))


@needs_cholmod
def test_cholmod_refuses_a_factor_over_the_memory_cap():
    a = sp.identity(100, format="csr")
    with pytest.raises(CholmodError, match="GiB"):
        solve_spd(a, np.ones(100), max_factor_bytes=10)


@needs_cholmod
def test_cholmod_lets_other_threads_run_while_it_factorises():
    # ~100k unknowns: the factorization takes a good fraction of a second; a
    # binding that held the GIL would let the loop below run once or twice
    image, trimap, _ = soft_disk_case(400, 500, seed=1)
    unknown = np.zeros_like(trimap, dtype=bool)
    unknown[20:380, 20:480] = True
    system = build_system(image, (trimap == 255).astype(np.float64), unknown)
    order = nested_dissection(system.rows, system.cols)
    stages: list[str] = []
    runs = [0]
    thread = threading.Thread(target=lambda: solve_spd(system.matrix, system.rhs, order,
                                                       tick=stages.append))
    thread.start()
    while thread.is_alive():
        if stages == ["analysed"]:      # counting only while CHOLMOD factorises
            runs[0] += 1
        time.sleep(0.001)
    thread.join()
    assert stages == ["analysed", "factorised"]
    assert runs[0] >= 10


@needs_cholmod
def test_direct_solve_matches_pymatting():
    image, trimap, _ = soft_disk_case()
    unknown = trimap == 128
    ours = solve_direct(image, (trimap == 255).astype(np.float32), unknown, 1e-7, 1)
    ref = pymatting_alpha(image, trimap)
    assert np.abs(ours - ref)[unknown].max() < 1e-5
    assert np.all(ours[trimap == 255] == 1) and np.all(ours[trimap == 0] == 0)


@needs_cholmod
def test_a_matrix_that_will_not_factorise_is_shifted_then_refined_to_the_same_alpha(monkeypatch):
    from matteditor.solvers import cholmod
    from matteditor.solvers.cholmod import Factor, NotPositiveDefinite

    shifts = []

    class Stubborn(Factor):     # as if rounding made A look indefinite
        def __init__(self, *args, shift=0.0, **kwargs):
            shifts.append(shift)
            if shift == 0.0:
                raise NotPositiveDefinite("simulated")
            super().__init__(*args, shift=shift, **kwargs)

    monkeypatch.setattr(cholmod, "Factor", Stubborn)    # factorise_shifted builds every factor
    image, trimap, _ = soft_disk_case()
    unknown = trimap == 128
    ours = solve_direct(image, (trimap == 255).astype(np.float32), unknown, 1e-7, 1)
    assert shifts[0] == 0.0 and shifts[1] > 0.0
    assert np.abs(ours - pymatting_alpha(image, trimap))[unknown].max() < 1e-4


@needs_cholmod
def test_direct_solve_keeps_given_values_outside_the_band():
    image, trimap, _ = soft_disk_case()
    unknown = trimap == 128
    fixed = np.full(trimap.shape, 0.25, np.float32)
    ours = solve_direct(image, fixed, unknown, 1e-7, 1)
    np.testing.assert_array_equal(ours[~unknown], fixed[~unknown])


@needs_cholmod
def test_cpu_default_is_direct_and_cuda_or_asked_is_iterative():
    assert uses_direct(CFSettings(), "cpu")
    assert not uses_direct(CFSettings(), "cuda")
    assert uses_direct(CFSettings(method="direct"), "cuda")
    assert not uses_direct(CFSettings(method="iterative"), "cpu")


def test_a_failed_direct_solve_falls_back_to_conjugate_gradients(monkeypatch):
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise CholmodError("simulated")

    monkeypatch.setattr(closed_form, "solve_direct", failing)
    monkeypatch.setattr(closed_form, "uses_direct", lambda settings, device: True)
    image, trimap, _ = soft_disk_case()
    unknown = trimap == 128
    settings = CFSettings(rtol=1e-8)
    ours = solve_closed_form(Problem(image, (trimap == 255).astype(np.float32), unknown), settings, "cpu")
    assert calls == [1]
    assert np.abs(ours - pymatting_alpha(image, trimap))[unknown].max() < 1e-3


@needs_cholmod
def test_a_band_over_the_factor_cap_is_solved_iteratively_with_the_same_result():
    image, trimap, _ = soft_disk_case()
    unknown = trimap == 128
    problem = Problem(image, (trimap == 255).astype(np.float32), unknown)
    capped = solve_closed_form(problem, CFSettings(max_factor_mb=0, rtol=1e-8), "cpu")
    direct = solve_closed_form(problem, CFSettings(), "cpu")
    assert np.abs(capped - direct)[unknown].max() < 1e-3


@needs_cholmod
def test_the_library_is_used_only_with_the_expected_struct_layout():
    from matteditor.solvers import cholmod

    lib = cholmod._library()
    common = cholmod._new_common()
    lib.cholmod_start(common)
    try:
        assert cholmod._layout_as_expected(common)
        # Another version of the library: one more int field before each of the checked
        # fields in turn (everything after it 4 bytes further on), the offsets unchanged.
        raw = bytes(common)
        for field in ("_OFF_SUPERNODAL", "_OFF_ZRELAX", "_OFF_PRINT", "_OFF_NMETHODS",
                      "_OFF_POSTORDER", "_OFF_ITYPE"):
            at = getattr(cholmod, field)
            other = cholmod._new_common()
            shifted = raw[:at] + b"\x5a" * 4 + raw[at:len(raw) - 4]
            ctypes.memmove(other, shifted, len(shifted))
            assert not cholmod._layout_as_expected(other), field
    finally:
        lib.cholmod_finish(common)
