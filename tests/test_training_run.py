"""A training run's files: atomic writes, a log that resumes cleanly, and
damaged checkpoints refused with a message naming the file."""

from __future__ import annotations

import errno
import json

import numpy as np
import pytest
import torch

from matteditor import imagewrite
from matteditor.errors import ExportError, WeightsError
from matteditor.imageio import save_image
from matteditor.nn import DIMNet, NetConfig
from matteditor.training.checkpoint import load_checkpoint, save_checkpoint
from matteditor.training.config import TrainConfig
from matteditor.training.train import start_run_files


def _fail_replace_of(suffix: str, monkeypatch) -> None:
    """Make the atomic rename fail (as on a full or failing disk) for files
    ending in ``suffix``."""
    real_replace = imagewrite.os.replace

    def replace(src, dst):
        if str(dst).endswith(suffix):
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(imagewrite.os, "replace", replace)


def _records(*steps: int) -> str:
    return "".join(json.dumps({"step": s, "total": 0.5}) + "\n" for s in steps)


def test_resumed_log_keeps_only_the_steps_before_the_checkpoint(tmp_path):
    log = tmp_path / "log.jsonl"
    # Steps 0-4 were logged, the checkpoint is at step 3, and the kill cut step 5 short.
    log.write_text(_records(0, 1, 2, 3, 4) + '{"step": 5, "tot')
    start_run_files(tmp_path, TrainConfig(backgrounds="photos"), step=3)
    assert [json.loads(line)["step"] for line in log.read_text().splitlines()] == [0, 1, 2]
    assert json.loads((tmp_path / "config.json").read_text())["backgrounds"] == "photos"


def test_fresh_run_starts_an_empty_log(tmp_path):
    (tmp_path / "log.jsonl").write_text(_records(0, 1, 2))
    start_run_files(tmp_path, TrainConfig(), step=0)
    assert (tmp_path / "log.jsonl").read_text() == ""


def test_failed_write_of_the_run_files_keeps_the_old_ones(tmp_path, monkeypatch):
    (tmp_path / "config.json").write_text("old config")
    _fail_replace_of("config.json", monkeypatch)
    with pytest.raises(ExportError, match="config.json"):
        start_run_files(tmp_path, TrainConfig(), step=0)
    assert (tmp_path / "config.json").read_text() == "old config"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]

    monkeypatch.undo()
    (tmp_path / "log.jsonl").write_text(_records(0, 1))
    _fail_replace_of("log.jsonl", monkeypatch)
    with pytest.raises(ExportError, match="log.jsonl"):
        start_run_files(tmp_path, TrainConfig(), step=1)
    assert (tmp_path / "log.jsonl").read_text() == _records(0, 1)


# --- checkpoints ------------------------------------------------------------

def _trained(seed: int = 0) -> tuple[DIMNet, torch.optim.Adam]:
    torch.manual_seed(seed)
    model = DIMNet(NetConfig(width=0.0625))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, t = torch.rand(2, 3, 32, 32), torch.full((2, 1, 32, 32), 0.5)
    model(x, t, None)[1].mean().backward()
    optimizer.step()
    return model, optimizer


@pytest.fixture
def checkpoint(tmp_path):
    model, optimizer = _trained()
    path = tmp_path / "checkpoint.safetensors"
    save_checkpoint(path, model, optimizer, 7, 1.5, 12.0, "{}")
    return path


def _damaged(path, tmp_path, *, drop_meta=(), meta=None, drop_tensor=None):
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(path), framework="pt") as f:
        metadata = dict(f.metadata())
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    for key in drop_meta:
        del metadata[key]
    metadata.update(meta or {})
    if drop_tensor:
        name = next(k for k in tensors if k.startswith(drop_tensor))
        del tensors[name]
    bad = tmp_path / "damaged.safetensors"
    save_file(tensors, str(bad), metadata=metadata)
    return bad


def test_checkpoint_round_trip_restores_step_and_optimizer(checkpoint):
    model, optimizer = _trained(seed=1)
    assert load_checkpoint(checkpoint, model, optimizer) == (7, 1.5, 12.0)
    saved_model, saved_optimizer = _trained()
    p = next(model.parameters())
    ref = next(saved_model.parameters())
    torch.testing.assert_close(p, ref)
    torch.testing.assert_close(optimizer.state[p]["exp_avg"], saved_optimizer.state[ref]["exp_avg"])


