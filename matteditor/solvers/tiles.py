"""Independent tiles around the unknown region (no torch: the information-flow
solver uses them too, and importing torch costs every process ~180 MB).

Two unknown pixels interact through the matting Laplacian only when one
window of radius r holds both, i.e. when they are at most 2r apart
(Chebyshev distance).  The unknown pixels therefore fall into independent
groups (connected components of the unknown mask dilated by r); a group's
bounding box grown by a margin of at least 2r holds every window touching it,
so solving each tile with its known border fixed gives the same alpha as
solving the whole picture at once.  Tiles whose grown boxes overlap are merged.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..geometry import Rect
from ..trimap import UNKNOWN


def _merge_overlapping(boxes: np.ndarray) -> np.ndarray:
    """Merge N x 4 half-open boxes (x0, y0, x1, y1) until no two overlap."""
    boxes = boxes.copy()
    changed = True
    while changed and len(boxes) > 1:
        changed = False
        out: list[np.ndarray] = []
        alive = np.ones(len(boxes), bool)
        for i in range(len(boxes)):
            if not alive[i]:
                continue
            box = boxes[i].copy()
            while True:
                hit = (alive & (boxes[:, 0] < box[2]) & (boxes[:, 2] > box[0])
                       & (boxes[:, 1] < box[3]) & (boxes[:, 3] > box[1]))
                hit[i] = False
                if not hit.any():
                    break
                changed = True
                box[:2] = np.minimum(box[:2], boxes[hit, :2].min(0))
                box[2:] = np.maximum(box[2:], boxes[hit, 2:].max(0))
                alive[hit] = False
            alive[i] = False
            out.append(box)
        boxes = np.array(out)
    return boxes


def unknown_tiles(trimap: np.ndarray, radius: int = 1, margin: int | None = None) -> list[Rect]:
    """Non-overlapping tiles that together hold every unknown pixel.

    Args:
        trimap: uint8 H x W in {0, 128, 255}.
        radius: window radius of the matting Laplacian.
        margin: known border kept around each group of unknown pixels; at
            least 2 * radius (the default), so that tiles solve independently.
    Returns:
        Rects sorted by (y0, x0); empty when nothing is unknown.
    """
    margin = 2 * radius if margin is None else margin
    if margin < 2 * radius:
        raise ValueError(f"margin {margin} is below 2 * radius = {2 * radius}; "
                         "tiles would not be independent")
    h, w = trimap.shape
    unknown = (trimap == UNKNOWN).astype(np.uint8)
    if not unknown.any():
        return []
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    groups = cv2.dilate(unknown, kernel)
    n, _, stats, _ = cv2.connectedComponentsWithStats(groups, connectivity=8)
    x, y, bw, bh = (stats[1:, i].astype(np.int64) for i in range(4))
    # the dilated boxes already hold r of the margin
    grow = margin - radius
    boxes = np.stack([np.maximum(x - grow, 0), np.maximum(y - grow, 0),
                      np.minimum(x + bw + grow, w), np.minimum(y + bh + grow, h)], axis=1)
    boxes = _merge_overlapping(boxes)
    rects = [Rect(int(b[0]), int(b[1]), int(b[2]), int(b[3])) for b in boxes]
    return sorted(rects, key=lambda r: (r.y0, r.x0))
