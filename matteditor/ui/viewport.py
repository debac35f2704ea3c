"""The canvas's image-to-widget mapping: zoom, pan and fit (a scale and an offset).

:class:`Viewport` is the canvas's base: it knows the picture only by its size
(:meth:`image_size`), so the canvas keeps to painting and input.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QWidget

from ..geometry import Rect

log = logging.getLogger("matteditor.ui.canvas")   # the smoke scripts read its "canvas fit" line

MIN_SCALE = 1 / 64
MAX_SCALE = 64.0


class Viewport(QWidget):
    """A widget showing an image at ``scale`` widget pixels per image pixel, image
    pixel (0, 0) at widget point ``offset``."""

    view_changed = Signal()              # zoom or pan changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = 1.0
        self.offset = QPointF(0, 0)    # widget position of image pixel (0, 0)
        self._fit_on_resize = True

    def image_size(self) -> tuple[int, int] | None:
        """(width, height) of the picture shown, None when there is none."""
        return None

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
        size = self.image_size()
        if size is None:
            return
        w, h = size
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
