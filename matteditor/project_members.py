"""Members of a project archive (see matteditor.project): sizes checked before anything
is decoded, PNGs decoded with OpenCV, the matte's 16-bit arrays read without pickles.

No Qt here.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import cv2
import numpy as np

from .errors import ProjectError
from .imageio import ImageLimits


def read_member(z: zipfile.ZipFile, name: str, limit: int, path: Path) -> bytes:
    """The bytes of member ``name``, refused if missing or larger than ``limit`` unpacked."""
    try:
        info = z.getinfo(name)
    except KeyError:
        raise ProjectError(f"{path} is not a complete project: {name} is missing") from None
    if info.file_size > limit:
        raise ProjectError(f"{path}: {name} is implausibly large ({info.file_size} bytes)")
    return z.read(info)


def decode_png(data: bytes, name: str, path: Path) -> np.ndarray:
    """A PNG as OpenCV reads it (BGR order, 8 or 16 bits, as stored)."""
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise ProjectError(f"{path}: {name} is not a readable PNG")
    return arr


def encode_npy(array: np.ndarray, name: str, path: Path) -> bytes:
    """float in [0, 1] as a little-endian uint16 .npy (rounded to nearest)."""
    a = np.asarray(array, np.float32)
    if not np.isfinite(a).all():
        raise ProjectError(f"cannot save {path}: {name} holds NaN or infinite values")
    q = np.rint(np.clip(a, 0, 1) * np.float32(65535)).astype("<u2")
    buf = io.BytesIO()
    np.save(buf, q, allow_pickle=False)
    return buf.getvalue()


def read_npy(z: zipfile.ZipFile, name: str, path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """A uint16 .npy member of ``shape`` as float32 in [0, 1] (pickles are refused)."""
    data = read_member(z, name, 2 * int(np.prod(shape)) + 4096, path)
    try:
        raw = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise ProjectError(f"{path}: {name} is not a readable array ({e})") from None
    if not isinstance(raw, np.ndarray) or raw.dtype != np.dtype("<u2") or raw.shape != shape:
        raise ProjectError(f"{path}: {name} must be 16-bit values of shape {shape}, "
                           f"got {getattr(raw, 'dtype', '?')} {getattr(raw, 'shape', '?')}")
    return raw.astype(np.float32) / np.float32(65535)


def read_layer(z: zipfile.ZipFile, name: str, path: Path,
                shape: tuple[int, ...] | None, limits: ImageLimits = ImageLimits()) -> np.ndarray:
    """A 16-bit (or 8-bit) PNG member as float32 in [0, 1], RGB if it has 3 channels, of
    ``shape`` (None: any size within ``limits``)."""
    budget = 8 * int(np.prod(shape)) + 4096 if shape is not None \
        else 8 * limits.max_pixels + 4096
    raw = decode_png(read_member(z, name, budget, path), name, path)
    if raw.dtype not in (np.uint8, np.uint16):
        raise ProjectError(f"{path}: {name} must be an 8- or 16-bit PNG")
    if shape is None:
        if raw.ndim != 3 or raw.shape[2] != 3 or raw.shape[0] * raw.shape[1] > limits.max_pixels:
            raise ProjectError(f"{path}: {name} is not an RGB image of a size this editor opens")
    elif raw.shape != shape:
        raise ProjectError(f"{path}: {name} is {raw.shape[1]}x{raw.shape[0]}, "
                           f"expected {shape[1]}x{shape[0]}"
                           + (" RGB" if len(shape) == 3 else " gray"))
    if raw.ndim == 3:
        raw = cv2.cvtColor(raw, cv2.COLOR_BGR2RGB)
    top = 65535.0 if raw.dtype == np.uint16 else 255.0
    return raw.astype(np.float32) / np.float32(top)
