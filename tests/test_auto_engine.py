"""The default engine ``auto``: the per-case policy (choose_engine) behind the engine
interface, as the command line, the editor and projects use it."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor import engines
from matteditor.engines import CancelToken, EngineOptions, create_engine
from matteditor.errors import Cancelled, EngineError
from matteditor.geometry import Rect
from matteditor.live import LiveMatte, LiveRequest, ResultKind

FG = np.array([0.9, 0.2, 0.1], np.float32)
BG = np.array([0.1, 0.3, 0.8], np.float32)


def band_case(h: int = 160, w: int = 60):
    """A tall soft edge between two colours, its trimap (a 28-column band) and a small
    foreground stroke in the band."""
    rng = np.random.default_rng(2)
    alpha = np.clip((np.arange(w) - 20) / 20.0, 0, 1).astype(np.float32)[None, :].repeat(h, 0)
    image = alpha[..., None] * FG + (1 - alpha[..., None]) * BG
    image = np.clip(image + rng.normal(0, 0.004, image.shape), 0, 1).astype(np.float32)
    trimap = np.full((h, w), 128, np.uint8)
    trimap[:, :16] = 0
    trimap[:, 44:] = 255
    stroke = trimap.copy()
    stroke[77:85, 26:32] = 255
    return image, trimap, stroke


def test_auto_is_the_default_and_answers_with_the_engine_the_policy_picks(monkeypatch):
    assert engines.default_engine_name() == "auto"
    image, trimap, _ = band_case()
    auto = create_engine("auto")
    alpha = auto.estimate(image, trimap)
    assert auto.answered_by == "information-flow" == engines.choose_engine(image, trimap)
    np.testing.assert_array_equal(alpha, create_engine("information-flow").estimate(image, trimap))
    # a band beyond the size information-flow was measured on goes to the fallback
    monkeypatch.setattr(engines.policy, "INFOFLOW_MAX_UNKNOWN", 100)
    alpha = auto.estimate(image, trimap)
    assert auto.answered_by == "fast-cf"
    np.testing.assert_allclose(alpha, create_engine("fast-cf").estimate(image, trimap), atol=1e-6)


def test_auto_answers_a_stroke_locally_then_exactly_with_the_same_session():
    image, trimap, stroke = band_case()
    auto = create_engine("auto", options=EngineOptions(local_margin=16))
    auto.set_image(image)
    assert auto.predict(trimap).exact
    session = auto.session("information-flow")
    local = auto.predict(stroke, Rect.of_diff(trimap, stroke))
    assert not local.exact and auto.session("information-flow") is session
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        auto.refine(cancel=cancel)
    refined = auto.refine()
    reference = create_engine("information-flow").estimate(image, stroke)
    assert np.abs(refined - reference).max() < 0.01       # both to the engine's CG tolerance


def test_a_change_of_engine_is_answered_exactly(monkeypatch):
    image, trimap, stroke = band_case()
    auto = create_engine("auto", options=EngineOptions(local_margin=16))
    auto.set_image(image)
    auto.predict(trimap)
    assert auto.answered_by == "information-flow"
    monkeypatch.setattr(engines.policy, "INFOFLOW_MAX_UNKNOWN", 100)
    # fast-cf has not seen the previous trimap: the changed region does not apply to it
    prediction = auto.predict(stroke, Rect.of_diff(trimap, stroke))
    assert auto.answered_by == "fast-cf" and prediction.exact


def test_the_live_pipeline_says_which_engine_answered():
    image, trimap, stroke = band_case()
    live = LiveMatte(options=EngineOptions(local_margin=16))
    live.set_image(image)
    results = list(live.run(LiveRequest(1, trimap, None, "auto", preview=False,
                                        foreground=False)))
    assert [r.kind for r in results] == [ResultKind.EXACT]
    assert results[0].engine == "information-flow"
    results = list(live.run(LiveRequest(2, stroke, Rect.of_diff(trimap, stroke), "auto",
                                        preview=False, foreground=False)))
    assert [r.kind for r in results] == [ResultKind.LOCAL, ResultKind.EXACT]
    assert {r.engine for r in results} == {"information-flow"}


def test_scribbles_go_to_the_fallback_and_wide_bands_do_not():
    image = np.zeros((600, 800, 3), np.float32)
    scribbles = np.full((600, 800), 128, np.uint8)
    scribbles[295:305, 100:700] = 255          # two strokes, the rest unknown
    scribbles[95:105, 100:700] = 0
    assert engines.choose_engine(image, scribbles) == "fast-cf"
    # 90% unknown, but every unknown pixel within the searches' reach (20 px) of a known
    # one, as in eval-dev's crops of hair: information-flow
    combs = np.full((600, 800), 128, np.uint8)
    combs[:, ::30] = 255
    combs[::30, 15::30] = 0
    assert (combs == 128).mean() > 0.9
    assert engines.choose_engine(image, combs) == "information-flow"
    # a wide band (200 px: mostly beyond reach) on a photo mostly known: information-flow
    wide = np.zeros((600, 800), np.uint8)
    wide[:, 500:] = 255
    wide[:, 300:500] = 128
    assert engines.choose_engine(image, wide) == "information-flow"


def test_the_preview_is_solved_by_the_engine_that_answers_at_full_size():
    rng = np.random.default_rng(0)
    image = rng.random((600, 800, 3), dtype=np.float32)
    scribbles = np.full((600, 800), 128, np.uint8)
    scribbles[295:305, 100:700] = 255
    scribbles[95:105, 100:700] = 0
    small = scribbles[::5, ::5]       # reduced, the same strokes are mostly within reach
    assert engines.choose_engine(image[::5, ::5], small) == "information-flow"
    live = LiveMatte(preview_side=160)
    live.set_image(image)
    results = list(live.run(LiveRequest(1, scribbles, None, "auto", foreground=False)))
    assert [r.kind for r in results] == [ResultKind.PREVIEW, ResultKind.EXACT]
    assert {r.engine for r in results} == {"fast-cf"}


def test_auto_runs_each_engine_on_its_own_default_device(monkeypatch):
    """On a CUDA machine fast-cf defaults to CUDA and information-flow to the CPU (its
    CUDA path is not measured yet): auto keeps each engine's default unless asked."""
    from matteditor.engines.fast_cf import FastClosedFormEngine
    from matteditor.engines.information_flow import InformationFlowEngine

    monkeypatch.setattr(FastClosedFormEngine, "devices", classmethod(lambda c: ("cuda", "cpu")))
    monkeypatch.setattr(InformationFlowEngine, "devices", classmethod(lambda c: ("cpu", "cuda")))
    image, _, _ = band_case()
    auto = create_engine("auto")
    assert auto.device == "cuda"
    auto.set_image(image)
    assert auto.session("information-flow").device == "cpu"
    asked = create_engine("auto", "cpu")          # another device asked for: every engine
    asked.set_image(image)
    assert asked.session("fast-cf").device == "cpu"


