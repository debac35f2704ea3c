"""The display buffer: written regions update every level exactly as a buffer built
from the whole picture, and the QImages show the pixels written."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from matteditor.geometry import Rect
from matteditor.ui.display import DisplayBuffer


def _levels(buf: DisplayBuffer) -> list[np.ndarray]:
    return [buf.pixels(k) for k in range(len(buf.levels))]


@pytest.mark.parametrize("size", [(1031, 517), (600, 300), (257, 999)])
def test_written_regions_leave_every_level_as_a_whole_rebuild_would(size, qapp):
    w, h = size
    rng = np.random.default_rng(w)
    picture = rng.integers(0, 256, (h, w, 3), np.uint8)
    buf = DisplayBuffer.from_pixels(picture)
    assert len(buf.levels) >= 3
    for _ in range(6):
        x0, y0 = int(rng.integers(0, w - 1)), int(rng.integers(0, h - 1))
        rect = Rect(x0, y0, int(rng.integers(x0 + 1, w + 1)), int(rng.integers(y0 + 1, h + 1)))
        picture[rect.slices] = rng.integers(0, 256, (rect.height, rect.width, 3), np.uint8)
        changed = buf.write(rect, picture[rect.slices])
        assert changed.contains(rect)
        for got, want in zip(_levels(buf), _levels(DisplayBuffer.from_pixels(picture))):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(buf.pixels(), picture)


def test_the_images_hold_the_pixels_and_each_level_halves(qapp):
    picture = np.zeros((300, 520, 3), np.uint8)
    picture[:, :260] = (200, 40, 10)
    buf = DisplayBuffer.from_pixels(picture)
    assert QColor(buf.levels[0].pixel(10, 10)).getRgb()[:3] == (200, 40, 10)
    assert QColor(buf.levels[0].pixel(400, 10)).getRgb()[:3] == (0, 0, 0)
    assert (buf.levels[1].width(), buf.levels[1].height()) == (260, 150)
    assert QColor(buf.levels[1].pixel(10, 10)).getRgb()[:3] == (200, 40, 10)
    # an odd size is rounded up, its last column repeated: no dark rim
    odd = DisplayBuffer.from_pixels(np.full((301, 521, 3), 90, np.uint8))
    assert (odd.levels[1].width(), odd.levels[1].height()) == (261, 151)
    assert (odd.pixels(1) == 90).all()
