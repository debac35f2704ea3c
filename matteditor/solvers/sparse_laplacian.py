"""The closed-form matting system of the pixels to solve, as a sparse matrix.

With S the pixels solved for and F the fixed ones, closed-form matting solves
``L_SS x_S = -L_SF x_F`` (Levin et al. 2008; pymatting's ``estimate_alpha_cf``).
pymatting's ``cf_laplacian`` builds the rows of every pixel of the picture
(a picture-sized index array and matrix, ~3 s for 2.5 MP on this project's
machines) and then slices out the unknown rows.  Written here: a numba kernel
that visits only the windows holding a pixel to solve and writes straight into
the rows of those pixels, so the cost follows the unknown band, not the
picture; and the fixed columns are folded into the right-hand side as they are
met.  The same matrix (same epsilon convention, only windows lying wholly
inside the picture; checked against pymatting in the tests), except that each
window's inverse covariance is applied through a Cholesky factor instead of
cofactors: where a window's colours nearly lie on a line, the cofactor inverse
is off by ~1 and pymatting's matrix comes out indefinite (3 of the 158
eval-dev crops; pymatting's own CG then wanders there), while this one stays
positive semidefinite and factorises.

The kernels release the GIL, so the editor's event loop keeps running while a
solver thread builds a system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np
import scipy.sparse as sp
from numba import njit


@njit(cache=True, nogil=True)
def _window_stencils(image, centres_y, centres_x, index, epsilon, r, out):  # pragma: no cover (numba)
    """Add every listed window's contributions to the rows of solved pixels.

    image: H x W x 3 float64; centres_*: window centres (each window holds a
    solved pixel and lies inside the picture); index: H x W int64, row of each
    solved pixel, -1 elsewhere; out: n x (4r+1) x (4r+1) float64 stencils,
    out[row, dy + 2r, dx + 2r] = L[pixel, pixel + (dy, dx)].
    """
    size = 2 * r + 1
    area = size * size
    c = np.empty((size, size, 3))
    z = np.empty((size, size, 3))
    for k in range(centres_y.shape[0]):
        y = centres_y[k]
        x = centres_x[k]
        for ch in range(3):
            s = 0.0
            for dy in range(size):
                for dx in range(size):
                    s += image[y + dy - r, x + dx - r, ch]
            m = s / area
            for dy in range(size):
                for dx in range(size):
                    c[dy, dx, ch] = image[y + dy - r, x + dx - r, ch] - m
        a00 = epsilon
        a01 = 0.0
        a02 = 0.0
        a11 = epsilon
        a12 = 0.0
        a22 = epsilon
        for dy in range(size):
            for dx in range(size):
                a00 += c[dy, dx, 0] * c[dy, dx, 0]
                a01 += c[dy, dx, 0] * c[dy, dx, 1]
                a02 += c[dy, dx, 0] * c[dy, dx, 2]
                a11 += c[dy, dx, 1] * c[dy, dx, 1]
                a12 += c[dy, dx, 1] * c[dy, dx, 2]
                a22 += c[dy, dx, 2] * c[dy, dx, 2]
        # (1/|w|) c_i^T Sigma^-1 c_j = c_i^T M^-1 c_j with M = C^T C + eps I, computed as
        # z_i . z_j, z = R^-1 c, M = R R^T (Cholesky).  pymatting inverts Sigma by
        # cofactors: where a window's colours nearly lie on a line, that inverse is off
        # by ~cond * 1e-16 ~ 1 and L comes out indefinite (its matrix for eval-dev crop
        # 48ae25ab2e needs a diagonal shift of 1e-2 to factorise); the Cholesky form is
        # backward stable, so each window's contribution stays positive semidefinite
        r00 = np.sqrt(a00)
        r10 = a01 / r00
        r20 = a02 / r00
        r11 = np.sqrt(a11 - r10 * r10)
        r21 = (a12 - r20 * r10) / r11
        r22 = np.sqrt(a22 - r20 * r20 - r21 * r21)
        for dy in range(size):
            for dx in range(size):
                z0 = c[dy, dx, 0] / r00
                z1 = (c[dy, dx, 1] - r10 * z0) / r11
                z2 = (c[dy, dx, 2] - r20 * z0 - r21 * z1) / r22
                z[dy, dx, 0] = z0
                z[dy, dx, 1] = z1
                z[dy, dx, 2] = z2
        for dyi in range(size):
            for dxi in range(size):
                row = index[y + dyi - r, x + dxi - r]
                if row < 0:
                    continue
                z0 = z[dyi, dxi, 0]
                z1 = z[dyi, dxi, 1]
                z2 = z[dyi, dxi, 2]
                for dyj in range(size):
                    for dxj in range(size):
                        t = z0 * z[dyj, dxj, 0] + z1 * z[dyj, dxj, 1] + z2 * z[dyj, dxj, 2]
                        value = -1.0 / area - t
                        if dyi == dyj and dxi == dxj:
                            value += 1.0
                        out[row, dyj - dyi + 2 * r, dxj - dxi + 2 * r] += value


@njit(cache=True, nogil=True)
def _to_csr(stencils, ys, xs, index, fixed, r, upper, order, position, indptr, indices, data,
            rhs):  # pragma: no cover (numba)
    """Stencils -> CSR rows over the solved pixels, fixed columns into ``rhs``.

    Unknowns are numbered ``position[k]`` for pixel k (raster numbering), so
    row p is pixel ``order[p]``; ``upper`` keeps only the entries on and above
    the diagonal.  Each row's columns are sorted here.  Returns the entry count.
    """
    h, w = index.shape
    span = 4 * r + 1
    cols = np.empty(span * span, np.int64)
    vals = np.empty(span * span)
    k = 0
    for row in range(order.shape[0]):
        pixel = order[row]
        y = ys[pixel]
        x = xs[pixel]
        acc = 0.0
        m = 0
        for dy in range(span):
            yj = y + dy - 2 * r
            if yj < 0 or yj >= h:
                continue
            for dx in range(span):
                xj = x + dx - 2 * r
                if xj < 0 or xj >= w:
                    continue
                v = stencils[pixel, dy, dx]
                if v == 0.0:
                    continue
                other = index[yj, xj]
                if other >= 0:
                    col = position[other]
                    if upper and col < row:
                        continue
                    # insertion into the row's sorted buffer
                    t = m
                    while t > 0 and cols[t - 1] > col:
                        cols[t] = cols[t - 1]
                        vals[t] = vals[t - 1]
                        t -= 1
                    cols[t] = col
                    vals[t] = v
                    m += 1
                else:
                    acc += v * fixed[yj, xj]
        for t in range(m):
            indices[k] = cols[t]
            data[k] = vals[t]
            k += 1
        rhs[row] = -acc
        indptr[row + 1] = k
    return k


@dataclass(frozen=True)
class SparseSystem:
    """``A @ x = rhs`` for the solved pixels (rows in raster order of ``rows``/``cols``).

    ``matrix`` is A, or only its upper triangle when ``upper`` (half the memory:
    what a Cholesky factorization reads); :meth:`residual` handles both.
    """

    matrix: sp.csr_matrix
    rhs: np.ndarray
    rows: np.ndarray     # y of each solved pixel
    cols: np.ndarray     # x of each solved pixel
    upper: bool = False

    def apply(self, x: np.ndarray) -> np.ndarray:
        """A x."""
        ax = self.matrix @ x
        if self.upper:
            ax += self.matrix.T @ x - self.matrix.diagonal() * x
        return ax

    def residual(self, x: np.ndarray) -> np.ndarray:
        """A x - rhs."""
        return self.apply(x) - self.rhs


def _as_float(a: np.ndarray) -> np.ndarray:
    """float32 or float64, C-contiguous: one compiled variant per dtype (numba keeps one per
    memory layout too, and loading another from its cache holds the GIL ~0.1 s)."""
    return np.ascontiguousarray(a if a.dtype in (np.float32, np.float64) else a.astype(np.float64))


def window_centres(solve: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the windows that lie inside the picture and hold a pixel to solve."""
    h, w = solve.shape
    near = cv2.dilate(solve.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8))
    inside = np.zeros((h, w), bool)
    inside[r:h - r, r:w - r] = True
    return np.nonzero(near.astype(bool) & inside)


