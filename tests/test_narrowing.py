"""Band narrowing (matteditor.solvers.narrowing) and the default engine that uses it."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.engines import EngineOptions, create_engine, policy
from matteditor.errors import EngineError
from matteditor.geometry import Rect
from matteditor.solvers.narrowing import (NarrowingSettings, band_is_wide, narrow_band,
                                         relabel_solved)

RED = np.array([0.85, 0.15, 0.1], np.float32)
BLUE = np.array([0.1, 0.25, 0.8], np.float32)
GREEN = np.array([0.2, 0.75, 0.25], np.float32)


def edge_image(h: int, w: int, edges: list[tuple[int, int]], seed: int = 0):
    """Blue background with red foreground columns [a, b), each side a 6-px ramp; the alpha
    and the photo (a little noise)."""
    x = np.arange(w, dtype=np.float32)
    alpha = np.zeros(w, np.float32)
    for a, b in edges:
        alpha = np.maximum(alpha, np.clip(np.minimum(x - a + 3, b + 3 - x) / 6.0, 0, 1))
    alpha = np.repeat(alpha[None, :], h, 0)
    image = alpha[..., None] * RED + (1 - alpha[..., None]) * BLUE
    rng = np.random.default_rng(seed)
    image = np.clip(image + rng.normal(0, 0.01, image.shape), 0, 1).astype(np.float32)
    return image, alpha


def band_trimap(alpha: np.ndarray, half_width: int) -> np.ndarray:
    """Foreground where alpha > 0.5, background elsewhere, unknown within ``half_width``
    columns of the transition."""
    import cv2

    inside = (alpha > 0.5).astype(np.uint8)
    edge = cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    band = cv2.dilate(edge, np.ones((1, 2 * half_width + 1), np.uint8)) > 0
    trimap = np.where(inside > 0, 255, 0).astype(np.uint8)
    trimap[band] = 128
    return trimap


def test_pure_pixels_far_inside_a_wide_band_take_their_label_and_the_transition_stays_unknown():
    image, alpha = edge_image(120, 240, [(120, 240)])
    trimap = band_trimap(alpha, 40)               # an 80-column band around x = 120
    assert band_is_wide(trimap)
    narrowed = narrow_band(image, trimap)
    known = trimap != 128
    np.testing.assert_array_equal(narrowed[known], trimap[known])   # the user's stay
    # pure background and foreground deep in the band are labelled ...
    assert (narrowed[:, 85:105] == 0).mean() > 0.9
    assert (narrowed[:, 135:155] == 255).mean() > 0.9
    # ... never wrongly, and the true transition (partial alpha) stays unknown
    relabelled = (trimap == 128) & (narrowed != 128)
    assert np.all(np.abs(narrowed[relabelled] / 255.0 - alpha[relabelled]) < 0.05)
    assert np.all(narrowed[(trimap == 128) & (alpha > 0.02) & (alpha < 0.98)] == 128)
    # the band shrank to well under half
    assert (narrowed == 128).sum() < 0.5 * (trimap == 128).sum()


def test_a_tight_band_is_left_alone():
    image, alpha = edge_image(80, 160, [(80, 160)])
    trimap = band_trimap(alpha, 8)
    assert not band_is_wide(trimap)
    assert narrow_band(image, trimap) is trimap


def test_scribbles_are_left_alone():
    image, alpha = edge_image(160, 240, [(120, 240)])
    scribbles = np.full(alpha.shape, 128, np.uint8)
    scribbles[75:85, 10:100] = 0                   # two 10-px strokes, the rest unknown
    scribbles[75:85, 140:230] = 255
    assert not band_is_wide(scribbles)
    assert narrow_band(image, scribbles) is scribbles
    thick = scribbles.copy()                       # regions, not strokes: narrowed
    thick[40:120, 10:60] = 0
    thick[40:120, 180:230] = 255
    assert band_is_wide(thick)
    assert (narrow_band(image, thick) != 128).sum() > (thick != 128).sum()


def test_a_colour_neither_side_explains_stays_unknown():
    image, alpha = edge_image(120, 240, [(120, 240)])
    image[40:80, 90:100] = GREEN                   # in the band, matching no known pixel
    trimap = band_trimap(alpha, 40)
    narrowed = narrow_band(image, trimap)
    assert np.all(narrowed[40:80, 90:100] == 128)
    assert narrow_band(image, trimap, NarrowingSettings(enabled=False)) is trimap


def test_settings_and_sizes_are_checked():
    with pytest.raises(ValueError):
        NarrowingSettings(near=0)
    with pytest.raises(ValueError):
        NarrowingSettings(min_deep_share=2)
    image, alpha = edge_image(120, 240, [(120, 240)])
    with pytest.raises(EngineError):
        policy.narrowed_trimap(image[:60], band_trimap(alpha, 40))


def test_auto_narrows_a_wide_band_and_keeps_the_users_known_pixels():
    image, alpha = edge_image(120, 240, [(120, 240)])
    trimap = band_trimap(alpha, 40)
    auto = create_engine("auto")
    auto.set_image(image)
    prediction = auto.predict(trimap)
    assert prediction.engine == "information-flow"
    a = prediction.alpha
    np.testing.assert_array_equal(a[trimap == 0], 0.0)
    np.testing.assert_array_equal(a[trimap == 255], 1.0)
    narrowed = policy.narrowed_trimap(image, trimap)
    # the engine solved the narrowed trimap: its labelled pixels are exact
    np.testing.assert_array_equal(a[narrowed == 0], 0.0)
    np.testing.assert_array_equal(a[narrowed == 255], 1.0)
    band = trimap == 128
    plain = create_engine("information-flow").estimate(image, trimap)
    # closer to the truth over the band than the solve of the wide band itself
    assert np.abs(a - alpha)[band].sum() < np.abs(plain - alpha)[band].sum()


def test_a_stroke_that_changes_the_narrowing_far_away_equals_a_full_predict(monkeypatch):
    """Two separate bands (two tiles); a green patch lies in each, on the foreground side.
    Painting one patch foreground makes green a foreground colour: the narrowing then
    labels the other band's patch too, outside the stroke's rectangle, and the incremental
    answer must follow (the engine is told where the trimap it solves changed)."""
    # positions weigh less, so that samples 140 px away count (the test's photo is small)
    monkeypatch.setattr(policy, "NARROWING", NarrowingSettings(position_scale=0.0002))
    image, alpha = edge_image(100, 420, [(100, 300)])
    for x in (128, 270):
        image[30:70, x:x + 10] = GREEN
        alpha[30:70, x:x + 10] = 1.0
    trimap = band_trimap(alpha, 40)
    assert trimap[50, 133] == trimap[50, 275] == 128
    stroke = trimap.copy()
    stroke[44:56, 128:138] = 255
    changed = Rect.of_diff(trimap, stroke)
    before = policy.narrowed_trimap(image, trimap)
    after = policy.narrowed_trimap(image, stroke)
    assert before[50, 275] == 128 and after[50, 275] == 255     # far from the stroke
    assert not changed.contains(Rect.of_diff(before, after))

    auto = create_engine("auto")
    auto.set_image(image)
    auto.predict(trimap)
    incremental = auto.predict(stroke, changed)
    full = create_engine("auto").estimate(image, stroke)
    assert incremental.exact
    np.testing.assert_allclose(incremental.alpha, full, atol=1e-3)

    # answered locally first (the editor's way): the far band is solved where its
    # narrowed trimap changed, not held at the previous answer; refined, it is the full one
    local = create_engine("auto", options=EngineOptions(local_margin=16))
    local.set_image(image)
    previous = local.predict(trimap).alpha
    first = local.predict(stroke, changed)
    assert not first.exact
    around = (slice(25, 75), slice(262, 288))        # the far patch and its kept margin
    moved = np.abs(first.alpha[around] - previous[around])[before[around] == 128]
    assert moved.max() > 0.05
    np.testing.assert_allclose(local.refine(), full, atol=1e-2)


def test_a_stroke_changes_the_narrowing_only_near_itself():
    """Each band pixel's label depends on the samples near it (exact nearest neighbours),
    so a small stroke leaves the narrowing along the rest of a long band as it was: what
    lets the editor answer a stroke locally."""
    image, alpha = edge_image(900, 240, [(120, 240)])   # a vertical edge 900 px long
    rng = np.random.default_rng(4)
    image = np.clip(image + rng.normal(0, 0.03, image.shape), 0, 1).astype(np.float32)
    trimap = band_trimap(alpha, 40)
    before = narrow_band(image, trimap)
    assert (before != trimap).any()
    stroke = trimap.copy()
    stroke[20:30, 125:140] = 255                        # a small stroke inside the band
    after = narrow_band(image, stroke)
    assert (after != before).any()
    # samples count up to 60 px off in position, the other label's up to 2.5 times as far
    assert Rect.of_diff(before, after).y1 <= 30 + 300


def test_the_preview_does_not_wait_for_the_narrowing(monkeypatch):
    """The editor's preview is chosen on the trimap as given (narrowing a 2.5 MP band takes
    longer than the reduced preview solve); the answer itself is solved narrowed."""
    from matteditor.engines import auto as auto_module
    from matteditor.engines.memory import solving_engine

    image, alpha = edge_image(120, 240, [(120, 240)])
    trimap = band_trimap(alpha, 40)
    calls = []
    real = auto_module.narrowed_trimap
    monkeypatch.setattr(auto_module, "narrowed_trimap",
                        lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    engine = create_engine("auto")
    assert solving_engine(engine, image, trimap, preview=True) == "information-flow"
    assert calls == []
    assert solving_engine(engine, image, trimap) == "information-flow"
    assert calls == [1]


#: solve, then relabel, as by default; and switched off
RELABEL = NarrowingSettings(relabel_alpha=0.15)
NO_RELABEL = NarrowingSettings(relabel_alpha=0.0)


def _noisy_edge(seed: int = 3):
    """A vertical edge whose photo is noisy enough that the narrowing's strict colour test
    leaves pure pixels unknown next to the transition (what solve-then-relabel is for)."""
    image, alpha = edge_image(120, 240, [(120, 240)])
    rng = np.random.default_rng(seed)
    image = np.clip(image + rng.normal(0, 0.04, image.shape), 0, 1).astype(np.float32)
    return image, alpha, band_trimap(alpha, 40)


def test_solve_then_relabel_labels_pure_pixels_the_solve_and_the_colour_agree_on():
    image, alpha, trimap = _noisy_edge()
    narrowed = narrow_band(image, trimap)
    assert (narrowed != trimap).any()
    solved = create_engine("information-flow").estimate(image, narrowed)
    assert relabel_solved(image, trimap, narrowed, solved, NO_RELABEL) is None  # switched off
    again = relabel_solved(image, trimap, narrowed, solved)     # on by default
    assert again is not None
    known = narrowed != 128
    np.testing.assert_array_equal(again[known], narrowed[known])     # kept as narrowed
    relabelled = (narrowed == 128) & (again != 128)
    assert relabelled.sum() >= 0.05 * (narrowed == 128).sum()
    # pure pixels only, each on its own side, and the transition stays unknown
    assert np.all(np.abs(again[relabelled] / 255.0 - alpha[relabelled]) < 0.02)
    assert np.all(again[(trimap == 128) & (alpha > 0.02) & (alpha < 0.98)] == 128)
    # nothing narrowed (a tight band), or switched off: no second solve
    tight = band_trimap(alpha, 3)
    assert relabel_solved(image, tight, tight, solved, RELABEL) is None


def test_relabel_needs_the_colour_to_agree_with_the_solve():
    """A solve that calls the whole band background (wrongly on its right half) relabels
    only the pixels whose colour is the background's."""
    image, alpha, trimap = _noisy_edge()
    narrowed = narrow_band(image, trimap)
    wrong = np.where(narrowed == 255, 1.0, 0.0).astype(np.float32)
    again = relabel_solved(image, trimap, narrowed, wrong, RELABEL)
    assert again is not None
    relabelled = (narrowed == 128) & (again != 128)
    assert relabelled.any()
    assert np.all(again[relabelled] == 0)
    assert np.all(alpha[relabelled] < 0.02)     # no red pixel became background
    with pytest.raises(ValueError):
        relabel_solved(image, trimap, narrowed, wrong[:, :10], RELABEL)
    with pytest.raises(ValueError):
        NarrowingSettings(relabel_alpha=0.5)


