"""Weights files: safetensors (loading never executes code) with the
architecture settings in the metadata, so a file rebuilds its own network."""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import ExportError, WeightsError
from ..imagewrite import atomic_write
from .config import NetConfig
from .model import DIMNet

FORMAT = "matteditor-dim/1"


def _atomic_save(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    from safetensors import SafetensorError
    from safetensors.torch import save_file

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(f"could not write {path}: cannot create its folder "
                          f"({e.strerror or e})") from None
    # Temporary file, fsync, rename: a crash or a full disk leaves the previous
    # file intact; failures are an ExportError naming the file.
    try:
        with atomic_write(path) as tmp:
            save_file(tensors, str(tmp), metadata=metadata)
    except SafetensorError as e:  # safetensors reports I/O errors (full disk) as its own
        raise ExportError(f"could not write {path}: {e}") from None


def save_weights(path: str | Path, model: DIMNet, *, half: bool = True,
                 info: dict[str, str] | None = None) -> None:
    """Write ``model``'s weights atomically; parameters stored as fp16 when
    ``half`` (halves the file; the network is evaluated in fp32 or fp16
    anyway).  Buffers (batch-norm statistics) stay fp32: running variances
    can exceed fp16's range."""
    params = {name for name, _ in model.named_parameters()}
    tensors = {}
    for name, t in model.state_dict().items():
        t = t.detach().cpu()
        if half and t.is_floating_point() and name in params:
            t = t.half()
        tensors[name] = t.contiguous()
    metadata = {"format": FORMAT, "config": model.config.to_json()}
    metadata.update(info or {})
    _atomic_save(tensors, Path(path), metadata)


def read_metadata(path: str | Path) -> dict[str, str]:
    """The metadata of a weights file; raises WeightsError if unreadable."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            return dict(f.metadata() or {})
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path} is not a valid safetensors weights file "
                           f"(corrupt or truncated?): {exc}") from exc


def load_weights(path: str | Path, device: str = "cpu") -> DIMNet:
    """Rebuild the network stored in ``path`` (float32, eval mode, on ``device``).

    Raises WeightsError naming the file when it is missing, corrupt, not a
    matteditor network, or does not fit the architecture in its metadata.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    metadata = read_metadata(path)
    if metadata.get("format") != FORMAT:
        raise WeightsError(f"{path} is not a matteditor network weights file "
                           f"(format {metadata.get('format')!r}, expected {FORMAT!r})")
    try:
        config = NetConfig.from_json(metadata.get("config", ""))
    except ValueError as exc:
        raise WeightsError(f"{path}: invalid architecture settings: {exc}") from exc
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path} is corrupt or truncated: {exc}") from exc
    model = DIMNet(config)
    expected = model.state_dict()
    state = {}
    for name, ref in expected.items():
        if name not in tensors:
            raise WeightsError(f"{path} lacks tensor {name!r}; it does not fit the architecture "
                               f"{config}")
        t = tensors[name]
        if t.shape != ref.shape:
            raise WeightsError(f"{path}: tensor {name!r} has shape {tuple(t.shape)}, the "
                               f"architecture {config} needs {tuple(ref.shape)}")
        if not torch.isfinite(t.float()).all():
            raise WeightsError(f"{path}: tensor {name!r} holds NaN or infinite values")
        state[name] = t.to(ref.dtype)
    model.load_state_dict(state)
    return model.to(device).eval()
