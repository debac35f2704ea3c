"""Pre-processing of information-flow matting, measured on the image and trimap only.

* The transparency test: the known-to-unknown flow pulls each unknown pixel
  towards the alpha its nearest known samples explain.  Through a highly
  transparent object (glass) the unknown pixels show mostly the background's
  colours, that estimate comes out near 0 everywhere, and the term drags
  the matte down (the issue measured SAD 416 against 228 without the term on
  a held-out glass bulb).  The term is dropped when the band looks
  see-through: :func:`looks_see_through`.  The paper-style test
  (:func:`transparency_score`: the band's colour histogram overlaps the
  foreground's much less than the background's) also fired on fine opaque
  structure (a held-out dandelion: SAD 448 with the term dropped, 238 with
  it), so the default test is :func:`foreground_explained_share`: opaque
  strands -- hair, fur, fluff, lace, a net -- have the colours of the opaque
  foreground they grow from, pixel for pixel, while a see-through band shows
  the background through a tint, colours no nearby foreground pixel has.
  ``benchmarks/transparency.py`` measures both on a labelled set
  (``docs/transparency.md``): on eval-dev dropping the term costs SAD even on
  most see-through cases, so the default threshold lets the test fire only
  where almost none of the band is explained.
* Trimming: unknown pixels that are clearly foreground or background get a
  soft constraint (weight ``trim_weight``) towards 1 or 0.  Edge-based
  (after Shahrian et al. 2013): within a few pixels of a known region, a
  pixel whose colour is close to the nearest known pixel's (no edge between
  them).  Patch-based (the paper's): a 3x3 patch whose colour distribution
  (mean, covariance) is close to a foreground patch's and far from every
  background patch's, by the Bhattacharyya distance, or the reverse.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from .settings import InfoFlowSettings

#: histogram bins per colour channel for the paper-style transparency test
_BINS = 8
#: the foreground-colour test: a band pixel is explained when a foreground pixel lies within
#: this distance of it in [r, g, b, x / EXPLAIN_PIXELS, y / EXPLAIN_PIXELS] (colours in [0, 1]):
#: the same colour up to 10 px away, or a colour 0.05 off right beside it
EXPLAIN_DISTANCE = 0.05
EXPLAIN_PIXELS = 200.0
#: at most this many band pixels and foreground pixels take part (regular strides)
EXPLAIN_BAND_SAMPLES = 20_000
EXPLAIN_FOREGROUND_SAMPLES = 200_000
#: edge-based trimming: reach in pixels and colour distance at the known edge (in [0, 1] units)
EDGE_REACH = 9
EDGE_COLOUR = 0.06
#: patch-based trimming: Bhattacharyya distance under which patches match, above which they differ
PATCH_CLOSE = 0.25
PATCH_FAR = 0.9
#: added to each patch covariance (colour variance of 8-bit quantisation noise and more)
PATCH_REGULARIZER = 1e-4


def _histogram(colours: np.ndarray) -> np.ndarray:
    q = np.clip((colours * _BINS).astype(np.int64), 0, _BINS - 1)
    h = np.bincount((q[:, 0] * _BINS + q[:, 1]) * _BINS + q[:, 2], minlength=_BINS ** 3)
    return h / max(1, h.sum())


def transparency_score(image: np.ndarray, trimap: np.ndarray, margin: int) -> float:
    """The paper-style test (the old default, ``transparency_rule="histogram"``): share of
    the unknown band's colour histogram that the foreground explains, in [0, 1].

    Args:
        image: float32 H x W x 3 in [0, 1].
        trimap: uint8 H x W in {0, 128, 255}.
        margin: known pixels within this many pixels of the band are its surroundings.
    Returns:
        overlap(U, F) / (overlap(U, F) + overlap(U, B)), overlap being histogram
        intersection; near 0 when the band looks like the background only (a
        transparent object), 0 when no foreground is near, 0.5 without either.
    """
    unknown = trimap == 128
    if not unknown.any():
        return 0.5
    near = _near_band(unknown, margin)
    h_u = _histogram(image[unknown])
    overlaps = [float(np.minimum(h_u, _histogram(image[near & (trimap == v)])).sum())
                if (near & (trimap == v)).any() else 0.0 for v in (255, 0)]
    total = sum(overlaps)
    return overlaps[0] / total if total > 0 else 0.5


def _near_band(unknown: np.ndarray, margin: int) -> np.ndarray:
    return cv2.dilate(unknown.astype(np.uint8), np.ones((2 * margin + 1,) * 2, np.uint8)) > 0


def _strided(ys: np.ndarray, xs: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    step = max(1, -(-len(ys) // count))
    return ys[::step], xs[::step]


def foreground_explained_share(image: np.ndarray, trimap: np.ndarray, margin: int) -> float:
    """Share of the unknown band's pixels whose colour a nearby foreground pixel shows, in [0, 1].

    A band pixel counts as explained when some foreground pixel within
    ``margin`` pixels of the band lies within :data:`EXPLAIN_DISTANCE` of it in
    colour and position together (:data:`EXPLAIN_PIXELS` pixels of offset
    weigh as much as a whole colour unit).  Fine opaque structure (hair, fur,
    fluff, lace, nets) is drawn in the colours of the opaque mass it grows
    from, so a good share of its band is explained (eval-dev's full-size
    photos of it: 0.10-0.50, the dandelion 0.50); a see-through band shows the
    background through a tint or haze, which no nearby foreground pixel shows
    (eval-dev's three light bulbs and wine glass: 0.02-0.06; its glass of
    water 0.20).  A band of mixed pixels only, as around a plain opaque edge,
    is explained by its foreground side.  Without unknown pixels 1.0 (nothing
    to test); without a foreground near the band 0.0.

    Args:
        image: float32 H x W x 3 in [0, 1].
        trimap: uint8 H x W in {0, 128, 255}.
        margin: known pixels within this many pixels of the band are its surroundings.
    """
    unknown = trimap == 128
    if not unknown.any():
        return 1.0
    fy, fx = _strided(*np.nonzero(_near_band(unknown, margin) & (trimap == 255)),
                      EXPLAIN_FOREGROUND_SAMPLES)
    if len(fy) == 0:
        return 0.0
    uy, ux = _strided(*np.nonzero(unknown), EXPLAIN_BAND_SAMPLES)

    def points(ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        return np.hstack([image[ys, xs].astype(np.float64),
                          np.stack([ys, xs], axis=1) / EXPLAIN_PIXELS])

    dist, _ = cKDTree(points(fy, fx)).query(points(uy, ux), k=1,
                                             distance_upper_bound=EXPLAIN_DISTANCE)
    return float(np.isfinite(dist).mean())


def looks_see_through(image: np.ndarray, trimap: np.ndarray,
                      settings: InfoFlowSettings) -> tuple[float, bool]:
    """(score, see-through) by ``settings.transparency_rule``.

    "foreground" (the default): :func:`foreground_explained_share` under
    ``transparency_threshold``; "histogram" (paper-style, the old default):
    :func:`transparency_score` under ``histogram_threshold``.  The margin is
    ``search_margin``: the known pixels the neighbour searches can reach.
    """
    if settings.transparency_rule == "histogram":
        score = transparency_score(image, trimap, settings.search_margin)
        return score, score < settings.histogram_threshold
    score = foreground_explained_share(image, trimap, settings.search_margin)
    return score, score < settings.transparency_threshold


def unreached_share(trimap: np.ndarray, margin: int) -> float:
    """Share of the unknown pixels with no known pixel within ``margin`` pixels (in
    x and y: the square the tiles' neighbour searches reach), in [0, 1]; 0 without
    unknown pixels.  Near 0 for a band between known regions, near 1 for scribbles
    (a few strokes, the rest unknown), whose pixels the known-to-unknown flow can
    only give far-off samples."""
    unknown = (trimap == 128).astype(np.uint8)
    count = int(unknown.sum())
    if count == 0:
        return 0.0
    deep = cv2.erode(unknown, np.ones((2 * margin + 1,) * 2, np.uint8),
                     borderType=cv2.BORDER_CONSTANT, borderValue=1)
    return int(deep.sum()) / count


def edge_trim(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """float32 H x W: 1 / 0 where an unknown pixel joins the foreground / background, NaN elsewhere.

    A pixel d <= EDGE_REACH pixels from a known region joins it when its colour
    is within EDGE_COLOUR * (1 - (d - 1) / EDGE_REACH) of the nearest known
    pixel's: the allowed difference shrinks with the distance.
    """
    unknown = trimap == 128
    out = np.full(trimap.shape, np.nan, np.float32)
    votes = []
    for value in (255, 0):
        region = trimap == value
        if not region.any():
            votes.append(np.zeros_like(unknown))
            continue
        dist, (iy, ix) = ndimage.distance_transform_edt(~region, return_indices=True)
        diff = np.sqrt(((image - image[iy, ix]) ** 2).sum(axis=2))
        allowed = EDGE_COLOUR * (1.0 - (dist - 1.0) / EDGE_REACH)
        votes.append(unknown & (dist <= EDGE_REACH) & (diff <= allowed))
    out[votes[0] & ~votes[1]] = 1.0
    out[votes[1] & ~votes[0]] = 0.0
    return out


def patch_statistics(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (float32 H x W x 3) and covariance (float32 H x W x 3 x 3) of each 3x3 patch."""
    box = lambda a: cv2.blur(a, (3, 3), borderType=cv2.BORDER_REFLECT)  # noqa: E731
    img = np.ascontiguousarray(image, np.float32)
    mean = box(img)
    cov = np.empty(img.shape[:2] + (3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            cov[..., i, j] = cov[..., j, i] = box(img[..., i] * img[..., j]) - mean[..., i] * mean[..., j]
    return mean, cov


def _bhattacharyya(m1, c1, m2, c2) -> np.ndarray:
    eye = PATCH_REGULARIZER * np.eye(3)
    c1, c2 = c1 + eye, c2 + eye
    c = 0.5 * (c1 + c2)
    d = (m1 - m2)[..., None]
    maha = (np.swapaxes(d, -1, -2) @ np.linalg.solve(c, d))[..., 0, 0]
    logdet = lambda a: np.linalg.slogdet(a)[1]  # noqa: E731
    return maha / 8.0 + 0.5 * (logdet(c) - 0.5 * (logdet(c1) + logdet(c2)))


def patch_trim(mean: np.ndarray, cov: np.ndarray, trimap: np.ndarray, margin: int,
               candidates: int = 4) -> np.ndarray:
    """As :func:`edge_trim`, from 3x3 patch statistics (see :func:`patch_statistics`).

    Each unknown patch is compared with the ``candidates`` known patches of
    each kind (lying wholly in the region, within ``margin`` pixels of the
    band) whose mean colours are nearest to its own.
    """
    unknown = trimap == 128
    out = np.full(trimap.shape, np.nan, np.float32)
    uy, ux = np.nonzero(unknown)
    if len(uy) == 0:
        return out
    near = cv2.dilate(unknown.astype(np.uint8), np.ones((2 * margin + 1,) * 2, np.uint8)) > 0
    m_u = mean[uy, ux].astype(np.float64)
    c_u = cov[uy, ux].astype(np.float64)
    best = []
    for value in (255, 0):
        whole = cv2.erode((trimap == value).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        ky, kx = np.nonzero(whole & near)
        if len(ky) == 0:
            best.append(np.full(len(uy), np.inf))
            continue
        k = min(candidates, len(ky))
        _, idx = cKDTree(mean[ky, kx]).query(m_u, k=k, workers=-1)
        idx = idx.reshape(len(uy), k)
        dist = np.stack([_bhattacharyya(m_u, c_u, mean[ky[idx[:, j]], kx[idx[:, j]]],
                                        cov[ky[idx[:, j]], kx[idx[:, j]]]) for j in range(k)])
        best.append(dist.min(axis=0))
    d_f, d_b = best
    fg = (d_f < PATCH_CLOSE) & (d_b > PATCH_FAR)
    bg = (d_b < PATCH_CLOSE) & (d_f > PATCH_FAR)
    out[uy[fg], ux[fg]] = 1.0
    out[uy[bg], ux[bg]] = 0.0
    return out