def build_system(image: np.ndarray, fixed: np.ndarray, solve: np.ndarray,
                 epsilon: float = 1e-7, radius: int = 1, upper: bool = False,
                 order: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                 ) -> SparseSystem:
    """The closed-form system ``L_SS x = -L_SF fixed_F``.

    Args:
        image: H x W x 3 colours (any float dtype; computed in float64).
        fixed: H x W values of the fixed pixels (read where ``solve`` is False).
        solve: bool H x W, the pixels to solve for.
        epsilon, radius: pymatting's ``cf_laplacian`` parameters.
        upper: keep only the upper triangle of the matrix (see :class:`SparseSystem`).
        order: (ys, xs) of the pixels in raster order -> the order to number them
            in (e.g. :func:`.ordering.nested_dissection`); implies ``upper``.  A
            factorization then needs no permuted copy of the matrix.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[:2] != solve.shape:
        raise ValueError(f"image {image.shape} and mask {solve.shape} do not match")
    r = int(radius)
    ys, xs = np.nonzero(solve)
    n = len(ys)
    index = np.full(solve.shape, -1, np.int64)
    index[ys, xs] = np.arange(n)
    span = 4 * r + 1
    stencils = np.zeros((n, span, span))
    cy, cx = window_centres(solve, r)
    # colours and fixed values are read in their own dtype (float32, say): a float64
    # copy of a 12 MP crop costs ~0.2 s
    _window_stencils(_as_float(image), cy.astype(np.int64),
                     cx.astype(np.int64), index, float(epsilon), r, stencils)
    indptr = np.zeros(n + 1, np.int64)
    upper = upper or order is not None
    per_row = span * span // 2 + 1 if upper else span * span
    indices = np.empty(n * per_row, np.int32)
    data = np.empty(n * per_row)
    rhs = np.empty(n)
    fixed64 = _as_float(fixed)
    if order is None:
        perm = position = np.arange(n, dtype=np.int64)
    else:
        perm = np.asarray(order(ys, xs), dtype=np.int64)
        position = np.empty(n, np.int64)
        position[perm] = np.arange(n)
    nnz = _to_csr(stencils, ys.astype(np.int64), xs.astype(np.int64), index, fixed64, r, upper,
                  perm, position, indptr, indices, data, rhs)
    if order is not None:
        ys, xs = ys[perm], xs[perm]
    del stencils
    # views, not copies: the unused tail is at most what the rows' missing neighbours leave
    matrix = sp.csr_matrix((data[:nnz], indices[:nnz], indptr.astype(np.int32)), shape=(n, n))
    return SparseSystem(matrix, rhs, ys, xs, upper)
