"""Classical alphas fed to the fusion network (in the spirit of Cho et al.,
ECCV 2016): closed-form (Levin et al.) and KNN matting from pymatting, solved
at 1/scale resolution and upsampled.

Solving at reduced resolution is what makes them affordable on a CPU both
for training (half-resolution 96 x 96 crops: about 0.03 s closed-form +
0.08 s KNN, against 0.4 + 0.6 s at 192 x 192) and for inference, and the
network learns to correct exactly what it will be given.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..solvers.pymatting_output import quiet_numerics, route_pymatting_output
from ..trimap import BACKGROUND, FOREGROUND, trimap_to_float

CLASSICAL_SOLVERS = ("estimate_alpha_cf", "estimate_alpha_knn")


def classical_alphas(image: np.ndarray, trimap: np.ndarray, scale: int = 2) -> np.ndarray:
    """float32 2 x H x W in [0, 1]: closed-form and KNN alphas.

    image: float32 H x W x 3 in [0, 1]; trimap: uint8 H x W in {0, 128, 255}.
    Known pixels are exact.  The solvers need both foreground and background
    pixels; where the (downscaled) trimap lacks either, or has no unknown
    pixel, 0.5 is returned in the unknown region.
    """
    import pymatting

    h, w = trimap.shape
    small_w, small_h = max(8, round(w / scale)), max(8, round(h / scale))
    if scale > 1:
        img = cv2.resize(image, (small_w, small_h), interpolation=cv2.INTER_AREA)
        tri = cv2.resize(trimap, (small_w, small_h), interpolation=cv2.INTER_NEAREST)
    else:
        img, tri = image, trimap
    out = np.empty((len(CLASSICAL_SOLVERS), h, w), np.float32)
    solvable = (tri == BACKGROUND).any() and (tri == FOREGROUND).any() and \
        ((tri != BACKGROUND) & (tri != FOREGROUND)).any()
    for i, name in enumerate(CLASSICAL_SOLVERS):
        if not solvable:
            alpha = np.where(tri == FOREGROUND, 1.0, np.where(tri == BACKGROUND, 0.0, 0.5))
        else:
            route_pymatting_output()    # its preconditioner's prints go to the debug log
            with quiet_numerics():
                alpha = getattr(pymatting, name)(img.astype(np.float64),
                                                 trimap_to_float(tri).astype(np.float64))
        alpha = np.clip(alpha, 0.0, 1.0).astype(np.float32)
        if scale > 1:
            alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
        out[i] = np.where(trimap == FOREGROUND, 1.0, np.where(trimap == BACKGROUND, 0.0, alpha))
    return out
