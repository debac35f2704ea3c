"""The closed-form matting Laplacian (Levin et al. 2008) applied without a matrix.

Following He, Sun & Tang 2010 ("Fast matting using large kernel matting
Laplacian matrices"), ``L p`` is computed from windowed means and covariances
with box filters, O(N) per product whatever the window radius:

    for every window k:  a_k = D_k (mean_k(I p) - mu_k mean_k(p)),
                         b_k = mean_k(p) - a_k . mu_k
    (L p)_i = n_i p_i - sum_{k containing i} (a_k . I_i + b_k)

with D_k = (Sigma_k + eps/|w| Id)^-1 and n_i the number of windows holding i.
This is exactly pymatting's ``cf_laplacian`` (same epsilon convention: eps is
added to the window's sum of outer products before dividing by |w|; only
windows lying wholly inside the image count).

It works on a batch of square blocks, each padded with a 2r halo so that every
window touching the block's interior lies inside the padded block (see
:mod:`.blocks`).  The inverse covariances are computed once in float64 (with
eps = 1e-7 a float32 covariance would be mostly rounding error); the products
run in the solve dtype on colours centred on the image mean.  With pymatting's
eps = 1e-7, D reaches 1e8 in nearly flat windows and a float32 ``D s`` is off
by about |s| there: measured on eval-dev, float32 products lose positive
definiteness and CG breaks down, so float64 is the default; float32 is only
usable with a much larger epsilon.
"""

from __future__ import annotations

import torch

from .box import box_sum_valid

# the 6 distinct entries of a symmetric 3 x 3 matrix
_PAIRS = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))


def _inverse_sym3(c: torch.Tensor) -> torch.Tensor:
    """Inverse of symmetric 3x3 matrices given as B x 6 x ... entries
    (00, 01, 02, 11, 12, 22); returns B x 3 x 3 x ... (adjugate / determinant)."""
    a00, a01, a02, a11, a12, a22 = c.unbind(1)
    m00 = a11 * a22 - a12 * a12
    m01 = a02 * a12 - a01 * a22
    m02 = a01 * a12 - a02 * a11
    m11 = a00 * a22 - a02 * a02
    m12 = a01 * a02 - a00 * a12
    m22 = a00 * a11 - a01 * a01
    det = a00 * m00 + a01 * m01 + a02 * m02
    inv = torch.stack([m00, m01, m02, m01, m11, m12, m02, m12, m22], dim=1) / det.unsqueeze(1)
    return inv.reshape((c.shape[0], 3, 3) + tuple(c.shape[2:]))


class BlockLaplacian:
    """L restricted to a batch of padded blocks, ready for repeated products.

    Args:
        image: B x 3 x P x P float64 tensor: colours of each block with a 2r
            halo (P = block + 4r), centred on a constant (L ignores constant
            shifts); anything outside the picture is ignored via ``valid``.
        valid: B x 1 x (P-2r) x (P-2r), 1 where a window centred there lies
            wholly inside the picture, else 0.
        epsilon: regularisation, pymatting's convention (its default is 1e-7).
        radius: window radius r >= 1; windows are (2r+1) x (2r+1).
        dtype: dtype of the products (float32 or float64).
    """

    def __init__(self, image: torch.Tensor, valid: torch.Tensor, epsilon: float,
                 radius: int, dtype: torch.dtype) -> None:
        r = radius
        area = float((2 * r + 1) ** 2)
        img = image.to(torch.float64)
        valid = valid.to(torch.float64)
        mu = box_sum_valid(img, r) / area                                   # B x 3 x Q x Q
        prods = torch.stack([img[:, i] * img[:, j] for i, j in _PAIRS], dim=1)
        cov = box_sum_valid(prods, r) / area
        del prods
        cov -= torch.stack([mu[:, i] * mu[:, j] for i, j in _PAIRS], dim=1)
        cov[:, [0, 3, 5]] += epsilon / area
        inv = _inverse_sym3(cov) * valid.unsqueeze(1)                      # B x 3 x 3 x Q x Q
        del cov
        inv = torch.nan_to_num(inv, nan=0.0, posinf=0.0, neginf=0.0)
        mu = mu * valid
        self.radius = r
        self.dtype = dtype
        interior = img[:, :, 2 * r:-2 * r, 2 * r:-2 * r]
        self._img_pad = img.to(dtype)
        self._img = interior.to(dtype)
        self._mu = mu.to(dtype)
        self._inv = (inv / area).to(dtype).contiguous()   # folds the 1/|w| of the window means
        self._valid_w = (valid / area).to(dtype)
        count = box_sum_valid(valid, r)[:, 0]                               # B x S x S
        self._count = count.to(dtype)
        dmu = torch.einsum("bijhw,bjhw->bihw", inv, mu)
        mdm = (mu * dmu).sum(1, keepdim=True)
        s = box_sum_valid(torch.cat([inv.flatten(1, 2), dmu, mdm], dim=1), r)
        sum_d = s[:, :9].unflatten(1, (3, 3))
        quad = (torch.einsum("bihw,bijhw,bjhw->bhw", interior, sum_d, interior)
                - 2.0 * (interior * s[:, 9:12]).sum(1) + s[:, 12])
        self._diag = (count * (1.0 - 1.0 / area) - quad / area).to(dtype)

    @property
    def diagonal(self) -> torch.Tensor:
        """B x S x S diagonal of L at the block interiors (solve dtype)."""
        return self._diag

    def matvec(self, p: torch.Tensor) -> torch.Tensor:
        """(L p) at block interiors.

        Args:
            p: B x P x P values on the padded blocks (solve dtype).
        Returns:
            B x S x S, S = P - 4r.
        """
        r = self.radius
        b, side, _ = p.shape
        # window sums of p and of I p, in one pass over a 4-channel buffer
        buf = torch.empty((b, 4, side, side), dtype=p.dtype, device=p.device)
        buf[:, 0] = p
        torch.mul(self._img_pad, p.unsqueeze(1), out=buf[:, 1:])
        sums = box_sum_valid(buf, r)                                        # B x 4 x Q x Q
        sum_p = sums[:, :1]
        s = sums[:, 1:]
        s -= self._mu * sum_p
        # a = D s, D symmetric: column j of D is self._inv[:, j]
        ab = torch.empty_like(sums)
        a = ab[:, :3]
        torch.mul(self._inv[:, 0], s[:, 0:1], out=a)
        a.addcmul_(self._inv[:, 1], s[:, 1:2])
        a.addcmul_(self._inv[:, 2], s[:, 2:3])
        torch.mul(sum_p, self._valid_w, out=ab[:, 3:])
        ab[:, 3:] -= (a * self._mu).sum(1, keepdim=True)
        ab = box_sum_valid(ab, r)                                           # B x 4 x S x S
        inner = p[:, 2 * r:-2 * r, 2 * r:-2 * r]
        out = self._count * inner
        out -= (ab[:, :3] * self._img).sum(1)
        out -= ab[:, 3]
        return out
