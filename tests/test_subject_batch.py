"""``matteditor matte --subject``: a trimap per photo from Select subject, then the
matte; with a tiny random SAM installed through ``matteditor models import``, and with
GrabCut when no SAM is installed."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.cli import run_cli
from matteditor.imageio import load_image_rgba, save_image


def _photo(h=90, w=120):
    """A yellow disc of radius 25 in the middle of a dark blue gradient."""
    yy, xx = np.mgrid[:h, :w]
    image = np.empty((h, w, 3), np.float32)
    image[...] = (0.1, 0.2, 0.4)
    image[..., 2] += 0.3 * xx / w
    image[(xx - w // 2) ** 2 + (yy - h // 2) ** 2 < 25 ** 2] = (0.9, 0.8, 0.1)
    return image


@pytest.fixture
def shots(tmp_path, monkeypatch):
    monkeypatch.setenv("MATTEDITOR_MODELS", str(tmp_path / "models"))
    folder = tmp_path / "shots"
    folder.mkdir()
    for i in range(2):
        save_image(folder / f"shot{i}.png", np.roll(_photo(), 4 * i, axis=1))
    return folder


def test_a_batch_with_subject_mattes_every_photo_with_grabcut_when_sam_is_missing(
        shots, tmp_path, capsys):
    out = tmp_path / "out"
    code = run_cli(["matte", str(shots / "*.png"), "--subject", "-e", "closed-form",
                    "-o", f"{out}/"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Select subject (grabcut)" in err
    for i in range(2):
        rgba, alpha = load_image_rgba(out / f"shot{i}.png")
        assert alpha is not None
        assert alpha[45, 60 + 4 * i] > 0.9 and alpha[3, 3] < 0.1


def test_a_single_photo_with_subject_uses_sam_once_installed(shots, tmp_path, capsys):
    pytest.importorskip("transformers")
    from tiny_models import tiny_sam

    assert run_cli(["models", "import", "slimsam", str(tiny_sam(tmp_path / "sam"))]) == 0
    out = tmp_path / "cutout.png"
    code = run_cli(["matte", str(shots / "shot0.png"), "--subject", "-e", "closed-form",
                    "-o", str(out)])
    err = capsys.readouterr().err
    if code == 0:
        assert "Select subject (sam)" in err and out.exists()
    else:   # a random network may select nothing: one clear line, no file
        assert "found no clear subject" in err and not out.exists()


def test_subject_refuses_a_trimap_option(shots, tmp_path, capsys):
    code = run_cli(["matte", str(shots / "shot0.png"), "--subject", "-t", "x.png",
                    "-o", str(tmp_path / "c.png")])
    assert code == 1
    assert "--subject makes the trimaps" in capsys.readouterr().err
