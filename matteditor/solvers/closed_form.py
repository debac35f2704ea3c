"""Closed-form alpha for the masked pixels of a picture.

On the CPU the system is factorised (:mod:`.direct`, exact and fastest there);
the rest of this module is the iterative solver, which runs in torch on any
device (CUDA included) and takes over when the direct one cannot run.

Known pixels are hard constraints, as in pymatting's ``estimate_alpha_cf``:
with S the pixels to solve and F the fixed ones, ``L_SS x_S = -L_SF x_F``.
Fixed values need not be 0/1 (an incremental solve fixes pixels it reuses).
The system is solved with conjugate gradients preconditioned by Jacobi plus a
coarse correction on colour-affine aggregates (:mod:`.coarse_space`; ~50
iterations where Jacobi alone needs ~1000), starting from a smooth spread of
the fixed values or, given ``x0``, from the previous alpha of an incremental
solve.  (A coarse-to-fine warm start on downsampled pictures no longer paid off
with the coarse correction, and went.)

The solve runs on the process's torch CPU threads as configured once at
start-up (the cluster's workers and ``benchmarks/speed.py --threads`` set them);
it never changes them itself, as a per-solve ``torch.set_num_threads`` changed
them for every other thread of the process meanwhile.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np
import torch

from . import cholmod, factorise
from .blocks import BlockLayout
from .cg_torch import pcg
from .coarse_space import AggregateCoarseSpace
from .direct import solve_direct
from .laplacian_torch import BlockLaplacian
from .settings import CFSettings

log = logging.getLogger(__name__)

#: (fraction in [0, 1]) -> None; raises to cancel
Hook = Callable[[float], None]

#: share of a level's progress given to building the coarse correction (~40% of its time)
SETUP_SHARE = 0.4


@dataclass(frozen=True)
class Problem:
    """One level of the solve.

    image: float32 H x W x 3 in [0, 1]; fixed: float32 H x W alpha of the fixed
    pixels (ignored where solved); solve: bool H x W, pixels to solve for.
    """

    image: np.ndarray
    fixed: np.ndarray
    solve: np.ndarray


def _initial_guess(problem: Problem) -> np.ndarray:
    """Smooth guess: fixed values spread into the solved pixels by normalised blur."""
    known = (~problem.solve).astype(np.float32)
    values = problem.fixed * known
    k = max(3, (min(problem.solve.shape) // 8) | 1)
    num = cv2.blur(values, (k, k))
    den = cv2.blur(known, (k, k))
    return np.where(den > 1e-6, num / np.maximum(den, 1e-6), 0.5).astype(np.float32)


def _valid_windows(layout: BlockLayout, r: int) -> torch.Tensor:
    """B x 1 x Q x Q, 1 where the window centred there lies wholly inside the picture
    (pymatting's convention), computed from coordinates: no picture-sized array."""
    h, w = layout.shape
    q = layout.padded_side - 2 * r
    offsets = torch.arange(q, device=layout.device) - r     # window centre - block origin
    ys = layout.block_rows.view(-1, 1) * layout.block + offsets
    xs = layout.block_cols.view(-1, 1) * layout.block + offsets
    ok_y = ((ys >= r) & (ys < h - r)).to(torch.float64)
    ok_x = ((xs >= r) & (xs < w - r)).to(torch.float64)
    return (ok_y.unsqueeze(2) * ok_x.unsqueeze(1)).unsqueeze(1)


@dataclass(frozen=True)
class ExtraTerms:
    """Terms another energy adds to the Laplacian's system on the pixels solved
    (numbered in raster order of ``Problem.solve``): A + diag(``diagonal``) + S,
    b + ``rhs``; ``product`` applies S to a float64 torch vector on the solve's device
    (None: no S) and ``product_diagonal`` is S's diagonal (for the preconditioner).
    Information-flow's non-local flows reach the matrix-free solver this way."""

    diagonal: np.ndarray
    rhs: np.ndarray
    product: Callable[[torch.Tensor], torch.Tensor] | None = None
    product_diagonal: np.ndarray | None = None


def solve_level(problem: Problem, x0: np.ndarray, settings: CFSettings, rtol: float,
                device: torch.device, hook: Hook, extra: ExtraTerms | None = None
                ) -> np.ndarray:
    """Solve one level; returns float32 H x W alpha (fixed values kept, solution clipped to [0, 1])."""
    r = settings.radius
    dtype = getattr(torch, settings.dtype)
    h, w = problem.solve.shape
    layout = BlockLayout(problem.solve, settings.block, 2 * r, device)
    if layout.count == 0:
        return problem.fixed.copy()
    img_blocks = layout.gather_padded(layout.to_canvas(problem.image, torch.float32))
    mean = torch.from_numpy(problem.image.reshape(-1, 3).astype(np.float64).mean(0)).to(device)
    img_blocks = img_blocks.to(torch.float64) - mean.view(1, 3, 1, 1)
    valid = _valid_windows(layout, r)
    lap = BlockLaplacian(img_blocks, valid, settings.epsilon, r, dtype)
    del valid
    # progress: building the coarse correction counts for the first SETUP_SHARE
    setup_share = SETUP_SHARE if settings.aggregate else 0.0

    mask = layout.gather_interior(layout.to_canvas(problem.solve, dtype)).contiguous()
    fixed = np.where(problem.solve, 0.0, problem.fixed)
    rhs = -lap.matvec(layout.gather_padded(layout.to_canvas(fixed, dtype)).contiguous()) * mask
    start = layout.gather_interior(layout.to_canvas(x0, dtype)).contiguous() * mask
    diag = lap.diagonal
    m_inv = torch.where(mask > 0, 1.0 / torch.clamp(diag, min=1e-12), torch.zeros_like(diag))
    canvas = layout.new_canvas(dtype)

    def apply_a(v: torch.Tensor) -> torch.Tensor:
        layout.scatter_interior(canvas, v)
        return lap.matvec(layout.gather_padded(canvas)) * mask

    if extra is not None:
        apply_a, rhs, diag = _with_extra(extra, layout, problem.solve, apply_a, rhs, diag,
                                         mask, dtype)
        m_inv = torch.where(mask > 0, 1.0 / torch.clamp(diag, min=1e-12), torch.zeros_like(diag))

    log_target = math.log(rtol)

    def on_iteration(it: int, rel: float) -> None:
        done = min(1.0, max(0.0, math.log(max(rel, 1e-30)) / log_target)) if rel < 1 else 0.0
        hook(setup_share + (1.0 - setup_share) * done)

    precondition = m_inv
    if settings.aggregate:
        colours = img_blocks[:, :, 2 * r:-2 * r, 2 * r:-2 * r]
        coarse = AggregateCoarseSpace(apply_a, mask, colours, layout, settings.aggregate,
                                      tick=lambda f: hook(setup_share * f))

        def precondition(v: torch.Tensor) -> torch.Tensor:
            return m_inv * v + coarse.apply(v)

    result = pcg(apply_a, rhs, start, precondition, rtol, settings.maxiter, on_iteration)
    log.debug("level %dx%d: %d blocks, %d iterations, residual %.2e", w, h, layout.count,
              result.iterations, result.relative_residual)
    x = torch.clamp(result.x, 0.0, 1.0) * mask
    return layout.add_blocks(fixed, x).astype(np.float32)


def _with_extra(extra: ExtraTerms, layout: BlockLayout, solve: np.ndarray, apply_a, rhs, diag,
                mask: torch.Tensor, dtype: torch.dtype):
    """``apply_a``, ``rhs`` and the diagonal with ``extra`` added (vectors of the solved
    pixels are moved to and from the blocks through a canvas)."""
    ys, xs = (torch.from_numpy(a).to(layout.device) + layout.halo for a in np.nonzero(solve))
    canvas = layout.new_canvas(dtype)

    def to_blocks(u: torch.Tensor) -> torch.Tensor:
        canvas[ys, xs] = u
        return layout.gather_interior(canvas).clone()

    def from_blocks(v: torch.Tensor) -> torch.Tensor:
        layout.scatter_interior(canvas, v)
        return canvas[ys, xs]

    point = torch.from_numpy(extra.diagonal).to(layout.device, dtype)
    product = extra.product

    def apply(v: torch.Tensor) -> torch.Tensor:
        u = from_blocks(v)
        out = point * u
        if product is not None:
            out = out + product(u)
        return apply_a(v) + to_blocks(out) * mask

    rhs = rhs + to_blocks(torch.from_numpy(extra.rhs).to(layout.device, dtype)) * mask
    full = point
    if extra.product_diagonal is not None:
        full = point + torch.from_numpy(extra.product_diagonal).to(layout.device, dtype)
    return apply, rhs, diag + to_blocks(full) * mask


def uses_direct(settings: CFSettings, device: torch.device | str) -> bool:
    """Whether :func:`solve_closed_form` factorises (else it iterates): the solvers'
    one choice, :func:`.factorise.uses_direct`."""
    return factorise.uses_direct(settings.method, device)


def solve_closed_form(problem: Problem, settings: CFSettings, device: torch.device | str,
                      x0: np.ndarray | None = None, hook: Hook | None = None) -> np.ndarray:
    """Closed-form alpha of the pixels ``problem.solve``.

    Directly (sparse Cholesky) where :func:`uses_direct` says so; if that fails
    (a factor too large for memory, say), and elsewhere, by conjugate gradients.

    Args:
        problem: see :class:`Problem`.
        settings: solver settings.
        device: torch device.
        x0: float32 H x W starting guess (e.g. the previous alpha); None: the
            fixed values spread smoothly into the solved pixels.
        hook: called with the overall fraction done; may raise to cancel.
    Returns:
        float32 H x W alpha: fixed values where not solved, the solution in [0, 1] elsewhere.
    """
    device = torch.device(device)
    hook = hook or (lambda fraction: None)
    if uses_direct(settings, device):
        try:
            return solve_direct(problem.image, problem.fixed, problem.solve, settings.epsilon,
                                settings.radius, hook, settings.max_factor_mb * 2.0 ** 20)
        except cholmod.CholmodError as exc:
            log.info("direct solve not possible (%s); solving iteratively", exc)
    start = _initial_guess(problem) if x0 is None else x0.astype(np.float32)
    with torch.inference_mode():
        return solve_level(problem, start, settings, settings.rtol, device, hook)
