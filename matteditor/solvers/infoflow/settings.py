"""Settings of information-flow matting (Aksoy, Aydin and Pollefeys, CVPR 2017).

Every flow of the paper's energy can be switched off, so that the benchmark
(``benchmarks/infoflow.py``) can show what each adds.  Defaults are the
paper's values except where a measurement on eval-dev said otherwise; the
benchmark's ablation options print the figures behind each default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


METHODS = ("auto", "direct", "iterative")
#: how the transparency test decides (see :func:`.trimming.looks_see_through`)
TRANSPARENCY_RULES = ("foreground", "histogram")


@dataclass(frozen=True)
class InfoFlowSettings:
    """Weights and neighbourhood sizes of the information-flow energy.

    Colours are in [0, 1] and positions are divided by the image's width and
    height, so distances in the neighbour searches mix comparable units.
    """

    #: colour-mixture flow: neighbours per unknown pixel in [r, g, b, x/W, y/H]
    cm_neighbours: int = 20
    #: weight of the colour-mixture term ((I - W)^T (I - W)); 0 switches it off.  Off by
    #: default: on eval-dev it changed the mean SAD by under 2% (crops and full size,
    #: ``benchmarks/infoflow.py --ablation`` and ``--set cm_weight=1``) for twice the time
    #: (a 20-neighbour search and LLE per pixel, and a slower conjugate-gradient apply)
    cm_weight: float = 0.0
    #: LLE regulariser, relative to the trace of the neighbours' Gram matrix: keeps the
    #: K x K system (rank <= 3: colours are 3-D) solvable and the weights bounded
    lle_regularizer: float = 1e-3
    #: known-to-unknown flow: nearest foreground and background samples per unknown pixel
    ku_neighbours: int = 7
    #: weight of the known-to-unknown term (times each pixel's confidence); 0: off
    ku_weight: float = 0.05
    #: factor on the positions in the known-to-unknown search: nearby samples first
    ku_position_scale: float = 10.0
    #: intra-unknown flow: neighbours among unknown pixels
    uu_neighbours: int = 5
    #: weight of the intra-unknown term; 0: off.  It costs conjugate-gradient iterations
    #: (without it and the colour-mixture term one solve with the factor is the answer,
    #: ~2x faster), but on eval-dev's wide bands it is what beats closed-form: full-size
    #: mean SAD 0.78x closed-form's with it, 0.87x without (a80134c72d 154 vs 193)
    uu_weight: float = 0.01
    #: factor on the positions in the intra-unknown search: colour dominates
    uu_position_scale: float = 0.05
    #: weight of the local flow (matting Laplacian); 0: off
    local_weight: float = 1.0
    #: the matting Laplacian's epsilon and window radius (pymatting's defaults)
    epsilon: float = 1e-7
    radius: int = 1
    #: weight of the soft constraints that trimap trimming adds
    trim_weight: float = 100.0
    #: run the transparency test and drop the known-to-unknown term when it fires
    transparency_test: bool = True
    #: "foreground": the band is see-through when few of its pixels show a nearby
    #: foreground pixel's colour (:func:`.trimming.foreground_explained_share`);
    #: "histogram": the old default, a paper-style colour-histogram overlap
    #: (:func:`.trimming.transparency_score`), which fired on a held-out dandelion (SAD 448
    #: without the flow, 238 with it)
    transparency_rule: str = "foreground"
    #: the "foreground" rule fires when under this share of the band is explained.  Chosen
    #: on eval-dev's labelled set (``benchmarks/transparency.py``, ``docs/transparency.md``;
    #: halves: each set's cases sorted by name, first / second half) as the largest
    #: threshold whose decisions' SAD is no worse than the histogram rule's on every half:
    #: 0.02 (balanced accuracy 0.66 / 0.57 against the histogram rule's 0.62 / 0.49).  At
    #: 0.07 it tells see-through from opaque best (0.77 / 0.79) but drops the flow on
    #: eval-dev glass where the flow still helps (crop SAD 5.49 against 5.03)
    transparency_threshold: float = 0.02
    #: the "histogram" rule fires when the foreground explains less than this share of the
    #: band's colour histogram (its value since it was written)
    histogram_threshold: float = 0.1
    #: expand the known regions into the unknown band where no edge separates them
    edge_trimming: bool = False
    #: mark unknown pixels whose 3x3 patch matches only foreground (or background) patches
    patch_trimming: bool = False
    #: approximate neighbour searches: a returned neighbour may be up to (1 + eps) times
    #: farther than the true k-th nearest (cKDTree.query's ``eps``).  Searches from deep
    #: inside a wide band must otherwise visit every known pixel within the band's
    #: half-width: 0eac023d43's known-to-unknown queries took 8.1 s exact, 1.9 s at eps 1;
    #: the 12 MP photo's 5.9 s at eps 2, 3.3 s at 4 (SAD 95.0 / 95.1).  Crops' SAD: 0.727x
    #: closed-form's exact, 0.721x at 4 (``benchmarks/infoflow.py --ablation``, 38 crops)
    search_eps: float = 4.0
    #: known pixels within this many pixels of an unknown one are neighbour candidates
    search_margin: int = 20
    #: conjugate gradients stop at this relative residual: where the matte stops changing
    #: on eval-dev's full-size images (SAD of 0eac023d43, a80134c72d, 544f210c6b,
    #: 70638dc8bf: 14.07, 154.12, 18.85, 12.09 at 1e-4; 13.90, 154.16, 18.84, 12.05 at
    #: 3e-4; 17.47, 154.24, 18.67, 12.53 at 1e-3)
    rtol: float = 3e-4
    max_iterations: int = 200
    #: how each tile's system is solved: "direct" (CG preconditioned by a CHOLMOD factor,
    #: on the CPU), "iterative" (matrix-free, in torch: :mod:`.matrix_free`) or "auto"
    #: (direct on the CPU, iterative on CUDA or where CHOLMOD is missing)
    method: str = "auto"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                continue
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{f.name} must be finite, got {value}")
            if isinstance(value, (int, float)) and value < 0:
                raise ValueError(f"{f.name} must be >= 0, got {value}")
        for name in ("cm_neighbours", "ku_neighbours", "uu_neighbours", "radius",
                     "max_iterations"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if self.epsilon <= 0 or self.lle_regularizer <= 0:
            raise ValueError("epsilon and lle_regularizer must be > 0")
        if self.transparency_threshold > 1 or self.histogram_threshold > 1:
            raise ValueError("transparency_threshold and histogram_threshold must be in [0, 1]")
        if self.transparency_rule not in TRANSPARENCY_RULES:
            raise ValueError(f"transparency_rule must be one of {', '.join(TRANSPARENCY_RULES)}, "
                             f"got {self.transparency_rule!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if not 0 < self.rtol < 1:
            raise ValueError(f"rtol must be in (0, 1), got {self.rtol}")
        if self.search_margin < 2 * self.radius:
            raise ValueError(f"search_margin must be >= 2 * radius ({2 * self.radius}) so that "
                             "the local flow's windows fit in a tile")
        if self.local_weight == 0 and self.cm_weight == 0 and self.uu_weight == 0:
            raise ValueError("at least one of the local, colour-mixture and intra-unknown flows "
                             "must be on: they alone tie unknown pixels together")
