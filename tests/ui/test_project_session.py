"""Projects and recovery as an artist expects them: one's own projects open without
questions, the title names the project, the matte and the background come back at
once, a recovered session stays tied to its project, and a failing autosave says so."""

from __future__ import annotations

import errno
import threading

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from matteditor.document import Document
from matteditor.imageio import save_image
from matteditor.project import Project, load_project, save_project
from matteditor.tools import Tool
from matteditor.trimap import UNKNOWN

from .conftest import photo
from .test_canvas import stroke
from .test_project_ui import answering, crash


def _never_asked(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail(f"asked: {a[1]}"))


def _matted(make_window, tmp_path, photo_folder):
    """A window on a photo in ``photo_folder`` with F and B strokes and its exact matte."""
    photo_folder.mkdir(parents=True, exist_ok=True)
    path = photo_folder / "photo.png"
    save_image(path, photo(), bits=16)
    w = make_window()
    assert w.files.open_path(path)
    w.set_tool(Tool.FOREGROUND)
    stroke(w, 30, 30, 50)
    w.set_tool(Tool.BACKGROUND)
    stroke(w, 3)
    return w


def _wait_exact(qtbot, w):
    qtbot.waitUntil(lambda: w.document.has_exact_result and w.document.foreground is not None,
                    timeout=20000)


def test_ones_own_project_reopens_without_asking_and_the_title_names_it(
        make_window, qtbot, tmp_path, monkeypatch):
    w = _matted(make_window, tmp_path, tmp_path / "photos")
    project = tmp_path / "projects" / "job.mattproj"
    project.parent.mkdir()
    assert w.files.save_project_to(project)
    assert "job.mattproj" in w.windowTitle()
    _never_asked(monkeypatch)                 # the photo is outside the project's folder
    other = make_window()
    assert other.files.open_path(project)
    assert "job.mattproj" in other.windowTitle() and "photo.png" not in other.windowTitle()


def test_a_foreign_or_changed_project_is_still_asked_about(make_window, qtbot, tmp_path,
                                                           monkeypatch):
    w = _matted(make_window, tmp_path, tmp_path / "photos")
    project = tmp_path / "projects" / "job.mattproj"
    project.parent.mkdir()
    assert w.files.save_project_to(project)
    changed = load_project(project)          # rewritten by someone else since
    save_project(project, Project(np.full((60, 80), UNKNOWN, np.uint8),
                                  image_path=changed.image_path))
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.No)
    assert not make_window().files.open_path(project)
    assert asked == ["Open a photo outside the project's folder?"]


def test_the_matte_and_background_are_saved_and_shown_at_once_on_reopen(
        make_window, qtbot, tmp_path):
    w = _matted(make_window, tmp_path, tmp_path)
    _wait_exact(qtbot, w)
    save_image(tmp_path / "bg.png", np.full((30, 40, 3), 0.25, np.float32))
    assert w.files.set_background(tmp_path / "bg.png")
    alpha, fg = w.document.alpha.copy(), w.document.foreground.copy()
    project = tmp_path / "job.mattproj"
    assert w.files.save_project_to(project)

    other = make_window()
    posted = []
    other.solver._post = posted.append
    assert other.files.open_path(project)
    doc = other.document
    assert doc.has_exact_result                       # at once: no solve
    assert np.abs(doc.alpha - alpha).max() <= 1e-4 and np.abs(doc.foreground - fg).max() <= 1e-4
    background = other.renderer.compositor.background
    assert background is not None and background.shape == (30, 40, 3)
    qtbot.wait(200)                                   # past the solve debounce
    assert posted == []


def test_a_recovered_session_stays_tied_to_its_project_and_saves_there(
        make_window, qtbot, tmp_path, monkeypatch):
    from matteditor.ui.app import RESTORE, _offer_recovery

    w = _matted(make_window, tmp_path, tmp_path)
    project = tmp_path / "job.mattproj"
    assert w.files.save_project_to(project)
    stroke(w, 50)                                     # unsaved work, then a crash
    w.files.autosave()
    w.recovery.wait()
    trimap = w.document.trimap.copy()
    crash(w)
    asked = answering(monkeypatch, RESTORE)
    again = make_window()
    assert _offer_recovery(again)
    assert "job.mattproj" in asked[0] and "job.mattproj" in again.windowTitle()
    assert again.files.project_path == project.resolve()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: pytest.fail("Ctrl+S asked for a new file"))
    assert again.files.save_project()
    np.testing.assert_array_equal(load_project(project).trimap, trimap)


def test_recovery_later_keeps_the_autosave_for_the_next_start(make_window, tmp_path,
                                                              monkeypatch):
    from matteditor.ui.app import LATER, _offer_recovery

    w = make_window(document=Document(photo()))
    stroke(w, 30)
    w.files.autosave()
    w.recovery.wait()
    crash(w)
    answering(monkeypatch, LATER, LATER)
    assert not _offer_recovery(make_window())
    orphans = make_window().recovery.orphans()
    assert len(orphans) == 1 and orphans[0].exists()  # offered again next time


def test_a_failing_autosave_says_in_the_status_bar_that_crash_protection_is_off(
        make_window, qtbot, monkeypatch):
    from matteditor.ui import recovery as recovery_module

    real_save = recovery_module.save_project

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(recovery_module, "save_project", disk_full)
    w = make_window(document=Document(photo()))
    stroke(w, 30)
    w.autosave()
    w.recovery.wait()
    label = w.status.autosave_label
    qtbot.waitUntil(label.isVisible, timeout=5000)
    assert "Crash protection off" in label.text() and "No space left" in label.text()
    monkeypatch.setattr(recovery_module, "save_project", real_save)
    stroke(w, 40)
    w.autosave()
    w.recovery.wait()
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=5000)


def test_an_unwritable_recovery_folder_turns_crash_protection_off(make_window, qtbot, tmp_path):
    from matteditor.ui.recovery import RecoveryStore

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    w = make_window(document=Document(photo()))
    w.recovery = RecoveryStore(blocker / "recovery")
    w.status.watch_autosave(w.recovery)
    stroke(w, 30)
    w.autosave()
    qtbot.waitUntil(w.status.autosave_label.isVisible, timeout=5000)


def test_an_autosave_finishing_after_another_photo_opened_is_not_taken_for_its(
        make_window, monkeypatch):
    from matteditor.ui import recovery as recovery_module

    release = threading.Event()
    real_save = recovery_module.save_project
    monkeypatch.setattr(recovery_module, "save_project",
                        lambda *a, **k: release.wait(10) and real_save(*a, **k))
    w = make_window(document=Document(photo()))
    stroke(w, 30)
    assert w.files.autosave()                          # still writing photo A...
    w.set_document(Document(photo()))                  # ...when photo B opens
    stroke(w, 30)                                      # B reaches A's revision
    release.set()
    w.recovery.wait()
    assert w.recovery.saved_revision is None           # A's write is not B's autosave
    assert w.files.autosave()                          # so B is written


def test_a_photo_replaced_by_another_of_the_same_size_is_asked_about(make_window, qtbot,
                                                                    tmp_path, monkeypatch):
    w = _matted(make_window, tmp_path, tmp_path)
    _wait_exact(qtbot, w)
    project = tmp_path / "job.mattproj"
    assert w.files.save_project_to(project)
    save_image(tmp_path / "photo.png", 1 - photo(), bits=16)   # same size, other pixels
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.No)
    other = make_window()
    assert not other.files.open_path(project) and other.document is None
    assert asked == ["The photo has changed"]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert other.files.open_path(project)
    assert not other.document.has_exact_result    # the matte saved was another photo's
