"""The compositor's cache of the foreground in uint8 is keyed by the array itself, not
by ``id()``: a new foreground allocated where a freed one lived gets its own pixels
(issue 24, item 6; the reuse document.py warns about)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from matteditor import views
from matteditor.views import Compositor


class _Document:
    """The two things the compositor's colour cache reads: the photo and the matte."""

    def __init__(self, image: np.ndarray) -> None:
        self.image = image
        self.colors: np.ndarray | None = None

    def matte(self) -> SimpleNamespace:
        return SimpleNamespace(colors=self.colors)


def test_a_new_foreground_at_a_reused_address_is_not_taken_for_the_old_one(monkeypatch):
    # CPython hands a freed array's id to the next one allocated there: every id alike
    monkeypatch.setattr(views, "id", lambda obj: 1, raising=False)
    doc = _Document(np.zeros((4, 5, 3), np.float32))
    compositor = Compositor(doc)
    doc.colors = np.full((4, 5, 3), [1.0, 0.0, 0.0], np.float32)
    assert (compositor._colors8() == [255, 0, 0]).all()
    doc.colors = np.full((4, 5, 3), [0.0, 0.0, 1.0], np.float32)
    assert (compositor._colors8() == [0, 0, 255]).all()


def test_the_same_foreground_is_converted_once():
    doc = _Document(np.zeros((4, 5, 3), np.float32))
    compositor = Compositor(doc)
    doc.colors = np.full((4, 5, 3), 0.5, np.float32)
    assert compositor._colors8() is compositor._colors8()
