"""The one policy that says which engine is the default, which engine ``auto``
gives each trimap (:func:`choose_engine`) and how ``auto`` narrows a wide band first
(:func:`narrowed_trimap`); the figures behind the rules are in docs/information-flow.md
and docs/trimaps.md.  Engine names appear as literals here and in the engine classes
only."""

from __future__ import annotations

import numpy as np

from ..errors import EngineError
from ..solvers.infoflow import InfoFlowSettings, unreached_share
from ..solvers.narrowing import NarrowingSettings, narrow_band
from ..solvers.scribbles import ScribbleSettings
from ..trimap import UNKNOWN
from .registry import available_engines, registered

#: The engine of the cases information-flow does not take, best first: the first
#: available one wins.  fast-cf gives pymatting's closed-form matte (SAD within 0.1% on
#: eval-dev) 7x faster (docs/speed.md), solves scribbles coarse to fine and bounds its
#: memory; the shipped network loses to it (resources/weights/MODEL_CARD.md).
FALLBACK_ORDER = ("fast-cf", "closed-form")
#: The default engine: the per-case choice of :func:`choose_engine`.
AUTO_ENGINE = "auto"
#: Per-case choice (:func:`choose_engine`): information-flow up to this many unknown
#: pixels, the largest band measured (the 12 MP photo's 1.2 M: ~25 s, peak 2.7 GB;
#: eval-dev's largest, 1.14 M: 2.7 GB); its time and memory grow with the band (one
#: CHOLMOD factor per connected band), so larger bands go to the fallback (fast-cf:
#: memory-bounded).
INFOFLOW_MAX_UNKNOWN = 1_250_000
#: ... and unless the trimap is scribbles: at least half of it unknown (fast-cf's own
#: criterion, :class:`~matteditor.solvers.scribbles.ScribbleSettings`) and more than this
#: share of the unknown pixels beyond the neighbour searches' reach of a known pixel
#: (:func:`~matteditor.solvers.infoflow.unreached_share`).  Scribbles (a few strokes, the rest
#: unknown) measure at least 0.53 on eval-dev's photos reduced to a quarter, more when
#: larger; with them information-flow's matte is blocky (far-off known-to-unknown samples):
#: SAD 1.8x fast-cf's at a quarter size, 4.4x at 0.6, several times slower.  Neither
#: property alone would do: eval-dev's crops are bands of hair up to 100% unknown, where
#: information-flow wins at every share (0.41x closed-form's SAD above 90%), and wide bands
#: of large photos are mostly beyond reach (35eef13f03: 0.50; the 12 MP photo: 0.69) yet
#: information-flow wins there.  The rule sends 8 of eval-dev's 150 crops and none of its 14
#: full-size images to fast-cf.  Figures: docs/information-flow.md.
SCRIBBLE_MIN_UNREACHED = 0.5
INFOFLOW_ENGINE = "information-flow"
_INFOFLOW_REACH = InfoFlowSettings().search_margin
_SCRIBBLE_SHARE = ScribbleSettings().unknown_share
#: The engine every figure is compared with: pymatting's closed-form solver.
REFERENCE_ENGINE = "closed-form"
#: How ``auto`` narrows a wide band before choosing and solving (:func:`narrowed_trimap`).
#: On eval-dev's first 64 crops widened by 25 px it took the default from 1.09x
#: closed-form's SAD to 0.92x (halves by name: 1.11x to 0.91x, 1.07x to 0.93x) and from
#: 2.19x to 1.85x its own SAD on the given bands, which it leaves at 0.65x (most are too
#: tight to narrow); ``benchmarks/trimaps.py``, figures in docs/trimaps.md.  The engine is
#: then chosen for the narrowed trimap: information-flow for every narrowed one did better
#: on one half and worse on the other (0.95x, 0.74x).  With its second solve (solve, then
#: relabel: ``relabel_alpha``) and 4 px kept unknown the widened crops are at 0.84x
#: (halves 0.85x and 0.82x) and the given ones at 0.64x (0.67x and 0.62x), for a second,
#: smaller solve of each narrowed band.
NARROWING = NarrowingSettings()


