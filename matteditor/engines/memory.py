"""Will a solve fit in memory?  Asked before an engine starts on a photo.

Some engines' memory grows with the photo beyond what a machine has:
pymatting's closed-form builds the matting Laplacian of every pixel, and
information-flow one CHOLMOD factor per connected unknown band.  Started on
an 8000x6000 photo in a 12 GB memory limit, they were killed by the kernel
(exit 137, nothing said, the rest of a batch lost).  :func:`check_memory`
estimates the peak from the photo's size and the trimap's unknown pixels and
refuses, with one line naming the engine, the estimate, what is free and what
to do, a solve that would not fit; a batch reports that frame and goes on.

The model, peak bytes = ``base + per_pixel * H * W + per_unknown * unknown``,
was measured (peak resident size, ``benchmarks``-style runs of square photos of
90 k and 360 k pixels with 10% and 90% unknown, 2026-12-04): closed-form
2970 bytes per unknown pixel and 270 per pixel; information-flow 2180 per
unknown pixel (README: 1.2 M unknown, 2.7 GB), little per pixel.  Engines
not listed here bound their own memory (fast-cf's tiles) or are networks.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import EngineError
from ..trimap import UNKNOWN
from .auto import AutoEngine
from .base import Engine

GB = 1 << 30


@dataclass(frozen=True)
class MemoryModel:
    """Peak bytes of one solve: ``base + per_pixel * pixels + per_unknown * unknown``."""
    base: int
    per_pixel: float
    per_unknown: float

    def peak(self, pixels: int, unknown: int) -> int:
        return int(self.base + self.per_pixel * pixels + self.per_unknown * unknown)


#: Measured models (see the module docstring), with a margin of 10% on the slopes.
MODELS = {
    "closed-form": MemoryModel(base=300 << 20, per_pixel=300, per_unknown=3300),
    "information-flow": MemoryModel(base=400 << 20, per_pixel=60, per_unknown=2400),
}
#: What to suggest instead: fast-cf gives the closed-form matte in bounded memory.
INSTEAD = "fast-cf"


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().split()[0]
    except (OSError, IndexError):
        return None
    return int(text) if text.isdigit() else None


def _cgroup_free() -> int | None:
    """Bytes this process's cgroup may still use (v2, then v1), None without a limit."""
    try:
        line = Path("/proc/self/cgroup").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    group = line.split(":", 2)[-1] if line.startswith("0::") else ""
    for limit, used in ((f"/sys/fs/cgroup{group}/memory.max",
                         f"/sys/fs/cgroup{group}/memory.current"),
                        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                        ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                         "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        cap, current = _read_int(limit), _read_int(used)
        if cap is not None and current is not None and cap < 1 << 60:
            return max(0, cap - current)
    return None


def _address_space_free() -> int | None:
    """Bytes of address space left under ``ulimit -v`` (RLIMIT_AS), None without one."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmSize:"):
            return max(0, soft - int(line.split()[1]) * 1024)
    return None


def _meminfo_free() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_bytes() -> int | None:
    """The memory a solve may still take: the least of the machine's available memory,
    the cgroup's limit and the address-space limit (None: unknown, not Linux)."""
    found = [v for v in (_meminfo_free(), _cgroup_free(), _address_space_free())
             if v is not None]
    return min(found) if found else None


def solving_engine(engine: Engine, image: np.ndarray, trimap: np.ndarray,
                   preview: bool = False) -> str:
    """The engine that will solve ``trimap`` on ``image`` (auto names its choice; it is
    given the photo, which the solve that follows then keeps), or with ``preview`` the
    one that previews it (auto's choice without narrowing the band first)."""
    if isinstance(engine, AutoEngine):
        if engine.image is not image:
            engine.set_image(image)
        return engine.preview_engine_for(trimap) if preview else engine.engine_for(trimap)
    return engine.name


def check_memory(engine: Engine, image: np.ndarray, trimap: np.ndarray,
                 free: int | None = None) -> None:
    """Raise EngineError if solving ``trimap`` on ``image`` would need more memory than
    is free (``free``: bytes, default :func:`available_bytes`)."""
    name = solving_engine(engine, image, trimap)
    model = MODELS.get(name)
    if model is None:
        return
    free = available_bytes() if free is None else free
    if free is None:
        return
    h, w = trimap.shape
    unknown = int(np.count_nonzero(trimap == UNKNOWN))
    need = model.peak(h * w, unknown)
    if need <= free:
        return
    raise EngineError(f"{name} would need about {need / GB:.1f} GB for this {w}x{h} photo "
                      f"with {unknown / 1e6:.1f} M unknown pixels, but {free / GB:.1f} GB is "
                      f"free; refusing to start (use -e {INSTEAD}, which bounds its memory, "
                      "a smaller photo or a narrower unknown band)")
