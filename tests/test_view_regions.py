"""Every view can be recomposed for a rectangle alone, and gives there exactly the pixels
of the whole view: what lets undo and redo show a restored matte by recomposing only
the region around the edit (issue 25, item 3)."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.document import Document
from matteditor.geometry import Rect
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN
from matteditor.views import Compositor, ViewMode, ViewSettings

H, W = 61, 83


def _document() -> Document:
    rng = np.random.default_rng(7)
    image = rng.random((H, W, 3), dtype=np.float32)
    trimap = np.full((H, W), BACKGROUND, np.uint8)
    trimap[10:50, 15:70] = UNKNOWN
    trimap[20:40, 30:55] = FOREGROUND
    doc = Document(image, trimap)
    yy, xx = np.mgrid[0:H, 0:W]
    alpha = np.clip((xx - 20) / 40.0, 0, 1).astype(np.float32)  # a ramp: soft edge across
    alpha[trimap == BACKGROUND] = 0.0
    alpha[trimap == FOREGROUND] = 1.0
    alpha[10:13, 64:67] = 0.5        # a speck near the corner: edge band reaches the rect
    foreground = rng.random((H, W, 3), dtype=np.float32)
    assert doc.set_result(alpha, doc.revision, foreground)
    return doc


# whole, inside, at the borders, one pixel, and just beside the soft edge (rows 0-7:
# the edge band reaches them from rows 10 on, outside the rectangle)
RECTS = [Rect(0, 0, W, H), Rect(3, 4, 40, 30), Rect(55, 0, W, 12), Rect(20, 35, 77, 61),
         Rect(40, 10, 41, 11), Rect(10, 0, 30, 8), Rect(60, 52, W, H)]


@pytest.mark.parametrize("mode", list(ViewMode))
@pytest.mark.parametrize("rect", RECTS, ids=str)
def test_a_rectangle_of_a_view_is_that_region_of_the_whole_view(mode, rect):
    doc = _document()
    compositor = Compositor(doc)
    rng = np.random.default_rng(3)
    compositor.background = rng.random((40, 50, 3), dtype=np.float32)
    settings = ViewSettings(mode=mode, split=0.4, background_color=(0.2, 0.5, 0.9),
                            background_offset=(3, -2), background_scale=1.3)
    whole_rect, whole = compositor.render(settings)
    assert whole_rect == doc.bounds
    done, part = compositor.render(settings, rect)
    assert done == rect
    np.testing.assert_array_equal(part, whole[rect.slices])


def test_a_rectangle_reaching_past_the_photo_is_clipped():
    doc = _document()
    compositor = Compositor(doc)
    settings = ViewSettings(mode=ViewMode.CHECKER)
    done, part = compositor.render(settings, Rect(70, 50, 200, 200))
    assert done == Rect(70, 50, W, H)
    assert part.shape == (H - 50, W - 70, 3)


def test_the_backdrop_follows_its_settings():
    doc = _document()
    compositor = Compositor(doc)
    red = compositor.render(ViewSettings(mode=ViewMode.COLOR, background_color=(1, 0, 0)))[1]
    blue = compositor.render(ViewSettings(mode=ViewMode.COLOR, background_color=(0, 0, 1)))[1]
    background = doc.trimap == BACKGROUND      # alpha 0 there: the backdrop alone
    assert (red[background] == [255, 0, 0]).all()
    assert (blue[background] == [0, 0, 255]).all()
    # a new background image (a new array) is composed anew, not taken from the cache
    compositor.background = np.zeros((10, 10, 3), np.float32)
    black = compositor.render(ViewSettings(mode=ViewMode.IMAGE))[1]
    compositor.background = np.ones((10, 10, 3), np.float32)
    white = compositor.render(ViewSettings(mode=ViewMode.IMAGE))[1]
    assert (black[background] == 0).all() and (white[background] == 255).all()
