"""Small random pretrained-style models that the tests build themselves (the real
weights are on the Hugging Face Hub, which these machines cannot reach)."""

from __future__ import annotations

from pathlib import Path


def tiny_vitmatte(folder: Path, *, seed: int = 0) -> Path:
    """A ViTMatte of the published structure shrunk to 2 blocks of width 32, random
    weights, written by ``save_pretrained`` (see matteditor.nn.vitmatte_configs)."""
    from matteditor.nn.vitmatte_configs import save_random_vitmatte

    return save_random_vitmatte(folder, "tiny", seed)
