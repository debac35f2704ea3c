"""The trimap brush's hardness and pen pressure (matteditor.brush), and the tools'
whole-trimap edits (matteditor.tools: fill, invert)."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.brush import MIN_PRESSURE, paint_soft_stroke, pressure_radius
from matteditor.document import Document
from matteditor.errors import TrimapError
from matteditor.tools import fill_edit, invert_edit, invert_trimap
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN, paint_stroke


def distances(shape, x: float, y: float) -> np.ndarray:
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    return np.hypot(xx + 0.5 - x, yy + 0.5 - y)


def test_a_hard_brush_paints_exactly_what_the_plain_stroke_paints():
    a = np.full((40, 50), BACKGROUND, np.uint8)
    b = a.copy()
    pts = [(10.2, 12.0), (35.0, 20.5)]
    assert paint_soft_stroke(a, pts, 6, FOREGROUND, 1.0) == paint_stroke(b, pts, 6, FOREGROUND)
    np.testing.assert_array_equal(a, b)


def test_a_soft_foreground_dab_on_background_leaves_a_sure_core_in_an_unknown_rim():
    t = np.full((60, 60), BACKGROUND, np.uint8)
    box = paint_soft_stroke(t, [(30.0, 30.0)], 20, FOREGROUND, 0.5)
    d = distances(t.shape, 30, 30)
    assert (t[d <= 10] == FOREGROUND).all()
    assert (t[(d > 10.5) & (d <= 19.5)] == UNKNOWN).all()
    assert (t[d > 20.5] == BACKGROUND).all()
    assert box == (10, 10, 50, 50)


def test_the_soft_rim_never_erases_the_brushs_own_label():
    t = np.full((60, 60), BACKGROUND, np.uint8)
    t[:, :25] = FOREGROUND                      # an earlier foreground stroke
    paint_soft_stroke(t, [(30.0, 30.0)], 20, FOREGROUND, 0.3)
    assert (t[:, :25] == FOREGROUND).all()
    # within one stroke the later segments' rims do not undo the earlier cores
    s = np.full((40, 80), BACKGROUND, np.uint8)
    for a, b in [((10.0, 20.0), (30.0, 20.0)), ((30.0, 20.0), (50.0, 20.0))]:
        paint_soft_stroke(s, [a, b], 10, FOREGROUND, 0.5)
    assert (s[20, 10:50] == FOREGROUND).all()


def test_a_zero_hardness_brush_only_marks_unknown_and_unknown_brushes_ignore_hardness():
    t = np.full((30, 30), FOREGROUND, np.uint8)
    paint_soft_stroke(t, [(15.0, 15.0)], 8, BACKGROUND, 0.0)
    assert (t[distances(t.shape, 15, 15) <= 7.5] == UNKNOWN).all()
    assert not (t == BACKGROUND).any()
    u = np.full((30, 30), FOREGROUND, np.uint8)
    paint_soft_stroke(u, [(15.0, 15.0)], 8, UNKNOWN, 0.2)
    assert (u[distances(u.shape, 15, 15) <= 7.9] == UNKNOWN).all()


def test_a_hardness_outside_zero_to_one_is_refused():
    t = np.zeros((10, 10), np.uint8)
    with pytest.raises(TrimapError, match="hardness"):
        paint_soft_stroke(t, [(5.0, 5.0)], 3, FOREGROUND, 1.5)


def test_pen_pressure_scales_the_radius_with_a_floor():
    assert pressure_radius(20, 1.0) == 20
    assert pressure_radius(20, 0.5) == 10
    assert pressure_radius(20, 0.0) == pytest.approx(20 * MIN_PRESSURE)
    assert pressure_radius(20, 3.0) == 20


def test_the_document_paints_a_stroke_with_its_hardness_and_pressure():
    doc = Document(np.zeros((60, 80, 3), np.float32),
                   np.full((60, 80), BACKGROUND, np.uint8))
    doc.begin_stroke(FOREGROUND, 12, "Foreground stroke", hardness=0.5)
    doc.extend_stroke((20.0, 30.0), pressure=1.0)
    doc.extend_stroke((60.0, 30.0), pressure=0.5)   # the last segment with a 6 px radius
    edit = doc.end_stroke()
    t = doc.trimap
    assert t[30, 20] == FOREGROUND and t[30, 60] == FOREGROUND
    assert t[30 - 10, 20] == UNKNOWN               # the rim at full pressure
    assert t[30 - 10, 60] == BACKGROUND            # beyond the light-pressure radius
    assert edit is not None
    doc.undo()                                     # one undo step takes the stroke back
    assert (doc.trimap == BACKGROUND).all()


def test_fill_edit_fills_the_connected_region_and_is_none_when_nothing_changes():
    t = np.full((20, 20), UNKNOWN, np.uint8)
    t[:, 10] = FOREGROUND                          # a wall
    edit = fill_edit(t, (3.7, 5.2), BACKGROUND)
    assert edit is not None and edit.label == "Fill"
    assert (edit.after == BACKGROUND).all() and edit.rect.x1 == 10
    assert (t == UNKNOWN).sum() == 20 * 19        # the trimap itself is untouched
    assert fill_edit(t, (10.5, 3.0), FOREGROUND) is None
    assert fill_edit(t, (-4.0, 3.0), FOREGROUND) is None


def test_invert_swaps_foreground_and_background_and_keeps_unknown():
    t = np.array([[0, 128, 255], [255, 255, 0]], np.uint8)
    np.testing.assert_array_equal(invert_trimap(t), [[255, 128, 0], [0, 0, 255]])
    np.testing.assert_array_equal(invert_trimap(invert_trimap(t)), t)
    assert invert_edit(np.full((4, 4), UNKNOWN, np.uint8)) is None
    assert invert_edit(t).label == "Invert matte"
