"""The editor's latencies on a 12-megapixel photo, per engine.

    nice -n 5 .venv/bin/python benchmarks/editor_latency.py --engines fast-cf,information-flow

Its solver thread (``matteditor.ui.worker`` around the core's ``matteditor.live``
pipeline) is driven headless, each (engine, mode) in its own process, on the
synthetic 12 MP photo of ``speed.py`` (a 10% unknown band): the first solve, then
one foreground stroke on the band; printed are the seconds of the first solve,
stroke-to-preview (the reduced solve, upsampled), stroke-to-final (the first
full-resolution answer: local with a margin), stroke-to-exact, the longest stall
of the UI thread's event loop meanwhile and the session's peak memory.  Times
are as the UI thread receives them.  ``speed.py`` runs this for its editor rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def editor_worker(args: argparse.Namespace) -> None:
    """Drive the editor's solver thread (matteditor.ui.worker.SolveWorker) headless on the
    12 MP photo with ``args.engine``: a first solve, then one local stroke; print
    preview/final/exact latency
    and the longest stall of the (main-thread) event loop while the solver thread worked.
    With a margin the worker is the editor's (engines from the registry, local solve
    first, then the exact alpha); without, every solve is exact at once."""
    import resource

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, QTimer, Slot

    from matteditor.engines import EngineOptions
    from matteditor.geometry import Rect
    from matteditor.live import ResultKind
    from matteditor.trimap import FOREGROUND, paint_stroke
    from matteditor.live import EDITOR_MEMORY_MB
    from matteditor.ui.worker import SolveWorker, make_request

    app = QCoreApplication.instance() or QCoreApplication([])
    from speed import synthetic_case

    image, trimap, _ = synthetic_case(args.height, args.width)
    margin = None if args.local_margin < 0 else args.local_margin
    worker = SolveWorker(options=EngineOptions(local_margin=margin, memory_mb=EDITOR_MEMORY_MB))
    thread = QThread()
    worker.moveToThread(thread)
    thread.start()

    class Receiver(QObject):          # lives on the main thread: queued slots = what the UI sees
        def __init__(self):
            super().__init__()
            self.times: dict[str, float] = {}
            self.errors: list[str] = []
            self.loop: QEventLoop | None = None

        @Slot(object, object)
        def on_result(self, request, result):
            now = time.perf_counter()
            if result.kind is ResultKind.PREVIEW:
                self.times.setdefault("preview", now)
            else:                                          # LOCAL, then EXACT
                self.times.setdefault("final", now)
                if result.kind is ResultKind.EXACT:
                    self.times["exact"] = now

        @Slot(object, object)
        def on_failed(self, request, failure):
            self.errors.append(failure.message)

        @Slot(object)
        def on_finished(self, request):
            self.loop.quit()

    rx = Receiver()
    worker.result_ready.connect(rx.on_result)
    worker.failed.connect(rx.on_failed)
    worker.finished.connect(rx.on_finished)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()

    def run(revision: int, tri, rect):
        rx.times.clear()
        ticks.clear()
        rx.loop = QEventLoop()
        t0 = time.perf_counter()
        ticks.append(t0)
        worker.post(make_request(1, revision, image, tri, rect, args.engine, preview=True,
                                 foreground=False))
        rx.loop.exec()
        ticks.append(time.perf_counter())
        stall = max(b - a for a, b in zip(ticks, ticks[1:]))
        return (rx.times.get("preview", float("nan")) - t0, rx.times.get("final", float("nan")) - t0,
                rx.times.get("exact", float("nan")) - t0, stall)

    _, first, _, _ = run(1, trimap, None)
    h, w = trimap.shape
    x = w * 0.5 + min(h, w) * 0.33 - 15           # on the band, right of the subject
    stroke = trimap.copy()
    box = paint_stroke(stroke, [(x, h * 0.55 - 50), (x + 5, h * 0.55 + 50)], 8, FOREGROUND)
    preview, final, exact, stall = run(2, stroke, Rect(*box))
    thread.quit()
    thread.wait()
    del app
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"first": first, "preview": preview, "final": final, "exact": exact,
                      "stall": stall,
                      "peak_mb": peak, "errors": rx.errors}))


def run_editor(args: argparse.Namespace, engine: str, local_margin: int) -> str:
    cmd = [sys.executable, __file__, "--worker", "--engine", engine, "--local-margin",
           str(local_margin), "--height", str(args.height), "--width", str(args.width)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"| {engine} | {local_margin} | timeout after {args.timeout} s | | | | | |"
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return f"| {engine} | {local_margin} | exit {out.returncode}: {tail} | | | | | |"
    r = json.loads(lines[-1])
    mode = "exact" if local_margin < 0 else f"local (margin {local_margin} px), then exact"
    note = f" ({'; '.join(r['errors'])})" if r["errors"] else ""
    return (f"| {engine} | {mode}{note} | {r['first']:.2f} | {r['preview'] * 1000:.0f} | {r['final']:.2f} | "
            f"{r['exact']:.2f} | {r['stall'] * 1000:.0f} | {r['peak_mb']:.0f} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engines", default="fast-cf,information-flow", help="comma-separated engines")
    p.add_argument("--local-margins", default="-1,64",
                   help="incremental modes: -1 exact, N local margin (the editor's: 64)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    p.add_argument("--height", type=int, default=3000, help="photo height")
    p.add_argument("--width", type=int, default=4000, help="photo width")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--engine", help=argparse.SUPPRESS)
    p.add_argument("--local-margin", type=int, default=-1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        editor_worker(args)
        return 0
    mp = args.height * args.width / 1e6
    print(f"Editor, {mp:.0f} MP photo: first solve, then one stroke (solver thread driven "
          "headless; times as the UI thread receives them)\n")
    print("| engine | incremental mode | first solve s | stroke-to-preview ms | stroke-to-final s "
          "| stroke-to-exact s | longest event-loop stall ms | peak MB (session) |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    for engine in (e for e in args.engines.split(",") if e):
        for margin in (int(m) for m in args.local_margins.split(",") if m):
            print(run_editor(args, engine, margin), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
