"""Live alpha: worker round trips, stale results, cancellation, engine failures."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.document import Document, TrimapEdit
from matteditor.geometry import Rect
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN

from .conftest import GateEngine, photo


def scribbled(h: int = 60, w: int = 80) -> Document:
    t = np.full((h, w), UNKNOWN, np.uint8)
    t[h * 5 // 12:h * 7 // 12, w * 7 // 16:w * 9 // 16] = FOREGROUND  # inside the disc
    t[:4] = BACKGROUND
    return Document(photo(h, w), t)


def paint(doc: Document, rect: Rect, value: int) -> None:
    new = doc.trimap.copy()
    new[rect.slices] = value
    doc.apply(TrimapEdit.between(doc.trimap, new))


@pytest.fixture(autouse=True)
def open_gate():
    GateEngine.gate.set()
    GateEngine.started.clear()
    yield
    GateEngine.gate.set()


def test_worker_round_trip_with_a_registry_engine_produces_an_alpha(make_window, qtbot):
    w = make_window(engine="closed-form", document=scribbled(24, 32))
    doc = w.document
    qtbot.waitUntil(lambda: doc.alpha is not None, timeout=60_000)
    assert doc.alpha.shape == (24, 32) and doc.alpha.dtype == np.float32
    assert doc.alpha[12, 16] == 1.0 and doc.alpha[0, 0] == 0.0
    assert doc.alpha_revision == doc.revision
    qtbot.waitUntil(lambda: doc.foreground is not None, timeout=60_000)
    assert doc.foreground.shape == (24, 32, 3)


def test_every_edit_brings_a_fresh_alpha_for_the_new_revision(make_window, qtbot):
    w = make_window(document=scribbled())
    doc = w.document
    qtbot.waitUntil(lambda: doc.alpha is not None)
    paint(doc, Rect(0, 50, 80, 60), BACKGROUND)
    qtbot.waitUntil(lambda: doc.alpha_revision == doc.revision)
    assert doc.alpha[55, 40] == 0.0


def test_a_result_for_an_older_revision_is_dropped(make_window, qtbot):
    GateEngine.gate.clear()
    w = make_window(engine="test-gate", document=scribbled())
    doc = w.document
    qtbot.waitUntil(GateEngine.started.is_set, timeout=5000)
    old_revision = doc.revision
    # The trimap changes while the solve for old_revision is still running...
    paint(doc, Rect(0, 50, 80, 60), BACKGROUND)
    w.solver._timer.stop()  # ...but hold the new request back for a moment
    GateEngine.gate.set()
    # The old result can only be dropped now (its revision is stale) or cancelled.
    dropped = w.solver.stale_dropped
    qtbot.waitUntil(lambda: not w.solver.busy, timeout=5000)
    assert w.solver.stale_dropped > dropped
    assert doc.alpha is None and doc.alpha_revision == -1
    assert old_revision < doc.revision
    w.solver.request()
    qtbot.waitUntil(lambda: doc.alpha_revision == doc.revision, timeout=5000)
    assert doc.alpha[55, 40] == 0.0


def test_set_result_path_counts_a_stale_delivery(make_window, qtbot):
    w = make_window(document=scribbled())
    doc = w.document
    qtbot.waitUntil(lambda: doc.alpha is not None)
    dropped = w.solver.stale_dropped
    req_revision = doc.revision
    paint(doc, Rect(0, 50, 80, 60), BACKGROUND)
    from matteditor.live import LiveResult, ResultKind
    from matteditor.ui.worker import make_request
    stale = make_request(w.solver._key, req_revision, doc.image, doc.trimap, None, "test-smooth")
    w.solver._on_result(stale, LiveResult(ResultKind.EXACT, req_revision,
                                          np.zeros(doc.trimap.shape, np.float32)))
    assert w.solver.stale_dropped == dropped + 1
    assert doc.alpha_revision != req_revision or doc.alpha.any()


def test_cancel_stops_the_running_solve_and_hides_the_progress(make_window, qtbot):
    GateEngine.gate.clear()
    w = make_window(engine="test-gate", document=scribbled())
    qtbot.waitUntil(GateEngine.started.is_set, timeout=5000)
    qtbot.waitUntil(lambda: w.cancel_button.isVisible())
    w.cancel_button.click()
    qtbot.waitUntil(lambda: not w.solver.busy, timeout=5000)
    assert not w.cancel_button.isVisible() and not w.progress.isVisible()
    assert w.document.alpha is None
    assert "cancelled" in w.statusBar().currentMessage().lower()


def test_a_new_request_cancels_the_running_one(make_window, qtbot):
    GateEngine.gate.clear()
    w = make_window(engine="test-gate", document=scribbled())
    qtbot.waitUntil(GateEngine.started.is_set, timeout=5000)
    cancelled = []
    w.solver._worker.cancelled.connect(lambda req: cancelled.append(req.revision))
    first = w.document.revision
    paint(w.document, Rect(0, 50, 80, 60), BACKGROUND)
    qtbot.waitUntil(lambda: first in cancelled, timeout=5000)
    GateEngine.gate.set()
    qtbot.waitUntil(lambda: w.document.alpha_revision == w.document.revision, timeout=5000)


def test_preview_arrives_before_the_full_resolution_alpha(make_window, qtbot):
    w = make_window(document=scribbled(120, 160), preview_side=40)
    shown = []
    w.solver.result_shown.connect(shown.append)
    qtbot.waitUntil(lambda: False in shown, timeout=10_000)
    assert shown[0] is True  # the preview came first
    assert w.document.alpha.shape == (120, 160)


def test_an_engine_that_raises_leaves_the_window_usable(make_window, qtbot):
    w = make_window(engine="test-fail", document=scribbled())
    qtbot.waitUntil(lambda: "failed" in w.statusBar().currentMessage().lower(), timeout=5000)
    assert "simulated engine crash" in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not w.solver.busy)
    # Still usable: switch to a working engine and get a matte.
    w.panel.set_engine("closed-form")
    w.solver.set_engine("test-smooth")
    qtbot.waitUntil(lambda: w.document.alpha is not None, timeout=5000)
    paint(w.document, Rect(0, 50, 80, 60), BACKGROUND)
    qtbot.waitUntil(lambda: w.document.alpha_revision == w.document.revision)


def test_nothing_is_solved_until_both_foreground_and_background_are_painted(make_window, qtbot):
    w = make_window(engine="test-fail", document=Document(photo()))
    qtbot.wait(150)
    assert w.document.alpha is None and not w.solver.busy
    assert "paint" in w.statusBar().currentMessage().lower()
    paint(w.document, Rect(0, 0, 80, 4), BACKGROUND)  # background only: still nothing to solve
    qtbot.wait(150)
    assert not w.solver.busy and "failed" not in w.statusBar().currentMessage()


def test_repeated_engine_failures_reuse_one_error_dialog(make_window, qtbot):
    from PySide6.QtWidgets import QMessageBox

    w = make_window(engine="test-fail", document=scribbled())
    errors = []
    w.solver.error.connect(lambda failure: errors.append(failure.message))
    for i in range(3):
        qtbot.waitUntil(lambda: len(errors) > i and not w.solver.busy, timeout=5000)
        paint(w.document, Rect(0, 50 + i, 80, 51 + i), BACKGROUND)  # each stroke fails again
    qtbot.waitUntil(lambda: len(errors) >= 3 and not w.solver.busy, timeout=5000)
    boxes = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1  # not one more window per stroke
    assert "simulated engine crash" in boxes[0].text()
    assert "simulated engine crash" in boxes[0].detailedText()


def test_a_failure_of_a_superseded_solve_is_not_reported(make_window, qtbot):
    from matteditor.errors import Failure
    from matteditor.ui.worker import make_request

    w = make_window(document=scribbled())
    doc = w.document
    qtbot.waitUntil(lambda: doc.alpha_revision == doc.revision and not w.solver.busy)
    errors = []
    w.solver.error.connect(lambda failure: errors.append(failure.message))
    old = make_request(w.solver._key, doc.revision, doc.image, doc.trimap, None, "test-fail")
    paint(doc, Rect(0, 50, 80, 60), BACKGROUND)  # a newer request replaces it
    qtbot.waitUntil(lambda: w.solver.busy or doc.alpha_revision == doc.revision)
    w.solver._on_failed(old, Failure(RuntimeError("simulated engine crash")))
    assert errors == [] and "failed" not in w.statusBar().currentMessage().lower()
    qtbot.waitUntil(lambda: doc.alpha_revision == doc.revision and not w.solver.busy)


def test_a_local_solve_is_followed_by_the_exact_alpha(qtbot):
    from matteditor.engines import EngineOptions, create_engine
    from matteditor.engines.base import CancelToken
    from matteditor.live import ResultKind
    from matteditor.ui.worker import SolveWorker, make_request

    h, w = 64, 200
    trimap = np.full((h, w), UNKNOWN, np.uint8)
    trimap[:20], trimap[44:] = BACKGROUND, FOREGROUND           # one long band: one tile
    image = photo(h, w)
    worker = SolveWorker(options=EngineOptions(local_margin=16))
    alphas, foregrounds = [], []
    worker.result_ready.connect(
        lambda req, r: (foregrounds if r.kind is ResultKind.FOREGROUND else alphas).append(
            (req.revision, r.alpha)))

    def request(revision, tri, rect):
        return make_request(1, revision, image, tri, rect, "fast-cf", preview=False)

    worker._run(request(1, trimap.copy(), None), CancelToken())
    assert [r for r, _ in alphas] == [1]                       # first solve: exact at once
    stroke = trimap.copy()
    stroke[28:36, 150:156] = FOREGROUND
    worker._run(request(2, stroke, Rect(150, 28, 156, 36)), CancelToken())
    assert [r for r, _ in alphas] == [1, 2, 2]                 # local, then exact
    exact = create_engine("fast-cf").estimate(image, stroke)
    assert np.abs(alphas[-1][1] - exact).max() < 1e-5
    assert np.abs(alphas[-2][1] - exact).max() > 1e-4          # the local one was approximate
    np.testing.assert_array_equal(foregrounds[-1][1], alphas[-1][1])
