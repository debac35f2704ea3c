"""Quick select, trimap from a mask and the edge brush, driven through the real window."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from matteditor import quickselect
from matteditor.document import Document
from matteditor.imageio import save_image
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN
from matteditor.segmentation import selector as selector_module
from matteditor.tools import Tool

from .conftest import drag, photo, widget_point

@pytest.fixture(autouse=True)
def _no_installed_models(tmp_path, monkeypatch):
    """No Segment Anything unless a test installs one: quick select is GrabCut."""
    monkeypatch.setenv("MATTEDITOR_MODELS", str(tmp_path / "models"))


# conftest.photo(): a bright disc of radius 15 centred at (40, 30) on a dark 80 x 60 gradient.
CX, CY, R = 40, 30, 15


def box_drag(window, x0, y0, x1, y1, modifier=Qt.KeyboardModifier.NoModifier):
    c = window.canvas
    a, b = widget_point(c, x0, y0), widget_point(c, x1, y1)
    QTest.mousePress(c, Qt.MouseButton.LeftButton, modifier, QPoint(int(a[0]), int(a[1])))
    QTest.mouseMove(c, QPoint(int((a[0] + b[0]) / 2), int((a[1] + b[1]) / 2)))
    QTest.mouseMove(c, QPoint(int(b[0]), int(b[1])))
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, modifier, QPoint(int(b[0]), int(b[1])))


def wait_for_steps(qtbot, window, count: int) -> None:
    qtbot.waitUntil(lambda: window.undo_stack.count() == count and not window.quick.busy,
                    timeout=5000)


def test_box_drag_selects_the_disc_as_one_undo_step(window, qtbot):
    window.set_tool(Tool.QUICK_SELECT)
    window.panel.band_spin.setValue(3)
    box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
    wait_for_steps(qtbot, window, 1)
    t = window.document.trimap
    assert t[CY, CX] == FOREGROUND                     # inside the object
    assert t[2, 2] == BACKGROUND and t[57, 77] == BACKGROUND  # outside the box
    assert t[CY, CX + R] == UNKNOWN                     # on the disc's edge
    assert (t == UNKNOWN).sum() < 0.25 * t.size         # a band, not the whole picture
    assert window.undo_stack.undoText() == "Quick select"
    window.act_undo.trigger()
    assert (window.document.trimap == UNKNOWN).all()


def test_wider_band_slider_gives_more_unknown(window, qtbot):
    window.set_tool(Tool.QUICK_SELECT)
    window.panel.adaptive_check.setChecked(False)
    areas = []
    for band in (2, 6):
        window.panel.band_spin.setValue(band)
        window.document.clear_trimap()
        count = window.undo_stack.count()
        box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
        wait_for_steps(qtbot, window, count + 1)
        areas.append(int((window.document.trimap == UNKNOWN).sum()))
    assert areas[1] > 2 * areas[0]


def test_alt_drag_draws_a_lasso(window, qtbot, monkeypatch):
    seen = {}
    real = quickselect.grabcut_mask

    def spy(image, **kwargs):
        seen.update(kwargs, thread=threading.current_thread())
        return real(image, **kwargs)

    monkeypatch.setattr(selector_module, "grabcut_mask", spy)
    window.set_tool(Tool.QUICK_SELECT)
    window.panel.band_spin.setValue(3)
    c = window.canvas
    ring = [widget_point(c, CX + 22 * np.cos(a), CY + 22 * np.sin(a))
            for a in np.linspace(0, 2 * np.pi, 16)]
    pts = [QPoint(int(x), int(y)) for x, y in ring]
    alt = Qt.KeyboardModifier.AltModifier
    QTest.mousePress(c, Qt.MouseButton.LeftButton, alt, pts[0])
    for p in pts[1:]:
        QTest.mouseMove(c, p)
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, alt, pts[-1])
    wait_for_steps(qtbot, window, 1)
    assert seen["rect"] is None and len(seen["lasso"]) >= 16
    assert seen["thread"] is not threading.main_thread()  # GrabCut never runs on the UI thread
    assert window.document.trimap[CY, CX] == FOREGROUND
    assert window.undo_stack.undoText() == "Quick select (lasso)"


def test_strokes_are_hard_seeds_for_quick_select(window, qtbot):
    doc = window.document
    seeded = doc.trimap.copy()
    seeded[CY - 2:CY + 3, CX - 2:CX + 3] = BACKGROUND  # the user says: this hole is background
    doc.replace_trimap(seeded)
    window.set_tool(Tool.QUICK_SELECT)
    box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
    qtbot.waitUntil(lambda: doc.trimap[5, 5] == BACKGROUND and not window.quick.busy,
                    timeout=5000)
    assert doc.trimap[CY, CX] == BACKGROUND


def test_trimap_from_mask_file_uses_the_band_width(window, qtbot, tmp_path):
    yy, xx = np.mgrid[0:60, 0:80]
    mask = ((xx >= 20) & (xx < 60) & (yy >= 10) & (yy < 50)).astype(np.float32)
    path = tmp_path / "mask.png"
    save_image(path, mask)
    window.panel.adaptive_check.setChecked(False)
    window.panel.band_spin.setValue(4)
    assert window.files.load_mask(path)
    wait_for_steps(qtbot, window, 1)
    t = window.document.trimap
    assert t[30, 40] == FOREGROUND and t[2, 2] == BACKGROUND
    assert (t[30, 17:23] == UNKNOWN).all()       # 4 px band around the left edge at x = 20
    assert t[30, 10] == BACKGROUND and t[30, 28] == FOREGROUND
    assert window.undo_stack.undoText() == "Trimap from mask"


def test_mask_of_the_wrong_size_shows_an_error_and_changes_nothing(window, tmp_path,
                                                                    monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    path = tmp_path / "small.png"
    save_image(path, np.ones((10, 10), np.float32))
    assert not window.files.load_mask(path)
    assert shown and "small.png" in shown[0]
    assert window.undo_stack.count() == 0 and not window.quick.busy
    assert (window.document.trimap == UNKNOWN).all()


def test_edge_brush_paints_an_unknown_band_along_the_stroke(window):
    doc = window.document
    t = np.full_like(doc.trimap, BACKGROUND)
    t[:, 40:] = FOREGROUND
    doc.replace_trimap(t)
    window.set_tool(Tool.BACKGROUND)
    window.set_tool(Tool.EDGE)
    window.canvas.set_brush_size(6)
    c = window.canvas
    drag(c, [widget_point(c, 40, y) for y in np.linspace(5, 55, 8)])
    t = doc.trimap
    assert (t[5:56, 38:43] == UNKNOWN).all()
    assert t[30, 20] == BACKGROUND and t[30, 60] == FOREGROUND
    assert window.undo_stack.undoText() == "Edge stroke"
    assert window.canvas.fill_label == BACKGROUND  # the edge brush is no fill label


def test_a_stroke_after_quick_select_refines_the_selection(make_window, qtbot):
    # A yellow disc and, inside the same box, a blue patch the box wrongly takes in.
    img = photo()
    yy, xx = np.mgrid[0:60, 0:80]
    img[((yy - CY) ** 2 + (xx - CX) ** 2 >= 10 ** 2)] = (0.1, 0.1, 0.12)
    img[12:20, 22:30] = (0.2, 0.3, 0.9)
    window = make_window(document=Document(img))
    window.set_tool(Tool.QUICK_SELECT)
    window.panel.band_spin.setValue(2)
    window.panel.adaptive_check.setChecked(False)
    box_drag(window, 20, 10, 60, 50)
    wait_for_steps(qtbot, window, 1)
    assert window.document.trimap[15, 25] == FOREGROUND  # GrabCut took the patch in
    window.set_tool(Tool.BACKGROUND)
    window.canvas.set_brush_size(2)
    c = window.canvas
    drag(c, [widget_point(c, 24, 14), widget_point(c, 26, 14)])
    wait_for_steps(qtbot, window, 3)  # the stroke, then the refined selection
    t = window.document.trimap
    assert window.undo_stack.undoText() == "Refine quick select"
    assert (t[12:20, 22:30] != FOREGROUND).all()  # the whole patch left, not just the stroke
    assert t[17, 28] == BACKGROUND
    assert t[CY, CX] == FOREGROUND                # the disc is still selected


def test_strokes_do_not_refine_an_undone_quick_select(window, qtbot):
    window.set_tool(Tool.QUICK_SELECT)
    box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
    wait_for_steps(qtbot, window, 1)
    window.act_undo.trigger()
    window.set_tool(Tool.FOREGROUND)
    c = window.canvas
    drag(c, [widget_point(c, x, CY) for x in np.linspace(CX - 4, CX + 4, 5)])
    qtbot.wait(200)
    assert not window.quick.busy
    assert window.undo_stack.count() == 1 and window.undo_stack.undoText() == "Foreground stroke"
    assert window.document.trimap[2, 2] == UNKNOWN


def test_a_box_dragged_past_the_photo_edge_reaches_the_edge(window):
    got = []
    window.canvas.selection_made.connect(lambda rect, lasso: got.append(rect))
    window.set_tool(Tool.QUICK_SELECT)
    c = window.canvas
    a, b = widget_point(c, -3, -3), widget_point(c, 50, 40)
    QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(int(a[0]), int(a[1])))
    QTest.mouseMove(c, QPoint(int(b[0]), int(b[1])))
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(int(b[0]), int(b[1])))
    x, y, w, h = got[0]
    assert (x, y) == (0, 0) and 50 <= w <= 52 and 40 <= h <= 42


def test_a_new_box_cancels_the_running_selection_and_only_the_latest_lands(window, qtbot,
                                                                          monkeypatch):
    started, calls = threading.Event(), []
    real = quickselect.grabcut_mask

    def slow_first(image, *, cancel, **kwargs):
        calls.append(kwargs["rect"])
        if len(calls) == 1:
            started.set()
            while True:
                cancel.raise_if_cancelled()
                threading.Event().wait(0.01)
        return real(image, cancel=cancel, **kwargs)

    monkeypatch.setattr(selector_module, "grabcut_mask", slow_first)
    window.set_tool(Tool.QUICK_SELECT)
    window.panel.band_spin.setValue(3)
    box_drag(window, 1, 1, 30, 30)
    assert started.wait(5)
    box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
    wait_for_steps(qtbot, window, 1)
    qtbot.wait(100)
    assert len(calls) == 2 and window.undo_stack.count() == 1
    t = window.document.trimap
    assert t[CY, CX] == FOREGROUND and t[5, 5] == BACKGROUND


def test_escape_cancels_a_running_quick_select(window, qtbot, monkeypatch):
    def never(image, *, cancel, **kwargs):
        while True:
            cancel.raise_if_cancelled()
            threading.Event().wait(0.01)

    monkeypatch.setattr(selector_module, "grabcut_mask", never)
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    window.set_tool(Tool.QUICK_SELECT)
    box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
    qtbot.waitUntil(lambda: window.progress.isVisible(), timeout=2000)
    window.act_cancel.trigger()
    qtbot.waitUntil(lambda: not window.quick.busy, timeout=15000)
    assert "Quick select cancelled" in messages
    assert window.undo_stack.count() == 0 and (window.document.trimap == UNKNOWN).all()


def test_trimap_from_the_current_matte_puts_a_band_around_it(window, qtbot):
    doc = window.document
    t = np.full_like(doc.trimap, BACKGROUND)
    t[20:40, 30:50] = FOREGROUND
    doc.replace_trimap(t)
    qtbot.waitUntil(lambda: doc.alpha is not None and doc.alpha_revision == doc.revision,
                    timeout=5000)
    window.panel.adaptive_check.setChecked(False)
    window.panel.band_spin.setValue(3)
    window.act_from_matte.trigger()
    wait_for_steps(qtbot, window, 1)
    t = doc.trimap
    assert t[30, 40] == FOREGROUND and t[5, 5] == BACKGROUND
    assert (t[30, 27:33] == UNKNOWN).all()   # around the matte's left edge at x = 30
    assert window.undo_stack.undoText() == "Trimap from matte"


def test_the_lasso_option_makes_a_plain_drag_a_lasso(window):
    got = []
    window.canvas.selection_made.connect(lambda rect, lasso: got.append((rect, lasso)))
    window.panel.lasso_check.setChecked(True)
    window.set_tool(Tool.QUICK_SELECT)
    c = window.canvas
    drag(c, [widget_point(c, x, y) for x, y in ((20, 10), (60, 12), (58, 50), (22, 48))])
    rect, lasso = got[0]
    assert rect is None and len(lasso) == 4
    assert abs(lasso[1][0] - 60.5) < 0.6 and abs(lasso[1][1] - 12.5) < 0.6


def test_the_band_width_is_remembered_between_sessions(make_window):
    first = make_window()
    first.panel.band_spin.setValue(21)
    first.close()
    assert make_window().panel.band_spin.value() == 21


def test_panel_check_boxes_are_remembered_between_sessions(make_window):
    first = make_window()
    p = first.panel
    defaults = {b: b.isChecked() for b in (p.auto_check, p.adaptive_check, p.lasso_check,
                                           p.auto_refine_check)}
    for box, checked in defaults.items():
        box.setChecked(not checked)
    first.close()
    again = make_window().panel
    assert again.auto_check.isChecked() is not defaults[p.auto_check]
    assert again.adaptive_check.isChecked() is not defaults[p.adaptive_check]
    assert again.lasso_check.isChecked() is not defaults[p.lasso_check]
    assert again.auto_refine_check.isChecked() is not defaults[p.auto_refine_check]


def test_strokes_after_clearing_the_trimap_are_scribbles_not_a_quick_select(window, qtbot):
    """Issue 15, bug 1: Clear trimap kept the old box, and the next strokes re-ran GrabCut."""
    window.set_tool(Tool.QUICK_SELECT)
    box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
    wait_for_steps(qtbot, window, 1)
    window.act_clear.trigger()
    assert (window.document.trimap == UNKNOWN).all()
    window.set_tool(Tool.FOREGROUND)
    c = window.canvas
    drag(c, [widget_point(c, x, CY) for x in np.linspace(CX - 4, CX + 4, 5)])
    qtbot.wait(200)
    assert not window.quick.busy and not window.quick.can_refine()
    assert window.undo_stack.undoText() == "Foreground stroke"
    assert window.document.trimap[2, 2] == UNKNOWN      # no GrabCut filled the box's outside


# -- Segment Anything, clicks, Select subject, refine around the stroke -------------------
def click(window, x, y, modifier=Qt.KeyboardModifier.NoModifier):
    c = window.canvas
    p = widget_point(c, x, y)
    QTest.mouseClick(c, Qt.MouseButton.LeftButton, modifier, QPoint(int(p[0]), int(p[1])))


@pytest.fixture
def with_sam(tmp_path):
    pytest.importorskip("transformers")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tiny_models import tiny_sam
    from matteditor.cli import run_cli

    assert run_cli(["models", "import", "slimsam", str(tiny_sam(tmp_path / "tiny-sam"))]) == 0


def test_with_sam_installed_a_box_uses_it_and_the_status_bar_says_so(window, qtbot, with_sam,
                                                                     monkeypatch):
    monkeypatch.setattr(selector_module, "grabcut_mask",
                        lambda *a, **k: pytest.fail("GrabCut ran though SAM is installed"))
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    window.set_tool(Tool.QUICK_SELECT)
    box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
    qtbot.waitUntil(lambda: not window.quick.busy and any(
        "with Segment Anything:" in m for m in messages), timeout=15000)
    assert any(m.startswith("Quick select with Segment Anything") for m in messages)


def test_without_sam_the_status_bar_says_grabcut(window, qtbot):
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    window.set_tool(Tool.QUICK_SELECT)
    box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
    wait_for_steps(qtbot, window, 1)
    assert any("Quick select with GrabCut:" in m for m in messages)


def test_each_click_refines_the_selection_as_one_undo_step(window, qtbot, with_sam,
                                                           monkeypatch):
    prompts = []
    real = selector_module.Selector.mask

    def spy(self, image, selection, **kwargs):
        prompts.append(selection)
        return real(self, image, selection, **kwargs)

    monkeypatch.setattr(selector_module.Selector, "mask", spy)
    window.set_tool(Tool.QUICK_SELECT)
    box_drag(window, CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6)
    qtbot.waitUntil(lambda: len(prompts) == 1 and not window.quick.busy, timeout=15000)
    steps = window.undo_stack.count()
    click(window, CX, CY)
    qtbot.waitUntil(lambda: len(prompts) == 2 and not window.quick.busy, timeout=15000)
    click(window, 3, 3, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(prompts) == 3 and not window.quick.busy, timeout=15000)
    assert prompts[1].rect == prompts[0].rect          # the click refines the box
    assert prompts[1].points[0] == pytest.approx((CX + 0.5, CY + 0.5), abs=1)
    assert prompts[2].negative and prompts[2].negative[0] == pytest.approx((3.5, 3.5), abs=1)
    assert len(prompts[2].points) == 1 and prompts[2].rect == prompts[0].rect
    # a click that changes the trimap is exactly one undo step
    assert window.undo_stack.count() - steps <= 2
    if window.undo_stack.count() > steps:
        assert window.undo_stack.undoText().startswith("Quick select: ")
        before = window.undo_stack.count()
        window.act_undo.trigger()
        assert window.undo_stack.index() == before - 1


def test_a_click_with_grabcut_selects_the_clicked_disc(window, qtbot):
    window.set_tool(Tool.QUICK_SELECT)
    window.panel.band_spin.setValue(2)
    click(window, CX, CY)
    wait_for_steps(qtbot, window, 1)
    t = window.document.trimap
    assert window.undo_stack.undoText() == "Quick select: add click"
    assert t[CY, CX] == FOREGROUND and t[2, 2] == BACKGROUND


def test_select_subject_in_the_matte_menu_selects_the_disc(window, qtbot):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Matte")
    assert window.act_subject in menu.actions()
    window.panel.band_spin.setValue(2)
    window.act_subject.trigger()
    wait_for_steps(qtbot, window, 1)
    t = window.document.trimap
    assert window.undo_stack.undoText() == "Select subject"
    assert t[CY, CX] == FOREGROUND and t[1, 1] == BACKGROUND


def test_select_subject_with_sam_runs_on_the_network(window, qtbot, with_sam):
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    window.act_subject.trigger()
    qtbot.waitUntil(lambda: not window.quick.busy and any(
        "with Segment Anything:" in m for m in messages), timeout=15000)
    assert any(m.startswith("Select subject with Segment Anything") for m in messages)


def test_a_correction_stroke_redoes_grabcut_only_around_the_stroke(make_window, qtbot,
                                                                   monkeypatch):
    h, w = 240, 320
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.empty((h, w, 3), np.float32)
    img[...] = (0.1, 0.15, 0.3)
    img[(yy - 120) ** 2 + (xx - 160) ** 2 < 80 ** 2] = (0.9, 0.8, 0.2)
    window = make_window(document=Document(img))
    window.panel.band_spin.setValue(2)
    window.panel.adaptive_check.setChecked(False)
    window.set_tool(Tool.QUICK_SELECT)
    box_drag(window, 70, 30, 250, 210)
    wait_for_steps(qtbot, window, 1)
    before = window.document.trimap.copy()
    monkeypatch.setattr(selector_module, "grabcut_mask",
                        lambda *a, **k: pytest.fail("the whole box was redone"))
    window.set_tool(Tool.BACKGROUND)
    window.canvas.set_brush_size(4)
    c = window.canvas
    drag(c, [widget_point(c, 150, 120), widget_point(c, 160, 120)])
    wait_for_steps(qtbot, window, 3)      # the stroke, then the local refine
    assert window.undo_stack.undoText() == "Refine quick select"
    after = window.document.trimap
    changed = np.argwhere(after != before)
    assert len(changed)
    # the stroke's box (about 146..164 x 116..124) grown by the 24-px margin and the band
    assert changed[:, 1].min() >= 146 - 24 - 8 and changed[:, 1].max() <= 164 + 24 + 8
    assert changed[:, 0].min() >= 116 - 24 - 8 and changed[:, 0].max() <= 124 + 24 + 8
