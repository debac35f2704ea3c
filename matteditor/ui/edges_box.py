"""The side panel's Edges group: global, non-destructive edge controls of the matte.

Like Photoshop's Select and Mask (Smooth, Feather, Contrast, Shift Edge,
Decontaminate) and GIMP's remove-holes: each change is one
:class:`~matteditor.edges.EdgeAdjustments` value handed to the window, which
makes it an undo step; the document keeps the engine's alpha and applies the
adjustments in every view and export (:meth:`matteditor.document.Document.matte`).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QDoubleSpinBox, QFormLayout,
                               QGroupBox, QPushButton, QSpinBox, QWidget)

from ..edges import MAX_FEATHER, MAX_SMOOTH, EdgeAdjustments


def _spin(lo: int, hi: int, suffix: str, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setSuffix(suffix)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)   # typing "25" is one change, not "2" then "25"
    box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
    return box


class EdgesBox(QGroupBox):
    """Spin boxes for the edge controls; emits ``changed(EdgeAdjustments)``."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Edges", parent)
        form = QFormLayout(self)
        self.smooth = _spin(0, MAX_SMOOTH, " px", "Round off bumps and notches of the outline")
        self.feather = QDoubleSpinBox()
        self.feather.setRange(0.0, MAX_FEATHER)
        self.feather.setSingleStep(0.5)
        self.feather.setSuffix(" px")
        self.feather.setKeyboardTracking(False)
        self.feather.setToolTip("Soften the whole edge (Gaussian blur of the matte)")
        self.contrast = _spin(0, 100, " %", "Harden soft edges (100%: a hard threshold)")
        self.shift = _spin(-100, 100, " %", "Move the edge outward (+, spread) or inward "
                                            "(-, choke)")
        self.fill_holes = QCheckBox("Fill holes")
        self.fill_holes.setToolTip("Make enclosed holes in the subject opaque")
        self.islands = _spin(0, 10_000_000, " px", "Remove detached specks smaller than this "
                                                   "(0: keep all)")
        self.decontaminate = _spin(0, 100, " %", "How much of the estimated foreground colour "
                                                 "replaces the photo's fringe colour in cutouts")
        self.decontaminate.setValue(100)
        form.addRow("Smooth", self.smooth)
        form.addRow("Feather", self.feather)
        form.addRow("Contrast", self.contrast)
        form.addRow("Shift edge", self.shift)
        form.addRow(self.fill_holes)
        form.addRow("Remove islands under", self.islands)
        form.addRow("Decontaminate", self.decontaminate)
        reset = QPushButton("Reset edges")
        reset.clicked.connect(lambda: self._emit(EdgeAdjustments()))
        form.addRow(reset)
        for box in (self.smooth, self.feather, self.contrast, self.shift, self.islands,
                    self.decontaminate):
            box.valueChanged.connect(lambda _value: self._emit(self.adjustments()))
        self.fill_holes.toggled.connect(lambda _on: self._emit(self.adjustments()))

    def adjustments(self) -> EdgeAdjustments:
        return EdgeAdjustments(smooth=self.smooth.value(), feather=self.feather.value(),
                               contrast=float(self.contrast.value()),
                               shift_edge=float(self.shift.value()),
                               fill_holes=self.fill_holes.isChecked(),
                               remove_islands=self.islands.value(),
                               decontamination=self.decontaminate.value() / 100)

    def set_adjustments(self, adj: EdgeAdjustments) -> None:
        """Show ``adj`` without emitting ``changed`` (undo, another document)."""
        widgets = (self.smooth, self.feather, self.contrast, self.shift, self.fill_holes,
                   self.islands, self.decontaminate)
        for w in widgets:
            w.blockSignals(True)
        self.smooth.setValue(adj.smooth)
        self.feather.setValue(adj.feather)
        self.contrast.setValue(round(adj.contrast))
        self.shift.setValue(round(adj.shift_edge))
        self.fill_holes.setChecked(bool(adj.fill_holes))
        self.islands.setValue(adj.remove_islands)
        self.decontaminate.setValue(round(adj.decontamination * 100))
        for w in widgets:
            w.blockSignals(False)

    def _emit(self, adj: EdgeAdjustments) -> None:
        self.changed.emit(adj)
