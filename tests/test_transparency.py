"""Information-flow's transparency test (matteditor.solvers.infoflow.trimming.looks_see_through)
on small synthetic composites: see-through material is flagged, fine opaque structure and a
plain opaque edge are not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from matteditor.solvers.infoflow import InfoFlowSession, InfoFlowSettings
from matteditor.solvers.infoflow.trimming import (foreground_explained_share, looks_see_through,
                                                  transparency_score)

SIZE = 96


def textured_background(seed: int) -> np.ndarray:
    """A busy background: random colour blocks of 8 px, lightly blurred."""
    rng = np.random.default_rng(seed)
    blocks = rng.uniform(0.05, 0.95, (SIZE // 8, SIZE // 8, 3)).astype(np.float32)
    bg = cv2.resize(blocks, (SIZE, SIZE), interpolation=cv2.INTER_NEAREST)
    return cv2.GaussianBlur(bg, (0, 0), 1.0)


def composite(alpha: np.ndarray, fg: np.ndarray, bg: np.ndarray) -> np.ndarray:
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    return (np.round(image * 255) / 255).astype(np.float32)


def glass_case(seed: int = 0):
    """A clear glass (alpha 0.15) showing the background, refracted and tinted, with an
    opaque metal cap: the trimap's foreground is the cap, the glass body is unknown."""
    bg = textured_background(seed)
    alpha = np.zeros((SIZE, SIZE), np.float32)
    cv2.circle(alpha, (48, 56), 30, 0.15, -1, cv2.LINE_AA)
    alpha[10:28, 38:58] = 1.0                                   # the cap
    seen = np.roll(bg, 3, axis=1) * np.array([0.85, 0.95, 1.0], np.float32)
    fg = np.where(alpha[..., None] >= 1.0, np.array([0.55, 0.55, 0.6], np.float32), seen)
    trimap = np.zeros((SIZE, SIZE), np.uint8)
    cv2.circle(trimap, (48, 56), 34, 128, -1)
    trimap[8:30, 36:60] = 128
    trimap[10:28, 38:58] = 255
    return composite(alpha, fg, bg), trimap


def hair_case(seed: int = 0):
    """A brown opaque mass with thin strands of the same brown (alpha-1 cores, soft
    edges) fanning out over a busy background; the trimap's band covers the strands."""
    rng = np.random.default_rng(seed)
    bg = textured_background(seed + 1)
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    cv2.circle(big, (192, 192), 100, 1.0, -1)
    for _ in range(70):
        angle = rng.uniform(0, 2 * np.pi)
        length = rng.uniform(130, 180)
        end = (int(192 + length * np.cos(angle)), int(192 + length * np.sin(angle)))
        cv2.line(big, (192, 192), end, 1.0, 4, cv2.LINE_AA)     # 1 px wide at 96 px
    alpha = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    shade = rng.uniform(0.9, 1.1, (SIZE, SIZE, 1)).astype(np.float32)
    fg = np.clip(np.array([0.45, 0.3, 0.15], np.float32) * shade, 0, 1)
    trimap = np.zeros((SIZE, SIZE), np.uint8)
    cv2.circle(trimap, (48, 48), 46, 128, -1)
    cv2.circle(trimap, (48, 48), 22, 255, -1)
    return composite(alpha, fg, bg), trimap


def opaque_edge_case(seed: int = 0):
    """A plain opaque disc with an anti-aliased edge and a tight band (3 px each side)."""
    bg = textured_background(seed + 2)
    big = np.zeros((SIZE * 4, SIZE * 4), np.float32)
    cv2.circle(big, (192, 192), 120, 1.0, -1)
    alpha = cv2.resize(big, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    fg = np.full((SIZE, SIZE, 3), [0.2, 0.6, 0.3], np.float32)
    trimap = np.zeros((SIZE, SIZE), np.uint8)
    cv2.circle(trimap, (48, 48), 33, 128, -1)
    cv2.circle(trimap, (48, 48), 27, 255, -1)
    return composite(alpha, fg, bg), trimap


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_glass_composite_is_flagged_see_through(seed):
    image, trimap = glass_case(seed)
    settings = InfoFlowSettings()
    share = foreground_explained_share(image, trimap, settings.search_margin)
    assert share < settings.transparency_threshold
    assert looks_see_through(image, trimap, settings) == (share, True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hair_like_strands_are_not_flagged(seed):
    image, trimap = hair_case(seed)
    settings = InfoFlowSettings()
    share, see_through = looks_see_through(image, trimap, settings)
    assert not see_through
    # the strands' colour is the mass's: a good share of the band is explained, not a sliver
    assert share > 3 * settings.transparency_threshold


@pytest.mark.parametrize("case", [glass_case, hair_case, opaque_edge_case])
def test_the_histogram_rule_is_the_papers_score_under_its_threshold(case):
    image, trimap = case()
    settings = InfoFlowSettings(transparency_rule="histogram", histogram_threshold=0.3)
    score = transparency_score(image, trimap, settings.search_margin)
    assert looks_see_through(image, trimap, settings) == (score, score < 0.3)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_tight_band_around_an_opaque_object_is_not_flagged(seed):
    image, trimap = opaque_edge_case(seed)
    share, see_through = looks_see_through(image, trimap, InfoFlowSettings())
    assert not see_through
    assert share > 0.2


def test_edge_cases_of_the_explained_share():
    image, trimap = opaque_edge_case()
    no_band = np.where(trimap == 128, 0, trimap).astype(np.uint8)
    assert foreground_explained_share(image, no_band, 20) == 1.0
    no_foreground = np.where(trimap == 255, 128, trimap).astype(np.uint8)
    assert foreground_explained_share(image, no_foreground, 20) == 0.0


def test_the_session_drops_the_known_to_unknown_flow_on_glass_only():
    session = InfoFlowSession()
    image, trimap = glass_case()
    session.set_image(image)
    session.solve(trimap)
    assert not session.last_report.known_to_unknown
    assert session.last_report.transparency_score < InfoFlowSettings().transparency_threshold
    image, trimap = hair_case()
    session.set_image(image)
    session.solve(trimap)
    assert session.last_report.known_to_unknown
    session = InfoFlowSession(InfoFlowSettings(transparency_test=False))
    image, trimap = glass_case()
    session.set_image(image)
    session.solve(trimap)
    assert session.last_report.known_to_unknown


@pytest.mark.parametrize("changes", [{"transparency_rule": "alpha"},
                                     {"transparency_threshold": 1.5},
                                     {"histogram_threshold": 2.0},
                                     {"transparency_threshold": -0.1}])
def test_bad_transparency_settings_are_refused(changes):
    with pytest.raises(ValueError):
        InfoFlowSettings(**changes)
