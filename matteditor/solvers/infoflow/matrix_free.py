"""Information-flow's system solved without a factorization, in torch: the path for CUDA.

No sparse Cholesky factorization runs on the GPU, so the local flow is not
assembled: it is the matting Laplacian of :mod:`matteditor.solvers.closed_form`'s
matrix-free solver (box filters on blocks of the band, conjugate gradients with
a two-level preconditioner, fast-cf's CUDA path), and the non-local flows are
added to its products as sparse matrices on the device
(:class:`~matteditor.solvers.closed_form.ExtraTerms`).  The neighbour searches and
LLE weights stay on the CPU (scipy).  On the CPU the factorized path
(:mod:`.system`) is used; this one runs there only when CHOLMOD is missing or
when asked (``InfoFlowSettings.method``), which is how the tests check it.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
import torch

from ..closed_form import ExtraTerms, Problem, _initial_guess, solve_level
from ..settings import CFSettings
from .flows import TilePixels
from .settings import InfoFlowSettings
from .system import tile_flows


def _on_device(matrix: sp.spmatrix, device: torch.device) -> torch.Tensor:
    coo = matrix.tocoo()
    index = torch.from_numpy(np.vstack([coo.row, coo.col]).astype(np.int64))
    return torch.sparse_coo_tensor(index, torch.from_numpy(coo.data.astype(np.float64)),
                                   coo.shape, check_invariants=False).coalesce().to(device)


def solve_tile_matrix_free(image: np.ndarray, fixed: np.ndarray, unknown: np.ndarray,
                           pixels: TilePixels, soft: np.ndarray, settings: InfoFlowSettings,
                           use_ku: bool, device: torch.device | str,
                           hook: Callable[[float], None], x0: np.ndarray | None = None
                           ) -> np.ndarray:
    """The unknowns (float64 n, raster order of ``unknown``) of one tile.

    Arguments as :func:`.system.build_tile_system`'s, and ``device`` (torch),
    ``x0`` (float64 n starting guess, or None).  Needs the local flow on.
    """
    s = settings
    if s.local_weight <= 0:
        raise ValueError("the matrix-free path needs the local flow (local_weight > 0)")
    device = torch.device(device)
    flows = tile_flows(pixels, soft, s, use_ku, lambda f: hook(0.3 * f))
    scale = 1.0 / s.local_weight      # the solver's Laplacian has weight 1: divide the rest
    matrices: list[torch.Tensor] = []
    if flows.uu_upper is not None:
        upper = flows.uu_upper
        matrices.append(_on_device((upper + upper.T - sp.diags(upper.diagonal())) * scale, device))
    if flows.cm is not None:
        m, w = flows.cm
        mt, mm = _on_device(m.T, device), _on_device(m * (w * scale), device)

    def product(u: torch.Tensor) -> torch.Tensor:
        column = u.unsqueeze(1)
        out = torch.zeros_like(column)
        for matrix in matrices:
            out = out + torch.sparse.mm(matrix, column)
        if flows.cm is not None:
            out = out + torch.sparse.mm(mt, torch.sparse.mm(mm, column))
        return out.squeeze(1)

    extra = ExtraTerms(flows.point * scale, flows.rhs * scale,
                       product if (matrices or flows.cm is not None) else None,
                       flows.s_diagonal() * scale)
    problem = Problem(image, fixed.astype(np.float32), unknown)
    start = _initial_guess(problem)
    if x0 is not None:
        start[unknown] = x0
    cf = CFSettings(epsilon=s.epsilon, radius=s.radius, method="iterative", rtol=s.rtol)
    with torch.inference_mode():
        alpha = solve_level(problem, start, cf, s.rtol, device, lambda f: hook(0.3 + 0.7 * f),
                            extra)
    return alpha[unknown].astype(np.float64)