def test_auto_solves_the_relabelled_trimap_and_a_stroke_is_still_answered_locally():
    image, alpha, trimap = _noisy_edge()
    narrowed = policy.narrowed_trimap(image, trimap)
    off = create_engine("auto")
    off.narrowing = NO_RELABEL
    first = off.estimate(image, trimap)       # switched off: no second solve
    np.testing.assert_allclose(
        first, create_engine("information-flow").estimate(image, narrowed), atol=1e-4)
    again = relabel_solved(image, trimap, narrowed, first, RELABEL)
    assert again is not None
    answer = create_engine("auto").estimate(image, trimap)     # by default: solved again
    np.testing.assert_array_equal(answer[again == 0], 0.0)
    np.testing.assert_array_equal(answer[again == 255], 1.0)
    np.testing.assert_array_equal(answer[trimap == 0], 0.0)
    np.testing.assert_array_equal(answer[trimap == 255], 1.0)
    second = create_engine("information-flow").estimate(image, again)
    np.testing.assert_allclose(answer, second, atol=1e-4)
    band = trimap == 128
    assert np.abs(answer - alpha)[band].sum() < np.abs(first - alpha)[band].sum()

    # a stroke: the local answer is the first solve's, refined it is the full answer
    stroke = trimap.copy()
    stroke[50:60, 100:112] = 0
    local = create_engine("auto", options=EngineOptions(local_margin=16))
    local.narrowing = RELABEL
    local.set_image(image)
    local.predict(trimap)
    quick = local.predict(stroke, Rect.of_diff(trimap, stroke))
    assert not quick.exact
    whole = create_engine("auto")
    whole.narrowing = RELABEL
    full = whole.estimate(image, stroke)
    np.testing.assert_allclose(local.refine(), full, atol=1e-2)


