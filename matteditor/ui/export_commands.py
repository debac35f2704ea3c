"""Export, copy to the clipboard: the file controller's part that writes the matte out.

:class:`ExportCommands` is mixed into :class:`~matteditor.ui.files.FileController`;
it sees the editor through ``self.w`` (an :class:`~matteditor.ui.context.EditorContext`).
The encoding and writing happen on the export thread (:mod:`matteditor.ui.exporter`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from .. import compositing
from ..compositing import to_uint8
from ..errors import ExportError, MatteError
from .context import EditorContext
from ..export import ExportKind, ExportOptions, format_of
from .export_dialog import ExportDialog
from .exporter import Exporter
from .qimage import rgba8_to_qimage

log = logging.getLogger(__name__)


class ExportCommands:
    """Export (Ctrl+E) and Copy cutout (Ctrl+Shift+C); the class it is mixed into
    provides ``_error(title, error)`` (a dialog) and ``_refocus()``."""

    w: EditorContext
    project_path: Path | None     # the open project's file (FileController's)

    def _init_export(self) -> None:
        self.exporter = Exporter(self.w)
        self.exporter.finished.connect(self._export_done)
        self.last_export: tuple[ExportOptions, MatteError | None] | None = None

    # -- export ------------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        doc = self.w.document
        if doc is None:
            return
        dialog = self.make_export_dialog()
        accepted = dialog.exec()
        self._refocus()
        if accepted:
            self.export_to(dialog.options())

    def _not_ready(self, kind: ExportKind) -> str | None:
        """Why the matte on screen cannot be exported as ``kind`` yet (None: it can).

        A reduced-resolution preview is not exported, and foreground colours
        are never estimated here on the UI thread: the solver brings both, and
        is asked to when it is idle.
        """
        doc, solver = self.w.document, self.w.solver
        if doc is None or doc.alpha is None or kind is ExportKind.TRIMAP:
            return None  # export_pixels says so when there is no matte at all
        if solver.showing_preview:
            problem = "the matte on screen is a reduced-resolution preview"
        elif kind is ExportKind.CUTOUT and doc.foreground is None:
            problem = "the foreground colours are not estimated yet"
        else:
            return None
        if not solver.busy and not solver.request():
            return f"{problem}; update the matte (Ctrl+R) first"
        return (f"{problem}; the full-resolution matte is being computed, export again "
                "when the status bar says it is up to date")

    def make_export_dialog(self) -> ExportDialog:
        """The export dialog set up as the last export was: folder, kind, format and depth.
        The folder is the last export's while it exists, else the project's, else the
        photo's."""
        qs = self.w.qs
        folder = Path(str(qs.value("files/export_folder", "")))
        if not str(qs.value("files/export_folder", "")) or not folder.is_dir():
            folder = self.project_path.parent if self.project_path is not None else None
        kind = next((k for k in ExportKind if k.suffix == qs.value("files/export_kind")),
                    ExportKind.CUTOUT)
        bits = 16 if str(qs.value("files/export_bits", "8")) == "16" else 8
        fmt = str(qs.value("files/export_format", ".png"))
        return ExportDialog(self.w.document, folder, self.w, kind=kind, bits=bits, fmt=fmt,
                            project=self.project_path)

    def export_to(self, options: ExportOptions) -> bool:
        """Start writing an export on the export thread; False (with a message) if there is
        nothing to export.  The status bar, or a dialog on failure, tells when it is done."""
        doc, renderer = self.w.document, self.w.renderer
        if doc is None or renderer is None:
            return False
        problem = self._not_ready(options.kind)
        if problem is not None:
            self._error("Not ready to export", ExportError(problem))
            return False
        try:
            self.exporter.start(doc, renderer.compositor, renderer.settings, options,
                                self.project_path)
        except MatteError as e:
            self._error("Export failed", e)
            return False
        self.w.show_status(f"Exporting {options.path.name}…")
        return True

    @property
    def exporting(self) -> bool:
        return self.exporter.busy

    def _export_done(self, options: ExportOptions, error: MatteError | None) -> None:
        self.last_export = (options, error)
        if error is not None:
            self._error("Export failed", error)
            return
        self.w.qs.setValue("files/export_folder", str(options.path.parent))
        self.w.qs.setValue("files/export_kind", options.kind.suffix)
        self.w.qs.setValue("files/export_format", format_of(options.path))
        if options.kind is not ExportKind.TRIMAP:  # (always 8 bits)
            self.w.qs.setValue("files/export_bits", options.bits)
        self.w.show_status(f"Exported {options.path}")

    def copy_cutout(self) -> bool:
        doc = self.w.document
        if doc is None or doc.alpha is None:
            self.w.show_status("No matte to copy yet")
            return False
        problem = self._not_ready(ExportKind.CUTOUT_RAW)  # a preview is not copied either
        if problem is not None:
            self.w.show_status(f"Not copied: {problem}")
            return False
        matte = doc.matte()
        fg = matte.colors if matte.colors is not None else doc.image
        rgba = to_uint8(compositing.cutout_rgba(fg, matte.alpha))
        QGuiApplication.clipboard().setImage(rgba8_to_qimage(rgba))
        self.w.show_status("Cutout copied to the clipboard")
        return True
