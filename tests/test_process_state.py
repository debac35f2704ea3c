"""Worker threads leave process-wide state alone (issue 24, item 3): a solve on the
editor's solver thread must not swap ``sys.stdout``, the warning filters, torch's
thread count or Pillow's size limit under the other threads' feet."""

from __future__ import annotations

import logging
import sys
import warnings

import numpy as np
import pytest

from matteditor.engines import create_engine
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN


def _preconditioner_failure_case() -> tuple[np.ndarray, np.ndarray]:
    """Random colours with one known pixel each: pymatting's incomplete Cholesky fails
    once and prints a "PERFORMANCE WARNING" (the solve still converges)."""
    image = np.random.default_rng(0).random((5, 7, 3)).astype(np.float32)
    trimap = np.full((5, 7), UNKNOWN, np.uint8)
    trimap.flat[0], trimap.flat[-1] = BACKGROUND, FOREGROUND
    return image, trimap


def test_a_classical_solve_keeps_stdout_and_the_warning_filters_of_the_process():
    image, trimap = _preconditioner_failure_case()
    stdout, filters = sys.stdout, list(warnings.filters)
    during = []

    def progress(fraction: float, message: str) -> None:   # runs inside the solve
        during.append((sys.stdout is stdout, warnings.filters == filters))

    create_engine("closed-form").estimate(image, trimap, progress=progress)
    assert during and all(same_out and same_filters for same_out, same_filters in during)


def test_the_preconditioners_message_goes_to_the_debug_log_not_the_terminal(capfd, caplog):
    image, trimap = _preconditioner_failure_case()
    with caplog.at_level(logging.DEBUG, logger="matteditor"):
        alpha = create_engine("closed-form").estimate(image, trimap)
    assert np.isfinite(alpha).all()
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert any("PERFORMANCE WARNING" in r.getMessage() for r in caplog.records)


def test_the_fusion_networks_classical_inputs_keep_stdout():
    from matteditor.nn.fusion_inputs import classical_alphas

    image, trimap = _preconditioner_failure_case()
    image = np.repeat(np.repeat(image, 4, 0), 4, 1)
    trimap = np.repeat(np.repeat(trimap, 4, 0), 4, 1)
    stdout = sys.stdout
    seen = []
    import pymatting

    original = pymatting.estimate_alpha_cf

    def spy(*args, **kwargs):
        seen.append(sys.stdout is stdout)
        return original(*args, **kwargs)

    pymatting.estimate_alpha_cf = spy
    try:
        out = classical_alphas(image, trimap, scale=1)
    finally:
        pymatting.estimate_alpha_cf = original
    assert seen == [True] and out.shape == (2, 20, 28)


def test_an_iterative_closed_form_solve_leaves_torchs_thread_count_alone():
    torch = pytest.importorskip("torch")
    from matteditor.solvers.closed_form import Problem, solve_closed_form
    from matteditor.solvers.settings import CFSettings

    image, trimap = _preconditioner_failure_case()
    image = np.repeat(np.repeat(image, 8, 0), 8, 1)
    solve = np.ones(image.shape[:2], bool)
    solve[0, 0] = solve[-1, -1] = False
    fixed = np.zeros(solve.shape, np.float32)
    fixed[-1, -1] = 1.0
    before = torch.get_num_threads()
    wanted = 2 if before == 1 else before     # a count other than the old per-solve 1
    torch.set_num_threads(wanted)
    seen = []
    try:
        solve_closed_form(Problem(image, fixed, solve), CFSettings(method="iterative"), "cpu",
                          hook=lambda f: seen.append(torch.get_num_threads()))
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    assert seen and set(seen) == {wanted} and after == wanted


def test_reading_an_image_never_changes_pillows_limit(tmp_path, monkeypatch):
    from PIL import Image

    from matteditor.imageio import load_image, save_image

    save_image(tmp_path / "photo.png", np.full((4, 6, 3), 0.5, np.float32))
    limit = Image.MAX_IMAGE_PIXELS
    opened = Image.open
    seen = []

    def spy(*args, **kwargs):
        seen.append(Image.MAX_IMAGE_PIXELS)
        return opened(*args, **kwargs)

    monkeypatch.setattr(Image, "open", spy)
    load_image(tmp_path / "photo.png")
    assert seen == [limit] and Image.MAX_IMAGE_PIXELS == limit
