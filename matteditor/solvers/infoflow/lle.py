"""Locally linear embedding (LLE) weights of many pixels at once.

For a pixel of colour c with neighbours of colours n_1..n_K, the weights w
minimise |c - sum_k w_k n_k|^2 subject to sum_k w_k = 1 (Roweis and Saul
2000).  With Z the K x 3 matrix of differences n_k - c, they are
w = G^-1 1 / (1^T G^-1 1) with the Gram matrix G = Z Z^T + delta I.  G is
K x K (K = 20 or 14 here) but of rank at most 3, so it is inverted through
the Woodbury identity:

    (delta I + Z Z^T)^-1 1 = (1 - Z (delta I_3 + Z^T Z)^-1 Z^T 1) / delta

a 3 x 3 solve per pixel instead of a K x K one: all pixels' systems are
solved in one vectorised numpy call, in chunks so memory stays bounded.
"""

from __future__ import annotations

import numpy as np

#: pixels per chunk: Z is chunk x K x 3 float64 (~10 MB for K = 20)
CHUNK = 65536
#: floor of the regulariser, so identical colours (G = 0) give equal weights
_FLOOR = 1e-12


def lle_weights(centres: np.ndarray, neighbours: np.ndarray, regularizer: float) -> np.ndarray:
    """Weights that rebuild each centre colour from its neighbours' colours.

    Args:
        centres: float N x 3 colours in [0, 1].
        neighbours: float N x K x 3 colours of each centre's neighbours.
        regularizer: delta as a share of trace(G) (e.g. 1e-3); > 0.
    Returns:
        float64 N x K weights, each row summing to one (they may be negative:
        a colour outside the neighbours' hull is extrapolated).
    """
    if centres.ndim != 2 or centres.shape[1] != 3 or neighbours.ndim != 3 \
            or neighbours.shape[0] != centres.shape[0] or neighbours.shape[2] != 3:
        raise ValueError(f"centres {centres.shape} and neighbours {neighbours.shape} must be "
                         "N x 3 and N x K x 3")
    if not regularizer > 0:
        raise ValueError(f"regularizer must be > 0, got {regularizer}")
    n, k = neighbours.shape[:2]
    out = np.empty((n, k))
    eye = np.eye(3)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        z = neighbours[start:stop].astype(np.float64) - centres[start:stop, None, :]
        gram3 = np.matmul(z.transpose(0, 2, 1), z)          # Z^T Z, N x 3 x 3 (batched
        # matmul: 3x quicker than the same einsum)
        # trace(Z Z^T) = trace(Z^T Z)
        delta = regularizer * np.trace(gram3, axis1=1, axis2=2) + _FLOOR
        s = z.sum(axis=1)                                   # Z^T 1, N x 3
        a = np.linalg.solve(gram3 + delta[:, None, None] * eye, s[:, :, None])[:, :, 0]
        w = 1.0 - np.matmul(z, a[:, :, None])[:, :, 0]
        out[start:stop] = w / w.sum(axis=1, keepdims=True)
    return out
