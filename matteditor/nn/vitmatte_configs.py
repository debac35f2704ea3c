"""ViTMatte architectures as published, and models with random weights built from
them: for timing the real architecture (time does not depend on the weights' values),
for the self-test of an installation, and for the tests.  The real weights are the
authors', downloaded by the user (:mod:`matteditor.models`).

The values are those of the published ``config.json`` of
``hustvl/vitmatte-small-composition-1k`` and ``hustvl/vitmatte-base-composition-1k``
(the ViT-S / ViT-B backbones of the paper: 12 blocks, window attention of 14 patches
in all but blocks 2, 5, 8 and 11, which attend globally and carry a residual conv
block; relative position embeddings; 4 input channels: RGB and trimap).
"""

from __future__ import annotations

from pathlib import Path

#: backbone width and heads per published variant
_VARIANTS = {"small": (384, 6), "base": (768, 12)}
#: "tiny": the same structure shrunk to 2 blocks of width 32 (self-test, tests)
VARIANTS = tuple(_VARIANTS) + ("tiny",)


def vitmatte_config(variant: str):
    """transformers' ``VitMatteConfig`` for ``variant`` ("small", "base" or "tiny")."""
    from transformers import VitDetConfig, VitMatteConfig

    if variant == "tiny":
        backbone = VitDetConfig(
            hidden_size=32, num_hidden_layers=2, num_attention_heads=2, mlp_ratio=2,
            image_size=64, pretrain_image_size=64, patch_size=16, num_channels=4,
            window_block_indices=[0], residual_block_indices=[1],
            use_relative_position_embeddings=True, window_size=2, out_features=["stage2"])
        # the decoder's initialisation spread wide (0.5), so a random tiny model's alpha
        # varies with its input instead of sitting at sigmoid(0) = 0.5
        return VitMatteConfig(backbone_config=backbone, hidden_size=32,
                              convstream_hidden_sizes=[8, 16, 32],
                              fusion_hidden_sizes=[32, 16, 8, 8], initializer_range=0.5)
    if variant not in _VARIANTS:
        raise ValueError(f"unknown ViTMatte variant {variant!r}; known: {', '.join(VARIANTS)}")
    width, heads = _VARIANTS[variant]
    backbone = VitDetConfig(
        hidden_size=width, num_hidden_layers=12, num_attention_heads=heads, mlp_ratio=4,
        image_size=512, pretrain_image_size=224, patch_size=16, num_channels=4, qkv_bias=True,
        drop_path_rate=0.0, window_block_indices=[0, 1, 3, 4, 6, 7, 9, 10],
        residual_block_indices=[2, 5, 8, 11], use_absolute_position_embeddings=True,
        use_relative_position_embeddings=True, window_size=14, out_features=["stage12"])
    return VitMatteConfig(backbone_config=backbone, hidden_size=width,
                          convstream_hidden_sizes=[48, 96, 192],
                          fusion_hidden_sizes=[256, 128, 64, 32])


def save_random_vitmatte(folder: str | Path, variant: str = "tiny", seed: int = 0) -> Path:
    """Write a ViTMatte of ``variant`` with random weights to ``folder`` as
    ``save_pretrained`` does (config.json, model.safetensors), with its image
    processor's preprocessor_config.json; returns the folder."""
    import torch
    from transformers import VitMatteForImageMatting, VitMatteImageProcessorPil
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    folder = Path(folder)
    torch.manual_seed(seed)
    VitMatteForImageMatting(vitmatte_config(variant)).eval().save_pretrained(folder)
    VitMatteImageProcessorPil().save_pretrained(folder)
    return folder
