"""Weights files: round trip, architecture in the metadata, clear refusals."""

from __future__ import annotations

import pytest
import torch

from matteditor.errors import WeightsError
from matteditor.nn import DIMNet, NetConfig
from matteditor.nn.weights import load_weights, save_weights


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = DIMNet(NetConfig(width=0.0625, fusion=2)).eval()
    path = tmp_path / "w.safetensors"
    save_weights(path, model, half=False, info={"step": "7"})
    return model, path


def test_weights_rebuild_the_same_network(saved):
    model, path = saved
    loaded = load_weights(path)
    assert loaded.config == NetConfig(width=0.0625, fusion=2)
    x = torch.rand(1, 3, 32, 32)
    t = torch.full((1, 1, 32, 32), 0.5)
    c = torch.rand(1, 2, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x, t, c)[1], model(x, t, c)[1])


def test_half_precision_files_are_half_the_size(saved, tmp_path):
    model, path = saved
    half = tmp_path / "h.safetensors"
    save_weights(half, model, half=True)
    assert half.stat().st_size < 0.6 * path.stat().st_size
    assert load_weights(half).config == model.config


def test_missing_file_is_refused_with_its_name(tmp_path):
    with pytest.raises(WeightsError, match="not found.*nothere"):
        load_weights(tmp_path / "nothere.safetensors")


def test_truncated_file_is_refused_clearly(saved, tmp_path):
    _, path = saved
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(WeightsError, match="bad.safetensors"):
        load_weights(bad)


def test_garbage_file_is_refused_clearly(tmp_path):
    bad = tmp_path / "junk.safetensors"
    bad.write_bytes(b"\x00\x01not a weights file" * 100)
    with pytest.raises(WeightsError, match="junk.safetensors"):
        load_weights(bad)


def test_foreign_safetensors_file_is_refused(tmp_path):
    from safetensors.torch import save_file
    path = tmp_path / "other.safetensors"
    save_file({"x": torch.zeros(3)}, str(path))
    with pytest.raises(WeightsError, match="not a matteditor network"):
        load_weights(path)


def test_corrupted_values_are_refused(saved, tmp_path):
    from safetensors.torch import load_file, save_file
    from safetensors import safe_open
    _, path = saved
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    tensors = load_file(str(path))
    name = next(k for k, v in tensors.items() if v.is_floating_point())
    tensors[name] = torch.full_like(tensors[name], float("nan"))
    bad = tmp_path / "nan.safetensors"
    save_file(tensors, str(bad), metadata=meta)
    with pytest.raises(WeightsError, match="NaN"):
        load_weights(bad)


def test_weights_for_another_architecture_are_refused(saved, tmp_path):
    from safetensors.torch import load_file, save_file
    _, path = saved
    tensors = load_file(str(path))
    bad = tmp_path / "mismatch.safetensors"
    meta = {"format": "matteditor-dim/1", "config": NetConfig(width=0.125, fusion=2).to_json()}
    save_file(tensors, str(bad), metadata=meta)
    with pytest.raises(WeightsError, match="shape"):
        load_weights(bad)


def test_a_full_disk_while_saving_keeps_the_previous_weights(saved, tmp_path, monkeypatch):
    import safetensors.torch
    from safetensors import SafetensorError

    from matteditor.errors import MatteError

    model, path = saved
    before = path.read_bytes()

    def disk_full(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"\0" * 100)  # part of the file got written
        raise SafetensorError("Error while serializing: I/O error: No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", disk_full)
    with pytest.raises(MatteError, match="w.safetensors") as info:
        save_weights(path, model)
    assert "No space left" in str(info.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.safetensors"]
