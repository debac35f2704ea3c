"""Closed-form alpha by a sparse Cholesky factorization of the band (CPU).

The system ``L_SS x = -L_SF x_F`` of the pixels to solve is built as a sparse
matrix (:mod:`.sparse_laplacian`, only the band's windows), ordered by nested
dissection (:mod:`.ordering`) and factorised by CHOLMOD (:mod:`.cholmod`).
It is the exact solution (pymatting's CG stops at a relative residual of
1e-7; the two agree to ~1e-6 in SAD), and on the CPU it is faster than every
iterative solver we measured: with pymatting's epsilon (1e-7) the system is
so ill-conditioned that CG, even with a two-level or algebraic-multigrid
preconditioner, needs a residual of ~1e-5 before the matte stops changing.
``benchmarks/speed.py`` gives the figures.
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np

import scipy.sparse.linalg as spl

from ..geometry import Rect
from .cholmod import CholmodError, Factor, NotPositiveDefinite
from .factorise import factorise_shifted
from .ordering import nested_dissection_postordered
from .sparse_laplacian import build_system

log = logging.getLogger(__name__)

#: a larger factor (as CHOLMOD's analysis predicts it) is left to the iterative solver
MAX_FACTOR_BYTES = 3 * 2 ** 30

#: from this many unknown pixels on, memory counts more than time: the factor is built
#: without padding (on 12 MP with a 10% band: -70 MB, the editor's session then stays
#: under 3 GB); below, the padding makes the factorization ~12% faster
LEAN_PIXELS = 1_000_000
#: relative residual the refinement stops at (pymatting's CG: 1e-7)
REFINE_RTOL = 1e-7
REFINE_MAXITER = 100

# progress: share of the work done after each stage
_ORDERED, _ANALYSED, _FACTORISED = 0.15, 0.25, 0.93


def solve_direct(image: np.ndarray, fixed: np.ndarray, solve: np.ndarray, epsilon: float,
                 radius: int, hook: Callable[[float], None] = lambda f: None,
                 max_factor_bytes: float = MAX_FACTOR_BYTES) -> np.ndarray:
    """Closed-form alpha of the pixels ``solve`` (bool H x W) of ``image``.

    Args:
        image: float H x W x 3 colours.
        fixed: float32 H x W alpha of the fixed pixels (ignored where solved).
        solve: the pixels to solve for.
        epsilon, radius: the matting Laplacian's (pymatting's defaults: 1e-7, 1).
        hook: called with the fraction done; may raise to cancel.
        max_factor_bytes: see :data:`MAX_FACTOR_BYTES`.
    Returns:
        float32 H x W: ``fixed`` where not solved, the solution clipped to [0, 1] elsewhere.
    Raises:
        CholmodError: CHOLMOD missing, the factor too large, or not positive definite;
            the caller falls back to the iterative solver.
    """
    band = Rect.of_mask(solve)
    if band.empty:
        return np.array(fixed, dtype=np.float32, copy=True)
    # work on the band's bounding box grown by the stencil's reach (2r)
    h, w = solve.shape
    reach = 2 * radius
    grown = band.grow(reach, w, h)
    box = grown.slices
    # numbered in nested-dissection order, upper triangle only: CHOLMOD factorises
    # the arrays as they are (a permuted copy would cost ~200 MB on 12 MP)
    shape = (grown.height, grown.width)
    system = build_system(image[box], fixed[box], solve[box], epsilon, radius,
                          order=lambda y, x: nested_dissection_postordered(y, x, shape, reach))
    hook(_ORDERED)
    stages = {"analysed": _ANALYSED, "factorised": _FACTORISED}
    try:
        factor, shift = factorise_shifted(system.matrix, None,
                                          tick=lambda stage: hook(stages[stage]),
                                          max_factor_bytes=max_factor_bytes, upper=True,
                                          natural=True, lean=len(system.rhs) >= LEAN_PIXELS)
    except NotPositiveDefinite as exc:
        raise CholmodError("the matrix would not factorise, even shifted") from exc
    with factor as f:
        if shift == 0.0:
            x, refined = f.solve(system.rhs), 0
        else:
            # rounding made this ill-conditioned matrix look indefinite: conjugate
            # gradients, with the factor of A + delta I as preconditioner, take the
            # solution back to A's
            x, refined = _refine(system, f, hook)
    residual = system.residual(x)
    scale = max(float(np.abs(system.rhs).max()), 1e-300)
    if not np.all(np.isfinite(x)) or float(np.abs(residual).max()) > 1e-6 * scale:
        raise CholmodError("the factorization is not accurate enough (nearly singular system)")
    log.debug("direct solve: %d pixels, %d entries, %d refining iterations", len(x),
              system.matrix.nnz, refined)
    alpha = np.array(fixed, dtype=np.float32, copy=True)    # only now: the factor is freed
    alpha[system.rows + grown.y0, system.cols + grown.x0] = np.clip(x, 0.0, 1.0)
    hook(1.0)
    return alpha


def _refine(system, factor: Factor, hook) -> tuple[np.ndarray, int]:
    """Conjugate gradients on A, preconditioned by the factor of A + delta I."""
    n = len(system.rhs)
    a = spl.LinearOperator((n, n), matvec=system.apply, dtype=np.float64)
    m = spl.LinearOperator((n, n), matvec=factor.solve, dtype=np.float64)
    iterations = [0]

    def step(xk: np.ndarray) -> None:
        iterations[0] += 1
        hook(_FACTORISED)               # lets a cancel through between iterations

    x, _ = spl.cg(a, system.rhs, x0=factor.solve(system.rhs), rtol=REFINE_RTOL,
                  maxiter=REFINE_MAXITER, M=m, callback=step)
    return x, iterations[0]
