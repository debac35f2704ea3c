"""When the band's systems are factorised, and how an ill-conditioned one is.

The closed-form direct solver (:mod:`.direct`) and information flow's
preconditioner (:mod:`.infoflow.system`) both factorise a matting Laplacian
with CHOLMOD.  With pymatting's epsilon (1e-7) it is so ill-conditioned that
rounding can make it look indefinite (3 of the 158 eval-dev crops):
:func:`factorise_shifted` then factorises A + delta I for growing delta, and
the caller takes conjugate gradients, preconditioned by that factor, back to
A's solution.  :func:`uses_direct` is the one direct-or-iterative choice of
the solvers' ``method`` setting.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

from . import cholmod

log = logging.getLogger(__name__)

#: diagonal shifts tried, relative to the largest diagonal entry, when A itself will not factorise
SHIFTS = (0.0, 1e-10, 1e-8, 1e-6)


def uses_direct(method: str, device: object) -> bool:
    """Whether a solver set to ``method`` ("auto", "direct" or "iterative") factorises on ``device``
    (a torch device or its name): never without CHOLMOD; "direct" on any device, "auto"
    on the CPU (elsewhere the torch iterative path is faster)."""
    if method == "iterative" or not cholmod.available():
        return False
    device_type = getattr(device, "type", None) or str(device).partition(":")[0]
    return method == "direct" or device_type == "cpu"


def factorise_shifted(matrix: sp.csr_matrix, order: np.ndarray | None = None,
                      **options) -> tuple[cholmod.Factor, float]:
    """The CHOLMOD factor of ``matrix + shift * max|diag| * I`` for the first of
    :data:`SHIFTS` that factorises, and that relative shift (0.0: ``matrix`` itself).

    ``matrix``, ``order`` and ``options`` (``tick``, ``upper``, ``natural``, ``lean``,
    ``max_factor_bytes``) as :class:`.cholmod.Factor`'s.  The caller closes the factor.
    Raises:
        NotPositiveDefinite: not even the largest shift factorises.
        CholmodError: CHOLMOD missing, the factor too large, out of memory (at once).
    """
    top = float(np.abs(matrix.diagonal()).max())
    for shift in SHIFTS:
        try:
            return cholmod.Factor(matrix, order, shift=shift * top, **options), shift
        except cholmod.NotPositiveDefinite as exc:
            log.debug("%s (shift %g); shifting the diagonal", exc, shift)
    raise cholmod.NotPositiveDefinite(f"the matrix would not factorise, even shifted by "
                                      f"{SHIFTS[-1]:g} of its largest diagonal entry")
