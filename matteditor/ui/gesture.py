"""The quick-select drag: a box or a lasso drawn on the canvas, turned into image pixels."""

from __future__ import annotations

import math
from typing import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

SNAP_PX = 6    # box edges this close (screen px) to the photo's edge snap to it
MIN_SIDE = 3   # image pixels; smaller boxes are clicks, ignored

Rect = tuple[int, int, int, int]   # x, y, width, height
Points = list[tuple[float, float]]


class SelectionGesture:
    """A quick-select drag in progress, in widget coordinates."""

    def __init__(self, start: QPointF, lasso: bool) -> None:
        self.lasso = lasso
        self.points = [QPointF(start)]

    def add(self, pos: QPointF) -> None:
        if pos == self.points[-1]:
            return  # the release repeats the last move
        if self.lasso or len(self.points) < 2:
            self.points.append(QPointF(pos))
        else:
            self.points[-1] = QPointF(pos)  # a box needs only its two corners

    def paint(self, p: QPainter) -> None:
        """Marching-ants outline: dark dashes under light ones, visible on any photo."""
        path = QPainterPath()
        if self.lasso:
            path.addPolygon(QPolygonF(self.points))
            path.closeSubpath()
        else:
            path.addRect(QRectF(self.points[0], self.points[-1]).normalized())
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(0, 0, 0, 220), 1.5))
        p.drawPath(path)
        p.setPen(QPen(QColor(255, 255, 255, 240), 1.5, Qt.PenStyle.DashLine))
        p.drawPath(path)

    def result(self, to_image: Callable[[QPointF], tuple[float, float]],
               size: tuple[int, int], scale: float) -> tuple[Rect | None, Points | None] | None:
        """(box, None) or (None, lasso points) in image pixels; None for a click.

        ``size`` is the photo's (width, height), ``scale`` widget pixels per image pixel.
        """
        pts = [to_image(q) for q in self.points]
        xs, ys = [x for x, _ in pts], [y for _, y in pts]
        w, h = size
        snap = SNAP_PX / scale  # a box dragged to the photo's edge reaches it
        x0 = 0 if min(xs) < snap else math.floor(min(xs))
        y0 = 0 if min(ys) < snap else math.floor(min(ys))
        x1 = w if max(xs) > w - snap else math.ceil(max(xs))
        y1 = h if max(ys) > h - snap else math.ceil(max(ys))
        if x1 - x0 < MIN_SIDE or y1 - y0 < MIN_SIDE:  # a click, or a box outside the photo
            return None
        if self.lasso and len(pts) >= 3:
            return None, pts
        return (x0, y0, x1 - x0, y1 - y0), None
