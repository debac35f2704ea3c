"""The classical engines through the engine interface, cancellation and the registry."""

import numpy as np
import pytest

from matteditor.engines import (
    CancelToken, all_engines, available_engines, create_engine, default_engine_name)
from matteditor.engines.classical import CLASSICAL_ENGINES
from matteditor.errors import Cancelled, EngineError, TrimapError
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN


def _scene(h=48, w=48):
    """Red foreground over blue background with a soft vertical edge, its trimap and alpha.

    (At least 41 px a side: pymatting's large-kernel Laplacian (radius 10) asserts that.)
    """
    x = np.arange(w, dtype=np.float32)
    true_alpha = np.clip((20 - x) / 8, 0, 1)[None, :].repeat(h, 0)
    fg = np.array([0.9, 0.1, 0.1], np.float32)
    bg = np.array([0.1, 0.2, 0.9], np.float32)
    image = true_alpha[..., None] * fg + (1 - true_alpha[..., None]) * bg
    trimap = np.full((h, w), UNKNOWN, np.uint8)
    trimap[:, :10] = FOREGROUND
    trimap[:, 22:] = BACKGROUND
    return image.astype(np.float32), trimap, true_alpha


@pytest.mark.parametrize("cls", CLASSICAL_ENGINES, ids=lambda c: c.name)
def test_engine_returns_a_clamped_alpha_that_falls_from_foreground_to_background(cls):
    image, trimap, truth = _scene()
    alpha = cls().estimate(image, trimap)
    assert alpha.shape == trimap.shape and alpha.dtype == np.float32
    assert (alpha[trimap == FOREGROUND] == 1.0).all()
    assert (alpha[trimap == BACKGROUND] == 0.0).all()
    assert 0.0 <= alpha.min() and alpha.max() <= 1.0
    # Unknown columns 10..21: the side next to the foreground is more opaque.
    assert alpha[:, 10:14].mean() > 0.6 and alpha[:, 18:22].mean() < 0.4


def test_closed_form_recovers_a_linear_blend_exactly():
    # Two-colour blends satisfy the colour-line model, where closed-form matting is exact.
    image, trimap, truth = _scene()
    alpha = create_engine("closed-form").estimate(image, trimap)
    np.testing.assert_allclose(alpha, truth, atol=1e-3)


def test_progress_follows_the_solve_from_the_laplacian_to_done():
    image, trimap, _ = _scene()
    seen = []
    create_engine("closed-form").estimate(image, trimap,
                                          progress=lambda f, m: seen.append((f, m)))
    assert seen[0] == (0.0, "Closed-form: building the Laplacian")
    # the conjugate-gradient iterations report how far the residual has come down
    solving = [f for f, m in seen if m == "Closed-form: solving"]
    assert len(solving) >= 3 and all(0.0 <= f < 1.0 for f in solving)
    assert solving[-1] > 0.5 and solving == sorted(solving)


@pytest.mark.parametrize("cls", CLASSICAL_ENGINES, ids=lambda c: c.name)
def test_a_cancelled_token_stops_the_engine_before_it_starts(cls):
    image, trimap, _ = _scene()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        cls().estimate(image, trimap, cancel=token)


def test_cancelling_during_the_solve_stops_between_iterations():
    image, trimap, _ = _scene()
    token = CancelToken()
    calls = []

    def progress(fraction, message):
        calls.append(message)
        if "solving" in message:
            token.cancel()  # as the UI would, from another thread, mid-solve

    with pytest.raises(Cancelled):
        create_engine("closed-form").estimate(image, trimap, progress=progress, cancel=token)
    assert sum("solving" in m for m in calls) == 1  # stopped at the next iteration


def test_trimap_without_unknown_pixels_gives_the_trimap_itself():
    image, trimap, _ = _scene()
    known = np.where(trimap == UNKNOWN, FOREGROUND, trimap).astype(np.uint8)
    alpha = create_engine("closed-form").estimate(image, known)
    np.testing.assert_array_equal(alpha, (known == FOREGROUND).astype(np.float32))


def test_trimap_of_another_size_is_refused_naming_both_sizes():
    image, trimap, _ = _scene()
    with pytest.raises(TrimapError, match="48x10"):
        create_engine("closed-form").estimate(image, trimap[:10])


def test_all_unknown_trimap_is_refused():
    image, trimap, _ = _scene()
    with pytest.raises(TrimapError, match="paint"):
        create_engine("closed-form").estimate(image, np.full_like(trimap, UNKNOWN))


def test_registry_lists_every_classical_engine_as_available():
    names = {cls.name for cls in CLASSICAL_ENGINES}
    assert names <= set(all_engines())
    assert names <= set(available_engines())
    assert default_engine_name() in available_engines()


def test_unknown_engine_name_is_refused_with_the_known_ones():
    with pytest.raises(EngineError, match="closed-form"):
        create_engine("no-such-engine")


def test_unsupported_device_is_refused_with_the_supported_ones():
    with pytest.raises(EngineError, match="cpu"):
        create_engine("closed-form", device="quantum")


@pytest.mark.parametrize("cls", CLASSICAL_ENGINES, ids=lambda c: c.name)
def test_an_engine_runs_on_the_devices_it_lists_and_refuses_others(cls):
    for device in cls.info().devices:
        assert create_engine(cls.name, device).device == device
    with pytest.raises(ValueError, match="cannot run on 'quantum'"):
        cls(device="quantum")


def test_closed_form_refuses_an_image_thinner_than_its_window_at_once():
    image = np.full((2, 60, 3), 0.5, np.float32)
    trimap = np.full((2, 60), UNKNOWN, np.uint8)
    trimap[:, 0], trimap[:, -1] = BACKGROUND, FOREGROUND
    # Without the check pymatting runs 10000 CG iterations on a singular system first.
    with pytest.raises(EngineError, match="at least 3x3 pixels; this one is 60x2"):
        create_engine("closed-form").estimate(image, trimap)


def test_solver_warnings_stay_off_the_terminal(capfd):
    # A case where pymatting's preconditioner fails and prints a "PERFORMANCE
    # WARNING" to stdout (the solve still converges).
    image = np.random.default_rng(0).random((5, 7, 3)).astype(np.float32)
    trimap = np.full((5, 7), UNKNOWN, np.uint8)
    trimap.flat[0], trimap.flat[-1] = BACKGROUND, FOREGROUND
    alpha = create_engine("closed-form").estimate(image, trimap)
    assert alpha.shape == (5, 7) and np.isfinite(alpha).all()
    out, err = capfd.readouterr()
    assert out == "" and err == ""
