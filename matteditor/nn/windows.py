"""Run a fully convolutional predictor over a large image in overlapping tiles.

Only tiles that hold unknown trimap pixels are run, so the work (and the
memory: one tile at a time) follows the bounding box of the unknown region,
not the photo's size.  Overlaps are blended with linear ramps, so seams do
not show; the ramps are skipped on sides that touch the window's edge.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..geometry import Rect
from ..trimap import FOREGROUND, UNKNOWN

#: predict(image float32 h x w x 3, trimap uint8 h x w) -> alpha float32 h x w;
#: h and w are multiples of the stride given to :func:`predict_tiled`.
TilePredictor = Callable[[np.ndarray, np.ndarray], np.ndarray]


def pad_to_multiple(array: np.ndarray, stride: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Reflect-pad H x W (x C) at the bottom/right to multiples of ``stride``;
    returns the padded array and the original (H, W)."""
    h, w = array.shape[:2]
    ph, pw = (-h) % stride, (-w) % stride
    if ph == 0 and pw == 0:
        return array, (h, w)
    pad = [(0, ph), (0, pw)] + [(0, 0)] * (array.ndim - 2)
    mode = "reflect" if h > ph and w > pw else "edge"
    return np.pad(array, pad, mode=mode), (h, w)


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    step = tile - overlap
    n = int(np.ceil((length - tile) / step)) + 1
    return [int(round(i * (length - tile) / (n - 1))) for i in range(n)]


def _ramp(length: int, overlap: int, start_open: bool, end_open: bool) -> np.ndarray:
    """Weights 1 inside, rising linearly over ``overlap`` pixels on open sides."""
    r = np.ones(length, np.float32)
    if overlap > 0:
        ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
        n = min(overlap, length)
        if start_open:
            r[:n] = np.minimum(r[:n], ramp[:n])
        if end_open:
            r[-n:] = np.minimum(r[-n:], ramp[:n][::-1])
    return r


def predict_tiled(image: np.ndarray, trimap: np.ndarray, predict: TilePredictor, *,
                  tile: int = 512, overlap: int = 64, margin: int = 64, stride: int = 32,
                  on_tile: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Alpha for the whole image (float32 H x W; known pixels 0/1 from the trimap).

    image: float32 H x W x 3 in [0, 1]; trimap: uint8 H x W in {0, 128, 255}.
    tile: window side (rounded down to a multiple of ``stride``); overlap:
    blended band between neighbouring windows; margin: context kept around
    the unknown region's bounding box.  ``on_tile(done, total)`` is called
    before each window (raise there to cancel).
    """
    tile = max(stride, tile - tile % stride)
    overlap = min(overlap, tile // 2)
    out = (trimap == FOREGROUND).astype(np.float32)
    box = Rect.of_mask(trimap == UNKNOWN)
    if box.empty:
        return out
    h, w = trimap.shape
    box = box.grow(margin, w, h)
    win_img, win_tri = image[box.slices], trimap[box.slices]
    wh, ww = win_tri.shape
    acc = np.zeros((wh, ww), np.float32)
    weight = np.zeros((wh, ww), np.float32)
    ys, xs = _starts(wh, tile, overlap), _starts(ww, tile, overlap)
    jobs = [(ty, tx) for ty in ys for tx in xs
            if (win_tri[ty:ty + tile, tx:tx + tile] == UNKNOWN).any()]
    for i, (ty, tx) in enumerate(jobs):
        if on_tile is not None:
            on_tile(i, len(jobs))
        t_img = win_img[ty:ty + tile, tx:tx + tile]
        t_tri = win_tri[ty:ty + tile, tx:tx + tile]
        p_img, (th, tw) = pad_to_multiple(t_img, stride)
        p_tri, _ = pad_to_multiple(t_tri, stride)
        alpha = predict(np.ascontiguousarray(p_img), np.ascontiguousarray(p_tri))[:th, :tw]
        wy = _ramp(th, overlap, ty > 0, ty + th < wh)
        wx = _ramp(tw, overlap, tx > 0, tx + tw < ww)
        wgt = wy[:, None] * wx[None, :]
        acc[ty:ty + th, tx:tx + tw] += alpha * wgt
        weight[ty:ty + th, tx:tx + tw] += wgt
    covered = weight > 0
    window = out[box.slices]
    window[covered] = acc[covered] / weight[covered]
    return out
