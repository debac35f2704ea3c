"""Undo/redo of a stroke, and reopening a saved project: how soon the matte shows.

    nice -n 5 .venv/bin/python benchmarks/undo_reopen.py            # 2.5 MP (1368 x 1824)
    nice -n 5 .venv/bin/python benchmarks/undo_reopen.py --height 600 --width 800

Drives the real editor window offscreen with the default engine on the synthetic
photo of ``speed.py`` (a textured subject, ~10% unknown band): the trimap is set
and solved exactly (with foreground colours), one foreground stroke is painted in
the band and solved, then the stroke is undone and redone in each of the seven views, and
each is timed from the key press (``QUndoStack.undo``/``redo``) until the document holds
the exact matte of the trimap returned to (restored), until the view has been
recomposed with it (composed), and until the canvas has painted itself after that
(on screen: the end of its next ``paintEvent``).  Then the project is saved and reopened in a new window,
timed from ``open_path`` until its matte is shown.  Printed: each time in ms, and
how many solves were asked for after each step (0: the matte was restored, not
solved).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402

from matteditor.geometry import Rect  # noqa: E402
from matteditor.imageio import save_image  # noqa: E402
from matteditor.trimap import FOREGROUND, UNKNOWN  # noqa: E402
from matteditor.ui.app import create_application  # noqa: E402
from matteditor.ui.commands import commit_existing  # noqa: E402
from matteditor.ui.main_window import MainWindow  # noqa: E402
from matteditor.ui.recovery import RecoveryStore  # noqa: E402
from matteditor.views import ViewMode  # noqa: E402


def wait_until(condition, timeout: float) -> float:
    """Process events until ``condition()``; returns the seconds waited (raises on timeout)."""
    start = time.perf_counter()
    while not condition():
        QCoreApplication.processEvents()
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the editor did not get there in time")
        time.sleep(0.001)
    return time.perf_counter() - start


def settle(seconds: float) -> None:
    """Process events for ``seconds`` (lets a solve that would be asked for be asked)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QCoreApplication.processEvents()
        time.sleep(0.001)


def matte_shown(window: MainWindow) -> bool:
    doc, renderer = window.document, window.renderer
    return doc is not None and doc.has_exact_result and doc.foreground is not None \
        and renderer is not None and not renderer.composing


def make_window(folder: Path, name: str) -> tuple[MainWindow, list]:
    settings = QSettings(str(folder / f"{name}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery=RecoveryStore(folder / "recovery"))
    window.resize(1280, 820)
    window.show()
    posted: list = []
    real_post = window.solver._post
    window.solver._post = lambda request: (posted.append(request), real_post(request))
    canvas = window.canvas
    canvas.painted = 0.0                        # perf_counter at the end of the last paint
    real_paint = canvas.paintEvent

    def paint(event) -> None:
        real_paint(event)
        canvas.painted = time.perf_counter()

    canvas.paintEvent = paint
    return window, posted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--height", type=int, default=1368)
    ap.add_argument("--width", type=int, default=1824)
    ap.add_argument("--timeout", type=float, default=600, help="seconds a solve may take")
    args = ap.parse_args()
    from speed import synthetic_case

    create_application()
    image, trimap, _ = synthetic_case(args.height, args.width)
    h, w = trimap.shape
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        save_image(folder / "photo.png", image, bits=16)
        window, posted = make_window(folder, "first")
        assert window.files.open_path(folder / "photo.png")
        doc, stack = window.document, window.undo_stack
        commit_existing(doc, stack, doc.replace_trimap(trimap, "Synthetic trimap"))
        solve = wait_until(lambda: matte_shown(window), args.timeout)
        first = doc.alpha
        ys, xs = np.nonzero(doc.trimap == UNKNOWN)
        y, x = float(ys[len(ys) // 2]), float(xs[len(xs) // 2])
        doc.begin_stroke(FOREGROUND, 12)
        doc.extend_stroke((x - 30, y))
        doc.extend_stroke((x + 30, y))
        commit_existing(doc, stack, doc.end_stroke())
        stroke = wait_until(lambda: matte_shown(window) and doc.alpha_revision == doc.revision,
                            args.timeout)
        print(f"photo {w} x {h} ({w * h / 1e6:.1f} MP), engine {window.solver.engine}: "
              f"first solve {solve:.1f} s, stroke solved in {stroke:.1f} s")
        print(f"the stroke changed the exact matte in {Rect.of_mask(doc.alpha != first).area} "
              "pixels")
        changed_at = [0.0]                  # when the view last said it looks different
        window.renderer.changed.connect(lambda rect: changed_at.__setitem__(
            0, time.perf_counter()))
        for mode in ViewMode:
            window.set_view_mode(mode)
            settle(0.5)
            for name, step in (("undo", stack.undo), ("redo", stack.redo)):
                before = len(posted)
                start = time.perf_counter()
                step()
                restored = time.perf_counter() - start if doc.has_exact_result else float("nan")
                wait_until(lambda: matte_shown(window), args.timeout)
                composed = time.perf_counter() - start
                # the first paint after the view's last change (a paint may come within the
                # event processing that finishes the compose)
                try:
                    wait_until(lambda: window.canvas.painted > changed_at[0] > start, 10.0)
                    shown = window.canvas.painted - start
                except TimeoutError:       # nothing looked different: no repaint asked for
                    shown = float("nan")
                settle(0.3)                             # past the solve debounce
                print(f"view {int(mode)} ({mode.title}), {name} of the stroke: matte restored "
                      f"in {restored * 1000:.0f} ms, composed in {composed * 1000:.0f} ms, "
                      f"on screen in {shown * 1000:.0f} ms, "
                      f"solves asked for: {len(posted) - before}", flush=True)
        project = folder / "job.mattproj"
        start = time.perf_counter()
        assert window.files.save_project_to(project)
        saved = time.perf_counter() - start
        print(f"project saved in {saved * 1000:.0f} ms ({project.stat().st_size / 2**20:.1f} MB "
              "with its matte)")
        window.undo_stack.setClean()
        window.close()
        again, posted = make_window(folder, "second")
        start = time.perf_counter()
        assert again.files.open_path(project)
        opened = time.perf_counter() - start
        wait_until(lambda: matte_shown(again), args.timeout)
        shown = time.perf_counter() - start
        settle(0.3)
        print(f"reopening the project: opened with its matte in {opened * 1000:.0f} ms, on "
              f"screen in {shown * 1000:.0f} ms, solves asked for: {len(posted)}")
        again.undo_stack.setClean()
        again.close()


if __name__ == "__main__":
    main()
