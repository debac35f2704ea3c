"""The editor's undo stack and the document's bounded history are one history,
and undo/redo show the matte of the trimap they return to without a solve."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QUndoStack

from matteditor.document import Document, History
from matteditor.trimap import BACKGROUND, FOREGROUND
from matteditor.ui.commands import TrimapCommand, commit_existing

from .conftest import photo


def _paint(doc: Document, stack: QUndoStack, x: float, value: int = FOREGROUND) -> None:
    doc.begin_stroke(value, 3)
    doc.extend_stroke((x, 10))
    commit_existing(doc, stack, doc.end_stroke())


def test_undo_after_the_history_dropped_a_step_never_applies_another_edit(qapp):
    doc = Document(photo(), history=History(max_steps=2))
    stack = QUndoStack()
    states = [doc.trimap.copy()]
    for x in (10, 30, 50):
        _paint(doc, stack, x)
        states.append(doc.trimap.copy())
    oldest = stack.command(0)
    assert isinstance(oldest, TrimapCommand) and oldest.dropped   # its edit is freed
    for _ in range(3):
        stack.undo()
    np.testing.assert_array_equal(doc.trimap, states[1])           # the first stroke stays
    assert stack.count() == 2 and not stack.canUndo()              # its step is gone
    stack.redo()
    np.testing.assert_array_equal(doc.trimap, states[2])
    stack.redo()
    np.testing.assert_array_equal(doc.trimap, states[3])
    assert not stack.canRedo()


def test_undo_and_redo_of_a_stroke_restore_its_matte_without_a_solve(make_window, qtbot):
    w = make_window(document=Document(photo()))
    doc, solver = w.document, w.solver
    posted = []
    real_post = solver._post
    solver._post = lambda request: (posted.append(request), real_post(request))
    _paint(doc, w.undo_stack, 20, FOREGROUND)
    doc.begin_stroke(BACKGROUND, 3)
    doc.extend_stroke((2, 2))
    commit_existing(doc, w.undo_stack, doc.end_stroke())
    qtbot.waitUntil(lambda: doc.has_exact_result and doc.foreground is not None, timeout=20000)
    first = doc.alpha
    _paint(doc, w.undo_stack, 60, FOREGROUND)
    qtbot.waitUntil(lambda: doc.has_exact_result and doc.foreground is not None
                    and doc.alpha is not first, timeout=20000)
    second, solves = doc.alpha, len(posted)
    w.undo_stack.undo()
    assert doc.alpha is first and doc.has_exact_result            # at once, not after a solve
    qtbot.wait(200)                                               # past the solve debounce
    w.undo_stack.redo()
    assert doc.alpha is second and doc.has_exact_result
    qtbot.wait(200)
    assert len(posted) == solves                                  # no solve was asked for
