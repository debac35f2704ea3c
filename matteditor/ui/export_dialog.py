"""Export (Ctrl+E): what to write, in how many bits, where (the writing: exporter.py)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLineEdit, QMessageBox, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from .. import compositing
from ..document import Document
from ..errors import ExportError
from ..views import Compositor, ViewSettings

log = logging.getLogger(__name__)


class ExportKind(enum.Enum):
    CUTOUT = ("Cutout with estimated foreground colours", "cutout")
    CUTOUT_RAW = ("Cutout with the photo's own colours", "cutout-raw")
    ALPHA = ("Alpha matte only", "alpha")
    COMPOSITE = ("Current view (composite)", "composite")
    TRIMAP = ("Trimap", "trimap")

    @property
    def title(self) -> str:
        return self.value[0]

    @property
    def suffix(self) -> str:
        return self.value[1]

    @property
    def extensions(self) -> tuple[str, ...]:
        """File extensions this kind can be written as, the default first.  Only the
        composite has no transparency, so only it may be a JPEG; cutouts may also be
        an RGBA TIFF or a layered PSD (the photo with its layer mask, and the cutout)."""
        if self is ExportKind.COMPOSITE:
            return (".png", ".jpg", ".jpeg")
        if self in (ExportKind.CUTOUT, ExportKind.CUTOUT_RAW):
            return (".png", ".tif", ".tiff", ".psd")
        return (".png",)

    @property
    def file_filter(self) -> str:
        """Filters for a save dialog, the default first."""
        if self is ExportKind.COMPOSITE:
            return f"{PNG_FILTER};;{JPEG_FILTER}"
        if ".psd" in self.extensions:
            return f"{PNG_FILTER};;{TIFF_FILTER};;{PSD_FILTER}"
        return PNG_FILTER


PNG_FILTER = "PNG images (*.png)"
JPEG_FILTER = "JPEG images (*.jpg *.jpeg)"
TIFF_FILTER = "TIFF images with alpha (*.tif *.tiff)"
PSD_FILTER = "Photoshop layers (*.psd)"
_FILTER_EXTENSION = {JPEG_FILTER: ".jpg", TIFF_FILTER: ".tif", PSD_FILTER: ".psd"}
# Extensions taken as the user's choice of format even where not writable (the export
# then says so); any other ending, as in "portrait.v2", is part of the name.
IMAGE_EXTENSIONS = frozenset((".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp",
                              ".gif", ".tga", ".exr", ".psd", ".heic", ".avif", ".jxl"))


def with_extension(path: Path, kind: ExportKind, file_filter: str | None = None) -> Path:
    """``path`` with the extension for ``kind`` added when it has none (or an ending
    that is no image extension); ``file_filter`` (a save dialog's chosen filter)
    picks JPEG for a composite, TIFF or PSD for a cutout)."""
    if path.suffix.lower() in IMAGE_EXTENSIONS or not path.name:
        return path
    ext = _FILTER_EXTENSION.get(file_filter or "", kind.extensions[0])
    if ext not in kind.extensions:
        ext = kind.extensions[0]
    return path.with_name(path.name + ext)


@dataclass(frozen=True)
class ExportOptions:
    kind: ExportKind
    path: Path
    bits: int = 8


def export_pixels(document: Document, compositor: Compositor, view: ViewSettings,
                  kind: ExportKind) -> np.ndarray:
    """The array to write for ``kind`` (float in [0, 1], or uint8 for the trimap).

    The alpha is the document's matte, the very array the screen shows (the
    engine's alpha with the edge adjustments), at full resolution.  Raises ExportError when there is no matte yet, or (for the
    cutout) no estimated foreground colours.
    """
    if kind is ExportKind.TRIMAP:
        return document.trimap
    if document.alpha is None:
        raise ExportError("there is no matte to export yet: paint some foreground (F) "
                          "and background (B) and wait for the matte")
    matte = document.matte()       # with the edge adjustments
    if kind is ExportKind.ALPHA:
        return matte.alpha
    if kind is ExportKind.CUTOUT_RAW:
        return compositing.cutout_rgba(document.image, matte.alpha)
    if kind is ExportKind.CUTOUT:
        if matte.colors is None:  # the solver thread estimates them, never the UI
            raise ExportError("the foreground colours are not estimated yet; update the matte "
                              "(Ctrl+R), or export the cutout with the photo's own colours")
        return compositing.cutout_rgba(matte.colors, matte.alpha)
    return compositor.export_view(view)


def default_export_path(document: Document, kind: ExportKind, folder: Path | None = None) -> Path:
    stem = document.path.stem if document.path else "untitled"
    folder = folder or (document.path.parent if document.path else Path.home())
    return folder / f"{stem}_{kind.suffix}.png"


class ExportDialog(QDialog):
    def __init__(self, document: Document, folder: Path | None = None,
                 parent: QWidget | None = None, *, kind: ExportKind = ExportKind.CUTOUT,
                 bits: int = 8) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self._document = document
        self._folder = folder
        self._path_edited = False
        self._filter: str | None = None       # the browse dialog's chosen filter
        self._confirmed: Path | None = None   # a path the user already agreed to replace
        layout = QVBoxLayout(self)
        self._group = QButtonGroup(self)
        self._buttons: dict[ExportKind, QRadioButton] = {}
        for k in ExportKind:
            b = QRadioButton(k.title)
            self._group.addButton(b)
            self._buttons[k] = b
            layout.addWidget(b)
            b.toggled.connect(self._kind_changed)
        form = QFormLayout()
        self.bits = QComboBox()
        self.bits.addItem("8 bits per channel", 8)
        self.bits.addItem("16 bits per channel", 16)
        form.addRow("Depth", self.bits)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.textEdited.connect(self._edited)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("File", row)
        layout.addLayout(form)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                               | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.bits.setCurrentIndex(max(0, self.bits.findData(bits)))
        self._buttons[kind].setChecked(True)
        self.path_edit.setFocus()
        self.resize(520, self.sizeHint().height())

    def kind(self) -> ExportKind:
        return next(k for k, b in self._buttons.items() if b.isChecked())

    def options(self) -> ExportOptions:
        """What to export; a path typed without an extension gets the kind's."""
        kind = self.kind()
        path = with_extension(Path(self.path_edit.text().strip()).expanduser(), kind,
                              self._filter)
        return ExportOptions(kind, path, int(self.bits.currentData()))

    def accept(self) -> None:
        """Close with Save, after asking before replacing an existing file."""
        options = self.options()
        if not options.path.name:
            self.path_edit.setFocus()
            return
        self.path_edit.setText(str(options.path))
        if options.path.exists() and options.path != self._confirmed:
            answer = QMessageBox.question(
                self, "Replace the file?",
                f"{options.path.name} already exists in {options.path.parent}.\n\n"
                "Replace it with this export?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                self.path_edit.setFocus()
                self.path_edit.selectAll()
                return
        self._confirmed = options.path
        super().accept()

    def _edited(self) -> None:
        self._path_edited = True
        self._filter = None
        self._confirmed = None

    def _kind_changed(self) -> None:
        if not self._path_edited:
            self.path_edit.setText(str(default_export_path(self._document, self.kind(),
                                                           self._folder)))
        self.bits.setEnabled(self.kind() is not ExportKind.TRIMAP)

    def _browse(self) -> None:
        path, chosen_filter = QFileDialog.getSaveFileName(self, "Export to",
                                                          self.path_edit.text(),
                                                          self.kind().file_filter)
        if path:
            self._filter = chosen_filter or None
            full = with_extension(Path(path), self.kind(), self._filter)
            # The file dialog asked before replacing ``path``; not if the extension was added.
            self._confirmed = full if full == Path(path) else None
            self.path_edit.setText(str(full))
            self._path_edited = True
