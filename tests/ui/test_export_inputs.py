"""The editor's export never writes over the photo being edited or its project (issue 26,
item 2): the dialog refuses such a file instead of offering to replace it, and the
export itself refuses it however it is started."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from matteditor.document import Document
from matteditor.export import ExportKind, ExportOptions
from matteditor.imageio import save_image

from .test_export import exported
from .test_worker import scribbled


def _solved_from_file(make_window, qtbot, tmp_path):
    """A window editing a scribbled photo saved as ``small.jpg``, its matte solved."""
    doc = scribbled()
    photo = tmp_path / "small.jpg"
    save_image(photo, doc.image)
    w = make_window(document=Document(doc.image, doc.trimap, path=photo))
    qtbot.waitUntil(lambda: w.document.foreground is not None and not w.solver.busy)
    return w, photo


def _spellings(photo):
    """The photo's own path, through ``../``, a symbolic link and a hard link."""
    (photo.parent / "sub").mkdir()
    os.symlink(photo, photo.parent / "link.jpg")
    os.link(photo, photo.parent / "hard.jpg")
    return [photo, photo.parent / "sub" / ".." / photo.name, photo.parent / "link.jpg",
            photo.parent / "hard.jpg"]


def test_the_dialog_refuses_the_open_photo_instead_of_offering_to_replace_it(
        make_window, qtbot, tmp_path, monkeypatch):
    warned, asked = [], []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    w, photo = _solved_from_file(make_window, qtbot, tmp_path)
    before = photo.read_bytes()
    dialog = w.files.make_export_dialog()
    dialog._buttons[ExportKind.COMPOSITE].setChecked(True)
    dialog.path_edit.setText(str(photo))
    dialog.accept()
    assert not dialog.result(), "the dialog closed with Save"
    assert asked == [], "offered to replace the photo"
    assert warned and "small.jpg" in warned[0] and "photo" in warned[0]
    assert photo.read_bytes() == before


def test_an_export_over_the_photo_is_refused_however_the_path_is_spelt(
        make_window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w, photo = _solved_from_file(make_window, qtbot, tmp_path)
    before = photo.read_bytes()
    for path in _spellings(photo):
        assert not exported(w, qtbot, ExportOptions(ExportKind.COMPOSITE, path)), path
        assert photo.read_bytes() == before
    assert len(shown) == 4 and all("refusing to overwrite" in text for text in shown)
    assert exported(w, qtbot, ExportOptions(ExportKind.COMPOSITE, tmp_path / "other.jpg"))


@pytest.mark.parametrize("kind", [ExportKind.CUTOUT, ExportKind.ALPHA])
def test_an_export_over_the_project_file_is_refused(make_window, qtbot, tmp_path, monkeypatch,
                                                     kind):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w, _ = _solved_from_file(make_window, qtbot, tmp_path)
    project = tmp_path / "shot.png"      # a project file named like an image
    project.write_bytes(b"project")
    w.files.project_path = project
    assert not exported(w, qtbot, ExportOptions(kind, project))
    assert project.read_bytes() == b"project"
    assert shown and "project" in shown[0]
    assert np.isfinite(w.document.alpha).all()
