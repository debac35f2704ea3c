"""The non-local flows of information-flow matting, for the pixels of one tile.

A tile's pixels are numbered with the n unknown ones first (rows of the
system, in raster order) and then the m known pixels near them that serve as
neighbours (their alpha fixed).  Each function returns the pieces of a
quadratic energy in the unknowns x (float64 n):

* colour-mixture flow: E = |M x - c|^2, M = I - W_UU, c = W_UK alpha_K, where
  row p of W holds the LLE weights that rebuild p's colour from its K
  nearest pixels in [r, g, b, x/W, y/H] (the paper's eq. for E_CM);
* known-to-unknown flow: E = sum_p eta_p (x_p - west_p)^2, west_p being the
  foreground share of the LLE weights over p's nearest foreground and
  background samples, eta_p a confidence in [0, 1];
* intra-unknown flow: E = sum_p sum_q w_pq (x_p - x_q)^2 over p's nearest
  unknown pixels, w = max(1 - mean |f_p - f_q|, 0): a graph Laplacian.

Neighbours come from scipy's cKDTree (``workers=-1``: all cores), approximate within
(1 + ``eps``) of the exact distances (:attr:`.settings.InfoFlowSettings.search_eps`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from .lle import lle_weights


@dataclass(frozen=True)
class TilePixels:
    """The pixels of one tile that the flows connect.

    colours: float32 (n + m) x 3 in [0, 1], unknown pixels first.
    positions: float32 (n + m) x 2, (x / W, y / H) of the whole image, in [0, 1].
    known_alpha: float64 m, 0 or 1, of the known pixels (after the n unknown ones).
    n: number of unknown pixels.
    """

    colours: np.ndarray
    positions: np.ndarray
    known_alpha: np.ndarray
    n: int

    @property
    def total(self) -> int:
        return self.colours.shape[0]

    def features(self, position_scale: float, rows: slice | np.ndarray = slice(None)
                 ) -> np.ndarray:
        """float32 [r, g, b, s x/W, s y/H] of the selected pixels."""
        return np.hstack([self.colours[rows], position_scale * self.positions[rows]])


def _nearest_others(features: np.ndarray, queries: int, k: int, eps: float) -> np.ndarray:
    """Indices (queries x k) of the k nearest points to each of the first ``queries``
    points, leaving each point itself out (``eps``: cKDTree's approximation factor)."""
    k_eff = min(k, features.shape[0] - 1)
    if k_eff < 1:
        return np.empty((queries, 0), np.int64)
    tree = cKDTree(features)
    _, idx = tree.query(features[:queries], k=k_eff + 1, eps=eps, workers=-1)
    idx = idx.reshape(queries, k_eff + 1)
    own = idx == np.arange(queries)[:, None]
    # with duplicate features a point may not come back among its own nearest: drop the last
    own[~own.any(axis=1), -1] = True
    return idx[~own].reshape(queries, k_eff)


def colour_mixture(pixels: TilePixels, k: int, regularizer: float, eps: float = 0.0
                   ) -> tuple[sp.csr_matrix, np.ndarray]:
    """(M, c) of the colour-mixture energy |M x - c|^2 (M: n x n CSR, c: float64 n)."""
    n = pixels.n
    idx = _nearest_others(pixels.features(1.0), n, k, eps)
    weights = lle_weights(pixels.colours[:n], pixels.colours[idx], regularizer)
    unknown = idx < n
    rows = np.repeat(np.arange(n), idx.shape[1]).reshape(idx.shape)
    w_uu = sp.csr_matrix((weights[unknown], (rows[unknown], idx[unknown])), shape=(n, n))
    c = np.zeros(n)
    np.add.at(c, rows[~unknown], weights[~unknown] * pixels.known_alpha[idx[~unknown] - n])
    return (sp.identity(n, format="csr") - w_uu).tocsr(), c


def known_to_unknown(pixels: TilePixels, k: int, position_scale: float, regularizer: float,
                     eps: float = 0.0) -> tuple[np.ndarray, np.ndarray] | None:
    """(estimate, confidence), float64 n each in [0, 1]; None without both kinds of samples.

    The estimate is the foreground share of the LLE weights over p's k nearest
    foreground and k nearest background samples (colour and up-weighted
    position); the confidence is |c_F - c_B|^2 / 3 for the foreground and
    background colours those weights estimate, low where the two look alike
    and the estimate says little.
    """
    n = pixels.n
    alpha = pixels.known_alpha
    fg = n + np.flatnonzero(alpha > 0.5)
    bg = n + np.flatnonzero(alpha <= 0.5)
    if len(fg) == 0 or len(bg) == 0:
        return None
    query = pixels.features(position_scale, slice(0, n))
    picks = []
    for samples in (fg, bg):
        kk = min(k, len(samples))
        tree = cKDTree(pixels.features(position_scale, samples))
        _, idx = tree.query(query, k=kk, eps=eps, workers=-1)
        picks.append(samples[idx.reshape(n, kk)])
    kf = picks[0].shape[1]
    idx = np.hstack(picks)
    colours = pixels.colours[idx].astype(np.float64)
    weights = lle_weights(pixels.colours[:n], colours, regularizer)
    estimate = np.clip(weights[:, :kf].sum(axis=1), 0.0, 1.0)
    # layer colours from the weights' magnitudes: negative LLE weights (extrapolation)
    # must not push the estimated colour outside the samples' range
    mag = np.abs(weights)
    colour_f = np.matmul(mag[:, None, :kf], colours[:, :kf])[:, 0] / np.maximum(
        mag[:, :kf].sum(axis=1, keepdims=True), 1e-12)
    colour_b = np.matmul(mag[:, None, kf:], colours[:, kf:])[:, 0] / np.maximum(
        mag[:, kf:].sum(axis=1, keepdims=True), 1e-12)
    confidence = np.clip(((colour_f - colour_b) ** 2).sum(axis=1) / 3.0, 0.0, 1.0)
    return estimate, confidence


def intra_unknown(pixels: TilePixels, k: int, position_scale: float, eps: float = 0.0
                  ) -> sp.csr_matrix:
    """The symmetric graph Laplacian (n x n CSR) of sum_p sum_q w_pq (x_p - x_q)^2."""
    n = pixels.n
    features = pixels.features(position_scale, slice(0, n))
    idx = _nearest_others(features, n, k, eps)
    if idx.shape[1] == 0:
        return sp.csr_matrix((n, n))
    diff = np.abs(features[:, None, :] - features[idx]).mean(axis=2)
    weights = np.maximum(1.0 - diff.astype(np.float64), 0.0)
    rows = np.repeat(np.arange(n), idx.shape[1])
    w = sp.csr_matrix((weights.ravel(), (rows, idx.ravel())), shape=(n, n))
    w = w + w.T                      # each ordered pair's term, counted from both ends
    degree = np.asarray(w.sum(axis=1)).ravel()
    return (sp.diags(degree) - w).tocsr()
