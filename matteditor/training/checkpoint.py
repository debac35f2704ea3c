"""Resumable training state in one safetensors file: fp32 weights, Adam's
moments, step counter and the run's settings (no pickles)."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ..errors import WeightsError
from ..nn.model import DIMNet
from ..nn.weights import _atomic_save

CHECKPOINT_FORMAT = "matteditor-train/1"


def save_checkpoint(path: Path, model: DIMNet, optimizer: torch.optim.Adam, step: int,
                    best_sad: float, elapsed_s: float, config_json: str) -> None:
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    params = [p for group in optimizer.param_groups for p in group["params"]]
    adam_steps = {}
    for i, p in enumerate(params):
        state = optimizer.state.get(p)
        if not state:
            continue
        tensors[f"adam.{i}.exp_avg"] = state["exp_avg"].detach().cpu().contiguous()
        tensors[f"adam.{i}.exp_avg_sq"] = state["exp_avg_sq"].detach().cpu().contiguous()
        adam_steps[i] = float(state["step"])
    metadata = {"format": CHECKPOINT_FORMAT, "net": model.config.to_json(), "step": str(step),
                "best_sad": repr(best_sad), "elapsed_s": repr(elapsed_s), "train": config_json,
                "adam_steps": json.dumps(adam_steps)}
    _atomic_save(tensors, path, metadata)


def load_checkpoint(path: Path, model: DIMNet, optimizer: torch.optim.Adam
                    ) -> tuple[int, float, float]:
    """Restore model and optimizer in place; returns (step, best validation SAD,
    training seconds so far)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"cannot read checkpoint {path}: {exc}") from exc
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise WeightsError(f"{path} is not a matteditor training checkpoint")
    if meta.get("net") != model.config.to_json():
        raise WeightsError(f"{path} was made for architecture {meta.get('net')}, "
                           f"not {model.config.to_json()}; use another --out folder")
    device = next(model.parameters()).device
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for i, s in json.loads(meta["adam_steps"]).items():
        p = params[int(i)]
        optimizer.state[p] = {"step": torch.tensor(s),
                              "exp_avg": tensors[f"adam.{i}.exp_avg"].to(device),
                              "exp_avg_sq": tensors[f"adam.{i}.exp_avg_sq"].to(device)}
    return int(meta["step"]), float(meta["best_sad"]), float(meta.get("elapsed_s", "0"))
