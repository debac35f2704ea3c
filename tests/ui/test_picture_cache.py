"""Composed pictures of kept results are kept: undo/redo swaps them in without composing."""

from __future__ import annotations

import numpy as np

from matteditor.edges import EdgeAdjustments
from matteditor.geometry import Rect
from matteditor.trimap import BACKGROUND
from matteditor.ui.render import PictureCache, ViewRenderer
from matteditor.views import Compositor, ViewMode, ViewSettings

from .test_worker import paint, scribbled


def ramp(doc, offset: float) -> np.ndarray:
    h, w = doc.trimap.shape
    return np.clip(np.linspace(0, 1, w, dtype=np.float32)[None, :].repeat(h, 0) + offset,
                   0, 1).astype(np.float32)


def expected(doc, settings: ViewSettings, background=None) -> np.ndarray:
    compositor = Compositor(doc)
    compositor.background = background
    return compositor.render(settings)[1]


def two_results(qtbot, settings: ViewSettings):
    """A renderer (compose thread) of a document with a kept result, a stroke and the
    stroke's kept result, idle."""
    doc = scribbled()
    renderer = ViewRenderer(doc, settings, async_pixels=1)
    assert doc.set_result(ramp(doc, 0.0), doc.revision)
    qtbot.waitUntil(lambda: not renderer.composing)
    paint(doc, Rect(5, 40, 15, 50), BACKGROUND)
    assert doc.set_result(ramp(doc, -0.3), doc.revision)
    qtbot.waitUntil(lambda: renderer.idle)   # composed, and ahead too
    return doc, renderer


def test_undo_and_redo_show_the_kept_picture_at_once_in_every_view(qtbot):
    for mode in (ViewMode.OVERLAY, ViewMode.ALPHA, ViewMode.CHECKER):
        settings = ViewSettings(mode)
        doc, renderer = two_results(qtbot, settings)
        for step in (doc.undo, doc.redo, doc.undo):
            assert step() is not None and doc.has_exact_result
            assert not renderer.composing                # swapped in, not composed
            np.testing.assert_array_equal(renderer.buffer.pixels(), expected(doc, settings))
        renderer.detach()


def test_a_view_switched_to_composes_the_undo_picture_ahead(qtbot):
    doc, renderer = two_results(qtbot, ViewSettings(ViewMode.OVERLAY))
    settings = ViewSettings(ViewMode.ALPHA)
    renderer.set_settings(settings)
    qtbot.waitUntil(lambda: renderer.idle)
    assert doc.undo() is not None
    assert not renderer.composing
    np.testing.assert_array_equal(renderer.buffer.pixels(), expected(doc, settings))
    renderer.detach()


def test_strokes_do_not_change_a_kept_picture(qtbot):
    settings = ViewSettings(ViewMode.OVERLAY, overlay_opacity=1.0)
    doc, renderer = two_results(qtbot, settings)
    assert doc.undo() is not None
    kept = renderer.buffer.pixels()
    paint(doc, Rect(20, 20, 30, 30), BACKGROUND)          # painted onto the shown picture
    qtbot.waitUntil(lambda: not np.array_equal(renderer.buffer.pixels(), kept))
    np.testing.assert_array_equal(renderer.buffer.pixels(), expected(doc, settings))
    assert doc.undo() is not None                          # back to the kept result
    np.testing.assert_array_equal(renderer.buffer.pixels(), kept)
    renderer.detach()


def test_new_edge_adjustments_are_composed_not_taken_from_the_cache(qtbot):
    settings = ViewSettings(ViewMode.ALPHA)
    doc, renderer = two_results(qtbot, settings)
    doc.set_adjustments(EdgeAdjustments(shift_edge=60.0))
    qtbot.waitUntil(lambda: not renderer.composing)
    np.testing.assert_array_equal(renderer.buffer.pixels(), expected(doc, settings))
    assert doc.undo() is not None                          # composed with the adjustments
    qtbot.waitUntil(lambda: not renderer.composing)
    np.testing.assert_array_equal(renderer.buffer.pixels(), expected(doc, settings))
    renderer.detach()


def test_a_new_background_image_is_composed_not_taken_from_the_cache(qtbot):
    settings = ViewSettings(ViewMode.IMAGE)
    doc, renderer = two_results(qtbot, settings)
    h, w = doc.trimap.shape
    red = np.zeros((h, w, 3), np.float32)
    red[..., 0] = 1.0
    renderer.set_background(red)
    qtbot.waitUntil(lambda: not renderer.composing)
    np.testing.assert_array_equal(renderer.buffer.pixels(), expected(doc, settings, red))
    blue = red[..., ::-1].copy()
    renderer.set_background(blue)
    assert doc.undo() is not None
    qtbot.waitUntil(lambda: not renderer.composing)
    np.testing.assert_array_equal(renderer.buffer.pixels(), expected(doc, settings, blue))
    renderer.detach()


def test_the_cache_keeps_the_newest_pictures_and_none_of_results_gone(qtbot):
    doc = scribbled()
    renderer = ViewRenderer(doc, ViewSettings(ViewMode.ALPHA), async_pixels=1)
    qtbot.waitUntil(lambda: not renderer.composing)
    cache = PictureCache(max_entries=2)
    keys = []
    for i, offset in enumerate((0.0, 0.1, 0.2)):
        paint(doc, Rect(i, 20, i + 1, 21), BACKGROUND)     # three trimaps, three results
        assert doc.set_result(ramp(doc, offset), doc.revision)
        keys.append(renderer.compositor.picture_key(renderer.shown))
        cache.put(keys[-1], renderer.buffer.copy())
    assert len(cache) == 2 and cache.get(keys[0]) is None and cache.get(keys[2]) is not None
    doc.results.clear()
    doc.clear_result()
    del keys[2]
    import gc
    gc.collect()
    cache.put(keys[1], renderer.buffer)                    # prunes the entries of dead results
    assert len(cache) == 1
    renderer.detach()
