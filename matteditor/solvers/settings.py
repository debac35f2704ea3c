"""Settings of the closed-form solver (torch-free, so the engine registry can
import them without loading torch)."""

from __future__ import annotations

from dataclasses import dataclass

_DTYPES = ("float32", "float64")
#: auto: the direct solver (sparse Cholesky, :mod:`.direct`) on the CPU when CHOLMOD
#: loads, conjugate gradients in torch otherwise (CUDA included)
METHODS = ("auto", "direct", "iterative")


@dataclass(frozen=True)
class CFSettings:
    """Closed-form solve settings (pymatting's defaults for epsilon and radius)."""

    epsilon: float = 1e-7
    radius: int = 1
    method: str = "auto"        # see METHODS
    # the direct solver leaves a band whose Cholesky factor (as CHOLMOD predicts it, 12
    # bytes an entry) would exceed this to the iterative one.  eval-dev's largest band
    # (1.1 M pixels) needs ~1.9 GB, 12 MP with a 10% band ~2.1 GB
    max_factor_mb: int = 3072
    # --- the iterative solver's settings
    # relative residual (pymatting: 1e-7).  On eval-dev full size, 1e-3 keeps every
    # case's SAD within 1.6% of pymatting's (summed: +0.3%); with 16-px blocks the median
    # speed-up over pymatting went from 1.4x to 2.1x (benchmarks/speed.py)
    rtol: float = 1e-3
    maxiter: int = 1000
    block: int = 16             # side of the compute blocks (16: less waste on thin bands than 32)
    aggregate: int = 8          # side of the coarse-correction aggregates (0: Jacobi only)
    dtype: str = "float64"      # dtype of the CG products (float32 needs epsilon >~ 1e-5)

    def __post_init__(self) -> None:
        if self.radius < 1:
            raise ValueError(f"radius must be at least 1, got {self.radius}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {list(METHODS)}, got {self.method!r}")
        if self.dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {sorted(_DTYPES)}, got {self.dtype!r}")
        if self.aggregate < 0 or (self.aggregate and self.block % self.aggregate):
            raise ValueError(f"aggregate ({self.aggregate}) must divide block ({self.block}), "
                             "or be 0 for Jacobi only")
        if self.max_factor_mb < 0:
            raise ValueError(f"max_factor_mb must be >= 0, got {self.max_factor_mb}")
        if self.block < 4 or self.maxiter < 1:
            raise ValueError("block must be >= 4 and maxiter positive")