@pytest.mark.parametrize("damage, reason", [
    ({"drop_meta": ["step"]}, "lacks 'step'"),
    ({"drop_meta": ["adam_steps"]}, "lacks 'adam_steps'"),
    ({"meta": {"best_sad": "lots"}}, "'best_sad' is 'lots', not a number"),
    ({"meta": {"adam_steps": "{not json"}}, "'adam_steps' is not valid JSON"),
    ({"meta": {"adam_steps": '{"99999": 1.0}'}}, "names parameter '99999'"),
    ({"drop_tensor": "adam.3.exp_avg_sq"}, "optimizer tensor 'adam.3.exp_avg_sq' is missing"),
    ({"drop_tensor": "model."}, "the model tensor"),
], ids=["no-step", "no-adam-steps", "bad-number", "bad-json", "bad-index",
        "no-optimizer-tensor", "no-model-tensor"])
def test_damaged_checkpoint_is_refused_naming_the_file_and_changes_nothing(
        checkpoint, tmp_path, damage, reason):
    bad = _damaged(checkpoint, tmp_path, **damage)
    model, optimizer = _trained(seed=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    moments = {id(p): s["exp_avg"].clone() for p, s in optimizer.state.items()}
    with pytest.raises(WeightsError) as info:
        load_checkpoint(bad, model, optimizer)
    message = str(info.value)
    assert str(bad) in message and reason in message and "--no-resume" in message
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, before[k])
    for p, s in optimizer.state.items():
        torch.testing.assert_close(s["exp_avg"], moments[id(p)])


def test_train_command_with_a_damaged_checkpoint_is_one_error_line(checkpoint, tmp_path,
                                                                   capsys):
    from matteditor.cli import run_cli

    photos = tmp_path / "photos"
    photos.mkdir()
    save_image(photos / "p.png", np.random.default_rng(0).random((64, 64, 3)).astype(np.float32))
    out = tmp_path / "run"
    out.mkdir()
    bad = _damaged(checkpoint, tmp_path, drop_tensor="adam.0.exp_avg")
    bad.rename(out / "checkpoint.safetensors")
    code = run_cli(["train", "--backgrounds", str(photos), "--out", str(out),
                    "--width", "0.0625", "--crop", "64"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("matteditor: error: checkpoint ") and "--no-resume" in line
    assert str(out / "checkpoint.safetensors") in line


# --- evaluate --json and selftest --update ------------------------------------

class _HalfEngine:
    """Stands in for an engine: 0.5 in the unknown region."""

    def estimate(self, image, trimap, progress=None):
        return (trimap.astype(np.float32) / 255.0).clip(0, 1)


def test_evaluate_json_is_written_atomically(tmp_path, monkeypatch):
    from matteditor.training import evaluate

    (tmp_path / "crop").mkdir()
    (tmp_path / "index.tsv").write_text("set\tname\ncrop\tc1\n")
    trimap = np.zeros((16, 16), np.uint8)
    trimap[:, 8:] = 255
    trimap[:, 6:10] = 128
    save_image(tmp_path / "crop" / "c1_image.png", np.full((16, 16, 3), 0.5, np.float32))
    save_image(tmp_path / "crop" / "c1_trimap.png", trimap)
    save_image(tmp_path / "crop" / "c1_alpha.png", (trimap > 0).astype(np.float32))
    monkeypatch.setattr(evaluate, "_engine_for", lambda spec: _HalfEngine())
    results = tmp_path / "results.json"
    argv = ["half", "--data", str(tmp_path), "--json", str(results)]
    assert evaluate.main(argv) == 0
    assert json.loads(results.read_text())["half"][0]["name"] == "c1"
    results.write_text("previous results")
    _fail_replace_of("results.json", monkeypatch)
    with pytest.raises(ExportError, match="results.json"):
        evaluate.main(argv)
    assert results.read_text() == "previous results"


def test_selftest_update_writes_the_expectation_atomically(tmp_path, monkeypatch):
    from matteditor import selftest

    trimap = np.zeros((16, 16), np.uint8)
    trimap[:, 6:10] = 128
    trimap[:, 10:] = 255

    class Half:
        @staticmethod
        def available():
            return True

    monkeypatch.setattr(selftest, "_sample_dir", lambda: tmp_path)
    monkeypatch.setattr(selftest, "_load_sample",
                        lambda: (np.full((16, 16, 3), 0.5, np.float32), trimap))
    monkeypatch.setattr(selftest, "all_engines", lambda: {"half": Half})
    monkeypatch.setattr(selftest, "create_engine", lambda name, *a: _HalfEngine())
    assert selftest.update() == 0
    expectation = tmp_path / selftest.EXPECTATION
    assert json.loads(expectation.read_text()) == {"half": 0.0}
    expectation.write_text('{"half": 1.0}\n')
    _fail_replace_of(selftest.EXPECTATION, monkeypatch)
    with pytest.raises(ExportError, match=selftest.EXPECTATION):
        selftest.update()
    assert expectation.read_text() == '{"half": 1.0}\n'