def test_a_band_the_fallback_solves_is_not_narrowed(monkeypatch):
    """Narrowing serves information-flow: a band too large for it goes to fast-cf as
    given (fast-cf gained nothing from a narrowed band, and lost its coarse-to-fine path)."""
    image, alpha = edge_image(120, 240, [(120, 240)])
    trimap = band_trimap(alpha, 40)
    assert (policy.narrowed_trimap(image, trimap) != trimap).any()
    monkeypatch.setattr(policy, "INFOFLOW_MAX_UNKNOWN", int((trimap == 128).sum()) - 1)
    assert policy.choose_engine(image, trimap) == "fast-cf"
    assert policy.narrowed_trimap(image, trimap) is trimap


def test_a_wide_band_that_reads_as_scribbles_until_narrowed_is_narrowed():
    """A crop's band widened by a rough brush is mostly unknown and beyond the neighbour
    searches' reach, as scribbles are; its known regions are regions, though, so it is
    narrowed, and the narrowed band goes to information-flow (asking the scribble rule
    first sent such bands to fast-cf unnarrowed)."""
    image, alpha = edge_image(120, 240, [(120, 240)])
    trimap = band_trimap(alpha, 70)               # 140 of 240 columns unknown
    assert policy.choose_engine(image, trimap) == "fast-cf"
    narrowed = policy.narrowed_trimap(image, trimap)
    assert (narrowed == 128).sum() < 0.5 * (trimap == 128).sum()
    assert policy.choose_engine(image, narrowed) == "information-flow"
    auto = create_engine("auto")
    auto.set_image(image)
    assert auto.engine_for(trimap) == "information-flow"


