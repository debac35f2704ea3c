"""A new photo starts afresh, and the status bar says what is true now (issue 25, items 2, 5)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from matteditor.engines import available_engines, default_engine_name
from matteditor.imageio import save_image
from matteditor.views import ViewMode

from .conftest import photo
from .test_views import solved


def _active(w, qtbot):
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def _other_engine() -> str:
    return next(n for n in available_engines() if n != default_engine_name())


def test_a_new_photo_opens_on_the_photo_view_with_the_default_engine(make_window, qtbot,
                                                                       tmp_path):
    w = _active(solved(make_window, qtbot), qtbot)
    QTest.keyClick(w.canvas, Qt.Key.Key_2)
    w.panel.set_engine(_other_engine())
    assert w.solver.engine != default_engine_name()
    path = tmp_path / "next.png"
    save_image(path, photo(50, 70))
    assert w.files.open_path(path)
    assert w.renderer.settings.mode is ViewMode.OVERLAY
    assert w.panel.view_settings().mode is ViewMode.OVERLAY
    assert w.solver.engine == default_engine_name() == w.panel.engine
    assert "next.png" in w.statusBar().currentMessage()


def test_a_view_without_a_matte_says_what_it_shows(make_window, qtbot, tmp_path):
    w = _active(make_window(), qtbot)
    path = tmp_path / "p.png"
    save_image(path, photo())
    w.files.open_path(path)
    QTest.keyClick(w.canvas, Qt.Key.Key_2)
    assert "No matte yet" in w.statusBar().currentMessage()
    assert "shows the trimap" in w.statusBar().currentMessage()


def test_the_status_says_foreground_colours_are_still_coming_after_the_exact_matte(
        make_window, qtbot):
    from .test_worker import scribbled

    w = make_window()
    messages = []
    w.solver.status.connect(messages.append)
    w.set_document(scribbled())
    qtbot.waitUntil(lambda: w.document.foreground is not None and not w.solver.busy)
    exact = [m for m in messages if m.startswith("Matte up to date")]
    assert exact and "foreground colours" in exact[-1]
    assert messages[-1].startswith("Matte and foreground colours up to date")


def test_the_background_image_note_goes_once_one_is_picked_or_the_view_changes(
        make_window, qtbot, tmp_path):
    w = _active(solved(make_window, qtbot), qtbot)
    QTest.keyClick(w.canvas, Qt.Key.Key_5)
    assert "No background image yet" in w.statusBar().currentMessage()
    QTest.keyClick(w.canvas, Qt.Key.Key_3)
    assert "No background image" not in w.statusBar().currentMessage()
    QTest.keyClick(w.canvas, Qt.Key.Key_5)
    assert "No background image yet" in w.statusBar().currentMessage()
    back = tmp_path / "back.png"
    save_image(back, np.full((20, 30, 3), 0.5, np.float32))
    assert w.files.set_background(back)
    assert "No background image" not in w.statusBar().currentMessage()
    for key in (Qt.Key.Key_6, Qt.Key.Key_7):
        QTest.keyClick(w.canvas, key)
        assert "No background image" not in w.statusBar().currentMessage()
