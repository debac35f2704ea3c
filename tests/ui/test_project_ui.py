"""Project save/reopen, recovery after a crash, unsaved-changes prompt, remembered settings."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtWidgets import QMessageBox, QTableWidget

from matteditor.document import Document
from matteditor.imageio import save_image
from matteditor.project import load_project
from matteditor.ui import settings as prefs
from matteditor.ui.views import ViewMode, ViewSettings

from .conftest import photo
from .test_canvas import stroke


def photo_file(tmp_path):
    path = tmp_path / "photo.png"
    save_image(path, photo(), bits=16)
    return path


def test_a_project_saves_and_reopens_identically(make_window, qtbot, tmp_path):
    w = make_window()
    assert w.files.open_path(photo_file(tmp_path))
    stroke(w, 30)
    w.panel.set_view_settings(ViewSettings(ViewMode.ALPHA, overlay_opacity=0.3, split=0.25))
    w.canvas.set_brush_size(17)
    project = tmp_path / "session.mattproj"
    assert w.files.save_project_to(project)
    assert w.undo_stack.isClean()
    trimap, settings = w.document.trimap.copy(), w.session_settings()
    image = w.document.image.copy()

    other = make_window()
    assert other.files.open_path(project)
    np.testing.assert_array_equal(other.document.trimap, trimap)
    np.testing.assert_array_equal(other.document.image, image)
    # (the injected test engine is not in the registry, so only that falls back)
    assert replace(other.session_settings(), engine="") == replace(settings, engine="")
    assert other.document.path == tmp_path / "photo.png"
    assert load_project(project).image_path == (tmp_path / "photo.png").resolve()


def test_autosave_is_offered_back_after_a_crash(make_window, qtbot, tmp_path):
    w = make_window(document=Document(photo()))  # no file on disk: the photo gets embedded
    stroke(w, 30)
    w.autosave()
    assert w.recovery.exists()
    trimap = w.document.trimap.copy()
    # "Crash": a second window finds the recovery file.
    other = make_window()
    assert other.recovery.exists()
    assert other.files.open_recovery()
    np.testing.assert_array_equal(other.document.trimap, trimap)
    assert not other.undo_stack.isClean()  # recovered work still needs saving


def test_a_clean_exit_removes_the_recovery_file(make_window, tmp_path):
    w = make_window(document=Document(photo()))
    stroke(w, 30)
    w.autosave()
    w.undo_stack.setClean()
    w.close()
    assert not w.recovery.exists()


def test_closing_with_unsaved_changes_asks_first(make_window, monkeypatch):
    w = make_window(document=Document(photo()))
    stroke(w, 30)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not w.close()
    assert w.isVisible()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert w.close()


def test_opened_files_go_to_recent_files_and_geometry_is_remembered(make_window, settings, tmp_path):
    w = make_window()
    path = photo_file(tmp_path)
    assert w.files.open_path(path)
    assert prefs.recent_files(settings)[0] == str(path.resolve())
    w.resize(700, 500)
    w.close()
    from matteditor.ui.main_window import MainWindow
    again = MainWindow(settings=settings, recovery=w.recovery)  # as it starts: no resize
    try:
        assert (again.width(), again.height()) == (700, 500)
    finally:
        again.close()


def test_a_bad_photo_reports_the_problem_and_keeps_the_current_one(make_window, tmp_path,
                                                                   monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w = make_window(document=Document(photo()))
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png")
    assert not w.files.open_path(bad)
    assert shown and "broken.png" in shown[0]
    assert w.document is not None and w.document.size == (80, 60)


def test_dropping_a_photo_on_the_window_opens_it(make_window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    w = make_window()
    path = photo_file(tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    w.dropEvent(event)
    assert w.document is not None and w.document.path == path.resolve()
    assert w.size_label.text() == "80 × 60 px"


def test_the_shortcuts_dialog_lists_the_real_shortcuts(make_window):
    from matteditor.ui.help_dialog import ShortcutsDialog

    w = make_window()
    dialog = ShortcutsDialog(w.actions(), w)
    table = dialog.findChild(QTableWidget)
    rows = {table.item(i, 1).text(): table.item(i, 0).text() for i in range(table.rowCount())}
    assert rows["Foreground brush"] == "F"
    assert rows["Export…"] == "Ctrl+E"
    assert "Ctrl+Shift+Z" in rows["Redo"]
    dialog.deleteLater()


def test_a_photo_opens_with_its_trimap_as_on_the_command_line(make_window, tmp_path):
    from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN

    t = np.full((60, 80), UNKNOWN, np.uint8)
    t[:5] = BACKGROUND
    t[25:35, 35:45] = FOREGROUND
    save_image(tmp_path / "t.png", t)
    w = make_window()
    assert w.files.open_path(photo_file(tmp_path), tmp_path / "t.png")
    np.testing.assert_array_equal(w.document.trimap, t)
    assert w.undo_stack.isClean()


def test_start_up_offers_the_recovery_file_and_reopens_it(make_window, monkeypatch):
    from matteditor.ui.app import _offer_recovery

    w = make_window(document=Document(photo()))
    stroke(w, 30)
    w.autosave()
    trimap = w.document.trimap.copy()
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Yes)
    fresh = make_window()
    _offer_recovery(fresh)
    assert asked == ["Recover unsaved work?"]
    np.testing.assert_array_equal(fresh.document.trimap, trimap)


def test_start_up_with_a_photo_still_offers_the_recovery_file_first(make_window, monkeypatch,
                                                                    tmp_path):
    from matteditor.ui.app import open_at_start

    w = make_window(document=Document(photo()))
    stroke(w, 30)
    w.autosave()
    trimap = w.document.trimap.copy()
    answers = [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No]
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1]) or answers[len(asked) - 1])
    path = photo_file(tmp_path)
    # `matteditor photo.png` after a crash: the autosave is offered, not silently lost.
    recovered = make_window()
    open_at_start(recovered, str(path))
    assert asked == ["Recover unsaved work?"]
    np.testing.assert_array_equal(recovered.document.trimap, trimap)
    # Declined: the photo asked for opens, and the old autosave is gone.
    assert recovered.recovery.exists()  # (not saved yet, so still there)
    declined = make_window()
    open_at_start(declined, str(path))
    assert len(asked) == 2 and not declined.recovery.exists()
    assert declined.document.path == path.resolve()