def test_the_bounded_confidence_test_equals_a_brute_force_one():
    """The confidence test's neighbour searches stop at ``contrast * near``; its answer is
    the one of exact nearest samples at any distance (checked by brute force)."""
    from matteditor.solvers import narrowing

    rng = np.random.default_rng(5)
    h, w = 40, 60
    image = rng.random((h, w, 3)).astype(np.float32)
    image[:, :20] = 0.1 * image[:, :20] + [0.8, 0.1, 0.1]      # a mostly red left side
    trimap = np.full((h, w), 128, np.uint8)
    trimap[:, :15] = 255
    trimap[:, 45:] = 0
    s = NarrowingSettings(near=0.3, contrast=1.5, position_scale=0.01)
    planes = narrowing._confident(image, trimap, s, 1.0, s.contrast, s.near)
    uy, ux = np.nonzero(trimap == 128)
    feats = lambda ys, xs: np.concatenate(        # noqa: E731
        [image[ys, xs], s.position_scale * np.stack([ys, xs], 1)], 1)
    query = feats(uy, ux)
    nearest = []
    for label in (255, 0):
        sy, sx = np.nonzero(trimap == label)
        d = np.sqrt(((query[:, None, :] - feats(sy, sx)[None]) ** 2).sum(-1)).min(1)
        nearest.append(d)
    for plane, own, other in ((planes[0], nearest[0], nearest[1]),
                              (planes[1], nearest[1], nearest[0])):
        expected = (own <= s.near) & (other >= s.contrast * own)
        np.testing.assert_array_equal(plane[uy, ux], expected)
    assert planes[0].any() and planes[1].any()
