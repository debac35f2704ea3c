"""The export dialog's format box and depth: what is chosen is what is written (issue 25,
item 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QMessageBox

from matteditor.ui.export_dialog import ExportDialog, ExportKind, ExportOptions

from .test_export import exported
from .test_views import solved


def _formats(dialog) -> list[str]:
    return [dialog.format.itemData(i) for i in range(dialog.format.count())]


def test_the_format_box_offers_png_tiff_and_psd_for_a_cutout_and_sets_the_extension(
        make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    w.document.path = tmp_path / "portrait.jpg"
    dialog = ExportDialog(w.document)
    assert _formats(dialog) == [".png", ".tif", ".psd"]
    dialog.format.setCurrentIndex(1)
    dialog.format.activated.emit(1)
    assert dialog.options().path == tmp_path / "portrait_cutout.tif"
    dialog._buttons[ExportKind.COMPOSITE].setChecked(True)
    assert _formats(dialog) == [".png", ".jpg"]
    dialog.deleteLater()


def test_sixteen_bits_cannot_be_chosen_for_a_psd_and_the_dialog_says_why(make_window, qtbot,
                                                                         tmp_path):
    w = solved(make_window, qtbot)
    w.document.path = tmp_path / "portrait.jpg"
    dialog = ExportDialog(w.document, bits=16)
    assert dialog.options().bits == 16                      # a PNG holds 16 bits
    dialog.path_edit.setText(str(tmp_path / "layers.psd"))   # typed: the box follows
    assert dialog.format.currentData() == ".psd"
    assert not dialog.bits.isEnabled() and dialog.bits.currentData() == 8
    assert "8 bits" in dialog.bits.toolTip()
    assert dialog.options().bits == 8
    dialog.path_edit.setText(str(tmp_path / "deep.tif"))
    assert dialog.bits.isEnabled() and dialog.options().bits == 16
    dialog.deleteLater()


def test_a_sixteen_bit_psd_export_is_refused_not_written_in_eight_bits(make_window, qtbot,
                                                                        tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w = solved(make_window, qtbot)
    target = tmp_path / "layers.psd"
    assert not exported(w, qtbot, ExportOptions(ExportKind.CUTOUT, target, bits=16))
    options, error = w.files.last_export
    assert error is not None and "8 bits" in str(error) and "TIFF" in str(error)
    assert shown and "8 bits" in shown[-1]
    assert not target.exists()


def test_the_dialog_starts_in_the_projects_folder_when_nothing_was_exported_yet(
        make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    w.document.path = tmp_path / "photos" / "portrait.jpg"
    projects = tmp_path / "projects"
    projects.mkdir()
    assert w.files.save_project_to(projects / "portrait.mattproj")
    dialog = w.files.make_export_dialog()
    assert dialog.options().path.parent == projects
    dialog.deleteLater()
    (tmp_path / "out").mkdir()
    assert exported(w, qtbot, ExportOptions(ExportKind.ALPHA, tmp_path / "out" / "a.png"))
    dialog = w.files.make_export_dialog()                   # then the last export's folder
    assert dialog.options().path.parent == tmp_path / "out"
    assert np.isfinite(w.document.alpha).all()
    dialog.deleteLater()
