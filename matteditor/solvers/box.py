"""Box sums over (2r+1) x (2r+1) windows along the last two axes of torch tensors.

torch has no box filter with "valid" semantics that works in float64 on every
device (avg_pool2d is float-only on some backends and divides), so it is
written here: slicing sums for small radii (no cancellation, two passes per
axis for r = 1), cumulative-sum differences for large ones (O(1) per pixel
whatever the radius).
"""

from __future__ import annotations

import torch

#: above this radius the cumulative-sum form is cheaper than 2r slice additions
_SLICE_MAX_RADIUS = 3


def _sum_axis(x: torch.Tensor, r: int, dim: int) -> torch.Tensor:
    size = 2 * r + 1
    n = x.shape[dim] - 2 * r
    if r <= _SLICE_MAX_RADIUS:
        out = x.narrow(dim, 0, n) + x.narrow(dim, 1, n)
        for t in range(2, size):
            out += x.narrow(dim, t, n)
        return out
    c = torch.cumsum(x, dim=dim)
    head = c.narrow(dim, size - 1, 1)
    tail = c.narrow(dim, size, n - 1) - c.narrow(dim, 0, n - 1)
    return torch.cat([head, tail], dim=dim)


def box_sum_valid(x: torch.Tensor, r: int) -> torch.Tensor:
    """Window sums at every window centre lying r pixels inside the array.

    Args:
        x: ... x H x W with H and W > 2r.
    Returns:
        ... x (H-2r) x (W-2r); element [..., y, x] sums x[..., y:y+2r+1, x:x+2r+1].
    """
    if r == 0:
        return x.clone()
    return _sum_axis(_sum_axis(x, r, x.ndim - 2), r, x.ndim - 1)