def test_auto_made_for_a_device_runs_every_engine_there_even_the_default_one(monkeypatch):
    """``--engine auto --device cuda`` on a CUDA machine: cuda is fast-cf's default, but
    it was asked for, so information-flow (CPU by default) runs there too (issue 24, item 5)."""
    from matteditor.engines.fast_cf import FastClosedFormEngine
    from matteditor.engines.information_flow import InformationFlowEngine

    monkeypatch.setattr(FastClosedFormEngine, "devices", classmethod(lambda c: ("cuda", "cpu")))
    monkeypatch.setattr(InformationFlowEngine, "devices", classmethod(lambda c: ("cpu", "cuda")))
    image, _, _ = band_case()
    asked = create_engine("auto", "cuda")
    asked.set_image(image)
    assert asked.session("information-flow").device == "cuda"
    assert asked.session("fast-cf").device == "cuda"


def test_auto_refuses_to_move_an_engine_off_the_device_asked_for(monkeypatch):
    from matteditor.engines.fast_cf import FastClosedFormEngine
    from matteditor.engines.information_flow import InformationFlowEngine

    monkeypatch.setattr(FastClosedFormEngine, "devices", classmethod(lambda c: ("cuda", "cpu")))
    monkeypatch.setattr(InformationFlowEngine, "devices", classmethod(lambda c: ("cpu",)))
    image, _, _ = band_case()
    asked = create_engine("auto", "cuda")
    asked.set_image(image)
    with pytest.raises(EngineError, match="information-flow.*cuda"):
        asked.session("information-flow")


def test_the_prediction_names_the_engine_that_answered():
    image, trimap, _ = band_case()
    auto = create_engine("auto")
    auto.set_image(image)
    prediction = auto.predict(trimap)
    assert prediction.engine == "information-flow" == auto.answered_by
    plain = create_engine("fast-cf")
    plain.set_image(image)
    assert plain.predict(trimap).engine == "fast-cf"


def test_engine_settings_reach_the_engines_auto_runs_through_the_options():
    from matteditor.solvers.infoflow import InfoFlowSettings
    from matteditor.solvers.settings import CFSettings

    options = EngineOptions(closed_form=CFSettings(max_factor_mb=7, rtol=1e-4),
                            information_flow=InfoFlowSettings(rtol=1e-5), scribbles=None)
    image, _, _ = band_case()
    auto = create_engine("auto", options=options)
    auto.set_image(image)
    fast = auto.session("fast-cf")
    assert fast.settings == options.closed_form and fast.coarse is None
    assert auto.session("information-flow").session.settings == options.information_flow


def test_no_network_engine_offers_a_preview():
    """A network's answer on a reduced photo differs from its answer at full size: the
    networks declare no preview, so the pipeline previews them with the classical fallback."""
    from matteditor.engines.registry import NEEDS_TORCH, all_engines

    engines_ = all_engines()
    networks = [engines_[name] for name in NEEDS_TORCH if name in engines_]
    assert networks and not any(cls.capabilities.preview for cls in networks)