def default_engine_name() -> str:
    """The engine the command line, the editor and new projects use unless told otherwise."""
    return AUTO_ENGINE


def _usable(name: str) -> bool:
    """Registered and available (without loading the network engines: torch)."""
    cls = registered(name)
    return cls is not None and cls.available()


def _infoflow_takes(unknown: int) -> bool:
    """Whether information-flow is available and takes a band of ``unknown`` pixels (the
    size rule alone, which :func:`narrowed_trimap` and :func:`choose_engine` share)."""
    return unknown <= INFOFLOW_MAX_UNKNOWN and _usable(INFOFLOW_ENGINE)


def fallback_engine_name() -> str:
    """The engine :func:`choose_engine` gives the cases information-flow does not take."""
    for name in FALLBACK_ORDER:
        if _usable(name):
            return name
    return next(n for n in available_engines() if n != AUTO_ENGINE)


def narrowed_trimap(image: np.ndarray, trimap: np.ndarray,
                    settings: NarrowingSettings | None = None) -> np.ndarray:
    """The trimap ``auto`` solves for ``trimap`` on ``image`` (float32 H x W x 3 in [0, 1]):
    a wide band's pure pixels labelled (:func:`~matteditor.solvers.narrowing.narrow_band`
    with ``settings``, default :data:`NARROWING`), ``trimap`` itself when its band is tight
    or nothing is sure, and when the band is too large for information-flow
    (:data:`INFOFLOW_MAX_UNKNOWN`): the fallback gains nothing from it (eval-dev's
    35eef13f03 widened by 25 px, 1.40 M unknown pixels, narrowed to 1.29 M: SAD 273.8
    against 275.8, but 12.1 s against 5.0, the narrowed band no longer solved coarse to
    fine).  The scribble rule is not asked here: a crop's band widened by 25 px is mostly
    unknown and beyond the neighbour searches' reach, so it reads as scribbles until it is
    narrowed (on eval-dev's first 64 crops so widened, asking it sent 17 of 47 to fast-cf
    unnarrowed: 0.997x closed-form's SAD against 0.92x); true scribbles are left as they
    are by the narrowing's own gate (known strokes, not regions).  Only the photo and the
    trimap decide, never a ground truth."""
    if image.shape[:2] != trimap.shape:
        raise EngineError(f"image {image.shape[:2]} and trimap {trimap.shape} differ in size")
    if not _infoflow_takes(int(np.count_nonzero(trimap == UNKNOWN))):
        return trimap
    return narrow_band(image, trimap, NARROWING if settings is None else settings)


def choose_engine(image: np.ndarray, trimap: np.ndarray) -> str:
    """The engine for this photo and trimap: information-flow where it was measured to
    beat closed-form at acceptable cost (bands up to :data:`INFOFLOW_MAX_UNKNOWN` unknown
    pixels that are not scribbles), else :func:`fallback_engine_name`.

    Args:
        image: H x W x 3 photo (unused by the rule today; part of the signature so a rule
            on the image, such as the transparency test, needs no caller change).
        trimap: uint8 H x W in {0, 128, 255}.
    Only the trimap's and image's own properties decide, never a ground truth.
    """
    if image.shape[:2] != trimap.shape:
        raise EngineError(f"image {image.shape[:2]} and trimap {trimap.shape} differ in size")
    unknown = int(np.count_nonzero(trimap == UNKNOWN))
    if not _infoflow_takes(unknown):
        return fallback_engine_name()
    scribbles = (unknown >= _SCRIBBLE_SHARE * trimap.size
                 and unreached_share(trimap, _INFOFLOW_REACH) > SCRIBBLE_MIN_UNREACHED)
    return fallback_engine_name() if scribbles else INFOFLOW_ENGINE
