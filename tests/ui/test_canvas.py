"""Painting on the real canvas with simulated mouse events."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea

from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN
from matteditor.tools import Tool

from .conftest import drag, widget_point


def stroke(window, y: float, x0: float = 10, x1: float = 70):
    c = window.canvas
    drag(c, [widget_point(c, x, y) for x in np.linspace(x0, x1, 8)])


def test_dragging_the_foreground_brush_paints_foreground_into_the_trimap(window):
    window.set_tool(Tool.FOREGROUND)
    window.canvas.set_brush_size(6)
    before = window.document.revision
    steps = window.undo_stack.count()
    stroke(window, 30)
    t = window.document.trimap
    assert t[30, 40] == FOREGROUND
    assert t[30, 10] == FOREGROUND and t[30, 70] == FOREGROUND
    assert t[5, 40] == UNKNOWN  # far from the stroke
    # each segment is announced as painted (a new revision); the stroke is one undo step
    assert window.document.revision > before
    assert window.undo_stack.count() == steps + 1 and len(window.document.history) == 1


def test_background_brush_paints_background(window):
    window.set_tool(Tool.BACKGROUND)
    stroke(window, 10)
    assert window.document.trimap[10, 40] == BACKGROUND


def test_a_stroke_is_one_undo_step_and_redo_restores_it(window):
    window.set_tool(Tool.FOREGROUND)
    stroke(window, 30)
    painted = window.document.trimap.copy()
    assert window.undo_stack.count() == 1
    window.act_undo.trigger()
    assert (window.document.trimap == UNKNOWN).all()
    window.act_redo.trigger()
    np.testing.assert_array_equal(window.document.trimap, painted)


def test_undo_and_redo_shortcuts_reach_the_undo_stack(window, qtbot):
    stroke(window, 30)
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (window.document.trimap == UNKNOWN).all()
    QTest.keyClick(window.canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.document.trimap[30, 40] == FOREGROUND


def test_eraser_paints_the_default_label_back(window):
    stroke(window, 30)
    window.set_tool(Tool.ERASER)
    window.canvas.set_brush_size(40)
    stroke(window, 30)
    assert (window.document.trimap == UNKNOWN).all()
    assert window.undo_stack.count() == 2


def test_fill_tool_fills_the_closed_region_under_the_click(window):
    doc = window.document
    ring = doc.trimap.copy()
    ring[10:50, 10] = ring[10:50, 60] = BACKGROUND
    ring[10, 10:61] = ring[49, 10:61] = BACKGROUND
    doc.replace_trimap(ring)
    window.set_tool(Tool.BACKGROUND)      # fill uses the last brush label
    window.set_tool(Tool.FILL)
    c = window.canvas
    x, y = widget_point(c, 30, 30)
    QTest.mouseClick(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(int(x), int(y)))
    assert (doc.trimap[11:49, 11:60] == BACKGROUND).all()
    assert doc.trimap[5, 5] == UNKNOWN  # outside the ring untouched


def test_bracket_keys_change_the_brush_size_and_the_panel_follows(window):
    c = window.canvas
    c.set_brush_size(20)
    QTest.keyClick(c, Qt.Key.Key_BracketRight)
    assert c.brush_size == 24
    QTest.keyClick(c, Qt.Key.Key_BracketLeft)
    QTest.keyClick(c, Qt.Key.Key_BracketLeft)
    assert c.brush_size < 20
    assert window.panel.brush_spin.value() == c.brush_size


def test_tool_keys_select_tools(window):
    for key, tool in ((Qt.Key.Key_B, Tool.BACKGROUND), (Qt.Key.Key_U, Tool.UNKNOWN),
                      (Qt.Key.Key_E, Tool.ERASER), (Qt.Key.Key_G, Tool.FILL),
                      (Qt.Key.Key_F, Tool.FOREGROUND)):
        QTest.keyClick(window.canvas, key)
        assert window.canvas.tool is tool


def test_wheel_zoom_keeps_the_point_under_the_cursor(window):
    c = window.canvas
    anchor = QPointF(*widget_point(c, 20, 15))
    before = c.widget_to_image(anchor)
    c.zoom_by(3.0, anchor)
    after = c.widget_to_image(anchor)
    assert np.allclose(before, after)
    c.actual_size()
    assert c.scale == 1.0
    c.fit()
    w, h = window.document.size
    assert w * c.scale <= c.width() and h * c.scale <= c.height()


def test_space_drag_pans_instead_of_painting(window):
    c = window.canvas
    c.zoom_to(2.0)
    start = QPointF(c.offset)
    QTest.keyPress(c, Qt.Key.Key_Space)
    drag(c, [widget_point(c, 20, 20), widget_point(c, 30, 25)])
    QTest.keyRelease(c, Qt.Key.Key_Space)
    assert c.offset != start
    assert (window.document.trimap == UNKNOWN).all()


def test_middle_button_drag_pans(window):
    c = window.canvas
    start = QPointF(c.offset)
    drag(c, [(100, 100), (140, 120)], Qt.MouseButton.MiddleButton)
    assert c.offset - start == QPointF(40, 20)
    assert (window.document.trimap == UNKNOWN).all()


def test_clear_trimap_is_undoable(window):
    stroke(window, 30)
    window.act_clear.trigger()
    assert (window.document.trimap == UNKNOWN).all()
    window.act_undo.trigger()
    assert window.document.trimap[30, 40] == FOREGROUND


def test_the_brush_outline_replaces_the_mouse_cursor_once_a_photo_is_open(make_window):
    from matteditor.document import Document
    from .conftest import photo

    w = make_window()
    assert w.canvas.cursor().shape() != Qt.CursorShape.BlankCursor  # nothing to paint yet
    w.set_document(Document(photo()))
    assert w.canvas.cursor().shape() == Qt.CursorShape.BlankCursor  # the ring is the cursor
    w.set_tool(Tool.FILL)
    assert w.canvas.cursor().shape() == Qt.CursorShape.CrossCursor


def test_space_pans_after_a_panel_control_was_clicked(window, qtbot):
    from PySide6.QtGui import QEnterEvent
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    live = window.panel.auto_check
    QTest.mouseClick(live, Qt.MouseButton.LeftButton)  # switch live update off...
    QTest.mouseClick(live, Qt.MouseButton.LeftButton)  # ...and on again: it has the focus now
    assert live.isChecked() and QApplication.focusWidget() is live
    c = window.canvas
    c.zoom_to(2.0)
    start = QPointF(c.offset)
    inside = QPointF(*widget_point(c, 20, 20))
    QApplication.sendEvent(c, QEnterEvent(inside, inside, c.mapToGlobal(inside)))
    QTest.keyPress(QApplication.focusWidget(), Qt.Key.Key_Space)  # where the key really goes
    drag(c, [widget_point(c, 20, 20), widget_point(c, 30, 25)])
    QTest.keyRelease(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert live.isChecked()  # Space did not toggle the check box
    assert c.offset != start and (window.document.trimap == UNKNOWN).all()


def test_a_fill_click_just_outside_the_photo_fills_nothing(window):
    window.set_tool(Tool.BACKGROUND)
    window.set_tool(Tool.FILL)
    c = window.canvas
    for x, y in ((-0.8, 30.0), (40.0, -0.8)):  # less than one pixel left of / above the photo
        px, py = c.offset.x() + x * c.scale, c.offset.y() + y * c.scale
        QTest.mouseClick(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(round(px), round(py)))
    assert (window.document.trimap == UNKNOWN).all() and window.undo_stack.count() == 0


def test_grow_and_shrink_band_are_in_the_edit_menu_with_shortcuts(window):
    """Issue 15, bug 4: only two panel buttons, below the fold, could resize the band."""
    t = np.full_like(window.document.trimap, BACKGROUND)
    t[16:44, 26:54] = UNKNOWN
    t[20:40, 30:50] = FOREGROUND
    window.document.replace_trimap(t)
    edit_menu = next(a.menu() for a in window.menuBar().actions() if "Edit" in a.text())
    texts = [a.text().replace("&", "") for a in edit_menu.actions()]
    assert "Grow band" in texts and "Shrink band" in texts
    assert window.act_grow_band.shortcut().toString() == "Ctrl+]"
    unknown = int((window.document.trimap == UNKNOWN).sum())
    window.act_grow_band.trigger()
    grown = int((window.document.trimap == UNKNOWN).sum())
    assert grown > unknown and window.undo_stack.undoText() == "Grow band"
    window.act_shrink_band.trigger()
    assert int((window.document.trimap == UNKNOWN).sum()) < grown


def test_the_trimap_group_is_visible_without_scrolling_at_the_default_size(make_window):
    from matteditor.document import Document
    from .conftest import photo

    w = make_window(document=Document(photo()))
    w.resize(1280, 820)
    QApplication.processEvents()
    box = w.panel.trimap_box
    scroll = next(s for s in w.findChildren(QScrollArea) if s.widget() is w.panel)
    viewport = scroll.viewport()
    bottom = box.mapTo(viewport, box.rect().bottomLeft()).y()
    assert box.isVisible() and 0 < bottom <= viewport.height()
