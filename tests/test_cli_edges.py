"""``matteditor matte`` with the edge controls, TIFF and PSD outputs, and the note
about a trimap found beside the photo (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.cli import run_cli
from matteditor.imageio import load_image_rgba

from test_cli import H, W, photo  # noqa: F401  (the fixture)

tifffile = pytest.importorskip("tifffile")
psd_tools = pytest.importorskip("psd_tools")


def _alpha(path):
    return load_image_rgba(path)[1]


def test_shift_edge_chokes_the_cutout_and_contrast_hardens_it(photo, tmp_path):  # noqa: F811
    plain, choked, hard = tmp_path / "plain.png", tmp_path / "choked.png", tmp_path / "hard.png"
    base = ["matte", str(photo), "--engine", "closed-form", "-q", "-o"]
    assert run_cli(base + [str(plain)]) == 0
    assert run_cli(base + [str(choked), "--shift-edge", "-50"]) == 0
    assert run_cli(base + [str(hard), "--contrast", "100"]) == 0
    a, c, h = _alpha(plain), _alpha(choked), _alpha(hard)
    soft = (a > 0.05) & (a < 0.95)
    assert soft.any()
    assert (c[soft] <= a[soft] + 1e-6).all() and c[soft].sum() < a[soft].sum() - 1
    assert set(np.unique(np.round(h, 3))) <= {0.0, 1.0}


def test_bad_edge_values_are_one_error_line(photo, tmp_path, capsys):  # noqa: F811
    assert run_cli(["matte", str(photo), "-o", str(tmp_path / "o.png"), "-q",
                    "--feather", "-3"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "feather" in err.strip().splitlines()[-1]


def test_a_tiff_output_holds_rgba_with_unassociated_alpha(photo, tmp_path):  # noqa: F811
    out = tmp_path / "cut.tif"
    assert run_cli(["matte", str(photo), "--engine", "closed-form", "-q", "-o", str(out),
                    "--bits", "16"]) == 0
    with tifffile.TiffFile(out) as tif:
        page = tif.pages[0]
        data = page.asarray()
        assert data.shape == (H, W, 4) and data.dtype == np.uint16
        assert 2 in tuple(np.atleast_1d(page.extrasamples))      # unassociated alpha
    assert (data[:, :16, 3] == 65535).all() and (data[:, 30:, 3] == 0).all()


def test_a_psd_output_has_the_photo_with_its_mask_and_the_cutout(photo, tmp_path):  # noqa: F811
    out = tmp_path / "cut.psd"
    assert run_cli(["matte", str(photo), "--engine", "closed-form", "-q", "-o", str(out)]) == 0
    psd = psd_tools.PSDImage.open(out)
    names = [layer.name for layer in psd]
    assert names == ["Photo", "Cutout"]
    mask = np.asarray(psd[0].mask.topil())
    assert mask.shape == (H, W) and (mask[:, :16] == 255).all() and (mask[:, 30:] == 0).all()


def test_psd_and_tiff_refuse_what_they_cannot_hold(photo, tmp_path, capsys):  # noqa: F811
    assert run_cli(["matte", str(photo), "-q", "-o", str(tmp_path / "a.psd"),
                    "--alpha-only"]) == 1
    assert "use .png" in capsys.readouterr().err
    assert run_cli(["matte", str(photo), "-q", "-o", str(tmp_path / "b.psd"),
                    "--bits", "16"]) == 1
    assert "8-bit" in capsys.readouterr().err


def test_a_trimap_found_beside_the_photo_is_named(photo, tmp_path, capsys):  # noqa: F811
    """Issue 15, bug 6: without --trimap, <name>_trimap.png was picked up silently."""
    assert run_cli(["matte", str(photo), "--engine", "closed-form",
                    "-o", str(tmp_path / "o.png")]) == 0
    err = capsys.readouterr().err
    assert "using the trimap" in err and "cat_trimap.png" in err
