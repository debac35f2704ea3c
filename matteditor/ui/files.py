"""File work for the main window: open, save, projects, trimaps, export, clipboard, recovery."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox

from ..document import Document
from ..errors import MatteError
from ..imageio import load_image, load_mask, load_trimap
from ..project import (PROJECT_SUFFIX, Project, file_sha256, load_project,
                       photo_outside_folder, save_project)
from . import settings as prefs
from .commands import commit_existing
from .context import EditorContext
from .export_commands import ExportCommands
from .trusted import is_trusted, remember_saved
from ..views import ViewMode


log = logging.getLogger(__name__)

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp)"
OPEN_FILTER = f"Photos and projects (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *{PROJECT_SUFFIX});;" \
              f"{IMAGE_FILTER};;Projects (*{PROJECT_SUFFIX})"


class FileController(ExportCommands):
    def __init__(self, window: EditorContext) -> None:
        self.w = window
        self.project_path: Path | None = None
        self.photo_sha256: str | None = None   # the photo file's, as opened
        self._init_export()

    def _error(self, title: str, error: Exception) -> None:
        log.info("%s: %s", title, error)
        self.w.show_status(f"{title}: {error}")
        QMessageBox.warning(self.w, title, str(error))

    def _refocus(self) -> None:
        """Give the keyboard back to the canvas after a dialog (some window managers don't)."""
        self.w.focus_canvas()

    def _folder(self) -> str:
        doc = self.w.document
        return str(doc.path.parent) if doc is not None and doc.path else str(Path.home())

    # -- opening ------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Open", self._folder(), OPEN_FILTER)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path, trimap: Path | None = None) -> bool:
        if path.suffix.lower() == PROJECT_SUFFIX:
            return self.open_project(path)
        return self.open_image(path, trimap)

    def open_image(self, path: Path, trimap: Path | None = None) -> bool:
        if not self.maybe_discard():
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        trimap_error: MatteError | None = None
        try:
            image = load_image(path)
            try:   # a bad trimap does not keep the photo from opening
                t = load_trimap(trimap, image.shape[:2]) if trimap is not None else None
            except MatteError as e:
                t, trimap_error = None, e
            document = Document(image, t, path=Path(path).resolve())
        except MatteError as e:
            QApplication.restoreOverrideCursor()
            self._error("Could not open", e)
            return False
        QApplication.restoreOverrideCursor()
        self.project_path = None
        self.photo_sha256 = _photo_hash(document.path)
        self.w.set_document(document, self.w.new_photo_settings())
        self.update_title()
        self._remember(path)
        w, h = document.size
        self.w.show_status(f"Opened {path.name} ({w} × {h}), view 1 (the photo with the "
                           "trimap): paint foreground (F) and background (B), or drag a box "
                           "with Quick select (Q)")
        if trimap_error is not None:
            self._error(f"Opened {path.name} without its trimap", trimap_error)
        return True

    def open_project(self, path: Path, remember: bool = True, trusted: bool = False) -> bool:
        """Open a project file (see :meth:`_open_project`)."""
        return self._open_project(path, remember, trusted) is not None

    def _open_project(self, path: Path, remember: bool = True,
                      trusted: bool = False) -> Project | None:
        """Open a project file; returns it (None: not opened).  Before reading a photo
        outside the project's folder the user is asked, unless the project is one they
        saved (:mod:`.trusted`) or ``trusted`` (the editor's own recovery file); a photo
        that is no longer there can be located with a file dialog, one whose content
        changed since the save is opened only if the user agrees.  The matte saved with
        the project is shown at once, without a solve."""
        if not self.maybe_discard():
            return None
        try:
            project = load_project(path)
        except MatteError as e:
            self._error("Could not open the project", e)
            return None
        if not trusted and photo_outside_folder(project, path) \
                and not is_trusted(self.w.qs, path) \
                and not self._allow_outside_photo(project, path):
            self.w.show_status(f"Did not open {Path(path).name}")
            return None
        relocated = project.photo_missing
        if relocated:
            project = self._locate_photo(project, path)
            if project is None:
                self.w.show_status(f"Did not open {Path(path).name}")
                return None
        photo_sha256 = _photo_hash(project.image_path)      # the photo as opened now
        changed = project.photo_changed(photo_sha256)
        if changed and not self._allow_changed_photo(project, path):
            self.w.show_status(f"Did not open {Path(path).name}")
            return None
        try:
            document = Document(project.load_photo(), project.trimap, path=project.image_path)
            document.adjustments = project.adjustments
            if project.alpha is not None and not changed:   # its exact matte: no solve
                document.set_result(project.alpha, document.revision, project.foreground)
        except MatteError as e:
            self._error("Could not open the project", e)
            return None
        self.photo_sha256 = photo_sha256
        self.project_path = Path(path).resolve() if remember else None
        self.w.set_document(document, project.settings)
        if project.background is not None and self.w.renderer is not None:
            self.w.renderer.set_background(project.background)
            self.w.update_view_note()
        self.update_title()
        if remember:
            self._remember(path)
        if relocated or changed:  # the project file names the old place or photo: save it
            self.w.undo_stack.resetClean()
            self.w.show_status(
                f"Opened {Path(path).name} with the photo {project.image_path.name}; save the "
                "project to remember " + ("where the photo is now" if relocated else
                                          "this photo; the matte will be solved anew"))
        return project

    def _allow_changed_photo(self, project: Project, path: Path) -> bool:
        answer = QMessageBox.question(
            self.w, "The photo has changed",
            f"The photo of the project {Path(path).name},\n\n{project.image_path}\n\n"
            "is not the photo the project was saved with: its content has changed (another "
            "photo may have been saved under its name). The trimap may not fit it.\n\n"
            "Open the project with this photo anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _allow_outside_photo(self, project: Project, path: Path) -> bool:
        answer = QMessageBox.question(
            self.w, "Open a photo outside the project's folder?",
            f"The project {Path(path).name} uses a photo that is not in the project's "
            f"folder:\n\n{project.image_path}\n\nOpen this photo? Choose No if you do not "
            "know where the project came from.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _locate_photo(self, project: Project, path: Path) -> Project | None:
        """Ask the user where the project's missing photo is now (None: cancelled)."""
        missing = project.image_path
        answer = QMessageBox.question(
            self.w, "Photo not found",
            f"The photo of the project {Path(path).name} is no longer at\n\n{missing}\n\n"
            "It may have been moved or renamed. Find it now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            return None
        chosen, _ = QFileDialog.getOpenFileName(self.w, f"Where is {missing.name}?",
                                                str(Path(path).resolve().parent), IMAGE_FILTER)
        self._refocus()
        if not chosen:
            return None
        log.info("project %s: photo %s located at %s", path, missing, chosen)
        return replace(project, image_path=Path(chosen).resolve())

    def open_recovery(self, orphan: Path | None = None) -> bool:
        """Reopen the autosaved session of an editor that did not exit cleanly (``orphan``,
        default the newest).  It becomes this window's recovery file and stays unsaved
        (and autosaved) until saved; one that cannot be opened is removed."""
        store = self.w.recovery
        if orphan is None:
            orphans = store.orphans()
            if not orphans:
                self.w.show_status("There is no autosaved work to recover")
                return False
            orphan = orphans[0]
        if not store.adopt(orphan):
            self.w.show_status("That autosaved session was reopened by another "
                                           "matteditor window")
            return False
        project = self._open_project(store.path, remember=False, trusted=True)
        if project is None:
            store.discard()
            return False
        # Still the session of the project it was saved to, if any: Ctrl+S saves there.
        saved_as = project.saved_as
        self.project_path = saved_as if saved_as is not None and saved_as.is_file() else None
        self.update_title()
        self.w.undo_stack.resetClean()  # recovered work is not saved anywhere yet
        return True

    def _remember(self, path: Path) -> None:
        prefs.add_recent_file(self.w.qs, path)

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        for p in prefs.recent_files(self.w.qs):
            menu.addAction(p, lambda p=p: self.open_path(Path(p)))
        if menu.isEmpty():
            menu.addAction("(none)").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list", lambda: prefs.clear_recent_files(self.w.qs))

    # -- saving ---------------------------------------------------------------------------------
    def maybe_discard(self) -> bool:
        """True if there are no unsaved changes, or the user saved or discarded them."""
        if self.w.document is None or self.w.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self.w, "Unsaved changes", "The trimap has unsaved changes. Save them as a project?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save_project()
        return answer == QMessageBox.StandardButton.Discard

    def save_project(self) -> bool:
        if self.project_path is None:
            return self.save_project_as()
        return self.save_project_to(self.project_path)

    def save_project_as(self) -> bool:
        doc = self.w.document
        if doc is None:
            return False
        stem = doc.path.stem if doc.path else "untitled"
        path, _ = QFileDialog.getSaveFileName(self.w, "Save project",
                                              str(Path(self._folder()) / f"{stem}{PROJECT_SUFFIX}"),
                                              f"Projects (*{PROJECT_SUFFIX})")
        if not path:
            return False
        p = Path(path)
        if p.suffix.lower() != PROJECT_SUFFIX:
            p = p.with_name(p.name + PROJECT_SUFFIX)
        return self.save_project_to(p)

    def save_project_to(self, path: Path) -> bool:
        doc = self.w.document
        if doc is None:
            return False
        embed = doc.path is None
        exact = doc.has_exact_result
        try:
            save_project(path, Project(doc.trimap, self.w.session_settings(), doc.path,
                                       doc.image if embed else None, doc.adjustments,
                                       alpha=doc.alpha if exact else None,
                                       foreground=doc.foreground if exact else None,
                                       **self.project_fields(saved_as=False)),
                         embed=embed)
        except MatteError as e:
            self._error("Could not save the project", e)
            return False
        self.project_path = Path(path).resolve()
        remember_saved(self.w.qs, self.project_path)
        self.w.undo_stack.setClean()
        self.w.recovery.discard()
        self._remember(path)
        self.update_title()
        self.w.show_status(f"Saved {path.name}" + ("" if exact else
                           " (without its matte: it was not up to date)"))
        return True

    def project_fields(self, saved_as: bool = True) -> dict:
        """The :class:`Project` fields the window holds besides the document: view 5's
        background, the photo's hash and (``saved_as``: for the recovery file) the
        project file this session belongs to."""
        renderer = self.w.renderer
        fields = {"background": renderer.compositor.background if renderer else None,
                  "photo_sha256": self.photo_sha256}
        if saved_as:
            fields["saved_as"] = self.project_path
        return fields

    def autosave(self) -> bool:
        """Write the unsaved session to the recovery file on the autosave thread."""
        doc = self.w.document
        if doc is None or self.w.undo_stack.isClean():
            return False
        return self.w.recovery.save_in_background(doc, self.w.session_settings(),
                                                  self.project_fields())

    def update_title(self) -> None:
        """The window title: the project's name, or the photo's while there is none."""
        doc = self.w.document
        if doc is None:
            return
        shown = self.project_path or doc.path
        self.w.window().setWindowTitle(f"{shown.name if shown else 'untitled'}[*] — matteditor")

    # -- trimap, background ------------------------------------------------------------------------
    def load_trimap_dialog(self) -> None:
        doc = self.w.document
        if doc is None:
            return
        path, _ = QFileDialog.getOpenFileName(self.w, "Load trimap", self._folder(), IMAGE_FILTER)
        if path:
            self.load_trimap(Path(path))

    def load_trimap(self, path: Path) -> bool:
        doc = self.w.document
        if doc is None:
            return False
        try:
            trimap = load_trimap(path, doc.trimap.shape)
        except MatteError as e:
            self._error("Could not load the trimap", e)
            return False
        commit_existing(doc, self.w.undo_stack, doc.replace_trimap(trimap, "Load trimap"))
        return True

    def mask_dialog(self) -> None:
        if self.w.document is None:
            return
        path, _ = QFileDialog.getOpenFileName(self.w, "Trimap from mask", self._folder(),
                                              IMAGE_FILTER)
        self._refocus()
        if path:
            self.load_mask(Path(path))

    def load_mask(self, path: Path) -> bool:
        """Start a trimap from a mask file (gray, or an RGBA file's alpha) of the photo's size."""
        doc = self.w.document
        if doc is None:
            return False
        try:
            mask = load_mask(path, doc.trimap.shape)
        except MatteError as e:
            self._error("Could not use the mask", e)
            return False
        self.w.trimap_from_mask(mask)
        return True

    def background_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Background image", self._folder(),
                                              IMAGE_FILTER)
        self._refocus()
        if path:
            self.set_background(Path(path))

    def set_background(self, path: Path) -> bool:
        try:
            background = load_image(path)
        except MatteError as e:
            self._error("Could not open the background", e)
            return False
        if self.w.renderer is not None:
            self.w.renderer.compositor.background = background
        self.w.set_view_mode(ViewMode.IMAGE)
        if self.w.renderer is not None:
            self.w.renderer.refresh()
        self.w.update_view_note()   # view 5 may have been on already, saying there was none
        return True


def _photo_hash(path: Path | None) -> str | None:
    """The SHA-256 of the photo file (None: embedded, or unreadable now)."""
    if path is None:
        return None
    try:
        return file_sha256(path)
    except OSError as e:
        log.info("could not hash the photo %s: %s", path, e)
        return None
