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
        self._last = time.perf_counter()

    def beat(self) -> None:
        now = time.perf_counter()
        lateness = (now - self._last) * 1000 - HEARTBEAT_MS
        self._last = now
        self.stalls[self.phase].append(max(0.0, lateness))


def stats(values: list[float]) -> str:
    if not values:
        return "no samples"
    a = np.asarray(values)
    return (f"max {a.max():7.1f} ms   p99 {np.percentile(a, 99):6.1f} ms   "
            f"median {np.median(a):5.1f} ms   ({a.size} samples)")


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
    # Results make the UI recompose the whole 12 MP view: count those beats apart.
    renderer_refresh = None

    t1 = time.perf_counter()
    window.solver.engine = a.engine
    window.set_document(Document(image, trimap))
    stamp(f"document opened (view composed in {(time.perf_counter() - t1) * 1000:.0f} ms)")
    renderer_refresh = window.renderer.refresh

    def timed_refresh(rect=None):
        probe.phase = "result"
        renderer_refresh(rect)
    window.renderer.refresh = timed_refresh  # type: ignore[method-assign]

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

    heart = QTimer()
    heart.timeout.connect(probe.beat)
    heart.start(HEARTBEAT_MS)
    panner = QTimer()
    panner.timeout.connect(pan)
    panner.start(PAN_MS)
    QTimer.singleShot(int(a.seconds * 1000), app.quit)
    app.exec()
    heart.stop()
    panner.stop()
    window.solver.cancel()
    window.undo_stack.setClean()

    for e in events:
        print(e)
    print(f"event-loop stall while the solver works: {stats(probe.stalls['solving'])}")
    print(f"event-loop stall as results arrive:     {stats(probe.stalls['result'])}")
    print(f"canvas repaint (fit zoom and 100 %):    {stats(probe.paints)}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
