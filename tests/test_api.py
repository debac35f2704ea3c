"""The public Python API (issue 25): ``matteditor.estimate_alpha``, ``estimate_foreground``
and ``cutout`` on arrays or paths, through the core's own pipeline, with actionable errors,
and an ``import matteditor`` that loads neither Qt nor torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import matteditor
from matteditor.engines import create_engine
from matteditor.errors import EngineError, ImageLoadError, MatteError, TrimapError
from matteditor.foreground import estimate_foreground as core_foreground
from matteditor.imageio import load_image, load_mask, load_trimap, save_image

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "sample"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[np.ndarray, np.ndarray, Path, Path]:
    """The sample photo and trimap reduced to 150 x 100: uint8 arrays and the files."""
    image = load_image(SAMPLE / "sample.jpg")
    trimap = load_trimap(SAMPLE / "sample_trimap.png", image.shape[:2])
    image8 = cv2.resize(np.rint(image * 255).astype(np.uint8), (150, 100),
                        interpolation=cv2.INTER_AREA)
    trimap8 = cv2.resize(trimap, (150, 100), interpolation=cv2.INTER_NEAREST)
    folder = tmp_path_factory.mktemp("api")
    save_image(folder / "photo.png", image8)
    save_image(folder / "trimap.png", trimap8)
    return image8, trimap8, folder / "photo.png", folder / "trimap.png"


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\n"
                          "print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_matteditor_loads_no_qt_no_torch_and_no_solvers():
    loaded = _modules_after("import matteditor")
    assert not {"torch", "PySide6", "numba", "pymatting", "matteditor.api"} & loaded


def test_a_classical_engine_through_the_api_never_loads_torch_or_qt(small):
    code = ("import numpy as np, matteditor\n"
            "image = np.random.default_rng(0).random((24, 30, 3))\n"
            "trimap = np.full((24, 30), 128, np.uint8); trimap[:, :8] = 0; trimap[:, -8:] = 255\n"
            "alpha = matteditor.estimate_alpha(image, trimap, engine='closed-form')\n"
            "assert alpha.shape == (24, 30)")
    loaded = _modules_after(code)
    assert "matteditor.api" in loaded
    assert not {"torch", "PySide6"} & loaded


def test_estimate_alpha_is_the_engines_own_answer(small):
    image8, trimap8, _, _ = small
    alpha = matteditor.estimate_alpha(image8, trimap8, engine="closed-form")
    expected = create_engine("closed-form").estimate(image8.astype(np.float32) / 255, trimap8)
    assert alpha.dtype == np.float32 and alpha.shape == trimap8.shape
    np.testing.assert_allclose(alpha, expected, atol=1e-6)
    assert (alpha[trimap8 == 255] == 1).all() and (alpha[trimap8 == 0] == 0).all()
    unknown = alpha[trimap8 == 128]
    assert 0.05 < unknown.mean() < 0.95 and unknown.std() > 0.1   # a real matte, not a fill


def test_uint8_float_and_path_inputs_give_the_same_alpha(small):
    image8, trimap8, photo, trimap_file = small
    from_uint8 = matteditor.estimate_alpha(image8, trimap8, engine="closed-form")
    as_float = trimap8.astype(np.float64) / 255     # pymatting's float trimap: 0, ~0.5, 1
    from_float = matteditor.estimate_alpha(image8.astype(np.float64) / 255, as_float,
                                           engine="closed-form")
    from_paths = matteditor.estimate_alpha(str(photo), trimap_file, engine="closed-form")
    np.testing.assert_allclose(from_float, from_uint8, atol=1e-5)
    np.testing.assert_allclose(from_paths, from_uint8, atol=1e-5)


def test_the_default_engine_is_auto_and_answers(small):
    image8, trimap8, _, _ = small
    alpha = matteditor.estimate_alpha(image8, trimap8)
    expected = create_engine("auto").estimate(image8.astype(np.float32) / 255, trimap8)
    np.testing.assert_allclose(alpha, expected, atol=1e-5)


def test_an_engine_session_can_be_reused_across_calls(small):
    image8, trimap8, _, _ = small
    session = create_engine("closed-form")
    first = matteditor.estimate_alpha(image8, trimap8, engine=session)
    assert session.image is not None    # the photo's session work stays with the caller
    again = matteditor.estimate_alpha(image8, trimap8, engine=session)
    np.testing.assert_array_equal(first, again)


def test_estimate_foreground_is_the_cores_decontamination(small):
    image8, trimap8, photo, _ = small
    alpha = matteditor.estimate_alpha(image8, trimap8, engine="closed-form")
    fg = matteditor.estimate_foreground(photo, np.rint(alpha * 255).astype(np.uint8))
    expected = core_foreground(image8.astype(np.float32) / 255,
                               np.rint(alpha * 255).astype(np.float32) / 255)
    assert fg.shape == image8.shape and fg.dtype == np.float32
    np.testing.assert_allclose(fg, expected, atol=1e-5)


def test_cutout_writes_an_rgba_png_whose_alpha_is_the_matte(small, tmp_path):
    image8, trimap8, photo, trimap_file = small
    out = tmp_path / "cutout.png"
    rgba = matteditor.cutout(photo, trimap_file, out, engine="closed-form")
    alpha = matteditor.estimate_alpha(image8, trimap8, engine="closed-form")
    assert rgba.shape == (100, 150, 4)
    np.testing.assert_allclose(rgba[..., 3], alpha, atol=1e-6)
    np.testing.assert_allclose(load_mask(out), alpha, atol=0.5 / 255 + 1e-6)
    # the colours are decontaminated: they differ from the photo where alpha is partial
    partial = (alpha > 0.1) & (alpha < 0.9)
    photo_rgb = image8.astype(np.float32) / 255
    assert np.abs(rgba[..., :3][partial] - photo_rgb[partial]).mean() > 0.005


def test_cutout_with_an_alpha_keeps_that_alpha(small):
    image8, trimap8, _, _ = small
    alpha = np.linspace(0, 1, trimap8.size, dtype=np.float32).reshape(trimap8.shape)
    rgba = matteditor.cutout(image8, alpha, foreground=False)
    np.testing.assert_array_equal(rgba[..., 3], alpha)
    np.testing.assert_allclose(rgba[..., :3], image8 / 255, atol=1e-6)


def test_cutout_reads_a_three_level_array_as_a_trimap_unless_told_otherwise(small):
    image8, trimap8, _, _ = small
    solved = matteditor.cutout(image8, trimap8, engine="closed-form", foreground=False)
    assert 0 < (solved[..., 3][trimap8 == 128]).std()
    literal = matteditor.cutout(image8, trimap8, kind="alpha", foreground=False)
    np.testing.assert_allclose(literal[..., 3], trimap8 / 255, atol=1e-6)


@pytest.mark.parametrize("make, error, words", [
    (lambda i, t: (i, t, "closed-from"), EngineError, "did you mean 'closed-form'"),
    (lambda i, t: (i, t // 2, "auto"), TrimapError, "snap_trimap"),
    (lambda i, t: (i, t > 0, "auto"), TrimapError, "trimap_from_mask"),
    (lambda i, t: (i, t[:-1], "auto"), TrimapError, "same size"),
    (lambda i, t: (i[..., 0], t, "auto"), ImageLoadError, "H x W x 3"),
    (lambda i, t: (np.dstack([i, i[..., :1]]), t, "auto"), ImageLoadError, "image[..., :3]"),
    (lambda i, t: (i * 1.0, t, "auto"), ImageLoadError, "must lie in [0, 1]"),
    (lambda i, t: (i.astype(np.int64), t, "auto"), ImageLoadError, "uint8, uint16 or float"),
    (lambda i, t: (i, np.zeros_like(t) + 128, "auto"), TrimapError, "paint at least one"),
    (lambda i, t: ("/nonexistent/photo.jpg", t, "auto"), ImageLoadError, "photo.jpg"),
])
def test_bad_input_raises_the_projects_error_saying_what_to_change(small, make, error, words):
    image8, trimap8, _, _ = small
    image, trimap, engine = make(image8, trimap8)
    with pytest.raises(error) as caught:
        matteditor.estimate_alpha(image, trimap, engine=engine)
    assert words in str(caught.value)
    assert isinstance(caught.value, MatteError)


def test_cutout_refuses_a_format_without_transparency(small, tmp_path):
    image8, trimap8, _, _ = small
    with pytest.raises(MatteError, match=r"\.png"):
        matteditor.cutout(image8, trimap8, tmp_path / "cutout.jpg")
    assert not (tmp_path / "cutout.jpg").exists()


def test_the_api_example_script_runs_on_the_sample(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "docs" / "api_example.py"), str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    rgba = load_mask(tmp_path / "sample_cutout.png")
    assert rgba.shape == (300, 451)
