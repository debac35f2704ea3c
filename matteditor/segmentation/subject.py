"""Select subject: the most salient object of a photo, from Segment Anything alone.

SAM answers prompts, it has no notion of "the subject".  The prompts here are the
whole photo as a box (SAM's three nested candidates) and a grid of single clicks over
the photo's middle; each candidate mask is judged on SAM's own predicted IoU, and
refused when it is the background (it runs along most of the photo's border), a tiny
part (under ``min_area`` of the photo) or nearly everything (over ``max_area``).  Among
the rest, masks nearer the centre and touching less border win ties of score.  All
candidates come from the one embedding, in two decoder calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import MatteError
from .sam import SamSession, Segmentation


@dataclass(frozen=True)
class SubjectSettings:
    """grid: clicks per side over the middle of the photo; min_area, max_area: the share
    of the photo a subject may cover; max_border: the share of the photo's border a
    subject may run along (a background runs along most of it); inset: the whole-photo
    box's margin as a share of each side."""

    grid: int = 4
    min_area: float = 0.01
    max_area: float = 0.9
    max_border: float = 0.5
    inset: float = 0.01

    def __post_init__(self) -> None:
        if self.grid < 1:
            raise ValueError("grid must be at least 1")
        if not 0.0 <= self.min_area < self.max_area <= 1.0:
            raise ValueError("need 0 <= min_area < max_area <= 1")


def _border_share(mask: np.ndarray) -> float:
    """Share of the border pixels of bool h x w ``mask`` that are inside it."""
    edge = np.concatenate([mask[0], mask[-1], mask[1:-1, 0], mask[1:-1, -1]])
    return float(edge.mean()) if edge.size else 0.0


def _centrality(mask: np.ndarray) -> float:
    """1 when the mask's centroid is the photo's centre, 0 in a corner."""
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    dy, dx = ys.mean() / max(1, h - 1) - 0.5, xs.mean() / max(1, w - 1) - 0.5
    return float(1.0 - np.hypot(dx, dy) / np.hypot(0.5, 0.5))


def subject_candidates(session: SamSession, shape: tuple[int, int],
                       settings: SubjectSettings = SubjectSettings()
                       ) -> list[tuple[float, np.ndarray]]:
    """Every acceptable candidate as (rank, low-resolution logits h x w), best first.

    shape: the photo's (H, W), whose embedding ``session`` holds."""
    h, w = shape
    m = settings.inset
    box_logits, box_scores = session.predict_box((m * w, m * h, (1 - m) * w, (1 - m) * h))
    n = settings.grid
    # clicks over the middle three fifths of the photo, where subjects are framed
    steps = 0.2 + 0.6 * (np.arange(n) + 0.5) / n
    gx, gy = np.meshgrid(steps * w, steps * h)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    point_logits, point_scores = session.predict_points(points)
    logits = np.concatenate([box_logits, point_logits.reshape(-1, *point_logits.shape[-2:])])
    scores = np.concatenate([box_scores, point_scores.ravel()])
    ranked = []
    for low, score in zip(logits, scores):
        mask = session.crop_low(low) > 0
        area = float(mask.mean())
        if not settings.min_area <= area <= settings.max_area:
            continue
        border = _border_share(mask)
        if border > settings.max_border:
            continue
        rank = float(score) + 0.25 * _centrality(mask) - 0.5 * border
        ranked.append((rank, low))
    ranked.sort(key=lambda item: -item[0])
    return ranked


def select_subject(session: SamSession, shape: tuple[int, int],
                   settings: SubjectSettings = SubjectSettings()) -> Segmentation:
    """The most salient object of the photo whose embedding ``session`` holds.

    shape: the photo's (H, W).  Returns the chosen mask at full resolution; MatteError
    when no candidate is a plausible subject (then a box or a click is needed)."""
    for rank, low in subject_candidates(session, shape, settings):
        logits = session.upscale(low)
        if logits.shape != tuple(shape):
            raise MatteError(f"the photo is {shape[1]}x{shape[0]} but Segment Anything holds "
                             f"another one ({logits.shape[1]}x{logits.shape[0]})")
        mask = logits > 0
        # judged again at full size: the reduced grid's verdict can flip on a thin edge
        if settings.min_area <= mask.mean() <= settings.max_area \
                and _border_share(mask) <= settings.max_border:
            return Segmentation(mask, rank, logits)
    raise MatteError("Select subject found no object that is neither the background "
                     "nor a tiny part; draw a box around the subject or click on it")
