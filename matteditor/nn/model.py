"""Deep Image Matting (Xu et al., CVPR 2017) with a width setting.

Stage 1, an encoder-decoder: VGG16's thirteen 3x3 convolutions (conv1_1 ..
conv5_3) on 4 + ``fusion`` input channels with max-pooling that remembers its
indices, plus conv6; the decoder unpools with those indices through 5x5
convolutions down to a sigmoid raw alpha.  Stage 2, refinement: RGB + raw
alpha -> three 3x3 convolutions -> a residual added to the raw alpha, clamped
to [0, 1].

Departures from the paper, for size: conv6 is a 3x3 convolution with as many
channels as conv5 (the paper converts VGG's fc6 with 4096), and the decoder
uses batch normalisation (the encoder does not, so VGG weights drop in).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .config import DECODER, REFINE, VGG_BLOCKS, NetConfig

#: Caffe VGG input convention, in BGR order on 0..255 (as the HED weights expect).
VGG_MEAN_BGR = (104.00699, 116.66877, 122.67892)
#: Side lengths must be multiples of this (five 2x poolings).
STRIDE = 32


class _EncoderBlock(nn.Module):
    def __init__(self, c_in: int, widths: list[int]) -> None:
        super().__init__()
        convs = []
        for c_out in widths:
            convs.append(nn.Conv2d(c_in, c_out, 3, padding=1))
            c_in = c_out
        self.convs = nn.ModuleList(convs)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for conv in self.convs:
            x = F.relu(conv(x))
        return F.max_pool2d(x, 2, 2, return_indices=True)


def _conv_bn(c_in: int, c_out: int, k: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class DIMNet(nn.Module):
    """The two-stage network.

    ``forward(image, trimap, classical=None)`` takes
      image: float N x 3 x H x W, RGB in [0, 1];
      trimap: float N x 1 x H x W, 0 background, 0.5 unknown, 1 foreground;
      classical: float N x fusion x H x W in [0, 1] (fusion variant only);
    with H and W multiples of :data:`STRIDE`, and returns ``(raw, refined)``,
    both float N x 1 x H x W in [0, 1].
    """

    def __init__(self, config: NetConfig = NetConfig()) -> None:
        super().__init__()
        self.config = config
        ch = config.channels
        self.register_buffer("mean_bgr", torch.tensor(VGG_MEAN_BGR).view(1, 3, 1, 1),
                             persistent=False)
        blocks = []
        c_in = config.in_channels
        for block in VGG_BLOCKS:
            widths = [ch(c) for c in block]
            blocks.append(_EncoderBlock(c_in, widths))
            c_in = widths[-1]
        self.encoder = nn.ModuleList(blocks)
        self.conv6 = nn.Conv2d(c_in, ch(VGG_BLOCKS[-1][-1]), 3, padding=1)
        pooled = [ch(block[-1]) for block in VGG_BLOCKS]       # channels at each pooling
        dec = [ch(c) for c in DECODER]
        self.deconv6 = _conv_bn(ch(VGG_BLOCKS[-1][-1]), pooled[4], 1)
        # deconvK follows the unpooling with pool K's indices, so its input
        # has pool K's channel count; its output must match pool K-1's.
        targets = [pooled[3], pooled[2], pooled[1], pooled[0], dec[5]]
        self.decoder = nn.ModuleList(
            _conv_bn(c_in_, c_out, 5) for c_in_, c_out in zip(pooled[::-1], targets))
        self.raw_alpha = nn.Conv2d(dec[5], 1, 5, padding=2)
        r = ch(REFINE)
        self.refine = nn.Sequential(
            nn.Conv2d(4, r, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(r, r, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(r, 1, 3, padding=1))
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        # The encoder sees Caffe-scale input (about +-128, what VGG weights
        # expect); from scratch, shrink the first layer so that activations
        # start at unit scale.  (VGG initialisation overwrites this layer.)
        with torch.no_grad():
            self.encoder[0].convs[0].weight /= 127.5
        # The residual starts near zero, so refinement begins as the identity.
        nn.init.normal_(self.refine[-1].weight, std=1e-3)

    def encoder_input(self, image: torch.Tensor, trimap: torch.Tensor,
                      classical: torch.Tensor | None) -> torch.Tensor:
        """Stack the inputs in the encoder's convention: Caffe-style BGR 0..255
        minus the mean, then trimap and classical alphas mapped to -127.5..127.5
        so that every channel has a comparable scale."""
        bgr = image.flip(1) * 255.0 - self.mean_bgr.to(image.dtype)
        parts = [bgr, (trimap - 0.5) * 255.0]
        if self.config.fusion:
            if classical is None or classical.shape[1] != self.config.fusion:
                raise ValueError(f"the fusion network needs {self.config.fusion} classical alpha "
                                 "channels")
            parts.append((classical - 0.5) * 255.0)
        return torch.cat(parts, dim=1)

    def forward(self, image: torch.Tensor, trimap: torch.Tensor,
                classical: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        h, w = image.shape[-2:]
        if h % STRIDE or w % STRIDE:
            raise ValueError(f"input sides must be multiples of {STRIDE}, got {h} x {w}")
        x = self.encoder_input(image, trimap, classical)
        indices = []
        sizes = []
        for block in self.encoder:
            sizes.append(x.shape[-2:])
            x, idx = block(x)
            indices.append(idx)
        x = F.relu(self.conv6(x))
        x = self.deconv6(x)
        for layer, idx, size in zip(self.decoder, indices[::-1], sizes[::-1]):
            x = F.max_unpool2d(x, idx, 2, 2, output_size=size)
            x = layer(x)
        raw = torch.sigmoid(self.raw_alpha(x))
        residual = self.refine(torch.cat([image - 0.5, raw], dim=1))
        refined = torch.clamp(raw + residual, 0.0, 1.0)
        return raw, refined

