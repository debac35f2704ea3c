"""The painting canvas: brush cursor, loupe, strokes and fills (pen pressure too).

A :class:`~matteditor.ui.viewport.Viewport` (zoom, pan, fit); it
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

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (QColor, QCursor, QMouseEvent, QPainter, QPen, QTabletEvent,
                           QWheelEvent)
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QLineEdit, QPlainTextEdit,
                               QTextEdit, QWidget)

from ..document import Document
from ..geometry import Rect
from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN
from .gesture import SelectionGesture, StrokeGesture
from .loupe import LOUPE_SIZE, paint_brush_ring, paint_loupe
from .render import ViewRenderer
from .viewport import Viewport
from ..tools import MAX_BRUSH, MIN_BRUSH, Tool, fill_edit
from ..views import ViewMode

log = logging.getLogger(__name__)

WHEEL_ZOOM = 1.0015      # per 1/8 degree of wheel rotation: 120 units = x1.2
BACKDROP = QColor(38, 38, 40)
_TEXT_INPUTS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)


class Canvas(Viewport):
    edit_ready = Signal(object)          # TrimapEdit to apply (a fill)
    stroke_finished = Signal(object)     # TrimapEdit the document already applied and recorded
    brush_size_changed = Signal(int)
    background_moved = Signal(int, int)  # image pixels (cutout-on-image view, Alt+drag)
    background_zoomed = Signal(float)    # factor (Alt+wheel)
    # Quick select gesture, image pixels: (x, y, w, h) and None, or None and lasso points.
    selection_made = Signal(object, object)
    # A quick-select click, image pixels: x, y, and whether Shift made it negative.
    select_click = Signal(float, float, bool)

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
        self.hardness = 1.0            # the brush's sure share (matteditor.brush), 0..1
        self.loupe = False             # a magnified view beside the pointer (L)
        self._mouse: QPointF | None = None
        self._space = False
        self._pan_from: QPointF | None = None
        self._bg_from: QPointF | None = None
        self._stroke: StrokeGesture | None = None
        self._select: SelectionGesture | None = None
        self._select_negative = False   # the quick-select click in progress had Shift
        self.lasso_mode = False        # quick select draws a lasso (Alt flips it per drag)

    # -- document -----------------------------------------------------------
    @property
    def document(self) -> Document | None:
        return self.renderer.document if self.renderer else None

    def image_size(self) -> tuple[int, int] | None:
        doc = self.document
        return doc.size if doc is not None else None

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

    # -- brush --------------------------------------------------------------------
    def set_brush_size(self, size: int) -> None:
        size = int(min(MAX_BRUSH, max(MIN_BRUSH, size)))
        if size != self.brush_size:
            self.brush_size = size
            self.brush_size_changed.emit(size)
            self.update()

    def set_hardness(self, percent: int) -> None:
        """Brush hardness in percent (100: every pixel under the brush gets its label)."""
        self.hardness = min(100, max(0, int(percent))) / 100
        self.update()

    def set_loupe(self, on: bool) -> None:
        self.loupe = on
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
        if renderer is not None and renderer.shown.mode is ViewMode.SPLIT:
            w, h = renderer.document.size
            x = self.offset.x() + renderer.settings.split * w * self.scale
            p.setPen(QPen(QColor(255, 255, 255, 200), 1.5))
            p.drawLine(QPointF(x, self.offset.y()), QPointF(x, self.offset.y() + h * self.scale))
        st = self._stroke
        if st is not None and renderer is not None and not renderer.draws_trimap:
            st.paint(p, self.transform())
        if self._select is not None:
            self._select.paint(p)
        if self._mouse is not None and self.tool.is_brush and not self._space \
                and self._pan_from is None and self.document is not None:
            r = max(1.0, self.brush_size * self.scale / 2)
            soft = self.tool in (Tool.FOREGROUND, Tool.BACKGROUND)  # hardness changes these
            paint_brush_ring(p, self._mouse, r, self.hardness if soft else 1.0,
                             dashed=self.tool is Tool.EDGE)
        if self.loupe and self._mouse is not None and renderer is not None:
            radius = self.brush_size / 2 if self.tool.is_brush else 0.0
            paint_loupe(p, renderer.buffer.levels[0], self.widget_to_image(self._mouse),
                        self._mouse, (self.width(), self.height()), self.scale, radius)

    def _cursor_rect(self, pos: QPointF | None) -> QRect:
        if pos is None:
            return QRect()
        r = self.brush_size * self.scale / 2 + 4
        if self.loupe:   # the loupe sits up to its size and gap away from the pointer
            r = max(r, 2 * LOUPE_SIZE)
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

    def tabletEvent(self, event: QTabletEvent) -> None:
        """A pen paints with its pressure scaling the brush (matteditor.brush); what
        else it does (pan, fill, quick select, Alt+drag) comes as Qt's mouse events."""
        kind, pos = event.type(), event.position()
        plain = not (self._space or self._pan_from is not None or self.document is None
                     or event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if kind == QEvent.Type.TabletPress and plain and self.tool.is_brush \
                and event.button() == Qt.MouseButton.LeftButton:
            self._begin_stroke(pos, event.pressure())
        elif kind == QEvent.Type.TabletMove and self._stroke is not None:
            self._continue_stroke(pos, event.pressure())
        elif kind == QEvent.Type.TabletRelease and self._stroke is not None:
            self.finish_stroke()   # (a pen lifting presses 0: nothing more to paint)
        else:
            event.ignore()
            return
        self._move_cursor(pos)
        event.accept()

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
            self._select_negative = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
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
    def _begin_stroke(self, pos: QPointF, pressure: float = 1.0) -> None:
        doc = self.document
        if doc is None:
            return
        value = self.tool.label(doc.default_label, self.fill_label)
        label = {FOREGROUND: "Foreground stroke", BACKGROUND: "Background stroke"}.get(
            value, "Edge stroke" if self.tool is Tool.EDGE else "Unknown stroke")
        soft = self.tool in (Tool.FOREGROUND, Tool.BACKGROUND)
        doc.begin_stroke(value, self.brush_size / 2, label, self.hardness if soft else 1.0)
        self._stroke = StrokeGesture(value, self.brush_size / 2)
        self._continue_stroke(pos, pressure)

    def _continue_stroke(self, pos: QPointF, pressure: float = 1.0) -> None:
        st, doc = self._stroke, self.document
        if st is None or doc is None:
            return
        if not doc.stroke_active:      # ended under us (undo, a new photo)
            self._stroke = None
            return
        point = self.widget_to_image(pos)
        st.add(point)
        dirty = doc.extend_stroke(point, pressure)
        if dirty is not None and (self.renderer is None or not self.renderer.draws_trimap):
            # views without the trimap's colours draw the stroke's path on top
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
            x, y = self.widget_to_image(sel.points[0])
            w, h = doc.size
            p0 = sel.points[0]
            click = all(abs(q.x() - p0.x()) + abs(q.y() - p0.y()) <= 4 for q in sel.points)
            if click and 0 <= x < w and 0 <= y < h:
                self.select_click.emit(float(x), float(y), self._select_negative)
            else:
                log.debug("quick select gesture too small, ignored")
            return
        self.selection_made.emit(*result)

    def _fill(self, pos: QPointF) -> None:
        doc = self.document
        if doc is None:
            return
        edit = fill_edit(doc.trimap, self.widget_to_image(pos), self.fill_label)
        if edit is not None:
            self.edit_ready.emit(edit)
