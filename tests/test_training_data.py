"""Synthetic training data: valid ranges, consistent composites, DIM trimaps."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.errors import MatteError
from matteditor.imageio import save_image
from matteditor.training.alphas import GENERATORS, random_alpha
from matteditor.training.batches import collate
from matteditor.training.dataset import SyntheticSource, make_sample
from matteditor.training.folder import FolderSource, find_pairs
from matteditor.training.photos import PhotoPool
from matteditor.training.trimaps import random_trimap


@pytest.fixture
def photo_dir(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        save_image(folder / f"p{i}.png", rng.random((60, 80, 3)).astype(np.float32))
    return folder


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_every_generator_makes_a_valid_alpha_with_partial_coverage(name, rng):
    gen, _ = GENERATORS[name]
    alphas = [gen(rng, (48, 40)) for _ in range(3)]
    for a in alphas:
        assert a.shape == (48, 40) and a.dtype == np.float32
        assert a.min() >= 0 and a.max() <= 1 and np.isfinite(a).all()
    # Each kind has semi-transparent pixels in at least one draw: that is its point.
    assert max(((a > 0.01) & (a < 0.99)).mean() for a in alphas) > 0


def test_random_alpha_names_its_generator(rng):
    name, alpha = random_alpha(rng, (32, 32))
    assert name in GENERATORS and alpha.shape == (32, 32)


def test_trimap_marks_every_partial_pixel_unknown_and_keeps_known_pixels_true(rng):
    alpha = GENERATORS["hair"][0](rng, (64, 64))
    trimap = random_trimap(rng, alpha, max_band=6)
    assert set(np.unique(trimap)) <= {0, 128, 255}
    partial = (alpha > 1e-3) & (alpha < 1 - 1e-3)
    assert np.all(trimap[partial] == 128)
    assert np.all(alpha[trimap == 255] >= 1 - 1e-3)
    assert np.all(alpha[trimap == 0] <= 1e-3)


def test_samples_are_consistent_composites(photo_dir, rng):
    pool = PhotoPool(photo_dir)
    s = make_sample(rng, SyntheticSource(pool), pool, 64)
    assert s.image.shape == s.foreground.shape == s.background.shape == (64, 64, 3)
    for a in (s.image, s.foreground, s.background, s.alpha):
        assert a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1
    composite = s.alpha[..., None] * s.foreground + (1 - s.alpha[..., None]) * s.background
    np.testing.assert_allclose(s.image, composite, atol=0.5 / 255 + 1e-6)
    assert set(np.unique(s.trimap)) <= {0, 128, 255}


def test_batches_carry_masks_and_classical_inputs(photo_dir, rng):
    pool = PhotoPool(photo_dir)
    samples = [make_sample(rng, SyntheticSource(pool), pool, 64) for _ in range(2)]
    b = collate(samples, fusion=2, fusion_scale=2)
    assert b.image.shape == (2, 3, 64, 64) and b.classical.shape == (2, 2, 64, 64)
    assert set(b.trimap.unique().tolist()) <= {0.0, 0.5, 1.0}
    assert bool(((b.mask == 1) == (b.trimap == 0.5)).all())
    known_fg = b.trimap == 1
    assert bool((b.classical[:, :1][known_fg] == 1).all())


def test_empty_photo_folder_is_refused(tmp_path):
    with pytest.raises(MatteError, match="no photographs"):
        PhotoPool(tmp_path)


def test_folder_of_rgba_foregrounds_gives_crops_on_the_edge(tmp_path, rng):
    yy, xx = np.mgrid[0:50, 0:70]
    alpha = np.clip((xx - 35) / 6 + 0.5, 0, 1).astype(np.float32)
    rgba = np.dstack([rng.random((50, 70, 3)), alpha]).astype(np.float32)
    save_image(tmp_path / "a.png", rgba)
    source = FolderSource(tmp_path)
    kind, fg, a = source.foreground(rng, (32, 32))
    assert kind == "folder" and fg.shape == (32, 32, 3) and a.shape == (32, 32)
    assert ((a > 0.02) & (a < 0.98)).any()


def test_fg_alpha_folder_layout_needs_matching_names(tmp_path, rng):
    (tmp_path / "fg").mkdir()
    (tmp_path / "alpha").mkdir()
    save_image(tmp_path / "fg" / "x.png", rng.random((8, 8, 3)).astype(np.float32))
    with pytest.raises(MatteError, match="no matte"):
        find_pairs(tmp_path)
    save_image(tmp_path / "alpha" / "x.png", rng.random((8, 8)).astype(np.float32))
    assert len(find_pairs(tmp_path)) == 1


def test_train_command_writes_loadable_weights_and_resumes(photo_dir, tmp_path):
    import argparse
    import json

    from matteditor.nn.weights import load_weights
    from matteditor.training import command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    out = tmp_path / "run"
    argv = ["--backgrounds", str(photo_dir), "--out", str(out), "--width", "0.0625",
            "--crop", "64", "--batch", "2", "--steps", "2", "--val-samples", "2",
            "--val-every", "1", "--checkpoint-every", "1", "--warmup", "1"]
    assert command.main(parser.parse_args(argv)) == 0
    model = load_weights(out / "weights-best.safetensors")
    assert model.config.width == 0.0625
    steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert steps == [0, 1]
    # Resuming with a longer schedule continues at step 2, not from scratch.
    assert command.main(parser.parse_args(argv[:-8] + ["--steps", "3", "--val-samples", "2",
                                                        "--val-every", "1", "--warmup", "1"])) == 0
    steps = [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert steps == [0, 1, 2]
    record = json.loads((out / "log.jsonl").read_text().splitlines()[-1])
    assert {"alpha", "composition", "refine", "total", "val_sad", "val_mse"} <= set(record)


def test_config_file_rejects_unknown_settings(tmp_path):
    from matteditor.training.config import TrainConfig
    path = tmp_path / "c.json"
    path.write_text('{"widht": 0.5}')
    with pytest.raises(MatteError, match="widht"):
        TrainConfig.from_file(path)
