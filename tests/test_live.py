"""The live-matte pipeline (live.py) and the tiled foreground it keeps (foreground.py):
sessions of one photo and one engine at a time, a cancelled request's changed region
carried into the next, foreground colours solved again only where the alpha changed and
cancellable between tiles (issue 24, items 4, 6 and 12)."""

from __future__ import annotations

import gc
import weakref

import cv2
import numpy as np
import pytest

from matteditor import foreground as fg_module
from matteditor.engines.base import Capabilities, CancelToken, Engine, EngineOptions
from matteditor.errors import Cancelled
from matteditor.foreground import CONTEXT, TILE, ForegroundSession, estimate_foreground
from matteditor.geometry import Rect
from matteditor.live import LiveMatte, LiveRequest, ResultKind
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN


class RecordingEngine(Engine):
    """Alpha = blurred foreground mask; records the changed regions it is told of and
    raises Cancelled while ``cancel_next`` is set (as a superseded solve would)."""

    name = "recording"
    label = "Recording"
    capabilities = Capabilities(local_first=True, preview=True)

    def __init__(self, device: str = "cpu", options: EngineOptions = EngineOptions()) -> None:
        super().__init__(device, options)
        self.told: list[Rect | None] = []
        self.cancel_next = False

    def _predict(self, trimap, changed, progress, cancel):
        self.told.append(changed)
        if self.cancel_next:
            self.cancel_next = False
            raise Cancelled("superseded")
        return cv2.GaussianBlur((trimap == FOREGROUND).astype(np.float32), (0, 0), 2), True


def _photo(h: int = 48, w: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    image = np.random.default_rng(seed).random((h, w, 3)).astype(np.float32)
    trimap = np.full((h, w), UNKNOWN, np.uint8)
    trimap[:, : w // 3] = BACKGROUND
    trimap[:, -w // 3:] = FOREGROUND
    return image, trimap


def _live(made: list[Engine]) -> LiveMatte:
    def factory(name: str, options: EngineOptions) -> Engine:
        engine = RecordingEngine(options=options)
        made.append(engine)
        return engine
    return LiveMatte(factory, options=EngineOptions(local_margin=8))


def _request(revision, trimap, changed, engine="a", foreground=False):
    return LiveRequest(revision, trimap, changed, engine, preview=False, foreground=foreground)


def test_a_new_photo_frees_the_sessions_of_the_previous_one():
    made: list[Engine] = []
    live = _live(made)
    image, trimap = _photo()
    live.set_image(image)
    list(live.run(_request(1, trimap, None)))
    first = weakref.ref(made[0])
    made.clear()
    live.set_image(_photo(seed=1)[0])
    assert live.sessions == 0
    gc.collect()
    assert first() is None      # nothing holds the old photo's session any more


def test_switching_engines_keeps_only_the_current_engines_session():
    made: list[Engine] = []
    live = _live(made)
    image, trimap = _photo()
    live.set_image(image)
    for i, name in enumerate(["a", "b", "c", "a"]):
        list(live.run(_request(i, trimap, None, engine=name)))
        assert live.sessions == 1
    gone = [weakref.ref(e) for e in made[:3]]
    made.clear()
    gc.collect()
    assert [ref() is None for ref in gone] == [True, True, True]


def test_a_cancelled_requests_changed_region_is_carried_into_the_next():
    made: list[Engine] = []
    live = _live(made)
    image, trimap = _photo()
    live.set_image(image)
    list(live.run(_request(1, trimap, None)))
    engine = made[0]
    engine.cancel_next = True
    first, second = Rect(2, 3, 10, 12), Rect(30, 20, 40, 30)
    with pytest.raises(Cancelled):
        list(live.run(_request(2, trimap, first)))
    list(live.run(_request(3, trimap, second)))
    assert engine.told[-1] == first.union(second)
    list(live.run(_request(4, trimap, second)))     # answered: only the new change now
    assert engine.told[-1] == second


def _large_scene(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A photo of 3 x 3 tiles with a soft vertical edge down the middle column of tiles,
    farther than the context from the others."""
    h = w = 2 * TILE + 100
    image = np.random.default_rng(seed).random((h, w, 3)).astype(np.float32)
    x = np.arange(w, dtype=np.float32)
    alpha = np.clip((x - TILE - TILE // 2) / 40 + 0.5, 0, 1)[None, :].repeat(h, 0)
    return image, np.ascontiguousarray(alpha)


def test_a_local_alpha_change_solves_only_the_tiles_around_it_and_matches_a_fresh_solve():
    image, alpha = _large_scene()
    session = ForegroundSession(image)
    session.update(alpha)
    assert session.tiles_solved == 3          # the middle column of tiles holds the edge
    changed = alpha.copy()
    changed[10:60, TILE + 200:TILE + 260] = 0.5  # inside the top-middle tile, away from others
    updated = session.update(changed)
    assert session.tiles_solved == 1
    np.testing.assert_array_equal(updated, ForegroundSession(image).update(changed))


def test_an_unchanged_alpha_solves_nothing():
    image, alpha = _large_scene()
    session = ForegroundSession(image)
    first = session.update(alpha)
    again = session.update(alpha.copy())
    assert session.tiles_solved == 0
    np.testing.assert_array_equal(first, again)


def test_foreground_estimation_stops_between_tiles_and_the_next_update_redoes_them(monkeypatch):
    image, alpha = _large_scene()
    session = ForegroundSession(image)
    token = CancelToken()
    solve = fg_module._solve
    calls = []

    def cancelling(image, alpha):
        calls.append(1)
        token.cancel()          # as a newer request would, from the UI thread
        return solve(image, alpha)

    monkeypatch.setattr(fg_module, "_solve", cancelling)
    with pytest.raises(Cancelled):
        session.update(alpha, token)
    assert len(calls) == 1      # the first tile only, not the whole photo
    monkeypatch.setattr(fg_module, "_solve", solve)
    result = session.update(alpha)
    assert session.tiles_solved == 3
    np.testing.assert_array_equal(result, ForegroundSession(image).update(alpha))


def test_a_photo_of_one_tile_gets_pymattings_foreground_exactly():
    from pymatting import estimate_foreground_ml

    image, trimap = _photo(40, 50)
    alpha = cv2.GaussianBlur((trimap == FOREGROUND).astype(np.float32), (0, 0), 3)
    expected = np.clip(estimate_foreground_ml(image, alpha), 0, 1)
    np.testing.assert_allclose(estimate_foreground(image, alpha), expected, atol=1e-7)
    assert max(image.shape) <= TILE + CONTEXT


def test_the_pipelines_foreground_after_a_stroke_equals_a_fresh_estimate():
    made: list[Engine] = []
    live = _live(made)
    image, _ = _large_scene()
    h, w = image.shape[:2]
    trimap = np.full((h, w), UNKNOWN, np.uint8)
    trimap[:, : TILE] = BACKGROUND
    trimap[:, TILE + 60:] = FOREGROUND
    live.set_image(image)
    list(live.run(_request(1, trimap, None, foreground=True)))
    stroke = trimap.copy()
    stroke[5:40, TILE + 5:TILE + 40] = FOREGROUND
    results = list(live.run(_request(2, stroke, Rect(TILE + 5, 5, TILE + 40, 40),
                                     foreground=True)))
    last = results[-1]
    assert last.kind is ResultKind.FOREGROUND
    np.testing.assert_array_equal(last.foreground, estimate_foreground(image, last.alpha))
