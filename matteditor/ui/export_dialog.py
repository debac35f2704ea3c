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


#: the formats of the Format box: canonical extension -> (name, can hold 16 bits)
FORMATS = {".png": ("PNG", True), ".tif": ("TIFF, RGBA with unassociated alpha", True),
           ".psd": ("Photoshop layers (PSD), 8 bits", False), ".jpg": ("JPEG, 8 bits", False)}
_CANONICAL = {".tiff": ".tif", ".jpeg": ".jpg"}


def format_of(path: Path) -> str:
    """The canonical extension of ``path``'s format (``.tif`` for ``.tiff``)."""
    suffix = path.suffix.lower()
    return _CANONICAL.get(suffix, suffix)


def formats_for(kind: ExportKind) -> list[str]:
    """The canonical extensions ``kind`` can be written as, the default first."""
    return [e for e in kind.extensions if e not in _CANONICAL]


def depth_for(path: Path, bits: int) -> int:
    """The depth a file at ``path`` is written with: ``bits`` where the format holds 16
    bits per channel, 8 where it holds only 8 (PSD layers, JPEG)."""
    return bits if FORMATS.get(format_of(path), ("", True))[1] else 8


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
                 bits: int = 8, fmt: str = ".png") -> None:
        super().__init__(parent)
        self._format = fmt                   # the format last chosen (kept across kinds)
        self._bits = bits                    # the depth chosen, for formats that hold it
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
        self.format = QComboBox()
        self.format.setToolTip("The file format; the file name's extension follows it")
        self.format.activated.connect(self._format_chosen)
        form.addRow("Format", self.format)
        self.bits = QComboBox()
        self.bits.addItem("8 bits per channel", 8)
        self.bits.addItem("16 bits per channel", 16)
        form.addRow("Depth", self.bits)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.textEdited.connect(self._edited)
        self.path_edit.textChanged.connect(self._path_changed)
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
        self.bits.activated.connect(lambda _i: setattr(self, "_bits", int(self.bits.currentData())))
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
        return ExportOptions(kind, path, depth_for(path, int(self.bits.currentData())))

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
        kind = self.kind()
        self.format.blockSignals(True)
        self.format.clear()
        for ext in formats_for(kind):
            self.format.addItem(FORMATS[ext][0], ext)
        self.format.blockSignals(False)
        if not self._path_edited:
            fmt = self._format if self._format in formats_for(kind) else formats_for(kind)[0]
            self.path_edit.setText(str(default_export_path(self._document, kind,
                                                           self._folder).with_suffix(fmt)))
        self._path_changed()

    def _format_chosen(self) -> None:
        """A format picked in the box: the file name's extension follows."""
        fmt = str(self.format.currentData())
        self._format = fmt
        path = Path(self.path_edit.text().strip())
        if path.name and format_of(path) != fmt:
            stem = path.with_suffix("") if path.suffix.lower() in IMAGE_EXTENSIONS else path
            self.path_edit.setText(str(stem.with_name(stem.name + fmt)))
            self._confirmed = None

    def _path_changed(self) -> None:
        """The box shows the typed extension's format, and the depth what it can hold."""
        fmt = format_of(Path(self.path_edit.text().strip()))
        i = self.format.findData(fmt)
        if i >= 0:
            self.format.setCurrentIndex(i)
        deep = FORMATS.get(fmt, ("", True))[1]
        trimap = self.kind() is ExportKind.TRIMAP
        self.bits.setEnabled(deep and not trimap)
        self.bits.setCurrentIndex(max(0, self.bits.findData(self._bits if deep and not trimap
                                                           else 8)))
        self.bits.setToolTip("" if deep or trimap else
                             f"{FORMATS[fmt][0].split(',')[0]} files hold 8 bits per channel; "
                             "choose PNG or TIFF for 16 bits")

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
