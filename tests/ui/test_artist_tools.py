"""What an artist expects from Photoshop's Select and Mask and GIMP (issue 25, items 10
and 11): brush hardness, pen pressure, show original, invert, the loupe, copy to the
clipboard, and a panel that fits the default window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QToolBar

from matteditor.document import Document
from matteditor.tools import Tool
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN
from matteditor.ui.loupe import loupe_rect

from .conftest import photo, widget_point
from .test_canvas import stroke
from .test_views import shown, solved


def on_background(make_window):
    """A window on a photo whose trimap is all background."""
    return make_window(document=Document(photo(), np.full((60, 80), BACKGROUND, np.uint8)))


def test_a_soft_brush_paints_its_rim_unknown_around_a_sure_core(make_window):
    w = on_background(make_window)
    w.set_tool(Tool.FOREGROUND)
    w.canvas.set_brush_size(20)
    w.panel.hardness_spin.setValue(40)               # the panel reaches the canvas
    assert w.canvas.hardness == pytest.approx(0.4)
    stroke(w, 30, 20, 60)
    t = w.document.trimap
    assert t[30, 40] == FOREGROUND and t[30 - 3, 40] == FOREGROUND   # core: 4 px radius
    assert t[30 - 7, 40] == UNKNOWN                                    # rim: up to 10 px
    assert t[30 - 13, 40] == BACKGROUND
    w.act_undo.trigger()
    assert (w.document.trimap == BACKGROUND).all()


def test_hardness_leaves_the_unknown_brush_and_the_eraser_hard(make_window):
    w = make_window(document=Document(photo(), np.full((60, 80), FOREGROUND, np.uint8)))
    w.set_tool(Tool.UNKNOWN)
    w.canvas.set_brush_size(20)
    w.panel.hardness_spin.setValue(0)
    stroke(w, 30, 20, 60)
    assert w.document.trimap[30 - 8, 40] == UNKNOWN and w.document.trimap[30, 40] == UNKNOWN


def tablet(canvas, kind, pos: QPointF, pressure: float, button=Qt.MouseButton.LeftButton):
    buttons = Qt.MouseButton.NoButton if kind == QTabletEvent.Type.TabletRelease else button
    event = QTabletEvent(kind, QPointingDevice.primaryPointingDevice(), pos,
                         canvas.mapToGlobal(pos), pressure, 0.0, 0.0, 0.0, 0.0, 0.0,
                         Qt.KeyboardModifier.NoModifier, button, buttons)
    QApplication.sendEvent(canvas, event)
    return event


def test_pen_pressure_scales_the_brush(make_window):
    w = on_background(make_window)
    w.set_tool(Tool.FOREGROUND)
    c = w.canvas
    c.set_brush_size(20)
    y = 30
    points = [QPointF(*widget_point(c, x, y)) for x in range(10, 71, 4)]
    tablet(c, QTabletEvent.Type.TabletPress, points[0], 1.0)
    for i, p in enumerate(points[1:], 1):
        # full pressure on the left half, a light touch (0.3: a 3 px radius) on the right
        event = tablet(c, QTabletEvent.Type.TabletMove, p, 1.0 if i < len(points) // 2 else 0.3)
        assert event.isAccepted()
    tablet(c, QTabletEvent.Type.TabletRelease, points[-1], 0.0)
    t = w.document.trimap
    assert t[y - 8, 20] == FOREGROUND                 # the full 10 px radius
    assert t[y, 62] == FOREGROUND and t[y - 6, 62] == BACKGROUND
    assert w.undo_stack.count() == 1 and not w.document.stroke_active


def test_p_shows_the_original_photo_and_p_again_the_view(make_window, qtbot):
    w = solved(make_window, qtbot)
    QTest.keyClick(w.canvas, Qt.Key.Key_3)            # the cutout on the checkerboard
    qtbot.waitUntil(lambda: not w.renderer.composing)
    cutout = shown(w).copy()
    QTest.keyClick(w.canvas, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: not w.renderer.composing)
    assert w.act_original.isChecked()
    np.testing.assert_array_equal(shown(w), w.renderer.compositor.photo8)
    assert w.renderer.settings.mode.value == 3        # exports still see view 3
    QTest.keyClick(w.canvas, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: not w.renderer.composing)
    np.testing.assert_array_equal(shown(w), cutout)
    QTest.keyClick(w.canvas, Qt.Key.Key_P)
    QTest.keyClick(w.canvas, Qt.Key.Key_2)            # another view ends "original"
    assert not w.act_original.isChecked() and not w.renderer.original


def test_ctrl_i_inverts_the_matte_as_one_undo_step(make_window, qtbot):
    w = solved(make_window, qtbot)
    before = w.document.trimap.copy()
    alpha = w.document.alpha.copy()
    QTest.keyClick(w.canvas, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    t = w.document.trimap
    assert ((before == FOREGROUND) == (t == BACKGROUND)).all()
    assert ((before == BACKGROUND) == (t == FOREGROUND)).all()
    assert w.undo_stack.undoText() == "Invert matte"
    qtbot.waitUntil(lambda: w.document.alpha_revision == w.document.revision
                    and not w.solver.busy)
    inside = before == FOREGROUND
    assert w.document.alpha[inside].max() < 0.01 and alpha[inside].min() > 0.99
    w.act_undo.trigger()
    np.testing.assert_array_equal(w.document.trimap, before)


def test_invert_on_an_all_unknown_trimap_says_there_is_nothing_to_invert(window):
    window.act_invert.trigger()
    assert window.undo_stack.count() == 0
    assert "Nothing to invert" in window.statusBar().currentMessage()


def test_l_toggles_a_loupe_that_magnifies_the_pixels_under_the_pointer(window, qtbot):
    c = window.canvas
    c.resize(600, 450)
    c.fit()
    c.set_tool(Tool.FILL)                              # no brush ring in the picture
    pos = QPointF(*widget_point(c, 40, 30))
    QTest.mouseMove(c, pos.toPoint())
    plain = c.grab().toImage()
    QTest.keyClick(c, Qt.Key.Key_L)
    assert window.act_loupe.isChecked() and c.loupe
    QTest.mouseMove(c, pos.toPoint())
    zoomed = c.grab().toImage()
    rect = loupe_rect(pos, c.width(), c.height()).toRect()
    centre = rect.center()
    changed = plain.pixelColor(centre) != zoomed.pixelColor(centre)
    # the loupe's centre shows the disc's colour under the pointer, magnified
    disc = plain.pixelColor(pos.toPoint())
    assert changed and zoomed.pixelColor(centre.x() + 3, centre.y() + 3) == disc
    QTest.keyClick(c, Qt.Key.Key_L)
    assert not c.loupe


def test_copy_cutout_is_in_the_edit_menu_with_decontaminated_colours(make_window, qtbot):
    w = solved(make_window, qtbot)
    edit_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Edit")
    assert w.act_copy in edit_menu.actions()
    assert w.act_copy.shortcut().toString() == "Ctrl+Shift+C"
    w.act_copy.trigger()
    image = QGuiApplication.clipboard().image()
    matte = w.document.matte()
    y, x = 30, 40                                       # inside the disc: opaque
    c = image.pixelColor(x, y)
    expected = np.rint(matte.colors[y, x] * 255)
    assert c.alpha() == 255
    assert np.abs(np.array([c.red(), c.green(), c.blue()]) - expected).max() <= 1


def test_the_whole_panel_fits_the_default_window_with_the_view_in_the_toolbar(make_window):
    w = make_window(document=Document(photo()))
    w.resize(1280, 820)
    QApplication.processEvents()
    scroll = next(s for s in w.findChildren(QScrollArea) if s.widget() is w.panel)
    assert scroll.verticalScrollBar().maximum() == 0   # nothing to scroll to
    p = w.panel
    viewport = scroll.viewport()
    for widget in (p.auto_refine_check, p.engine_combo, p.auto_check, p.hardness_slider,
                   p.tabs.tabBar()):
        bottom = widget.mapTo(viewport, widget.rect().bottomLeft()).y()
        assert widget.isVisible() and bottom <= viewport.height(), widget
    bar = next(b for b in w.findChildren(QToolBar) if b.objectName() == "main-toolbar")
    assert p.view_combo.parentWidget() is bar and p.view_combo.isVisible()
    assert p.view_combo.geometry().right() <= bar.width()


def test_the_engine_popup_is_narrower_than_the_window(make_window):
    w = make_window(document=Document(photo()))
    w.resize(1280, 820)
    combo = w.panel.engine_combo
    combo.showPopup()
    try:
        assert combo.view().window().width() <= w.width() // 2
    finally:
        combo.hidePopup()


def test_f1_lists_the_new_shortcuts(window):
    from matteditor.ui.help_dialog import ShortcutsDialog

    dialog = ShortcutsDialog(window.actions(), window)
    table = dialog.layout().itemAt(0).widget()
    rows = {table.item(i, 1).text(): table.item(i, 0).text() for i in range(table.rowCount())}
    assert rows["Show original"] == "P" and rows["Loupe"] == "L"
    assert rows["Invert matte"] == "Ctrl+I" and rows["Copy cutout"] == "Ctrl+Shift+C"
    assert "Pen on a tablet" in table.item(table.rowCount() - 1, 0).text()
    dialog.deleteLater()
