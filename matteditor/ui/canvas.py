"""The painting canvas: zoom, pan, brush cursor, strokes and fills.

A plain QWidget with its own image->widget transform (scale, offset); it
draws the view from the :class:`DisplayBuffer` level that suits the zoom.
It only dispatches input and draws: a brush stroke is painted by the document
(``begin_stroke`` / ``extend_stroke`` / ``end_stroke``), whose change events
reach the renderer and from it this widget; the finished stroke (one undo
step) goes to the window through :attr:`Canvas.stroke_finished`, a fill
through :attr:`Canvas.edit_ready`.
"""

from __future__ import annotations

import logging
import math

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (QColor, QCursor, QMouseEvent, QPainter, QPen,
                           QTransform, QWheelEvent)
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QLineEdit, QPlainTextEdit,
                               QTextEdit, QWidget)

from ..document import Document, TrimapEdit
from ..geometry import Rect
from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN, flood_fill
from .gesture import SelectionGesture, StrokeGesture
from .render import ViewRenderer
from ..tools import MAX_BRUSH, MIN_BRUSH, Tool
from ..views import ViewMode

log = logging.getLogger(__name__)

MIN_SCALE = 1 / 64
MAX_SCALE = 64.0
WHEEL_ZOOM = 1.0015      # per 1/8 degree of wheel rotation: 120 units = x1.2
BACKDROP = QColor(38, 38, 40)
_TEXT_INPUTS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)


