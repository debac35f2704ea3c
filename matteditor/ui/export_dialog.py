"""Export (Ctrl+E): the dialog that asks what to write, in how many bits, where.

What each kind holds, its formats and the writing are Qt-free
(:mod:`matteditor.export`); the export thread is :mod:`.exporter`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLineEdit, QMessageBox, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from ..document import Document
from ..errors import MatteError
from ..export import (FORMATS, ExportKind, ExportOptions, check_not_an_input, depth_for,
                      export_pixels, format_of, formats_for)

log = logging.getLogger(__name__)


__all__ = ["ExportDialog", "ExportKind", "ExportOptions", "FORMATS", "depth_for",
           "export_pixels", "file_filter", "format_of", "formats_for", "with_extension"]

PNG_FILTER = "PNG images (*.png)"
JPEG_FILTER = "JPEG images (*.jpg *.jpeg)"
TIFF_FILTER = "TIFF images with alpha (*.tif *.tiff)"
PSD_FILTER = "Photoshop layers (*.psd)"
_FILTER_EXTENSION = {JPEG_FILTER: ".jpg", TIFF_FILTER: ".tif", PSD_FILTER: ".psd"}
# Extensions taken as the user's choice of format even where not writable (the export
# then says so); any other ending, as in "portrait.v2", is part of the name.
IMAGE_EXTENSIONS = frozenset((".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp",
                              ".gif", ".tga", ".exr", ".psd", ".heic", ".avif", ".jxl"))


def file_filter(kind: ExportKind) -> str:
    """Filters for a save dialog of ``kind``, the default first."""
    if kind is ExportKind.COMPOSITE:
        return f"{PNG_FILTER};;{JPEG_FILTER}"
    if ".psd" in kind.extensions:
        return f"{PNG_FILTER};;{TIFF_FILTER};;{PSD_FILTER}"
    return PNG_FILTER


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


def default_export_path(document: Document, kind: ExportKind, folder: Path | None = None) -> Path:
    stem = document.path.stem if document.path else "untitled"
    folder = folder or (document.path.parent if document.path else Path.home())
    return folder / f"{stem}_{kind.suffix}.png"


class ExportDialog(QDialog):
    def __init__(self, document: Document, folder: Path | None = None,
                 parent: QWidget | None = None, *, kind: ExportKind = ExportKind.CUTOUT,
                 bits: int = 8, fmt: str = ".png", project: Path | None = None) -> None:
        super().__init__(parent)
        self._project = project              # the open project's file: never exported over
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
        try:   # the photo being edited, or its project: refused, not offered to replace
            check_not_an_input(options.path, self._document.path, self._project)
        except MatteError as e:
            QMessageBox.warning(self, "Cannot export there", str(e))
            self.path_edit.setFocus()
            self.path_edit.selectAll()
            return
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
                                                          file_filter(self.kind()))
        if path:
            self._filter = chosen_filter or None
            full = with_extension(Path(path), self.kind(), self._filter)
            # The file dialog asked before replacing ``path``; not if the extension was added.
            self._confirmed = full if full == Path(path) else None
            self.path_edit.setText(str(full))
            self._path_edited = True
