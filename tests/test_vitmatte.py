"""The ViTMatte engine on a tiny random ViTMatte built here, installed through the
model manager: output, clamping, tiling, cancellation, the errors users meet."""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest

pytest.importorskip("transformers")

from matteditor.engines import available_engines, create_engine  # noqa: E402
from matteditor.engines.base import CancelToken  # noqa: E402
from matteditor.engines.vitmatte import VitMatteEngine  # noqa: E402
from matteditor.errors import Cancelled, EngineError, ModelError  # noqa: E402
from matteditor.models import import_folder, model_spec, verified_dir  # noqa: E402

from tiny_models import tiny_vitmatte  # noqa: E402


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return tiny_vitmatte(tmp_path_factory.mktemp("tiny-vitmatte"))


@pytest.fixture
def installed(saved, models):
    import_folder(model_spec("vitmatte"), saved)
    return models / "vitmatte"


def _case(h=320, w=400, seed=0):
    rng = np.random.default_rng(seed)
    image = cv2.GaussianBlur(rng.random((h, w, 3)).astype(np.float32), (0, 0), 4)
    image = (image - image.min()) / (image.max() - image.min())
    trimap = np.zeros((h, w), np.uint8)
    trimap[:, w // 2:] = 255
    trimap[20:h - 20, w // 2 - 60:w // 2 + 60] = 128
    return image, trimap


def test_installed_vitmatte_is_listed_and_answers_the_photos_size(installed):
    assert "vitmatte" in available_engines()
    image, trimap = _case(101, 143)           # not multiples of 32: padded, then cropped
    alpha = create_engine("vitmatte").estimate(image, trimap)
    assert alpha.shape == trimap.shape and alpha.dtype == np.float32
    assert np.isfinite(alpha).all() and alpha.min() >= 0 and alpha.max() <= 1


def test_alpha_is_exact_where_the_trimap_is_known(installed):
    image, trimap = _case()
    alpha = create_engine("vitmatte").estimate(image, trimap)
    assert (alpha[trimap == 255] == 1).all() and (alpha[trimap == 0] == 0).all()
    assert alpha[trimap == 128].std() > 0.05     # the network's answer, not a constant


def test_tiles_agree_with_the_whole_picture_within_the_stated_tolerance(saved):
    # Global attention sees a whole tile, so a tile's answer cannot equal the
    # whole picture's; the blended tiles must stay close: mean difference over the
    # band <= 0.05 (measured 0.018) and far below the change a 9-pixel shift of the
    # photo causes (measured 0.155), which would be the order of a seam.
    image, trimap = _case()
    band = trimap == 128
    whole = VitMatteEngine(model_dir=saved, tile=1024).estimate(image, trimap)
    tiled_engine = VitMatteEngine(model_dir=saved, tile=192, overlap=64)
    tiles = []
    tiled = tiled_engine.estimate(image, trimap, progress=lambda f, m: tiles.append(m))
    shifted = VitMatteEngine(model_dir=saved, tile=1024).estimate(np.roll(image, 9, 0), trimap)
    assert any("tile 4 of" in m for m in tiles)          # it really ran in tiles
    difference = np.abs(whole - tiled)[band].mean()
    assert difference <= 0.05
    assert difference < 0.25 * np.abs(whole - shifted)[band].mean()


def test_cancelling_between_tiles_stops_the_solve(saved):
    image, trimap = _case()
    engine = VitMatteEngine(model_dir=saved, tile=128, overlap=32)
    token = CancelToken()
    seen = []

    def progress(fraction, message):
        seen.append(message)
        if "tile 2 of" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        engine.estimate(image, trimap, progress=progress, cancel=token)
    assert not any("tile 3 of" in m for m in seen)


def test_a_missing_model_is_one_line_naming_both_remedies(models):
    with pytest.raises(EngineError) as info:
        create_engine("vitmatte")
    message = str(info.value)
    assert "\n" not in message
    assert "matteditor models fetch vitmatte" in message
    assert "matteditor models import vitmatte" in message


def test_a_damaged_weights_file_is_refused_with_its_name(installed):
    weights = installed / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF                       # one byte flipped: same size, other hash
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="damaged.*model.safetensors"):
        create_engine("vitmatte")


def test_a_truncated_weights_file_is_refused_at_import(saved, tmp_path, models):
    folder = tmp_path / "truncated"
    shutil.copytree(saved, folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1000])
    with pytest.raises(ModelError, match="truncated"):
        import_folder(model_spec("vitmatte"), folder)
    assert not (models / "vitmatte").exists()
    with pytest.raises(ModelError):
        verified_dir(model_spec("vitmatte"))


def test_pickled_weights_are_never_imported(saved, tmp_path, models):
    folder = tmp_path / "pickled"
    folder.mkdir()
    shutil.copy(saved / "config.json", folder)
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04pickle")
    with pytest.raises(ModelError, match="safetensors only"):
        import_folder(model_spec("vitmatte"), folder)


def test_a_folder_of_another_architecture_is_refused(saved, tmp_path, models):
    folder = tmp_path / "other"
    shutil.copytree(saved, folder)
    config = (folder / "config.json").read_text().replace('"model_type": "vitmatte"',
                                                          '"model_type": "sam"')
    (folder / "config.json").write_text(config)
    with pytest.raises(ModelError, match="'vitmatte' model"):
        import_folder(model_spec("vitmatte"), folder)


def test_a_reimport_replaces_the_installed_copy_whole(saved, installed, tmp_path):
    other = tiny_vitmatte(tmp_path / "other-seed", seed=1)
    import_folder(model_spec("vitmatte"), other)
    assert (installed / "model.safetensors").read_bytes() == \
        (other / "model.safetensors").read_bytes()
    assert not list(installed.parent.glob(".vitmatte.*"))     # no staging left behind
    verified_dir(model_spec("vitmatte"))


def test_the_live_pipeline_previews_classically_and_answers_with_vitmatte(installed):
    from matteditor.live import LiveMatte, LiveRequest, ResultKind

    image, trimap = _case(480, 600)
    live = LiveMatte(preview_side=160)
    live.set_image(image)
    results = list(live.run(LiveRequest(1, trimap, None, "vitmatte")))
    kinds = [(r.kind, r.engine) for r in results]
    assert kinds[0] == (ResultKind.PREVIEW, "fast-cf")
    assert (ResultKind.EXACT, "vitmatte") in kinds
    assert results[-1].kind is ResultKind.FOREGROUND