class Canvas(QWidget):
    edit_ready = Signal(object)          # TrimapEdit to apply (a fill)
    stroke_finished = Signal(object)     # TrimapEdit the document already applied and recorded
    view_changed = Signal()              # zoom or pan changed
    brush_size_changed = Signal(int)
    background_moved = Signal(int, int)  # image pixels (cutout-on-image view, Alt+drag)
    background_zoomed = Signal(float)    # factor (Alt+wheel)
    # Quick select gesture, image pixels: (x, y, w, h) and None, or None and lasso points.
    selection_made = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(200, 150)
        self.renderer: ViewRenderer | None = None
        self.tool = Tool.FOREGROUND
        self.fill_label = FOREGROUND
        self.brush_size = 24           # diameter in image pixels
        self.scale = 1.0
        self.offset = QPointF(0, 0)    # widget position of image pixel (0, 0)
        self._mouse: QPointF | None = None
        self._space = False
        self._pan_from: QPointF | None = None
        self._bg_from: QPointF | None = None
        self._stroke: StrokeGesture | None = None
        self._select: SelectionGesture | None = None
        self.lasso_mode = False        # quick select draws a lasso (Alt flips it per drag)
        self._fit_on_resize = True

    # -- document -----------------------------------------------------------
    @property
    def document(self) -> Document | None:
        return self.renderer.document if self.renderer else None

    def set_renderer(self, renderer: ViewRenderer | None) -> None:
        if self.renderer is not None:
            self.renderer.changed.disconnect(self._on_region_changed)
        self.renderer = renderer
        self._stroke = None   # the old document's stroke is that document's business
        self._select = None
        if renderer is not None:
            renderer.changed.connect(self._on_region_changed)
            self.fit()
        self._update_cursor()  # the brush ring becomes the cursor once there is a photo
        self.update()

    def _on_region_changed(self, rect: Rect) -> None:
        r = self.image_rect_to_widget(rect).toAlignedRect().adjusted(-2, -2, 2, 2)
        self.update(r)

    # -- geometry ---------------------------------------------------------------
    def transform(self) -> QTransform:
        return QTransform(self.scale, 0, 0, self.scale, self.offset.x(), self.offset.y())

    def widget_to_image(self, p: QPointF) -> tuple[float, float]:
        return ((p.x() - self.offset.x()) / self.scale, (p.y() - self.offset.y()) / self.scale)

    def image_rect_to_widget(self, r: Rect) -> QRectF:
        return QRectF(self.offset.x() + r.x0 * self.scale, self.offset.y() + r.y0 * self.scale,
                      r.width * self.scale, r.height * self.scale)

    def zoom_to(self, scale: float, anchor: QPointF | None = None) -> None:
        """Set the zoom, keeping the image point under ``anchor`` (default: centre) still."""
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        ix, iy = self.widget_to_image(anchor)
        self.scale = scale
        self.offset = QPointF(anchor.x() - ix * scale, anchor.y() - iy * scale)
        self._fit_on_resize = False
        self.update()
        self.view_changed.emit()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.zoom_to(self.scale * factor, anchor)

    def fit(self) -> None:
        """Whole image in view, centred."""
        doc = self.document
        if doc is None:
            return
        w, h = doc.size
        s = min((self.width() - 16) / w, (self.height() - 16) / h)
        self.scale = min(MAX_SCALE, max(MIN_SCALE, s))
        self.offset = QPointF((self.width() - w * self.scale) / 2,
                              (self.height() - h * self.scale) / 2)
        self._fit_on_resize = True
        self.update()
        self.view_changed.emit()
        origin = self.mapToGlobal(self.offset.toPoint())
        log.debug("canvas fit: image (0, 0) at screen (%d, %d), scale %.6f",
                  origin.x(), origin.y(), self.scale)

    def actual_size(self) -> None:
        self.zoom_to(1.0)

    def pan_by(self, dx: float, dy: float) -> None:
        self.offset += QPointF(dx, dy)
        self._fit_on_resize = False
        self.update()
        self.view_changed.emit()

    def resizeEvent(self, event) -> None:
        if self._fit_on_resize:
            self.fit()
        super().resizeEvent(event)

    # -- brush --------------------------------------------------------------------
    def set_brush_size(self, size: int) -> None:
        size = int(min(MAX_BRUSH, max(MIN_BRUSH, size)))
        if size != self.brush_size:
            self.brush_size = size
            self.brush_size_changed.emit(size)
            self.update()

    def set_lasso_mode(self, lasso: bool) -> None:
        """Quick select draws a lasso (True) or a box; Alt flips it for one drag."""
        self.lasso_mode = lasso

    def set_tool(self, tool: Tool) -> None:
        self.tool = tool
        self._select = None
        if tool in (Tool.FOREGROUND, Tool.BACKGROUND, Tool.UNKNOWN):
            self.fill_label = tool.label(UNKNOWN, UNKNOWN)
        self._update_cursor()
        self.update()

    def _update_cursor(self) -> None:
        if self._pan_from is not None:
            shape = Qt.CursorShape.ClosedHandCursor
        elif self._space:
            shape = Qt.CursorShape.OpenHandCursor
        elif self.tool.is_brush and self.document is not None:
            shape = Qt.CursorShape.BlankCursor  # the brush outline is the cursor
        else:
            shape = Qt.CursorShape.CrossCursor
        self.setCursor(QCursor(shape))

    # -- painting the widget ---------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(event.rect(), BACKDROP)
        if self.renderer is None:
            p.setPen(QColor(150, 150, 150))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       "Open a photo (Ctrl+O) or drop one here")
            return
        buf = self.renderer.buffer
        k = buf.level_for(self.scale)
        image = buf.levels[k]
        f = float(1 << k)
        s = self.scale * f  # widget pixels per level pixel
        e = QRectF(event.rect())
        x0 = max(0.0, math.floor((e.left() - self.offset.x()) / s) - 1)
        y0 = max(0.0, math.floor((e.top() - self.offset.y()) / s) - 1)
        x1 = min(float(image.width()), math.ceil((e.right() - self.offset.x()) / s) + 1)
        y1 = min(float(image.height()), math.ceil((e.bottom() - self.offset.y()) / s) + 1)
        if x1 > x0 and y1 > y0:
            src = QRectF(x0, y0, x1 - x0, y1 - y0)
            dst = QRectF(self.offset.x() + x0 * s, self.offset.y() + y0 * s,
                         (x1 - x0) * s, (y1 - y0) * s)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, s < 2.0)
            p.drawImage(dst, image, src)
        self._paint_extras(p)

    def _paint_extras(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        renderer = self.renderer
        if renderer is not None and renderer.settings.mode is ViewMode.SPLIT:
            w, h = renderer.document.size
            x = self.offset.x() + renderer.settings.split * w * self.scale
            p.setPen(QPen(QColor(255, 255, 255, 200), 1.5))
            p.drawLine(QPointF(x, self.offset.y()), QPointF(x, self.offset.y() + h * self.scale))
        st = self._stroke
        if st is not None and renderer is not None and renderer.settings.mode is not ViewMode.OVERLAY:
            st.paint(p, self.transform())
        if self._select is not None:
            self._select.paint(p)
        if self._mouse is not None and self.tool.is_brush and not self._space \
                and self._pan_from is None and self.document is not None:
            r = max(1.0, self.brush_size * self.scale / 2)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(0, 0, 0, 200), 3))
            p.drawEllipse(self._mouse, r, r)
            if self.tool is Tool.EDGE:  # its own cursor: a dashed unknown-yellow ring
                p.setPen(QPen(QColor(240, 210, 70, 240), 1.6, Qt.PenStyle.DashLine))
            else:
                p.setPen(QPen(QColor(255, 255, 255, 230), 1.2))
            p.drawEllipse(self._mouse, r, r)

    def _cursor_rect(self, pos: QPointF | None) -> QRect:
        if pos is None:
            return QRect()
        r = self.brush_size * self.scale / 2 + 4
        return QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r).toAlignedRect()

    def _move_cursor(self, pos: QPointF | None) -> None:
        old = self._cursor_rect(self._mouse)
        self._mouse = pos
        self.update(old.united(self._cursor_rect(pos)))

    # -- input -------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self._update_cursor()
            self.update()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self._update_cursor()
            self.update()
            return
        super().keyReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        # With Alt held Qt turns the vertical wheel into a horizontal one (QTBUG-91556).
        steps = delta.x() if alt and delta.y() == 0 else delta.y()
        if steps == 0:
            return
        if alt:
            self.background_zoomed.emit(WHEEL_ZOOM ** steps)
        else:
            self.zoom_by(WHEEL_ZOOM ** steps, event.position())
        event.accept()

    def enterEvent(self, event) -> None:
        # Take the keyboard when the pointer comes over the canvas, as paint programs do:
        # Space then pans instead of pressing the panel button or check box clicked last.
        # Text and number fields keep it, so a value being typed is not cut short.
        focus = QApplication.focusWidget()
        if self.isActiveWindow() and not isinstance(focus, _TEXT_INPUTS):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:
        self._move_cursor(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton
                                                     and self._space):
            self._pan_from = pos
            self._update_cursor()
            return
        if button != Qt.MouseButton.LeftButton or self.document is None:
            return
        if (event.modifiers() & Qt.KeyboardModifier.AltModifier) and self.renderer is not None \
                and self.renderer.settings.mode is ViewMode.IMAGE:
            self._bg_from = pos
            return
        if self.tool is Tool.FILL:
            self._fill(pos)
        elif self.tool is Tool.QUICK_SELECT:
            alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            self._select = SelectionGesture(pos, lasso=self.lasso_mode != alt)
            self.update()
        else:
            self._begin_stroke(pos)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._pan_from is not None:
            d = pos - self._pan_from
            self._pan_from = pos
            self.pan_by(d.x(), d.y())
        elif self._stroke is not None:
            self._continue_stroke(pos)
        elif self._select is not None:
            self._select.add(pos)
            self.update()
        self._move_cursor(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton,
                                                             Qt.MouseButton.LeftButton):
            self._pan_from = None
            self._update_cursor()
        elif self._bg_from is not None and event.button() == Qt.MouseButton.LeftButton:
            d = (event.position() - self._bg_from) / self.scale
            self._bg_from = None
            self.background_moved.emit(round(d.x()), round(d.y()))
        elif self._stroke is not None and event.button() == Qt.MouseButton.LeftButton:
            self._continue_stroke(event.position())
            self.finish_stroke()
        elif self._select is not None and event.button() == Qt.MouseButton.LeftButton:
            self._select.add(event.position())
            self._end_selection()

    # -- strokes and fills ------------------------------------------------------------
    def _begin_stroke(self, pos: QPointF) -> None:
        doc = self.document
        if doc is None:
            return
        value = self.tool.label(doc.default_label, self.fill_label)
        label = {FOREGROUND: "Foreground stroke", BACKGROUND: "Background stroke"}.get(
            value, "Edge stroke" if self.tool is Tool.EDGE else "Unknown stroke")
        doc.begin_stroke(value, self.brush_size / 2, label)
        self._stroke = StrokeGesture(value, self.brush_size / 2)
        self._continue_stroke(pos)

    def _continue_stroke(self, pos: QPointF) -> None:
        st, doc = self._stroke, self.document
        if st is None or doc is None:
            return
        if not doc.stroke_active:      # ended under us (undo, a new photo)
            self._stroke = None
            return
        point = self.widget_to_image(pos)
        st.add(point)
        dirty = doc.extend_stroke(point)
        if dirty is not None and (self.renderer is None or
                                  self.renderer.settings.mode is not ViewMode.OVERLAY):
            # views other than the overlay draw the stroke's path on top
            self.update(self.image_rect_to_widget(dirty).toAlignedRect().adjusted(-2, -2, 2, 2))

    def finish_stroke(self) -> None:
        """End the stroke in progress, if any (release, or before undo)."""
        st, doc, self._stroke = self._stroke, self.document, None
        if st is None or doc is None:
            return
        self.update()
        edit = doc.end_stroke()
        if edit is not None:
            self.stroke_finished.emit(edit)

    def _end_selection(self) -> None:
        sel, doc, self._select = self._select, self.document, None
        self.update()
        if sel is None or doc is None:
            return
        result = sel.result(self.widget_to_image, doc.size, self.scale)
        if result is None:
            log.debug("quick select gesture too small, ignored")
            return
        self.selection_made.emit(*result)

    def _fill(self, pos: QPointF) -> None:
        doc = self.document
        if doc is None:
            return
        x, y = self.widget_to_image(pos)
        filled = flood_fill(doc.trimap, (math.floor(x), math.floor(y)), self.fill_label)
        edit = TrimapEdit.between(doc.trimap, filled, "Fill")
        if edit is not None:
            self.edit_ready.emit(edit)
