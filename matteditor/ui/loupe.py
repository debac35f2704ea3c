"""What the canvas draws at the pointer: the brush ring (with its hardness) and the
loupe, a magnified view of the pixels under the pointer (toggled with L)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

LOUPE_SIZE = 180      # widget pixels across
LOUPE_ZOOM = 4.0      # times the canvas zoom
LOUPE_MAX_SCALE = 32.0
LOUPE_GAP = 24        # widget pixels between the pointer and the loupe


def paint_brush_ring(p: QPainter, centre: QPointF, radius: float, hardness: float,
                     dashed: bool) -> None:
    """The brush outline at ``centre`` (widget pixels), ``radius`` widget pixels, and
    for a soft brush (``hardness`` < 1) a thin inner ring where its sure core ends."""
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor(0, 0, 0, 200), 3))
    p.drawEllipse(centre, radius, radius)
    if dashed:  # the edge brush: a dashed unknown-yellow ring
        p.setPen(QPen(QColor(240, 210, 70, 240), 1.6, Qt.PenStyle.DashLine))
    else:
        p.setPen(QPen(QColor(255, 255, 255, 230), 1.2))
    p.drawEllipse(centre, radius, radius)
    if hardness < 1.0 and radius * hardness >= 1.0:
        inner = radius * hardness
        p.setPen(QPen(QColor(0, 0, 0, 160), 2.2))
        p.drawEllipse(centre, inner, inner)
        p.setPen(QPen(QColor(255, 255, 255, 200), 1.0, Qt.PenStyle.DotLine))
        p.drawEllipse(centre, inner, inner)


def loupe_rect(pointer: QPointF, width: int, height: int) -> QRectF:
    """Where the loupe goes in a ``width`` x ``height`` widget: above-left of the
    pointer, flipped to the other side where it would leave the widget."""
    x = pointer.x() - LOUPE_GAP - LOUPE_SIZE
    y = pointer.y() - LOUPE_GAP - LOUPE_SIZE
    if x < 0:
        x = pointer.x() + LOUPE_GAP
    if y < 0:
        y = pointer.y() + LOUPE_GAP
    x = min(max(0.0, x), max(0.0, width - LOUPE_SIZE))
    y = min(max(0.0, y), max(0.0, height - LOUPE_SIZE))
    return QRectF(x, y, LOUPE_SIZE, LOUPE_SIZE)


def loupe_scale(canvas_scale: float) -> float:
    """Widget pixels per image pixel in the loupe: four times the canvas zoom, at
    least 2 and at most 32 (one image pixel a 32-pixel block)."""
    return min(LOUPE_MAX_SCALE, max(2.0, canvas_scale * LOUPE_ZOOM))


def paint_loupe(p: QPainter, view: QImage, at: tuple[float, float], pointer: QPointF,
                widget_size: tuple[int, int], canvas_scale: float, brush_radius: float) -> QRectF:
    """Draw the loupe: the full-resolution ``view`` around image point ``at`` (x, y),
    magnified (:func:`loupe_scale` of ``canvas_scale``), pixels sharp, in a round
    frame beside ``pointer``, with a cross at ``at`` and the brush outline
    (``brush_radius`` image pixels; 0: none).  Returns the widget rectangle drawn."""
    target = loupe_rect(pointer, *widget_size)
    s = loupe_scale(canvas_scale)
    half = LOUPE_SIZE / 2 / s
    source = QRectF(at[0] - half, at[1] - half, 2 * half, 2 * half)
    frame = QPainterPath()
    frame.addEllipse(target)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setClipPath(frame)
    p.fillRect(target, QColor(38, 38, 40))
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    p.drawImage(target, view, source)
    c = target.center()
    p.setPen(QPen(QColor(0, 0, 0, 200), 3))
    p.drawLine(QPointF(c.x() - 10, c.y()), QPointF(c.x() + 10, c.y()))
    p.drawLine(QPointF(c.x(), c.y() - 10), QPointF(c.x(), c.y() + 10))
    p.setPen(QPen(QColor(255, 255, 255, 230), 1.2))
    p.drawLine(QPointF(c.x() - 10, c.y()), QPointF(c.x() + 10, c.y()))
    p.drawLine(QPointF(c.x(), c.y() - 10), QPointF(c.x(), c.y() + 10))
    if brush_radius > 0:
        r = brush_radius * s
        p.setPen(QPen(QColor(255, 255, 255, 200), 1.2, Qt.PenStyle.DashLine))
        p.drawEllipse(c, r, r)
    p.restore()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(QColor(0, 0, 0, 220), 4))
    p.drawEllipse(target)
    p.setPen(QPen(QColor(255, 255, 255, 240), 2))
    p.drawEllipse(target)
    return target
