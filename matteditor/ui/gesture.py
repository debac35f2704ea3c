"""Gestures drawn on the canvas: the quick-select drag (a box or a lasso, turned
into image pixels) and the path of a brush stroke in progress."""

from __future__ import annotations

import math
from typing import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN

SNAP_PX = 6    # box edges this close (screen px) to the photo's edge snap to it
MIN_SIDE = 3   # image pixels; smaller boxes are clicks, ignored

STROKE_COLORS = {FOREGROUND: QColor(70, 220, 100, 150), BACKGROUND: QColor(240, 70, 70, 150),
                 UNKNOWN: QColor(230, 200, 60, 150)}

Rect = tuple[int, int, int, int]   # x, y, width, height (GrabCut's box)
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


class StrokeGesture:
    """The path of a brush stroke in progress, in image coordinates (the document
    paints the trimap; views other than the overlay show this path on top)."""

    def __init__(self, value: int, radius: float) -> None:
        self.value = value
        self.radius = radius
        self.path = QPainterPath()
        self._started = False

    def add(self, point: tuple[float, float]) -> None:
        if not self._started:
            self._started = True
            self.path.moveTo(*point)
            self.path.lineTo(point[0] + 0.01, point[1])
        else:
            self.path.lineTo(*point)

    def paint(self, p: QPainter, transform: QTransform) -> None:
        p.save()
        p.setTransform(transform)
        p.setPen(QPen(STROKE_COLORS[self.value], self.radius * 2, Qt.PenStyle.SolidLine,
                      Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        p.drawPath(self.path)
        p.restore()
