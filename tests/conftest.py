"""Shared, generic fixtures (keep this file small)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

# Qt tests run headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator, so failures reproduce."""
    return np.random.default_rng(1234)


@pytest.fixture
def asymmetric_image() -> Callable[..., np.ndarray]:
    """Factory for a small float32 H x W x 3 image in [0, 1] in which every
    pixel differs from its mirror images, so flips and rotations show."""

    def make(height: int = 6, width: int = 10) -> np.ndarray:
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        r = (x + 1) / width
        g = (y + 1) / height
        b = ((x * 7 + y * 3) % 11) / 10
        return np.stack([r, g, b], axis=2).astype(np.float32)

    return make


@pytest.fixture
def write_bytes(tmp_path: Path) -> Callable[[str, bytes], Path]:
    """Factory writing raw bytes to ``tmp_path / name`` and returning the path."""

    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty per-test models folder (``$MATTEDITOR_MODELS``): what is installed
    there is the test's own."""
    folder = tmp_path / "models"
    monkeypatch.setenv("MATTEDITOR_MODELS", str(folder))
    return folder
