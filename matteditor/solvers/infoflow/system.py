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
applied as products.  The preconditioner is P = s_L L + diag(rest of A), formed in
place of L (one band matrix in memory, not two): the
matting Laplacian, the ill-conditioned part (epsilon 1e-7), exactly, by a
CHOLMOD factorization in nested-dissection order (the closed-form direct
solver's); the non-local flows by their diagonal.  Conjugate gradients then
converge in a few tens of iterations; without the colour-mixture and intra-unknown
flows P = A and one solve with its factor is the answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl

from .. import cholmod
from ..factorise import factorise_shifted
from ..ordering import nested_dissection_postordered
from ..sparse_laplacian import build_system
from .flows import TilePixels, colour_mixture, intra_unknown, known_to_unknown
from .settings import InfoFlowSettings

log = logging.getLogger(__name__)

#: share of the colour-mixture term's diagonal put into the preconditioner: that term is
#: small on the modes where the Laplacian is (functions affine in the colour), so its full
#: diagonal overstates it there; 0.1 took 15-25% fewer CG iterations than 1.0 on eval-dev
#: crops, with the same matte
_CM_DIAGONAL_SHARE = 0.1


@dataclass(frozen=True)
class TileSystem:
    """A x = b of one tile: ``apply`` computes A x (float64 n -> float64 n).

    ``matrix`` is the upper triangle (CSR n x n, float64) of the preconditioner
    P = s_L L + diag(``diagonal``), built in place of the Laplacian, or None when the local
    flow is off (``diagonal`` is then A's diagonal).  Symmetric matrices are held as their
    upper triangles: on the largest eval-dev band (1.1 M unknowns) that kept the peak
    under 3 GB (the factor takes ~1.9 GB).  ``exact``: P = A (no
    colour-mixture or intra-unknown flow), so one solve with P's factor is the answer.
    """

    apply: Callable[[np.ndarray], np.ndarray]
    rhs: np.ndarray
    matrix: sp.csr_matrix | None
    diagonal: np.ndarray
    exact: bool


@dataclass(frozen=True)
class Flows:
    """The terms of one tile's energy besides the local flow: x^T S x with
    S = w_CM M^T M + L_UU (the non-local flows), plus pointwise terms
    sum ``point`` x^2, and their share ``rhs`` of the right-hand side."""

    rhs: np.ndarray                                 # float64 n
    point: np.ndarray                               # float64 n: known-to-unknown, trimming
    cm: tuple[sp.csr_matrix, float] | None          # (M, w_CM)
    cm_diagonal: np.ndarray                         # float64 n: diag(w_CM M^T M)
    uu_upper: sp.csr_matrix | None                  # upper triangle of the weighted L_UU

    def products(self) -> list[Callable[[np.ndarray], np.ndarray]]:
        """x -> (term) x for each non-local term (numpy)."""
        out = []
        if self.cm is not None:
            m, w = self.cm
            mt = m.T      # a CSC view, not a copy (~260 MB less for a 1 M pixel band)
            out.append(lambda x: w * (mt @ (m @ x)))
        if self.uu_upper is not None:
            out.append(_symmetric_product(self.uu_upper))
        return out

    def s_diagonal(self) -> np.ndarray:
        uu = self.uu_upper.diagonal() if self.uu_upper is not None else 0.0
        return self.cm_diagonal + uu


def tile_flows(pixels: TilePixels, soft: np.ndarray, settings: InfoFlowSettings, use_ku: bool,
               hook: Callable[[float], None]) -> Flows:
    """The colour-mixture, intra-unknown and known-to-unknown flows and the trimming
    targets of one tile (arguments as :func:`build_tile_system`'s)."""
    s = settings
    n = pixels.n
    rhs = np.zeros(n)
    cm, cm_diagonal, uu_upper = None, np.zeros(n), None
    if s.cm_weight > 0:
        m, c = colour_mixture(pixels, s.cm_neighbours, s.lle_regularizer, s.search_eps)
        w = s.cm_weight
        cm = (m, w)
        rhs += w * (m.T @ c)
        cm_diagonal = w * np.asarray(m.multiply(m).sum(axis=0)).ravel()
    hook(0.5)
    if s.uu_weight > 0:
        luu = intra_unknown(pixels, s.uu_neighbours, s.uu_position_scale, s.search_eps)
        luu.data *= s.uu_weight
        uu_upper = sp.triu(luu, format="csr")
        del luu
    hook(0.75)
    point = np.zeros(n)            # pointwise (diagonal) terms
    if use_ku and s.ku_weight > 0:
        ku = known_to_unknown(pixels, s.ku_neighbours, s.ku_position_scale, s.lle_regularizer,
                              s.search_eps)
        if ku is not None:
            estimate, confidence = ku
            point += s.ku_weight * confidence
            rhs += s.ku_weight * confidence * estimate
    trimmed = np.isfinite(soft)
    point[trimmed] += s.trim_weight
    rhs[trimmed] += s.trim_weight * soft[trimmed]
    hook(1.0)
    return Flows(rhs, point, cm, cm_diagonal, uu_upper)


def build_tile_system(image: np.ndarray, fixed: np.ndarray, unknown: np.ndarray,
                      pixels: TilePixels, soft: np.ndarray, settings: InfoFlowSettings,
                      use_ku: bool, hook: Callable[[float], None]) -> TileSystem:
    """Assemble one tile's system.

    Args:
        image: float32 h x w x 3, the tile's box.
        fixed: float32 h x w, the alpha of the pixels that are not unknowns, as the local
            flow sees them: 0 / 1 where the trimap is known; a local solve also fixes
            the unknown pixels around the edit at their previous alpha.
        unknown: bool h x w, the unknowns (``pixels``' first n, in raster order).
        pixels: the unknowns and the known pixels that serve as their neighbours.
        soft: float64 n, trimming targets of the unknown pixels, NaN where none.
        use_ku: whether the known-to-unknown flow is on (transparency test).
        hook: called with a fraction in [0, 1] of this step; may raise to cancel.
    """
    s = settings
    n = pixels.n
    local, rhs = None, np.zeros(n)
    if s.local_weight > 0:
        system = build_system(image, fixed, unknown, s.epsilon, s.radius)
        local = system.matrix.tocsr()
        if s.local_weight != 1:
            local.data *= s.local_weight
        rhs += s.local_weight * system.rhs
        del system
    hook(0.2)
    flows = tile_flows(pixels, soft, s, use_ku, lambda f: hook(0.2 + 0.8 * f))
    rhs += flows.rhs
    terms = flows.products()
    # A x = P x + sum(terms) x - extra * x: the non-local flows enter P by a share of their
    # diagonal (``extra``), which the apply takes back out
    extra = _CM_DIAGONAL_SHARE * flows.cm_diagonal
    if flows.uu_upper is not None:
        extra = extra + flows.uu_upper.diagonal()
    point = flows.point
    diagonal = point + extra
    if local is not None:
        local.setdiag(local.diagonal() + diagonal)      # P, in place (the diagonal is stored)
        local = sp.triu(local, format="csr")
        base, correction = _symmetric_product(local), extra
    else:
        base, correction = (lambda x: point * x), np.zeros(n)

    def apply(x: np.ndarray) -> np.ndarray:
        out = base(x)
        for term in terms:
            out += term(x)
        if correction.any():
            out -= correction * x
        return out

    return TileSystem(apply, rhs, local, diagonal, exact=local is not None and not terms)


def _symmetric_product(upper: sp.csr_matrix) -> Callable[[np.ndarray], np.ndarray]:
    """x -> S x for the symmetric S whose upper triangle (diagonal included) is ``upper``
    (``upper.T`` is a CSC view: no copy)."""
    lower = upper.T
    diagonal = upper.diagonal()

    def product(x: np.ndarray) -> np.ndarray:
        out = upper @ x
        out += lower @ x
        out -= diagonal * x
        return out

    return product


def _factor(system: TileSystem, ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int],
            reach: int) -> "cholmod.Factor | None":
    """CHOLMOD factor of s_L L + diag, its diagonal shifted if need be
    (:func:`~matteditor.solvers.factorise.factorise_shifted`), or None (no local flow,
    no CHOLMOD, will not factorise)."""
    if system.matrix is None or not cholmod.available():
        return None
    order = nested_dissection_postordered(ys, xs, shape, reach)
    try:
        return factorise_shifted(system.matrix, order, upper=True, lean=True)[0]
    except cholmod.CholmodError as exc:
        log.info("preconditioner not factorised (%s); using its diagonal", exc)
        return None


