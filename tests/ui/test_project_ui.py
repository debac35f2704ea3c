"""Project save/reopen, recovery after a crash, unsaved-changes prompt, remembered settings."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox, QTableWidget

from matteditor.document import Document
from matteditor.imageio import save_image
from matteditor.project import load_project
from matteditor.ui import settings as prefs
from matteditor.views import ViewMode, ViewSettings

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


def crash(window):
    """What a crash leaves behind: the window's autosave, locked by a process that is gone.

    The lock is handed to a child process that then dies without unlocking, and the
    window stops owning the file (a crashed window never cleans up after itself).
    """
    from matteditor.ui.recovery import RecoveryStore

    store = window.recovery
    assert store.exists() and store.lock is not None
    lock_path = store.lock.fileName()
    store.lock.unlock()
    script = ("import os, sys\nfrom PySide6.QtCore import QLockFile\n"
              "lock = QLockFile(sys.argv[1]); lock.setStaleLockTime(0)\n"
              "os._exit(0 if lock.tryLock(0) else 3)")
    assert subprocess.run([sys.executable, "-c", script, lock_path], timeout=60).returncode == 0
    assert Path(lock_path).exists()  # the dead process's lock stays behind
    window.recovery = RecoveryStore(store.folder)


def crashed_session(make_window):
    """A window with one stroke, autosaved, then crashed (see :func:`crash`); its trimap."""
    w = make_window(document=Document(photo()))  # no file on disk: the photo gets embedded
    stroke(w, 30)
    w.autosave()
    w.recovery.wait()
    assert w.recovery.exists()
    trimap = w.document.trimap.copy()
    crash(w)
    return trimap


def test_autosave_is_offered_back_after_a_crash(make_window, qtbot, tmp_path):
    trimap = crashed_session(make_window)
    # A second window finds the recovery file and makes it its own.
    other = make_window()
    assert other.recovery.orphans()
    assert other.files.open_recovery()
    np.testing.assert_array_equal(other.document.trimap, trimap)
    assert not other.undo_stack.isClean()  # recovered work still needs saving
    assert other.recovery.exists() and not make_window().recovery.orphans()


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


def test_a_wrong_size_trimap_still_opens_the_photo_and_says_why(make_window, tmp_path,
                                                               monkeypatch):
    """Issue 15, bug 3: the photo was refused along with a trimap of another size."""
    from matteditor.trimap import UNKNOWN

    save_image(tmp_path / "small.png", np.full((20, 30), UNKNOWN, np.uint8))
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append((a[1], a[2])))
    w = make_window()
    assert w.files.open_path(photo_file(tmp_path), tmp_path / "small.png")
    assert w.document is not None and w.document.size == (80, 60)
    assert (w.document.trimap == UNKNOWN).all()
    assert len(warned) == 1 and "without its trimap" in warned[0][0]
    assert "30x20" in warned[0][1] or "30 x 20" in warned[0][1] or "20" in warned[0][1]


def answering(monkeypatch, *answers):
    """Answer the recovery question with ``answers`` in turn; returns what was asked."""
    from matteditor.ui import app

    asked = []
    monkeypatch.setattr(app, "_ask_recovery",
                        lambda window, about: asked.append(about) or answers[len(asked) - 1])
    return asked


def test_start_up_offers_the_recovery_file_and_reopens_it(make_window, monkeypatch):
    from matteditor.ui.app import RESTORE, _offer_recovery

    trimap = crashed_session(make_window)
    asked = answering(monkeypatch, RESTORE)
    fresh = make_window()
    _offer_recovery(fresh)
    assert len(asked) == 1
    np.testing.assert_array_equal(fresh.document.trimap, trimap)


def test_start_up_with_a_photo_still_offers_the_recovery_file_first(make_window, monkeypatch,
                                                                    tmp_path):
    from matteditor.ui.app import DELETE, RESTORE, open_at_start

    trimap = crashed_session(make_window)
    asked = answering(monkeypatch, RESTORE, DELETE)
    path = photo_file(tmp_path)
    # `matteditor photo.png` after a crash: the autosave is offered, not silently lost.
    recovered = make_window()
    open_at_start(recovered, str(path))
    assert len(asked) == 1
    np.testing.assert_array_equal(recovered.document.trimap, trimap)
    # Declined: the photo asked for opens, and the old autosave is gone.
    assert recovered.recovery.exists()  # (not saved yet, so still there)
    crash(recovered)
    orphan = make_window().recovery.orphans()
    declined = make_window()
    open_at_start(declined, str(path))
    assert len(asked) == 2 and not declined.recovery.exists()
    assert len(orphan) == 1 and not orphan[0].exists()
    assert declined.document.path == path.resolve()


def _project_with_photo(tmp_path, photo_folder, project_folder):
    """A project in ``project_folder`` referring to a photo saved in ``photo_folder``."""
    from matteditor.project import Project, save_project
    from matteditor.trimap import FOREGROUND, UNKNOWN

    for folder in (photo_folder, project_folder):
        folder.mkdir(parents=True, exist_ok=True)
    path = photo_folder / "photo.png"
    save_image(path, photo(), bits=16)
    t = np.full((60, 80), UNKNOWN, np.uint8)
    t[25:35, 35:45] = FOREGROUND
    project = project_folder / "session.mattproj"
    save_project(project, Project(t, image_path=path))
    return project, path, t


def test_a_photo_outside_the_project_folder_is_read_only_if_the_user_agrees(
        make_window, tmp_path, monkeypatch):
    import matteditor.ui.files as files

    project, path, trimap = _project_with_photo(tmp_path, tmp_path / "elsewhere",
                                                tmp_path / "projects")
    read = []
    real_load = files.Document

    def recording_document(image, *a, **k):
        read.append(k.get("path"))
        return real_load(image, *a, **k)
    monkeypatch.setattr(files, "Document", recording_document)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    w = make_window()
    assert not w.files.open_path(project)
    assert w.document is None and read == []
    assert len(asked) == 1 and str(path.resolve()) in asked[0]
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    assert w.files.open_path(project)
    assert len(asked) == 2
    assert w.document.path == path.resolve()
    np.testing.assert_array_equal(w.document.trimap, trimap)


def test_a_photo_inside_the_project_folder_opens_without_asking(make_window, tmp_path,
                                                                monkeypatch):
    project, path, _ = _project_with_photo(tmp_path, tmp_path / "work" / "photos",
                                           tmp_path / "work")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail(f"asked: {a[1]}"))
    w = make_window()
    assert w.files.open_path(project)
    assert w.document.path == path.resolve()


def test_a_missing_photo_can_be_located_with_a_file_dialog(make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    project, path, trimap = _project_with_photo(tmp_path, tmp_path, tmp_path)
    moved = tmp_path / "renamed.png"
    path.rename(moved)
    asked, dialogs, warned = [], [], []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: dialogs.append(a[1]) or (str(moved), ""))
    w = make_window()
    assert w.files.open_path(project), warned
    assert len(asked) == 1 and str(path.resolve()) in asked[0]
    assert dialogs and "photo.png" in dialogs[0]
    assert w.document.path == moved.resolve()
    np.testing.assert_array_equal(w.document.trimap, trimap)
    assert not w.undo_stack.isClean()  # saving records where the photo is now
    assert w.files.save_project()
    assert load_project(project).image_path == moved.resolve()


def test_declining_to_locate_a_missing_photo_opens_nothing(make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    project, path, _ = _project_with_photo(tmp_path, tmp_path, tmp_path)
    path.unlink()
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    w = make_window(document=Document(photo()))
    assert not w.files.open_path(project)
    assert w.document is not None and w.document.path is None  # the open photo stays
    assert warned == []  # cancelled by the user: no error box


def test_two_running_editors_keep_separate_recovery_files(make_window, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail(f"asked: {a[1]}"))
    from matteditor.ui.app import _offer_recovery

    first, second = (make_window(document=Document(photo())) for _ in range(2))
    for w, y in ((first, 20), (second, 40)):
        stroke(w, y)
        w.autosave()
        w.recovery.wait()
    assert first.recovery.path != second.recovery.path
    assert first.recovery.exists() and second.recovery.exists()
    np.testing.assert_array_equal(first.recovery.load().trimap, first.document.trimap)
    np.testing.assert_array_equal(second.recovery.load().trimap, second.document.trimap)
    # A third editor starting now offers neither: both are still running.
    third = make_window()
    assert third.recovery.orphans() == []
    assert not _offer_recovery(third)
    # One closing cleanly removes only its own file.
    first.undo_stack.setClean()
    first.close()
    assert not first.recovery.exists() and second.recovery.exists()


def test_a_killed_editors_autosave_is_offered_at_the_next_start(make_window, tmp_path,
                                                                 monkeypatch):
    """A real process autosaves and is killed (SIGKILL); its lock is stale, not missing."""
    import signal

    from matteditor.trimap import FOREGROUND, UNKNOWN
    from matteditor.ui.app import _offer_recovery

    t = np.full((60, 80), UNKNOWN, np.uint8)
    t[20:30, 30:50] = FOREGROUND
    np.save(tmp_path / "photo.npy", photo())
    np.save(tmp_path / "trimap.npy", t)
    folder = make_window().recovery.folder
    script = (
        "import os, signal, sys\n"
        "import numpy as np\n"
        "from matteditor.document import Document\n"
        "from matteditor.project import SessionSettings\n"
        "from matteditor.ui.recovery import RecoveryStore\n"
        "doc = Document(np.load(sys.argv[1]), np.load(sys.argv[2]))\n"
        "store = RecoveryStore(__import__('pathlib').Path(sys.argv[3]))\n"
        "assert store.save(doc, SessionSettings(brush_size=33))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "photo.npy"),
                           str(tmp_path / "trimap.npy"), str(folder)], timeout=120)
    assert done.returncode == -signal.SIGKILL
    assert list(folder.glob("*.lock"))  # the dead editor's lock is still there
    from matteditor.ui.app import RESTORE

    asked = answering(monkeypatch, RESTORE)
    w = make_window()
    assert _offer_recovery(w)
    assert len(asked) == 1 and "embedded photo" in asked[0]
    np.testing.assert_array_equal(w.document.trimap, t)
    assert w.canvas.brush_size == 33
    assert w.recovery.exists() and w.recovery.lock is not None  # now this window's file


def test_autosave_writes_on_its_own_thread_and_a_clean_exit_waits_for_it(make_window, monkeypatch):
    import threading

    from matteditor.ui import recovery as recovery_module

    w = make_window(document=Document(photo()))
    stroke(w, 30)
    threads = []
    real_save = recovery_module.save_project

    def recording_save(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_save(*args, **kwargs)

    monkeypatch.setattr(recovery_module, "save_project", recording_save)
    w.autosave()
    w.recovery.wait()
    assert threads and threads[0] is not threading.main_thread()
    assert w.recovery.exists() and w.recovery.saved_revision == w.document.revision
    stroke(w, 60)
    w.autosave()                       # still being written when the window closes...
    w.undo_stack.setClean()
    w.close()
    assert not w.recovery.exists()     # ...and the clean exit leaves no recovery file behind
