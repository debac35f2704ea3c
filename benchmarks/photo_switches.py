"""Memory across photo switches: the editor's live-matte pipeline on ten photos in turn.

The editor's solver thread runs :class:`matteditor.live.LiveMatte` (ui/worker.py is a
thin adapter), with the editor's engine options.  An artist opens ten photos one after
the other and tries an engine or two on each (auto, then fast-cf or information-flow);
this prints the process's resident memory and the sessions the pipeline holds after
each photo.  Memory must level off: a new photo frees the previous photo's sessions, and
another engine frees the other engines' (issue 24, item 4).

    .venv/bin/python benchmarks/photo_switches.py [--photos 10] [--size 1600]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if os.environ.get("MATTEDITOR_SOURCE"):      # compare with another checkout's core
    sys.path.insert(0, os.environ["MATTEDITOR_SOURCE"])
else:
    sys.path.insert(0, str(ROOT))

from matteditor.engines import EngineOptions  # noqa: E402
from matteditor.live import LiveMatte, LiveRequest  # noqa: E402
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rss import rss_bytes  # noqa: E402

#: the editor's options (live.py: EDITOR_OPTIONS)
OPTIONS = EngineOptions(local_margin=64, memory_mb=2200)


def rss_mb() -> float:
    return rss_bytes() / 2**20


def photo(seed: int, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """A smooth random photo with a soft disc, and a trimap with a 12-px band around it."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    colours = rng.random((2, 3)).astype(np.float32)
    r = np.hypot(xx - w * rng.uniform(0.4, 0.6), yy - h * rng.uniform(0.4, 0.6))
    radius = min(w, h) * rng.uniform(0.25, 0.35)
    alpha = np.clip((radius - r) / 6 + 0.5, 0, 1)[..., None]
    texture = 0.05 * np.sin(xx / rng.uniform(5, 20))[..., None]
    image = np.clip(alpha * colours[0] + (1 - alpha) * colours[1] + texture, 0, 1)
    trimap = np.full((h, w), UNKNOWN, np.uint8)
    trimap[r < radius - 12] = FOREGROUND
    trimap[r > radius + 12] = BACKGROUND
    return image.astype(np.float32), trimap


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=10)
    ap.add_argument("--size", type=int, default=1600, help="photo width (height is 3/4)")
    args = ap.parse_args(argv)
    w, h = args.size, args.size * 3 // 4
    live = LiveMatte(options=OPTIONS)
    engines = ("fast-cf", "information-flow")
    print(f"{args.photos} photos of {w}x{h} ({w * h / 1e6:.1f} MP, "
          f"{w * h * 12 / 2**20:.0f} MB as float32); RSS at start {rss_mb():.0f} MB")
    print(f"{'photo':>6}{'engines':>28}{'RSS MB':>9}{'sessions':>10}{'seconds':>9}")
    peak = 0.0
    for i in range(args.photos):
        image, trimap = photo(i, w, h)
        start = time.perf_counter()
        live.set_image(image)
        used = ("auto", engines[i % 2])
        for n, name in enumerate(used):
            list(live.run(LiveRequest(2 * i + n, trimap, None, name)))
        del image, trimap
        gc.collect()
        sessions = getattr(live, "sessions", None)
        if sessions is None:     # an older core: count what it holds
            sessions = len(live._engines) + len(live._previews)
        peak = max(peak, rss_mb())
        print(f"{i + 1:>6}{' + '.join(used):>28}{rss_mb():>9.0f}{sessions:>10}"
              f"{time.perf_counter() - start:>9.1f}", flush=True)
    print(f"peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
