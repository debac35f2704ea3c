"""Information-flow matting (matteditor.solvers.infoflow and its engine) on small
synthetic cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.engines import CancelToken, create_engine
from matteditor.errors import Cancelled, EngineError, TrimapError
from matteditor.solvers.infoflow import InfoFlowSession, InfoFlowSettings
from matteditor.solvers.infoflow.lle import lle_weights
from matteditor.solvers.infoflow.trimming import looks_see_through, transparency_score

FG = np.array([0.9, 0.2, 0.1], np.float32)
BG = np.array([0.1, 0.3, 0.8], np.float32)


def ramp_case(h: int = 40, w: int = 60, noise: float = 0.004, seed: int = 0):
    """A soft vertical edge between two colours: alpha rises linearly over 20 columns."""
    rng = np.random.default_rng(seed)
    alpha = np.clip((np.arange(w) - 20) / 20.0, 0, 1).astype(np.float32)[None, :].repeat(h, 0)
    image = alpha[..., None] * FG + (1 - alpha[..., None]) * BG
    image = np.clip(image + rng.normal(0, noise, image.shape), 0, 1).astype(np.float32)
    trimap = np.full((h, w), 128, np.uint8)
    trimap[:, :16] = 0
    trimap[:, 44:] = 255
    return image, trimap, alpha


def test_lle_weights_reproduce_a_colour():
    rng = np.random.default_rng(1)
    centres = rng.uniform(0.3, 0.7, (50, 3))
    # neighbours around each centre, so every centre lies inside their hull
    neighbours = centres[:, None, :] + rng.uniform(-0.2, 0.2, (50, 20, 3))
    w = lle_weights(centres, neighbours, 1e-6)
    assert np.allclose(w.sum(axis=1), 1.0)
    rebuilt = np.einsum("nk,nkd->nd", w, neighbours)
    assert np.abs(rebuilt - centres).max() < 1e-3


def test_lle_weights_of_identical_colours_are_equal():
    w = lle_weights(np.full((3, 3), 0.5), np.full((3, 14, 3), 0.5), 1e-3)
    assert np.allclose(w, 1 / 14)


def test_two_colour_edge_gives_expected_alpha():
    image, trimap, truth = ramp_case()
    session = InfoFlowSession()
    session.set_image(image)
    alpha = session.solve(trimap)
    unknown = trimap == 128
    assert alpha.dtype == np.float32 and alpha.shape == trimap.shape
    assert np.abs(alpha - truth)[unknown].mean() < 0.02
    assert np.abs(alpha - truth)[unknown].max() < 0.08


def test_known_pixels_are_exact():
    image, trimap, _ = ramp_case()
    session = InfoFlowSession()
    session.set_image(image)
    alpha = session.solve(trimap)
    assert np.all(alpha[trimap == 255] == 1.0) and np.all(alpha[trimap == 0] == 0.0)
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0


def translucent_case(h: int = 48, w: int = 48, seed: int = 2):
    """Faintly tinted glass over a textured background: the unknown band shows the
    background's colours; the small foreground (the glass's rim, all of it marked
    foreground) is a colour seen nowhere else."""
    rng = np.random.default_rng(seed)
    background = rng.uniform(0.2, 0.9, (h // 8, w // 8, 3)).repeat(8, 0).repeat(8, 1)
    alpha = np.zeros((h, w), np.float32)
    alpha[8:40, 8:40] = 0.1
    alpha[20:28, 20:28] = 1.0
    rim = np.array([0.05, 0.05, 0.05])
    image = (alpha[..., None] * rim + (1 - alpha[..., None]) * background).astype(np.float32)
    trimap = np.zeros((h, w), np.uint8)
    trimap[6:42, 6:42] = 128
    trimap[20:28, 20:28] = 255
    return image, trimap


def test_transparency_switch_fires_on_translucent_case_only():
    session = InfoFlowSession()
    image, trimap = translucent_case()
    session.set_image(image)
    session.solve(trimap)
    assert not session.last_report.known_to_unknown
    assert looks_see_through(image, trimap, InfoFlowSettings())[1]
    # the paper's histogram rule fires on it too
    assert transparency_score(image, trimap, 20) < InfoFlowSettings().histogram_threshold
    image, trimap, _ = ramp_case()
    session.set_image(image)
    session.solve(trimap)
    assert session.last_report.known_to_unknown
    # switched off, the test never drops the term
    session = InfoFlowSession(InfoFlowSettings(transparency_test=False))
    image, trimap = translucent_case()
    session.set_image(image)
    session.solve(trimap)
    assert session.last_report.known_to_unknown


def test_cancelled_solve_leaves_session_usable():
    image, trimap, _ = ramp_case()
    expected = InfoFlowSession()
    expected.set_image(image)
    expected_alpha = expected.solve(trimap)
    session = InfoFlowSession()
    session.set_image(image)
    calls = []

    def hook(fraction: float) -> None:
        calls.append(fraction)
        if len(calls) == 3:
            raise Cancelled("stop")

    with pytest.raises(Cancelled):
        session.solve(trimap, hook)
    assert session.last_report is None
    alpha = session.solve(trimap)
    assert np.abs(alpha - expected_alpha).max() < 1e-6


def two_groups_case():
    """Two separate soft edges of different colour pairs (no colour shared between them)."""
    image1, trimap1, _ = ramp_case(40, 60, seed=3)
    image2, trimap2, _ = ramp_case(40, 60, seed=4)
    image2 = image2[:, ::-1, ::-1] * 0.5 + 0.25          # other colours, edge mirrored
    image = np.concatenate([image1, np.full((40, 40, 3), 0.5, np.float32), image2], axis=1)
    trimap = np.concatenate([trimap1, np.zeros((40, 40), np.uint8), trimap2[:, ::-1]], axis=1)
    return np.ascontiguousarray(image), np.ascontiguousarray(trimap)


def test_tiled_solve_equals_untiled_one():
    image, trimap = two_groups_case()
    # exact searches: approximate ones may pick other neighbours in a larger tree
    settings = InfoFlowSettings(rtol=1e-8, max_iterations=1000, search_eps=0.0)
    tiled, whole = InfoFlowSession(settings), InfoFlowSession(settings, tiled=False)
    for s in (tiled, whole):
        s.set_image(image)
    a, b = tiled.solve(trimap), whole.solve(trimap)
    assert tiled.last_report.tiles == 2 and whole.last_report.tiles == 1
    assert np.abs(a - b).max() < 1e-4


def test_second_solve_reuses_image_work_and_unchanged_tiles():
    image, trimap = two_groups_case()
    session = InfoFlowSession(InfoFlowSettings(patch_trimming=True))
    session.set_image(image)
    first = session.solve(trimap)
    work = session.image_work
    assert work.patch_builds == 1
    edited = trimap.copy()
    edited[:, 118:122] = 255          # only the right-hand group's trimap changes
    second = session.solve(edited)
    assert session.image_work is work and work.patch_builds == 1 and session.image_builds == 1
    assert session.last_report.tiles == 2 and session.last_report.solved_tiles == 1
    assert np.array_equal(first[:, :70], second[:, :70])
    session.set_image(image)             # a new image starts over
    assert session.image_builds == 2 and session.image_work is not work


@pytest.mark.parametrize("changes", [dict(cm_neighbours=0), dict(ku_weight=-1.0),
                                     dict(rtol=0.0), dict(search_margin=1),
                                     dict(epsilon=float("nan")),
                                     dict(cm_weight=0.0, uu_weight=0.0, local_weight=0.0)])
def test_settings_are_validated(changes):
    with pytest.raises(ValueError):
        InfoFlowSettings(**changes)


def test_errors_say_what_to_do():
    session = InfoFlowSession()
    with pytest.raises(EngineError, match="set_image"):
        session.solve(np.zeros((4, 4), np.uint8))
    image, trimap, _ = ramp_case()
    session.set_image(image)
    with pytest.raises(TrimapError):
        session.solve(trimap[:10])
    with pytest.raises(TrimapError, match="paint"):
        session.solve(np.full_like(trimap, 128))


def test_every_flow_can_be_switched_off():
    image, trimap, truth = ramp_case()
    for changes in (dict(cm_weight=0.0), dict(ku_weight=0.0), dict(uu_weight=0.0),
                    dict(local_weight=0.0), dict(edge_trimming=True)):
        # from the paper's four flows (the defaults leave two of them off)
        session = InfoFlowSession(InfoFlowSettings(**{"cm_weight": 1.0, "uu_weight": 0.01,
                                                      **changes}))
        session.set_image(image)
        alpha = session.solve(trimap)
        assert np.abs(alpha - truth)[trimap == 128].mean() < 0.05, changes


def test_engine_is_registered_and_keeps_its_session():
    engine = create_engine("information-flow")
    image, trimap, truth = ramp_case()
    progress = []
    alpha = engine.estimate(image, trimap, progress=lambda f, m: progress.append(f))
    assert np.abs(alpha - truth)[trimap == 128].mean() < 0.02
    assert progress and progress[-1] == 1.0
    engine.estimate(image, trimap)
    assert engine.session.image_builds == 1


def test_approximate_neighbour_searches_give_the_exact_searches_matte():
    image, trimap, _ = ramp_case()
    alphas = []
    for eps in (0.0, InfoFlowSettings().search_eps):
        session = InfoFlowSession(InfoFlowSettings(search_eps=eps, cm_weight=1.0, uu_weight=0.01))
        session.set_image(image)
        alphas.append(session.solve(trimap))
    assert InfoFlowSettings().search_eps > 0
    assert np.abs(alphas[0] - alphas[1]).max() < 0.02


def test_local_and_known_to_unknown_flows_alone_are_solved_directly():
    # without the colour-mixture and intra-unknown flows the preconditioner is the
    # system itself: one solve with its factor, the same matte as conjugate gradients
    # on a system that differs by a negligible intra-unknown flow
    image, trimap, truth = ramp_case()
    alphas, reports = [], []
    for changes in (dict(uu_weight=0.0), dict(uu_weight=1e-12, rtol=1e-10)):
        session = InfoFlowSession(InfoFlowSettings(**changes))
        session.set_image(image)
        alphas.append(session.solve(trimap))
        reports.append(session.last_report.iterations)
    assert reports[0] == 0
    assert np.abs(alphas[0] - alphas[1]).max() < 1e-4
    assert np.abs(alphas[0] - truth)[trimap == 128].mean() < 0.02


def test_choose_engine_sends_bands_beyond_the_measured_size_to_the_default(monkeypatch):
    import matteditor.engines as engines

    image, trimap, _ = ramp_case()            # 40 x 60, 28 unknown columns
    unknown = int((trimap == 128).sum())
    assert engines.choose_engine(image, trimap) == "information-flow"
    monkeypatch.setattr(engines.policy, "INFOFLOW_MAX_UNKNOWN", unknown - 1)
    assert engines.choose_engine(image, trimap) == engines.fallback_engine_name() == "fast-cf"
    monkeypatch.setattr(engines.policy, "INFOFLOW_MAX_UNKNOWN", unknown)
    assert engines.choose_engine(image, trimap) == "information-flow"
    with pytest.raises(EngineError):
        engines.choose_engine(image[:10], trimap)


def long_band_case():
    """A tall soft edge (one tile) and its trimap with a small foreground stroke in the band."""
    image, band, _ = ramp_case(200, 60, seed=5)
    edited = band.copy()
    edited[97:105, 26:32] = 255
    return image, band, edited


def test_local_solve_answers_near_the_stroke_and_refine_gives_the_exact_matte():
    from matteditor.geometry import Rect

    image, band, edited = long_band_case()
    tight = InfoFlowSettings(rtol=1e-8, max_iterations=1000)    # equal answers, not CG noise
    exact = InfoFlowSession(tight)
    exact.set_image(image)
    before, full = exact.solve(band), exact.solve(edited)
    session = InfoFlowSession(tight, local_margin=24)
    session.set_image(image)
    session.solve(band)
    assert not session.approximate and session.refine() is None     # first solve: exact
    local = session.solve(edited, changed=Rect.of_diff(band, edited))
    report = session.last_report
    unknown = edited == 128
    assert report.local_tiles == 1 and report.solved_pixels < unknown.sum() / 2
    assert session.approximate and np.all(local[edited == 255] == 1)
    # far from the stroke the previous answer stands; near it, most of the change is there
    np.testing.assert_array_equal(local[:60], before[:60])
    near = unknown.copy()
    near[:85] = near[117:] = False                   # 12 rows either side of the stroke
    assert np.abs(local - full)[near].mean() < 0.4 * np.abs(before - full)[near].mean()
    refined = session.refine()
    assert not session.approximate and np.abs(refined - full).max() < 1e-4
    np.testing.assert_array_equal(session.solve(edited), refined)   # the session's from now on
    assert session.last_report.solved_tiles == 0


def test_information_flow_engine_answers_a_stroke_locally_first():
    from matteditor.engines import EngineOptions
    from matteditor.geometry import Rect

    image, band, edited = long_band_case()
    engine = create_engine("information-flow", options=EngineOptions(local_margin=24))
    assert engine.capabilities.local_first
    engine.set_image(image)
    assert engine.predict(band).exact
    first = engine.predict(edited, Rect.of_diff(band, edited))
    assert not first.exact
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        engine.refine(cancel=cancel)
    refined = engine.refine()
    reference = create_engine("information-flow").estimate(image, edited)
    assert np.abs(refined - reference).max() < 0.01      # both to the engine's CG tolerance
    assert engine.refine() is None


def test_unreached_share_tells_a_band_from_scribbles():
    from matteditor.solvers.infoflow import unreached_share

    _, band, _ = ramp_case(200, 60)                 # a 28-column band: all within reach
    assert unreached_share(band, 20) == 0.0
    scribbles = np.full((200, 300), 128, np.uint8)
    scribbles[100:104, 50:250] = 255
    share = unreached_share(scribbles, 20)
    assert 0.5 < share < 1.0
    assert unreached_share(np.zeros((10, 10), np.uint8), 20) == 0.0    # nothing unknown


@pytest.mark.parametrize("changes", [dict(), dict(cm_weight=1.0), dict(local_weight=2.0)])
def test_matrix_free_path_gives_the_factorized_paths_matte(changes):
    """The torch path (CUDA's; forced here on the CPU) solves the same system."""
    from dataclasses import replace

    image, trimap = two_groups_case()
    base = InfoFlowSettings(rtol=1e-9, max_iterations=2000, **changes)
    answers = []
    for method in ("direct", "iterative"):
        session = InfoFlowSession(replace(base, method=method))
        session.set_image(image)
        answers.append(session.solve(trimap))
    assert np.abs(answers[0] - answers[1])[trimap == 128].max() < 1e-5
    assert np.all(answers[1][trimap == 255] == 1) and np.all(answers[1][trimap == 0] == 0)


def test_without_cholmod_the_matrix_free_path_takes_over(monkeypatch):
    from matteditor.solvers import cholmod
    from matteditor.solvers.infoflow import matrix_free

    image, trimap, truth = ramp_case()
    used = []
    solve = matrix_free.solve_tile_matrix_free
    monkeypatch.setattr(matrix_free, "solve_tile_matrix_free",
                        lambda *a, **k: used.append(1) or solve(*a, **k))
    monkeypatch.setattr(cholmod, "available", lambda: False)
    session = InfoFlowSession()
    session.set_image(image)
    alpha = session.solve(trimap)
    assert used and np.abs(alpha - truth)[trimap == 128].mean() < 0.02
