"""The edge controls in the editor: non-destructive, undoable, in every view and export,
saved with the project."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from matteditor.edges import EdgeAdjustments
from matteditor.imageio import load_image_rgba
from matteditor.project import load_project
from matteditor.views import ViewMode

from .test_views import shown, solved


def test_feather_changes_the_shown_matte_but_not_the_engines_alpha(make_window, qtbot):
    w = solved(make_window, qtbot)
    doc = w.document
    raw = doc.alpha.copy()
    QTest.keyClick(w.canvas, Qt.Key.Key_2)                 # the alpha view
    before = shown(w).copy()
    w.panel.edges.feather.setValue(4.0)
    assert doc.adjustments.feather == 4.0
    np.testing.assert_array_equal(doc.alpha, raw)          # non-destructive
    after = shown(w)
    assert not np.array_equal(before, after)
    expected = np.rint(EdgeAdjustments(feather=4.0).apply(raw, doc.trimap) * 255)
    assert np.abs(after[..., 0].astype(int) - expected).max() <= 1


def test_edge_changes_are_one_undo_step_and_undo_restores_the_panel(make_window, qtbot):
    w = solved(make_window, qtbot)
    steps = w.undo_stack.count()
    w.panel.edges.contrast.setValue(30)
    w.panel.edges.contrast.setValue(60)                    # merges with the previous change
    assert w.undo_stack.count() == steps + 1
    assert w.document.adjustments.contrast == 60
    w.act_undo.trigger()
    assert w.document.adjustments == EdgeAdjustments()
    assert w.panel.edges.contrast.value() == 0
    w.act_redo.trigger()
    assert w.document.adjustments.contrast == 60 and w.panel.edges.contrast.value() == 60


def test_the_edge_view_shows_only_the_band_around_the_soft_edge(make_window, qtbot):
    from matteditor.edges import edge_band
    from matteditor.views import EDGE_BAND

    w = solved(make_window, qtbot)
    QTest.keyClick(w.canvas, Qt.Key.Key_7)
    assert w.renderer.settings.mode is ViewMode.EDGE
    pixels = shown(w)
    alpha = w.document.matte().alpha
    band = edge_band(alpha, EDGE_BAND)
    assert band.any() and not band.all()
    expected = np.rint(alpha[band] * 255)
    assert np.abs(pixels[band][:, 0].astype(int) - expected).max() <= 1   # the matte, gray
    dimmed = w.renderer.compositor.photo8[~band] >> 2                     # the photo, dimmed
    np.testing.assert_array_equal(pixels[~band], dimmed)


def test_exports_and_projects_carry_the_adjustments(make_window, qtbot, tmp_path):
    from matteditor.ui.export_dialog import ExportKind, ExportOptions

    w = solved(make_window, qtbot)
    w.panel.edges.shift.setValue(-60)                      # choke
    w.panel.edges.decontaminate.setValue(40)
    options = ExportOptions(ExportKind.CUTOUT, tmp_path / "cut.png", 8)
    w.files.exporter.start(w.document, w.renderer.compositor, w.panel.view_settings(), options)
    w.files.exporter.wait()
    qtbot.waitUntil(lambda: (tmp_path / "cut.png").exists())
    rgba = load_image_rgba(tmp_path / "cut.png")[1]
    matte = w.document.matte()
    assert np.abs(rgba - matte.alpha).max() <= 1 / 255 + 1e-6
    assert matte.alpha.sum() < w.document.alpha.sum()      # the choke is in the export
    assert w.files.save_project_to(tmp_path / "p.mattproj")
    loaded = load_project(tmp_path / "p.mattproj")
    assert loaded.adjustments == w.document.adjustments
    assert loaded.adjustments.shift_edge == -60 and loaded.adjustments.decontamination == 0.4


def test_each_edge_control_changed_is_its_own_undo_step(make_window, qtbot):
    w = solved(make_window, qtbot)
    e = w.panel.edges
    steps = w.undo_stack.count()
    e.smooth.setValue(2)
    e.feather.setValue(1.5)
    e.contrast.setValue(20)
    e.shift.setValue(10)
    e.fill_holes.setChecked(True)
    e.islands.setValue(50)
    assert w.undo_stack.count() == steps + 6
    w.act_undo.trigger()                          # only the islands change is undone
    assert w.document.adjustments == EdgeAdjustments(smooth=2, feather=1.5, contrast=20,
                                                     shift_edge=10, fill_holes=True)
    assert e.islands.value() == 0 and e.shift.value() == 10
    for _ in range(5):
        w.act_undo.trigger()
    assert w.document.adjustments == EdgeAdjustments()


def test_the_same_control_changed_again_after_a_pause_is_a_new_step(make_window, qtbot,
                                                                      monkeypatch):
    from matteditor.ui import commands

    now = [1000.0]
    monkeypatch.setattr(commands.time, "monotonic", lambda: now[0])
    w = solved(make_window, qtbot)
    steps = w.undo_stack.count()
    w.panel.edges.feather.setValue(1.0)
    now[0] += 0.2
    w.panel.edges.feather.setValue(2.0)           # the same gesture: merged
    now[0] += 5.0
    w.panel.edges.feather.setValue(3.0)           # later: a step of its own
    assert w.undo_stack.count() == steps + 2
    w.act_undo.trigger()
    assert w.document.adjustments.feather == 2.0
