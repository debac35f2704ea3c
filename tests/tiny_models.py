"""Small random pretrained-style models that the tests build themselves (the real
weights are on the Hugging Face Hub, which these machines cannot reach)."""

from __future__ import annotations

from pathlib import Path


def tiny_vitmatte(folder: Path, *, seed: int = 0) -> Path:
    """A ViTMatte of the published structure shrunk to 2 blocks of width 32, random
    weights, written by ``save_pretrained`` (see matteditor.nn.vitmatte_configs)."""
    from matteditor.nn.vitmatte_configs import save_random_vitmatte

    return save_random_vitmatte(folder, "tiny", seed)


def tiny_sam(folder: Path, *, seed: int = 1) -> Path:
    """A Segment Anything of the published structure shrunk to 2 blocks of width 32 on
    a 256-px input, random weights, written by ``save_pretrained`` (see
    matteditor.nn.sam_configs).  Seed 1: its random masks on the tests' disc photo
    include candidates Select subject accepts (seed 0's all run along the border)."""
    from matteditor.nn.sam_configs import save_random_sam

    return save_random_sam(folder, "tiny", seed)
