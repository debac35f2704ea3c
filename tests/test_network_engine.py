"""The network engines: loading, tiling, exact known regions, cancellation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from matteditor.engines import CancelToken, all_engines
from matteditor.engines import network
from matteditor.errors import Cancelled, WeightsError
from matteditor.nn import DIMNet, NetConfig
from matteditor.nn.windows import pad_to_multiple, predict_tiled
from matteditor.nn.weights import save_weights


def _case(h=70, w=90, seed=0):
    rng = np.random.default_rng(seed)
    image = rng.random((h, w, 3)).astype(np.float32)
    trimap = np.zeros((h, w), np.uint8)
    trimap[:, w // 2:] = 255
    trimap[10:h - 10, w // 2 - 12:w // 2 + 12] = 128
    return image, trimap


@pytest.fixture
def weights(tmp_path):
    torch.manual_seed(0)
    model = DIMNet(NetConfig(width=0.0625))
    # Move the BN statistics off their defaults so that eval mode is exercised.
    model.train()
    with torch.no_grad():
        model(torch.rand(2, 3, 64, 64), torch.full((2, 1, 64, 64), 0.5))
    path = tmp_path / "dim.safetensors"
    save_weights(path, model.eval())
    return path


def test_network_engines_are_registered():
    engines = all_engines()
    assert engines["dim"] is network.DIMEngine
    assert engines["dim-fusion"] is network.DIMFusionEngine


def test_engine_is_unavailable_without_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(network, "weights_dir", lambda: tmp_path)
    assert not network.DIMEngine.available()
    assert not network.DIMFusionEngine.available()


def test_engine_is_available_with_weights_of_its_kind(weights, monkeypatch):
    monkeypatch.setattr(network, "weights_dir", lambda: weights.parent)
    assert network.DIMEngine.available()
    assert not network.DIMFusionEngine.available()   # dim-fusion.safetensors is absent


def test_output_has_image_size_range_and_exact_known_regions(weights):
    engine = network.DIMEngine(weights=weights)
    image, trimap = _case()
    alpha = engine.estimate(image, trimap)
    assert alpha.shape == trimap.shape and alpha.dtype == np.float32
    assert alpha.min() >= 0 and alpha.max() <= 1
    assert np.all(alpha[trimap == 255] == 1) and np.all(alpha[trimap == 0] == 0)


def test_corrupt_weights_are_refused_by_the_engine(tmp_path):
    bad = tmp_path / "dim.safetensors"
    bad.write_bytes(b"garbage" * 50)
    with pytest.raises(WeightsError, match="dim.safetensors"):
        network.DIMEngine(weights=bad)


def test_fusion_engine_refuses_plain_weights(weights):
    with pytest.raises(WeightsError, match="classical inputs"):
        network.DIMFusionEngine(weights=weights)


def test_fusion_engine_runs(tmp_path):
    path = tmp_path / "f.safetensors"
    save_weights(path, DIMNet(NetConfig(width=0.0625, fusion=2)).eval())
    image, trimap = _case()
    alpha = network.DIMFusionEngine(weights=path).estimate(image, trimap)
    assert alpha.shape == trimap.shape and np.all(alpha[trimap == 255] == 1)


def test_blending_tiles_reproduces_a_pointwise_predictor_exactly():
    image, trimap = _case(100, 130)
    pointwise = lambda img, tri: img.mean(axis=2)  # noqa: E731
    whole = predict_tiled(image, trimap, pointwise, tile=1024, margin=8)
    tiled = predict_tiled(image, trimap, pointwise, tile=32, overlap=16, margin=8)
    unknown = trimap == 128
    np.testing.assert_allclose(tiled[unknown], whole[unknown], atol=1e-6)


def test_tiled_network_matches_untiled_within_tolerance(weights):
    image, trimap = _case(96, 128)
    whole = network.DIMEngine(weights=weights, tile=1024).estimate(image, trimap)
    tiled = network.DIMEngine(weights=weights, tile=64, overlap=32).estimate(image, trimap)
    unknown = trimap == 128
    assert np.abs(tiled - whole)[unknown].mean() < 0.05


def test_only_tiles_over_the_unknown_region_run():
    image, trimap = _case(256, 256)
    trimap[:] = 0
    trimap[5:20, 5:20] = 128
    calls = []
    predict_tiled(image, trimap, lambda img, tri: calls.append(img.shape) or img[..., 0],
                  tile=64, overlap=16, margin=8)
    assert len(calls) == 1 and calls[0][0] <= 64


def test_cancel_between_tiles(weights):
    engine = network.DIMEngine(weights=weights, tile=32, overlap=8)
    image, trimap = _case()
    token = CancelToken()
    seen = []

    def progress(fraction, message):
        seen.append(fraction)
        if len(seen) == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        engine.estimate(image, trimap, progress=progress, cancel=token)


def test_padding_reaches_the_stride():
    a, size = pad_to_multiple(np.zeros((33, 70, 3), np.float32), 32)
    assert a.shape == (64, 96, 3) and size == (33, 70)


@pytest.mark.parametrize("cls", [network.DIMEngine, network.DIMFusionEngine])
def test_shipped_weights_load_and_tile_seamlessly(cls):
    if not cls.default_weights().exists():
        pytest.skip(f"{cls.default_weights()} is not installed")
    import cv2
    rng = np.random.default_rng(0)
    h, w = 256, 320
    image = cv2.GaussianBlur(rng.random((h, w, 3)).astype(np.float32), (0, 0), 3)
    image[:, w // 2:] = image[:, w // 2:] * 0.3 + 0.6
    trimap = np.zeros((h, w), np.uint8)
    trimap[:, w // 2:] = 255
    trimap[20:h - 20, w // 2 - 30:w // 2 + 30] = 128
    whole = cls(tile=1024).estimate(image, trimap)
    # 2 x 2 tiles of 160 px: each sees less context than the whole window,
    # so small differences are expected (measured 0.04 for dim); seams
    # would show as far larger errors.
    tiled = cls(tile=160, overlap=64).estimate(image, trimap)
    unknown = trimap == 128
    assert np.abs(tiled - whole)[unknown].mean() < 0.08
    assert np.all(whole[trimap == 255] == 1) and np.all(whole[trimap == 0] == 0)


def _pretend_cuda(engine, monkeypatch, fails):
    """Make ``engine`` believe it runs on CUDA; tiles for which ``fails(tile side)``
    is true raise CUDA's out-of-memory error while it does, others (and all on
    the CPU) run the real network on the CPU."""
    real = engine._predict_tile
    sides = []

    def predict(image, trimap):
        sides.append((engine.device, image.shape[0]))
        if engine.device == "cuda":
            if fails(image.shape[0]):
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
            engine.device = "cpu"  # run the real network on the CPU for this tile
            try:
                return real(image, trimap)
            finally:
                engine.device = "cuda"
        return real(image, trimap)

    engine.device = "cuda"
    monkeypatch.setattr(engine, "_predict_tile", predict)
    return sides


def test_gpu_out_of_memory_retries_with_smaller_tiles_and_says_so(weights, monkeypatch):
    engine = network.DIMEngine(weights=weights, tile=256, overlap=32)
    sides = _pretend_cuda(engine, monkeypatch, fails=lambda side: side > 128)
    image, trimap = _case(200, 240)
    messages = []
    alpha = engine.estimate(image, trimap, progress=lambda f, m: messages.append(m))
    assert engine.tile == 128 and engine.device == "cuda"
    assert any("out of GPU memory" in m and "128" in m for m in messages)
    assert all(side <= 128 for device, side in sides[1:])
    assert alpha.shape == trimap.shape and np.isfinite(alpha).all()
    assert (alpha[trimap == 255] == 1).all() and (alpha[trimap == 0] == 0).all()


def test_gpu_out_of_memory_even_with_small_tiles_falls_back_to_the_cpu(weights, monkeypatch):
    engine = network.DIMEngine(weights=weights, tile=256)
    sides = _pretend_cuda(engine, monkeypatch, fails=lambda side: True)
    image, trimap = _case()
    messages = []
    alpha = engine.estimate(image, trimap, progress=lambda f, m: messages.append(m))
    reference = network.DIMEngine(weights=weights).estimate(image, trimap)
    assert engine.device == "cpu" and not engine.half
    assert any("running on the CPU" in m for m in messages)
    assert sides[-1][0] == "cpu"
    np.testing.assert_allclose(alpha, reference, atol=1e-5)


def test_running_out_of_memory_on_the_cpu_is_an_engine_error(weights, monkeypatch):
    from matteditor.errors import EngineError

    engine = network.DIMEngine(weights=weights)

    def no_memory(image, trimap):
        raise torch.OutOfMemoryError("DefaultCPUAllocator: can't allocate memory")

    monkeypatch.setattr(engine, "_predict_tile", no_memory)
    image, trimap = _case()
    with pytest.raises(EngineError, match="ran out of memory on the cpu"):
        engine.estimate(image, trimap)
