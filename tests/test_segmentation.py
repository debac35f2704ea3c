"""Segment Anything for quick select on a tiny random SAM built here, installed with
``matteditor models import``: the session, box / clicks / subject prompts through the
core and the command line, the selector's fallback to GrabCut, the errors users meet."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("transformers")

from matteditor.cli import run_cli  # noqa: E402
from matteditor.errors import MatteError, ModelError  # noqa: E402
from matteditor.imageio import load_trimap, save_image  # noqa: E402
from matteditor.models import model_spec  # noqa: E402
from matteditor.segmentation import Prompt, SamSession, installed_sam  # noqa: E402
from matteditor.segmentation.selector import (Selection, Selector, default_selector,  # noqa: E402
                                              resolve_selector, selection_trimap)
from matteditor.segmentation.subject import select_subject  # noqa: E402
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN  # noqa: E402

from tiny_models import tiny_sam  # noqa: E402


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return tiny_sam(tmp_path_factory.mktemp("tiny-sam"))


@pytest.fixture
def installed(saved, models):
    assert run_cli(["models", "import", "slimsam", str(saved)]) == 0
    return models / "slimsam"


def _photo(h=120, w=160):
    """A yellow disc of radius 30 at (80, 60) on a dark blue gradient."""
    yy, xx = np.mgrid[:h, :w]
    image = np.empty((h, w, 3), np.float32)
    image[...] = (0.1, 0.2, 0.4)
    image[..., 2] += 0.3 * xx / w
    image[(xx - 80) ** 2 + (yy - 60) ** 2 < 30 ** 2] = (0.9, 0.8, 0.1)
    return image


def test_the_embedding_is_computed_once_and_prompts_reuse_it(installed):
    session = SamSession()
    assert session.name == "slimsam"
    session.set_image(_photo())
    results = [session.predict(p) for p in (
        Prompt(box=(40, 20, 120, 100)), Prompt(points=((80, 60),)),
        Prompt(points=((80, 60),), negative=((10, 10),)),
        Prompt(box=(40, 20, 120, 100), points=((80, 60),)))]
    assert session.embeddings_computed == 1
    for r in results:
        assert r.mask.shape == (120, 160) and r.mask.dtype == bool
        assert r.logits.shape == (120, 160) and np.isfinite(r.score)
        assert np.array_equal(r.mask, r.logits > 0)
    # the prompts reach the decoder: different prompts, different answers
    assert not np.array_equal(results[0].logits, results[1].logits)
    assert not np.array_equal(results[1].logits, results[2].logits)


def test_a_prompt_before_a_photo_or_without_content_is_refused(saved):
    session = SamSession(model_dir=saved)
    with pytest.raises(MatteError, match="set_image"):
        session.predict(Prompt(box=(0, 0, 10, 10)))
    session.set_image(_photo())
    with pytest.raises(MatteError, match="a box or at least one click"):
        session.predict(Prompt())
    session.reset()
    assert not session.has_image


def test_select_subject_keeps_a_mask_that_is_neither_background_nor_tiny(saved):
    session = SamSession(model_dir=saved)
    session.set_image(_photo())
    result = select_subject(session, (120, 160))
    area = result.mask.mean()
    assert result.mask.shape == (120, 160)
    assert 0.01 <= area <= 0.9
    border = np.concatenate([result.mask[0], result.mask[-1], result.mask[:, 0],
                             result.mask[:, -1]])
    assert border.mean() <= 0.5       # the background runs along more of the border


def test_the_selector_encodes_each_photo_once_across_clicks(saved):
    session = SamSession(model_dir=saved)
    selector = Selector("sam", session)
    image = _photo()
    a = selector.mask(image, Selection(rect=(40, 20, 80, 80)))
    b = selector.mask(image, Selection(rect=(40, 20, 80, 80), points=((80, 60),)))
    c = selector.mask(image, Selection(points=((80, 60),), negative=((10, 10),)))
    assert session.embeddings_computed == 1
    assert a.dtype == np.float32 and set(np.unique(a)) <= {0.0, 1.0}
    assert b.shape == c.shape == (120, 160)
    selector.mask(image.copy(), Selection(rect=(40, 20, 80, 80)))
    assert session.embeddings_computed == 2     # another photo: encoded again


def test_a_lasso_with_sam_stays_inside_the_lasso(saved):
    selector = Selector("sam", SamSession(model_dir=saved))
    lasso = ((50.0, 30.0), (110.0, 30.0), (110.0, 90.0), (50.0, 90.0))
    mask = selector.mask(_photo(), Selection(lasso=lasso))
    assert not mask[:, :49].any() and not mask[:, 112:].any()


def test_sam_trimap_has_foreground_inside_and_a_band(saved):
    selector = Selector("sam", SamSession(model_dir=saved))
    image = _photo()
    mask = selector.mask(image, Selection(points=((80, 60),)))
    trimap = selection_trimap(image, mask, "sam")
    assert set(np.unique(trimap)) <= {BACKGROUND, UNKNOWN, FOREGROUND}
    inside = mask >= 0.5
    if inside.any() and not inside.all():
        assert (trimap == UNKNOWN).any()
        assert (trimap[inside] != BACKGROUND).all()


def test_default_selector_is_sam_only_once_installed(models, saved):
    assert installed_sam() is None and default_selector() == "grabcut"
    with pytest.raises(ModelError) as info:
        resolve_selector("sam")
    assert "\n" not in str(info.value) and "matteditor models fetch" in str(info.value)
    assert run_cli(["models", "import", "sam", str(saved)]) == 0
    assert installed_sam() == "sam" and default_selector() == "sam"


def test_clicks_with_grabcut_select_the_clicked_disc():
    image = _photo()
    mask = Selector("grabcut").mask(image, Selection(points=((80, 60),),
                                                     negative=((10, 10), (150, 110))))
    yy, xx = np.mgrid[:120, :160]
    disc = (xx - 80) ** 2 + (yy - 60) ** 2 < 30 ** 2
    sel = mask >= 0.5
    assert (sel & disc).sum() / (sel | disc).sum() > 0.8


def test_a_click_outside_the_photo_is_one_clear_line():
    with pytest.raises(MatteError, match="outside the 160x120 image"):
        Selector("grabcut").mask(_photo(), Selection(points=((200, 10),)))


# -- the command line ------------------------------------------------------------------
def _save_photo(tmp_path):
    path = tmp_path / "photo.png"
    save_image(path, _photo())
    return path


@pytest.mark.parametrize("prompt", [
    ["--rect", "40,20,80,80"],
    ["--points", "80,60", "--negative-points", "5,5"],
    ["--subject"],
    ["--rect", "40,20,80,80", "--points", "80,60"],
])
def test_trimap_command_uses_sam_once_installed_and_says_so(installed, tmp_path, capsys,
                                                            prompt):
    photo = _save_photo(tmp_path)
    out = tmp_path / "trimap.png"
    code = run_cli(["trimap", str(photo), *prompt, "-o", str(out)])
    err = capsys.readouterr().err
    if code == 0:
        assert "selected with Segment Anything" in err
        trimap = load_trimap(out, (120, 160))
        assert set(np.unique(trimap)) <= {BACKGROUND, UNKNOWN, FOREGROUND}
    else:   # a random network may find nothing; then one clear line and no file
        assert "Segment Anything found no object" in err and not out.exists()


def test_trimap_command_falls_back_to_grabcut_and_says_so(models, tmp_path, capsys):
    photo = _save_photo(tmp_path)
    out = tmp_path / "trimap.png"
    assert run_cli(["trimap", str(photo), "--rect", "40,20,80,80", "-o", str(out)]) == 0
    assert "selected with GrabCut" in capsys.readouterr().err
    assert load_trimap(out, (120, 160))[60, 80] == FOREGROUND


def test_trimap_command_with_sam_missing_names_the_remedy(models, tmp_path, capsys):
    photo = _save_photo(tmp_path)
    code = run_cli(["trimap", str(photo), "--subject", "--selector", "sam",
                    "-o", str(tmp_path / "t.png")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "matteditor models fetch" in err[0] and "matteditor models import" in err[0]


def test_a_corrupt_sam_model_is_refused_with_its_file_named(installed, tmp_path, capsys):
    weights = installed / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="damaged.*model.safetensors"):
        SamSession()
    photo = _save_photo(tmp_path)
    assert run_cli(["trimap", str(photo), "--subject", "-o", str(tmp_path / "t.png")]) == 1
    assert "damaged" in capsys.readouterr().err


def test_importing_a_folder_of_another_architecture_is_refused(tmp_path, models):
    from tiny_models import tiny_vitmatte

    folder = tiny_vitmatte(tmp_path / "vm")
    assert run_cli(["models", "import", "slimsam", str(folder)]) == 1
    assert model_spec("slimsam").name not in [p.name for p in models.glob("*")]


def test_the_grabcut_subject_is_the_middle_of_the_photo(tmp_path):
    image = _photo()
    mask = Selector("grabcut").mask(image, Selection(subject=True)) >= 0.5
    assert mask[60, 80] and not mask[2, 2]
    assert cv2.countNonZero(mask.astype(np.uint8)) < 0.5 * mask.size