def solve_tile(system: TileSystem, ys: np.ndarray, xs: np.ndarray, shape: tuple[int, int],
               settings: InfoFlowSettings, hook: Callable[[float], None],
               x0: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """x (float64 n) and the number of CG iterations.

    ``ys, xs``: the unknown pixels' coordinates in the tile (for the order);
    ``hook`` gets a fraction of this step and may raise to cancel; ``x0``: a
    starting guess (e.g. the previous answer, when refining a local one), else
    the preconditioner's answer to the right-hand side.
    """
    n = len(system.rhs)
    factor = _factor(system, ys, xs, shape, 2 * settings.radius)
    try:
        hook(0.5)
        if factor is not None and system.exact:
            return factor.solve(system.rhs), 0
        if factor is not None:
            precondition = factor.solve
        else:
            full = system.matrix.diagonal() if system.matrix is not None else system.diagonal
            inverse = 1.0 / np.maximum(full, 1e-12)
            precondition = inverse.__mul__
        a = spl.LinearOperator((n, n), matvec=system.apply, dtype=np.float64)
        m = spl.LinearOperator((n, n), matvec=precondition, dtype=np.float64)
        count = [0]

        def step(_x: np.ndarray) -> None:
            count[0] += 1
            hook(0.5 + 0.5 * min(1.0, count[0] / settings.max_iterations))

        start = precondition(system.rhs) if x0 is None else np.asarray(x0, np.float64)
        x, info = spl.cg(a, system.rhs, x0=start, rtol=settings.rtol,
                         maxiter=settings.max_iterations, M=m, callback=step)
        if info > 0:
            log.info("information flow: CG stopped at %d iterations before rtol %g",
                     info, settings.rtol)
        return x, count[0]
    finally:
        if factor is not None:
            factor.close()
