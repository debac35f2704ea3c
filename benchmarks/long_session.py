"""Long editing session: thousands of strokes with undo/redo and live solves.

Drives the real core document, its bounded undo history and the editor's
SolveController (solver QThread, latest-wins requests) headless, and prints
the process's resident memory, the undo history's size and the solver's
backlog every few hundred steps.  Memory must level off (history capped by
bytes, not only by count) and the backlog must stay at most one request.

    QT_QPA_PLATFORM=offscreen python benchmarks/long_session.py [--strokes 3000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from matteditor.document import Document, History, TrimapEdit  # noqa: E402
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN, paint_stroke  # noqa: E402
from matteditor.ui.solve import SolveController, wait_for_solvers  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rss import rss_bytes  # noqa: E402


def rss_mb() -> float:
    return rss_bytes() / 2**20


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strokes", type=int, default=3000)
    ap.add_argument("--size", type=int, default=1600, help="photo width (height is 3/4)")
    ap.add_argument("--history-mb", type=int, default=64)
    ap.add_argument("--engine", default="fast-cf")
    ap.add_argument("--interval-ms", type=float, default=60.0,
                    help="time between strokes, spent running the event loop")
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    w, h = args.size, args.size * 3 // 4
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    image = np.stack([xx / w, yy / h, 0.5 + 0.2 * np.sin(xx / 17)], -1).astype(np.float32)
    doc = Document(image, history=History(max_bytes=args.history_mb * 2**20))
    controller = SolveController()
    controller.set_engine(args.engine)
    controller.set_document(doc)
    rnd = random.Random(1)
    print(f"photo {w}x{h}, {args.strokes} strokes, history cap {args.history_mb} MB, "
          f"engine {args.engine}")
    print(f"{'step':>6}{'RSS MB':>9}{'history MB':>12}{'undo steps':>12}{'stale dropped':>15}{'settle':>11}")
    t0 = time.perf_counter()
    for step in range(1, args.strokes + 1):
        roll = rnd.random()
        if roll < 0.15 and doc.history.can_undo():
            doc.undo()
        elif roll < 0.22 and doc.history.can_redo():
            doc.redo()
        else:
            label = rnd.choice((FOREGROUND, BACKGROUND, UNKNOWN))
            x, y = rnd.uniform(0, w), rnd.uniform(0, h)
            pts = [(x + 40 * i * rnd.uniform(-1, 1), y + 40 * i * rnd.uniform(-1, 1))
                   for i in range(rnd.randint(2, 12))]
            new = doc.trimap.copy()
            paint_stroke(new, pts, rnd.uniform(3, 60), label)
            edit = TrimapEdit.between(doc.trimap, new, "stroke")
            if edit is not None:
                doc.apply(edit)
        until = time.perf_counter() + args.interval_ms / 1000
        while time.perf_counter() < until:
            QCoreApplication.processEvents()
            time.sleep(0.002)
        if step % 250 == 0 or step == args.strokes:
            # The artist pauses: the live solve for the latest revision must land.
            t_idle = time.perf_counter()
            while doc.alpha_revision != doc.revision and time.perf_counter() - t_idle < 60:
                QCoreApplication.processEvents()
                time.sleep(0.005)
            settle = time.perf_counter() - t_idle
            print(f"{step:>6}{rss_mb():>9.0f}{doc.history.nbytes / 2**20:>12.1f}"
                  f"{len(doc.history):>12}{controller.stale_dropped:>15}"
                  f"{settle:>10.1f}s{'' if doc.alpha_revision == doc.revision else ' (no alpha)'}",
                  flush=True)
    controller.shutdown()
    wait_for_solvers()
    print(f"{args.strokes} steps in {time.perf_counter() - t0:.1f}s; alpha received for "
          f"revision {doc.alpha_revision} of {doc.revision}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
