"""Event-loop stalls of the editor while a long solve runs on a 12-megapixel photo.

    nice -n 10 .venv/bin/python benchmarks/ui_stall.py [--seconds 40] [--megapixels 12]

Opens the real main window (offscreen unless QT_QPA_PLATFORM says otherwise)
on a synthetic 4000 x 3000 photo with a trimap whose unknown band makes the
closed-form solve long, then, while the worker thread solves, drives the UI
as a user would: a 60 Hz timer pans the canvas (alternating at fit zoom and
at 100 %) and forces a synchronous repaint.  A 5 ms heartbeat timer measures
how late the event loop runs; a stall is the lateness of a heartbeat.
Prints max / p99 / median stall and paint times, separately for the time
while the solver works and for the moments results arrive (the UI then
recomposes the 12 MP view).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings, QTimer  # noqa: E402

from matteditor.document import Document  # noqa: E402
from matteditor.trimap import trimap_from_mask  # noqa: E402
from matteditor.ui.app import create_application  # noqa: E402
from matteditor.ui.main_window import MainWindow  # noqa: E402
from matteditor.ui.recovery import RecoveryStore  # noqa: E402
from matteditor.ui.solve import wait_for_solvers  # noqa: E402

HEARTBEAT_MS = 5
PAN_MS = 16


def synthetic_photo(megapixels: float) -> tuple[np.ndarray, np.ndarray]:
    """A soft-edged blob with fine 'hair' over a textured background; (image, mask)."""
    w = int(round(np.sqrt(megapixels * 1e6 * 4 / 3)))
    h = int(round(w * 3 / 4))
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot((xx - w / 2) / (w * 0.3), (yy - h / 2) / (h * 0.35))
    wobble = 0.04 * np.sin(np.arctan2(yy - h / 2, xx - w / 2) * 40)
    mask = np.clip((1.0 - r + wobble) * 40, 0, 1).astype(np.float32)
    bg = np.stack([0.2 + 0.3 * xx / w, 0.3 + 0.2 * yy / h, np.full_like(xx, 0.5)], axis=2)
    fg = np.stack([np.full_like(xx, 0.9), 0.6 + 0.2 * np.sin(xx / 50), np.full_like(xx, 0.3)], 2)
    img = mask[..., None] * fg + (1 - mask[..., None]) * bg
    img += rng.normal(0, 0.02, img.shape).astype(np.float32)
    return np.clip(img, 0, 1).astype(np.float32), mask


class Probe:
    def __init__(self) -> None:
        self.phase = "solving"
        self.stalls: dict[str, list[float]] = {"solving": [], "result": []}
        self.paints: list[float] = []
        self.worst: list[tuple[float, float, str]] = []  # (lateness ms, at s, solver step)
        self.step = "starting"
        self.start = self._last = time.perf_counter()

    def beat(self) -> None:
        now = time.perf_counter()
        lateness = (now - self._last) * 1000 - HEARTBEAT_MS
        self._last = now
        self.stalls[self.phase].append(max(0.0, lateness))
        if lateness > 100:
            self.worst.append((lateness, self._last - self.start - lateness / 1000, self.step))


def stats(values: list[float]) -> str:
    if not values:
        return "no samples"
    a = np.asarray(values)
    return (f"max {a.max():7.1f} ms   p99 {np.percentile(a, 99):6.1f} ms   "
            f"median {np.median(a):5.1f} ms   ({a.size} samples)")


def paint_stroke_timed(canvas, w: int, h: int, moves: int = 60) -> list[float]:
    """Paint one 120-px foreground stroke across the photo at fit zoom with simulated
    mouse events; the time of each move, trimap write, recomposition and repaint."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    canvas.fit()
    canvas.set_brush_size(120)
    pts = [QPoint(int(canvas.offset.x() + (0.2 + 0.6 * i / moves) * w * canvas.scale),
                  int(canvas.offset.y() + (0.3 + 0.3 * i / moves) * h * canvas.scale))
           for i in range(moves + 1)]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    times = []
    for p in pts[1:]:
        t = time.perf_counter()
        QTest.mouseMove(canvas, p)
        canvas.repaint()
        times.append((time.perf_counter() - t) * 1000)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--band", type=int, default=40, help="unknown band half-width (px)")
    ap.add_argument("--engine", default="closed-form")
    a = ap.parse_args()

    app = create_application()
    tmp = Path(tempfile.mkdtemp())
    window = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
                        recovery=RecoveryStore(tmp / "recovery"))
    window.resize(1280, 820)
    window.show()
    t0 = time.perf_counter()
    image, mask = synthetic_photo(a.megapixels)
    trimap = trimap_from_mask(mask, a.band)
    h, w = trimap.shape
    print(f"photo {w} x {h} ({w * h / 1e6:.1f} MP), unknown {np.mean(trimap == 128):.1%}, "
          f"made in {time.perf_counter() - t0:.1f} s")

    probe = Probe()
    events: list[str] = []
    start = time.perf_counter()

    def stamp(text: str) -> None:
        events.append(f"{time.perf_counter() - start:6.1f} s  {text}")

    def on_shown(preview: bool) -> None:
        stamp("preview shown" if preview else "full-resolution alpha shown")

    window.solver.result_shown.connect(on_shown)
    window.solver.busy_changed.connect(lambda busy: stamp(f"solver busy={busy}"))
    # A result makes the UI swap in a recomposed 12 MP view: count the beat after
    # each whole-view change apart from the beats while the solver works.

    t1 = time.perf_counter()
    window.solver.engine = a.engine
    window.set_document(Document(image, trimap))
    stamp(f"document opened (view composed in {(time.perf_counter() - t1) * 1000:.0f} ms)")
    window.renderer.changed.connect(lambda rect: setattr(probe, "phase", "result")
                                    if rect.area == w * h else None)

    canvas = window.canvas
    step = [0]

    def pan() -> None:
        step[0] += 1
        if step[0] % 300 == 1:
            canvas.fit() if (step[0] // 300) % 2 == 0 else canvas.actual_size()
        d = 6 if (step[0] // 30) % 2 == 0 else -6
        canvas.pan_by(d, d / 2)
        t = time.perf_counter()
        canvas.repaint()
        probe.paints.append((time.perf_counter() - t) * 1000)
        probe.phase = "solving"

    probe.start, probe._last = start, time.perf_counter()  # document already open
    window.solver.progress.connect(lambda f, msg: setattr(probe, "step", msg))
    heart = QTimer()
    heart.timeout.connect(probe.beat)
    heart.start(HEARTBEAT_MS)
    panner = QTimer()
    panner.timeout.connect(pan)
    panner.start(PAN_MS)
    def finish() -> None:
        heart.stop()
        panner.stop()
        app.quit()
    QTimer.singleShot(int(a.seconds * 1000), finish)
    app.exec()
    window.solver.cancel()
    stroke_ms = paint_stroke_timed(canvas, w, h)
    window.undo_stack.setClean()

    for e in events:
        print(e)
    print(f"event-loop stall while the solver works: {stats(probe.stalls['solving'])}")
    print(f"event-loop stall as results arrive:     {stats(probe.stalls['result'])}")
    print(f"canvas repaint (fit zoom and 100 %):    {stats(probe.paints)}")
    for lateness, at, step in sorted(probe.worst, reverse=True)[:5]:
        print(f"  stall {lateness:6.0f} ms at {at:5.1f} s during: {step}")
    print(f"brush stroke, per mouse move incl. repaint: {stats(stroke_ms)}")
    window.close()
    wait_for_solvers()
    return 0


if __name__ == "__main__":
    sys.exit(main())
