"""The side panel: tools, brush size and hardness, trimap, engine, and in tabs the
quick-select, edge and view controls (the view itself is picked in the toolbar).

Everything fits a 1280 x 820 window without scrolling: the groups used on every
photo (tools, trimap, engine) are always shown; the three groups set once per photo
share one tab widget, Quick select first (its "Refine as I paint" is used most).
The view box (:attr:`SidePanel.view_combo`) is handed to the toolbar by the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox,
                               QTabWidget, QToolButton, QVBoxLayout, QWidget)

from ..engines.menu import engine_choices
from ..quickselect import QuickSelectSettings
from ..tools import MAX_BRUSH, MAX_HARDNESS, MIN_BRUSH, MIN_HARDNESS
from ..views import ViewMode, ViewSettings
from .edges_box import EdgesBox


def _slider(lo: int, hi: int, value: int) -> QSlider:
    s = QSlider(Qt.Orientation.Horizontal)
    s.setRange(lo, hi)
    s.setValue(value)
    return s


def _button(action: QAction) -> QPushButton:
    """A push button that triggers ``action`` (its icon, text and tooltip)."""
    b = QPushButton(action.icon(), action.text().replace("&", ""))
    b.setToolTip(action.toolTip())
    b.clicked.connect(action.trigger)
    return b


class SidePanel(QWidget):
    brush_size_changed = Signal(int)
    hardness_changed = Signal(int)       # percent
    engine_changed = Signal(str)
    auto_changed = Signal(bool)
    solve_requested = Signal()
    view_changed = Signal(object)        # ViewSettings
    background_image_requested = Signal()
    lasso_changed = Signal(bool)         # quick select draws a lasso instead of a box

    def __init__(self, tool_actions: list[QAction], trimap_actions: list[QAction],
                 select_actions: list[QAction] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(250)
        self._offset = (0, 0)
        self._color = (1.0, 1.0, 1.0)
        self._bg_zoom = 1.0   # background scale before rounding to the slider's percent
        layout = QVBoxLayout(self)
        layout.addWidget(self._tools_box(tool_actions))
        # the trimap's own commands next to the brushes: visible without scrolling
        self.trimap_box = self._trimap_box(trimap_actions)
        layout.addWidget(self.trimap_box)
        layout.addWidget(self._engine_box())
        self.edges = EdgesBox()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for name, box in (("Quick select", self._select_box(select_actions or [])),
                          ("Edges", self.edges), ("View", self._view_box())):
            box.setTitle("")
            box.setFlat(True)
            self.tabs.addTab(box, name)
        layout.addWidget(self.tabs)
        layout.addStretch(1)

    # -- groups ------------------------------------------------------------------
    def _tools_box(self, actions: list[QAction]) -> QGroupBox:
        box = QGroupBox("Tool")
        grid = QGridLayout(box)
        columns = 4
        for i, action in enumerate(actions):
            b = QToolButton()
            b.setDefaultAction(action)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            b.setAutoRaise(True)
            grid.addWidget(b, i // columns, i % columns)
        size_row = (len(actions) + columns - 1) // columns
        self.brush_slider = _slider(MIN_BRUSH, 400, 24)
        self.brush_spin = QSpinBox()
        self.brush_spin.setRange(MIN_BRUSH, MAX_BRUSH)
        self.brush_spin.setSuffix(" px")
        self.brush_spin.setValue(24)
        self.brush_slider.valueChanged.connect(self.brush_spin.setValue)
        self.brush_spin.valueChanged.connect(self._brush_from_spin)
        self.hardness_slider = _slider(MIN_HARDNESS, MAX_HARDNESS, MAX_HARDNESS)
        self.hardness_spin = QSpinBox()
        self.hardness_spin.setRange(MIN_HARDNESS, MAX_HARDNESS)
        self.hardness_spin.setSuffix(" %")
        self.hardness_spin.setValue(MAX_HARDNESS)
        tip = ("Foreground and background brushes: the share of the brush that gets its "
               "label; the soft rim around it becomes unknown, so the matte finds the edge")
        for w in (self.hardness_slider, self.hardness_spin):
            w.setToolTip(tip)
        self.hardness_slider.valueChanged.connect(self.hardness_spin.setValue)
        self.hardness_spin.valueChanged.connect(self.hardness_slider.setValue)
        self.hardness_spin.valueChanged.connect(self.hardness_changed)
        sizes = QGridLayout()
        for r, (name, slider, spin) in enumerate((("Size", self.brush_slider, self.brush_spin),
                                                  ("Hardness", self.hardness_slider,
                                                   self.hardness_spin))):
            sizes.addWidget(QLabel(name), r, 0)
            sizes.addWidget(slider, r, 1)
            sizes.addWidget(spin, r, 2)
        grid.addLayout(sizes, size_row, 0, 1, columns)
        return box

    def _select_box(self, actions: list[QAction]) -> QGroupBox:
        box = QGroupBox("Quick select")
        form = QFormLayout(box)
        self.band_slider = _slider(1, 100, QuickSelectSettings.band)
        self.band_slider.setToolTip("Half-width of the unknown band that quick select and "
                                    "Trimap from mask put around the edge")
        self.band_spin = QSpinBox()
        self.band_spin.setRange(1, 100)
        self.band_spin.setSuffix(" px")
        self.band_spin.setValue(QuickSelectSettings.band)
        self.band_slider.valueChanged.connect(self.band_spin.setValue)
        self.band_spin.valueChanged.connect(self.band_slider.setValue)
        row = QHBoxLayout()
        row.addWidget(self.band_slider, 1)
        row.addWidget(self.band_spin)
        form.addRow("Band", row)
        self.adaptive_check = QCheckBox("Wider band on detailed edges")
        self.adaptive_check.setToolTip("Up to twice the band where the photo is busy near "
                                       "the edge (hair, fur)")
        self.adaptive_check.setChecked(QuickSelectSettings.adaptive_band)
        form.addRow(self.adaptive_check)
        self.lasso_check = QCheckBox("Lasso instead of a box (Alt flips)")
        self.lasso_check.toggled.connect(self.lasso_changed)
        form.addRow(self.lasso_check)
        self.auto_refine_check = QCheckBox("Refine as I paint F/B strokes")
        self.auto_refine_check.setToolTip("After a quick select, each foreground or background "
                                          "stroke runs GrabCut again with it as a seed")
        self.auto_refine_check.setChecked(True)
        form.addRow(self.auto_refine_check)
        for action in actions:
            form.addRow(_button(action))
        return box

    def _engine_box(self) -> QGroupBox:
        box = QGroupBox("Matting engine")
        form = QFormLayout(box)
        self.engine_combo = QComboBox()
        # long entries (with a caveat) show in the popup; they must not widen the panel
        self.engine_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.engine_combo.setMinimumContentsLength(18)
        self.refresh_engines()
        self.engine_combo.currentIndexChanged.connect(
            lambda i: self.engine_changed.emit(self.engine_combo.itemData(i)))
        form.addRow("Engine", self.engine_combo)
        self.auto_check = QCheckBox("Update live")
        self.auto_check.setToolTip("Solve the matte again after every change")
        self.auto_check.setChecked(True)
        self.auto_check.toggled.connect(self.auto_changed)
        solve = QPushButton("Update now")
        solve.setToolTip("Solve the matte now (Ctrl+R)")
        solve.clicked.connect(self.solve_requested)
        row = QHBoxLayout()
        row.addWidget(self.auto_check, 1)
        row.addWidget(solve)
        form.addRow(row)
        return box

    def _view_box(self) -> QGroupBox:
        box = QGroupBox("View")
        form = QFormLayout(box)
        self.view_combo = QComboBox()   # shown in the toolbar (main window)
        self.view_combo.setToolTip("What the canvas shows (keys 1-7)")
        for mode in ViewMode:
            self.view_combo.addItem(f"{mode.value}  {mode.title}", int(mode))
        self.opacity_slider = _slider(0, 100, 50)
        form.addRow("Trimap opacity", self.opacity_slider)
        self.tint_slider = _slider(0, 100, 60)
        form.addRow("Matte shading", self.tint_slider)
        self.color_button = QPushButton("Colour…")
        self.color_button.setToolTip("Background colour of view 4")
        self.color_button.clicked.connect(self._pick_color)
        bg = QPushButton("Image…")
        bg.setToolTip("Background image of view 5 (Ctrl+Shift+B)")
        bg.clicked.connect(self.background_image_requested)
        row = QHBoxLayout()
        row.addWidget(self.color_button)
        row.addWidget(bg)
        form.addRow("Background", row)
        self.bg_scale_slider = _slider(10, 400, 100)
        self.bg_scale_slider.setToolTip("Alt+wheel on the canvas scales, Alt+drag moves it")
        form.addRow("Background scale", self.bg_scale_slider)
        reset = QPushButton("Reset background position")
        reset.setToolTip("Undo Alt+drag and Alt+wheel on view 5")
        reset.clicked.connect(self.reset_background)
        form.addRow(reset)
        self.split_slider = _slider(0, 100, 50)
        form.addRow("Before/after split", self.split_slider)
        for w in (self.opacity_slider, self.tint_slider, self.split_slider):
            w.sliderReleased.connect(self._emit_view)
            w.valueChanged.connect(self._slider_moved)
        self.bg_scale_slider.sliderReleased.connect(self._emit_view)
        self.bg_scale_slider.valueChanged.connect(self._slider_moved)
        self.view_combo.currentIndexChanged.connect(self._emit_view)
        return box

    def _trimap_box(self, actions: list[QAction]) -> QGroupBox:
        """Buttons for the trimap's actions, two to a row."""
        box = QGroupBox("Trimap")
        layout = QVBoxLayout(box)
        for i in range(0, len(actions), 2):
            row = QHBoxLayout()
            for action in actions[i:i + 2]:
                row.addWidget(_button(action))
            layout.addLayout(row)
        return box

    # -- state --------------------------------------------------------------------
    def _brush_from_spin(self, value: int) -> None:
        self.brush_slider.blockSignals(True)
        self.brush_slider.setValue(min(value, self.brush_slider.maximum()))
        self.brush_slider.blockSignals(False)
        self.brush_size_changed.emit(value)

    def set_brush_size(self, size: int) -> None:
        if self.brush_spin.value() != size:
            self.brush_spin.setValue(size)

    def quick_select_settings(self) -> QuickSelectSettings:
        return QuickSelectSettings(band=self.band_spin.value(),
                                   adaptive_band=self.adaptive_check.isChecked())

    def refresh_engines(self) -> None:
        """(Re)list the engines (:func:`~matteditor.engines.menu.engine_choices`: usable
        ones, then the networks to download), keeping the current choice."""
        current = self.engine_combo.currentData()
        self.engine_combo.blockSignals(True)
        self.engine_combo.clear()
        for choice in engine_choices():
            self.engine_combo.addItem(choice.text, choice.name)
            self.engine_combo.setItemData(self.engine_combo.count() - 1, choice.tooltip,
                                          Qt.ItemDataRole.ToolTipRole)
        i = self.engine_combo.findData(current)
        self.engine_combo.setCurrentIndex(max(i, 0))
        self.engine_combo.blockSignals(False)

    def set_engine(self, name: str) -> None:
        i = self.engine_combo.findData(name)
        if i >= 0:
            self.engine_combo.setCurrentIndex(i)

    @property
    def engine(self) -> str:
        return str(self.engine_combo.currentData())

    def _slider_moved(self) -> None:
        slider = self.sender()
        if isinstance(slider, QSlider) and not slider.isSliderDown():
            self._emit_view()  # keyboard or click: apply at once; drags apply on release

    def _pick_color(self) -> None:
        r, g, b = (round(c * 255) for c in self._color)
        c = QColorDialog.getColor(QColor(r, g, b), self, "Background colour")
        if c.isValid():
            self._color = (c.redF(), c.greenF(), c.blueF())
            if self.view_settings().mode not in (ViewMode.COLOR,):
                self.set_mode(ViewMode.COLOR)
            self._emit_view()

    def move_background(self, dx: int, dy: int) -> None:
        self._offset = (self._offset[0] + dx, self._offset[1] + dy)
        self._emit_view()

    def zoom_background(self, factor: float) -> None:
        # Keep the unrounded scale, so that many small wheel steps add up.
        slider = self.bg_scale_slider
        base = slider.value() / 100
        if round(self._bg_zoom * 100) == slider.value():
            base = self._bg_zoom
        self._bg_zoom = min(slider.maximum() / 100, max(slider.minimum() / 100, base * factor))
        slider.setValue(round(self._bg_zoom * 100))

    def reset_background(self) -> None:
        self._offset = (0, 0)
        self.bg_scale_slider.setValue(100)
        self._emit_view()

    def set_mode(self, mode: ViewMode) -> None:
        self.view_combo.setCurrentIndex(self.view_combo.findData(int(mode)))

    def view_settings(self) -> ViewSettings:
        return ViewSettings(
            mode=ViewMode(self.view_combo.currentData()),
            overlay_opacity=self.opacity_slider.value() / 100,
            alpha_tint=self.tint_slider.value() / 100,
            background_color=self._color,
            background_offset=self._offset,
            background_scale=self.bg_scale_slider.value() / 100,
            split=self.split_slider.value() / 100)

    def set_view_settings(self, s: ViewSettings) -> None:
        for w in (self.view_combo, self.opacity_slider, self.tint_slider, self.split_slider):
            w.blockSignals(True)
        self.view_combo.setCurrentIndex(self.view_combo.findData(int(s.mode)))
        self.opacity_slider.setValue(round(s.overlay_opacity * 100))
        self.tint_slider.setValue(round(s.alpha_tint * 100))
        self.split_slider.setValue(round(s.split * 100))
        self._color = s.background_color
        for w in (self.view_combo, self.opacity_slider, self.tint_slider, self.split_slider):
            w.blockSignals(False)
        self._emit_view()

    def _emit_view(self) -> None:
        self.view_changed.emit(self.view_settings())
