"""Segment Anything architectures as published, and models with random weights built
from them: for timing the real architecture (time does not depend on the weights'
values), and for the tests.  The real weights are the authors', downloaded by the user
(:mod:`matteditor.models`).

The values are those of the published ``config.json`` files:

- ``facebook/sam-vit-base``: transformers' ``SamConfig`` defaults, i.e. the ViT-B image
  encoder of the paper (width 768, 12 blocks, 12 heads, MLP 3072, global attention in
  blocks 2, 5, 8 and 11, window 14, 1024-px input, 256-channel neck), the prompt encoder
  and the two-layer mask decoder;
- ``Zigeng/SlimSAM-uniform-77`` (SlimSAM, Chen et al. 2023, the ViT-B encoder pruned
  uniformly by 77 %): the same, with the encoder's width 168 and MLP 696.
"""

from __future__ import annotations

from pathlib import Path

#: vision width and MLP size per published variant (everything else: SamConfig defaults)
_VARIANTS = {"vit-base": (768, 3072), "slimsam-77": (168, 696)}
#: "tiny": the same structure shrunk to 2 blocks of width 32 on a 256-px input (tests)
VARIANTS = tuple(_VARIANTS) + ("tiny",)
#: the input side of the tiny variant (the published ones take 1024 px)
TINY_SIDE = 256


def sam_config(variant: str):
    """transformers' ``SamConfig`` for ``variant`` ("vit-base", "slimsam-77" or "tiny")."""
    from transformers import SamConfig

    if variant == "tiny":
        side = TINY_SIDE
        vision = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, mlp_dim=64,
                      output_channels=32, num_pos_feats=16, global_attn_indexes=[1], window_size=4,
                      image_size=side)
        prompt = dict(hidden_size=32, image_size=side)
        decoder = dict(hidden_size=32, mlp_dim=64, num_attention_heads=2, iou_head_hidden_dim=32)
        # a wide initialisation, so a random tiny model's masks vary with the prompt
        return SamConfig(vision_config=vision, prompt_encoder_config=prompt,
                         mask_decoder_config=decoder, initializer_range=0.5)
    if variant not in _VARIANTS:
        raise ValueError(f"unknown SAM variant {variant!r}; known: {', '.join(VARIANTS)}")
    width, mlp = _VARIANTS[variant]
    return SamConfig(vision_config=dict(hidden_size=width, mlp_dim=mlp))


def sam_image_processor(variant: str):
    """transformers' ``SamImageProcessorPil`` for ``variant``'s input side."""
    from transformers import SamImageProcessorPil

    side = TINY_SIDE if variant == "tiny" else 1024
    return SamImageProcessorPil(
        size={"longest_edge": side}, pad_size={"height": side, "width": side},
        mask_size={"longest_edge": side // 4},
        mask_pad_size={"height": side // 4, "width": side // 4})


def save_random_sam(folder: str | Path, variant: str = "tiny", seed: int = 0) -> Path:
    """Write a SAM of ``variant`` with random weights to ``folder`` as ``save_pretrained``
    does (config.json, model.safetensors), with its processor's
    preprocessor_config.json; returns the folder."""
    import torch
    from transformers import SamModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    folder = Path(folder)
    torch.manual_seed(seed)
    SamModel(sam_config(variant)).eval().save_pretrained(folder)
    sam_image_processor(variant).save_pretrained(folder)
    return folder
