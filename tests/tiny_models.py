"""Small random pretrained-style models that the tests build themselves (the real
weights are on the Hugging Face Hub, which these machines cannot reach)."""

from __future__ import annotations

from pathlib import Path


def tiny_vitmatte(folder: Path, *, seed: int = 0) -> Path:
    """Save a ViTMatte with random weights to ``folder`` with ``save_pretrained``, with
    its image processor, and return ``folder``.

    The architecture is ViTMatte's, shrunk: a 2-block, 32-wide ViTDet backbone (one
    windowed block, one global block with a residual conv block, relative position
    embeddings) and a detail-capture decoder with narrow convs.  The backbone keeps
    transformers' initialisation (std 0.02); the decoder's is spread wider (0.5) so the
    alpha varies with the input instead of sitting at sigmoid(0) = 0.5.
    """
    import torch
    from transformers import (VitDetConfig, VitMatteConfig, VitMatteForImageMatting,
                              VitMatteImageProcessorPil)

    backbone = VitDetConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, mlp_ratio=2,
        image_size=64, pretrain_image_size=64, patch_size=16, num_channels=4,
        window_block_indices=[0], residual_block_indices=[1],
        use_relative_position_embeddings=True, window_size=2, out_features=["stage2"])
    config = VitMatteConfig(backbone_config=backbone, hidden_size=32,
                            convstream_hidden_sizes=[8, 16, 32],
                            fusion_hidden_sizes=[32, 16, 8, 8], initializer_range=0.5)
    torch.manual_seed(seed)
    VitMatteForImageMatting(config).eval().save_pretrained(folder)
    VitMatteImageProcessorPil().save_pretrained(folder)
    return folder
