"""The keyboard in the side panel: shortcuts work in its fields, Enter returns to the canvas."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from matteditor.views import ViewMode


def _type_into(qtbot, box, text: str) -> None:
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    box.selectAll()
    QTest.keyClicks(box, text)


def test_enter_in_an_edge_field_gives_the_keyboard_back_to_the_canvas(window, qtbot):
    w = window
    w.activateWindow()
    smooth = w.panel.edges.smooth
    _type_into(qtbot, smooth, "2")
    QTest.keyClick(smooth, Qt.Key.Key_Return)
    assert smooth.value() == 2
    qtbot.waitUntil(w.canvas.hasFocus)
    QTest.keyClick(w.focusWidget(), Qt.Key.Key_3)         # where the keyboard is now
    assert w.panel.view_settings().mode is ViewMode.CHECKER
    assert smooth.value() == 2                              # not typed into Smooth


def test_undo_and_export_shortcuts_work_while_an_edge_field_has_the_keyboard(window, qtbot,
                                                                           monkeypatch):
    w = window
    w.activateWindow()
    feather = w.panel.edges.feather
    feather.setValue(3.0)
    assert w.document.adjustments.feather == 3.0
    feather.setFocus()
    qtbot.waitUntil(feather.hasFocus)
    QTest.keyClick(feather, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.document.adjustments.feather == 0.0            # the window's undo, not the field's
    assert feather.value() == 0.0
    opened = []
    monkeypatch.setattr(w.files, "export_dialog", lambda: opened.append(True))
    w.act_export.triggered.disconnect()
    w.act_export.triggered.connect(w.files.export_dialog)
    feather.setFocus()
    QTest.keyClick(feather, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert opened == [True]
