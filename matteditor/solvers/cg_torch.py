"""Preconditioned conjugate gradients on torch tensors of any shape.

torch has no sparse-free CG with a per-iteration hook (cancellation,
progress), and scipy's would move every vector to the CPU, so the textbook
algorithm is written here.  Dot products accumulate in float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

#: called after each iteration with (iteration, ||r|| / ||b||); may raise to stop
IterationHook = Callable[[int, float], None]


@dataclass(frozen=True)
class CGResult:
    x: torch.Tensor
    iterations: int
    relative_residual: float


def _dot(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.sum(a * b, dtype=torch.float64))


def pcg(apply_a: Callable[[torch.Tensor], torch.Tensor], b: torch.Tensor, x0: torch.Tensor,
        m_inv: torch.Tensor | Callable[[torch.Tensor], torch.Tensor], rtol: float, maxiter: int,
        hook: IterationHook | None = None) -> CGResult:
    """Solve A x = b for symmetric positive (semi)definite A.

    Args:
        apply_a: x -> A x, same shape as x.
        b: right-hand side.
        x0: initial guess (not modified).
        m_inv: the preconditioner: a tensor (elementwise, e.g. Jacobi's inverse
            diagonal) or a function r -> M^-1 r (symmetric positive definite).
        rtol: stop when ||b - A x|| <= rtol ||b||.
        maxiter: iteration limit.
        hook: see :data:`IterationHook`.
    """
    x = x0.clone()
    norm_b = math.sqrt(_dot(b, b))
    if norm_b == 0.0:
        return CGResult(torch.zeros_like(x0), 0, 0.0)
    r = b - apply_a(x)
    rel = math.sqrt(_dot(r, r)) / norm_b
    if rel <= rtol:
        return CGResult(x, 0, rel)
    precondition = m_inv if callable(m_inv) else (lambda v: m_inv * v)
    z = precondition(r)
    p = z.clone()
    rz = _dot(r, z)
    it = 0
    while it < maxiter:
        it += 1
        ap = apply_a(p)
        pap = _dot(p, ap)
        if pap <= 0.0:  # exact solution reached or A singular along p
            break
        step = rz / pap
        x.add_(p, alpha=step)
        r.sub_(ap, alpha=step)
        rel = math.sqrt(_dot(r, r)) / norm_b
        if hook is not None:
            hook(it, rel)
        if rel <= rtol:
            break
        z = precondition(r)
        rz_new = _dot(r, z)
        p.mul_(rz_new / rz).add_(z)
        rz = rz_new
    return CGResult(x, it, rel)
