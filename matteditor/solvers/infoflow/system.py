"""The information-flow system of one tile, and its preconditioned solve.

Unknowns are the tile's unknown pixels (raster order, as
:func:`matteditor.solvers.sparse_laplacian.build_system` numbers them); the
known pixels are fixed at their trimap value, the limit of the paper's
trimap constraint (lambda = 100 there: known pixels then move by ~1%, and
the result is clamped to the trimap anyway).  The energy is

    E(x) = s_L x^T L x + s_CM |M x - c|^2 + s_KU sum eta (x - west)^2
           + s_UU x^T L_UU x + lambda sum_trimmed (x - t)^2  (+ known terms)

so x solves A x = b with A = s_L L + s_CM M^T M + diag(s_KU eta + lambda trim)
+ s_UU L_UU.  M^T M is never formed (K^2 = 400 entries per row); A is
applied as products.  The preconditioner is P = s_L L + diag(rest of A): the
matting Laplacian, the ill-conditioned part (epsilon 1e-7), exactly, by a
CHOLMOD factorization in nested-dissection order (the closed-form direct
solver's); the non-local flows by their diagonal.  Conjugate gradients then
converge in a few tens of iterations.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl

from .. import cholmod
from ..ordering import nested_dissection_postordered
from ..sparse_laplacian import build_system
from .flows import TilePixels, colour_mixture, intra_unknown, known_to_unknown
from .settings import InfoFlowSettings

log = logging.getLogger(__name__)

#: diagonal shifts (relative to the largest diagonal entry) tried when P will not factorise
_SHIFTS = (0.0, 1e-10, 1e-8, 1e-6)
#: share of the colour-mixture term's diagonal put into the preconditioner: that term is
#: small on the modes where the Laplacian is (functions affine in the colour), so its full
#: diagonal overstates it there; 0.1 took 15-25% fewer CG iterations than 1.0 on eval-dev
#: crops, with the same matte
_CM_DIAGONAL_SHARE = 0.1


@dataclass(frozen=True)
class TileSystem:
    """A x = b of one tile: ``apply`` computes A x; ``precondition`` approximates A^-1 r."""

    apply: Callable[[np.ndarray], np.ndarray]
    rhs: np.ndarray
    local: sp.csr_matrix | None      # s_L L (n x n), or None when the local flow is off
    diagonal: np.ndarray             # diagonal of A minus that of ``local``


def build_tile_system(image: np.ndarray, trimap: np.ndarray, pixels: TilePixels,
                      soft: np.ndarray, settings: InfoFlowSettings, use_ku: bool,
                      hook: Callable[[float], None]) -> TileSystem:
    """Assemble one tile's system.

    Args:
        image: float32 h x w x 3, the tile's box.
        trimap: uint8 h x w, the tile's box.
        pixels: the tile's unknown pixels (raster order) and known neighbours.
        soft: float64 n, trimming targets of the unknown pixels, NaN where none.
        use_ku: whether the known-to-unknown flow is on (transparency test).
        hook: called with a fraction in [0, 1] of this step; may raise to cancel.
    """
    s = settings
    n = pixels.n
    unknown = trimap == 128
    apply_terms: list[Callable[[np.ndarray], np.ndarray]] = []
    rhs = np.zeros(n)
    diagonal = np.zeros(n)
    local = None
    if s.local_weight > 0:
        fixed = (trimap == 255).astype(np.float32)
        system = build_system(image, fixed, unknown, s.epsilon, s.radius)
        local = (s.local_weight * system.matrix).tocsr()
        rhs += s.local_weight * system.rhs
        apply_terms.append(local.__matmul__)
    hook(0.2)
    if s.cm_weight > 0:
        m, c = colour_mixture(pixels, s.cm_neighbours, s.lle_regularizer)
        mt = m.T          # a CSC view, not a copy (~260 MB less for a 1 M pixel band)
        w = s.cm_weight
        apply_terms.append(lambda x: w * (mt @ (m @ x)))
        rhs += w * (mt @ c)
        diagonal += _CM_DIAGONAL_SHARE * w * np.asarray(m.multiply(m).sum(axis=0)).ravel()
    hook(0.6)
    if s.uu_weight > 0:
        luu = (s.uu_weight * intra_unknown(pixels, s.uu_neighbours, s.uu_position_scale)).tocsr()
        apply_terms.append(luu.__matmul__)
        diagonal += luu.diagonal()
    hook(0.8)
    point = np.zeros(n)            # pointwise (diagonal) terms
    if use_ku and s.ku_weight > 0:
        ku = known_to_unknown(pixels, s.ku_neighbours, s.ku_position_scale, s.lle_regularizer)
        if ku is not None:
            estimate, confidence = ku
            point += s.ku_weight * confidence
            rhs += s.ku_weight * confidence * estimate
    trimmed = np.isfinite(soft)
    point[trimmed] += s.trim_weight
    rhs[trimmed] += s.trim_weight * soft[trimmed]
    apply_terms.append(lambda x: point * x)
    diagonal += point
    hook(1.0)

    def apply(x: np.ndarray) -> np.ndarray:
        out = apply_terms[0](x)
        for term in apply_terms[1:]:
            out = out + term(x)
        return out

    return TileSystem(apply, rhs, local, diagonal)


def _factor(system: TileSystem, ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int],
            reach: int) -> "cholmod.Factor | None":
    """CHOLMOD factor of s_L L + diag, or None (no local flow, no CHOLMOD, will not factorise)."""
    if system.local is None or not cholmod.available():
        return None
    p = (system.local + sp.diags(system.diagonal)).tocsr()
    order = nested_dissection_postordered(ys, xs, shape, reach)
    top = float(np.abs(p.diagonal()).max())
    for shift in _SHIFTS:
        try:
            return cholmod.Factor(p, order, shift=shift * top)
        except cholmod.NotPositiveDefinite as exc:
            log.debug("preconditioner: %s (shift %g)", exc, shift)
        except cholmod.CholmodError as exc:
            log.info("preconditioner not factorised (%s); using its diagonal", exc)
            return None
    return None


def solve_tile(system: TileSystem, ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int],
               settings: InfoFlowSettings, hook: Callable[[float], None]
               ) -> tuple[np.ndarray, int]:
    """x (float64 n) and the number of CG iterations.

    ``ys, xs``: the unknown pixels' coordinates in the tile (for the order);
    ``hook`` gets a fraction of this step and may raise to cancel.
    """
    n = len(system.rhs)
    factor = _factor(system, ys, xs, shape, 2 * settings.radius)
    try:
        hook(0.5)
        if factor is not None:
            precondition = factor.solve
        else:
            full = system.diagonal + (system.local.diagonal() if system.local is not None else 0)
            inverse = 1.0 / np.maximum(full, 1e-12)
            precondition = inverse.__mul__
        a = spl.LinearOperator((n, n), matvec=system.apply, dtype=np.float64)
        m = spl.LinearOperator((n, n), matvec=precondition, dtype=np.float64)
        count = [0]

        def step(_x: np.ndarray) -> None:
            count[0] += 1
            hook(0.5 + 0.5 * min(1.0, count[0] / settings.max_iterations))

        x, info = spl.cg(a, system.rhs, x0=precondition(system.rhs), rtol=settings.rtol,
                         maxiter=settings.max_iterations, M=m, callback=step)
        if info > 0:
            log.info("information flow: CG stopped at %d iterations before rtol %g",
                     info, settings.rtol)
        return x, count[0]
    finally:
        if factor is not None:
            factor.close()
