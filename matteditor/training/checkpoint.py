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
        raise WeightsError(f"cannot read checkpoint {path} (corrupt or truncated?): {exc}; "
                           "start afresh with --no-resume (or use another --out "
                           "folder)") from exc
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise WeightsError(f"{path} is not a matteditor training checkpoint; start afresh "
                           "with --no-resume (or use another --out folder)")
    if meta.get("net") != model.config.to_json():
        raise WeightsError(f"{path} was made for architecture {meta.get('net')}, "
                           f"not {model.config.to_json()}; use another --out folder "
                           "(or --no-resume to start afresh there)")
    try:
        return _restore(meta, tensors, model, optimizer)
    except _Damaged as exc:
        raise WeightsError(f"checkpoint {path} is damaged: {exc}; start afresh with "
                           "--no-resume (or use another --out folder)") from None


class _Damaged(Exception):
    """What is wrong inside a checkpoint; load_checkpoint adds the file name."""


def _number(meta: dict[str, str], key: str, kind: type, default: str | None = None):
    text = meta.get(key, default)
    if text is None:
        raise _Damaged(f"its metadata lacks {key!r}")
    try:
        return kind(text)
    except (TypeError, ValueError):
        raise _Damaged(f"its metadata {key!r} is {text!r}, not a number") from None


def _restore(meta: dict[str, str], tensors: dict[str, torch.Tensor], model: DIMNet,
             optimizer: torch.optim.Adam) -> tuple[int, float, float]:
    """Check everything first, then load model and optimizer state, so that a
    damaged file changes nothing."""
    step = _number(meta, "step", int)
    best_sad = _number(meta, "best_sad", float)
    elapsed_s = _number(meta, "elapsed_s", float, "0")
    if step < 0:
        raise _Damaged(f"its metadata 'step' is negative ({step})")
    if "adam_steps" not in meta:
        raise _Damaged("its metadata lacks 'adam_steps'")
    try:
        adam_steps = json.loads(meta["adam_steps"])
    except ValueError:
        raise _Damaged("its metadata 'adam_steps' is not valid JSON") from None
    if not isinstance(adam_steps, dict):
        raise _Damaged("its metadata 'adam_steps' is not a JSON object")

    weights = {}
    for name, ref in model.state_dict().items():
        t = tensors.get("model." + name)
        if t is None:
            raise _Damaged(f"the model tensor {name!r} is missing")
        if t.shape != ref.shape:
            raise _Damaged(f"the model tensor {name!r} has shape {tuple(t.shape)}, "
                           f"the network needs {tuple(ref.shape)}")
        weights[name] = t
    params = [p for group in optimizer.param_groups for p in group["params"]]
    device = next(model.parameters()).device
    state = {}
    for i, count in adam_steps.items():
        if not (str(i).isdigit() and int(i) < len(params)):
            raise _Damaged(f"its metadata 'adam_steps' names parameter {i!r}; the network "
                           f"has {len(params)}")
        if not isinstance(count, (int, float)):
            raise _Damaged(f"its metadata 'adam_steps' gives {count!r} for parameter {i}")
        p = params[int(i)]
        moments = {}
        for kind in ("exp_avg", "exp_avg_sq"):
            t = tensors.get(f"adam.{i}.{kind}")
            if t is None:
                raise _Damaged(f"the optimizer tensor 'adam.{i}.{kind}' is missing")
            if t.shape != p.shape:
                raise _Damaged(f"the optimizer tensor 'adam.{i}.{kind}' has shape "
                               f"{tuple(t.shape)}, its parameter {tuple(p.shape)}")
            moments[kind] = t.to(device)
        state[p] = {"step": torch.tensor(float(count)), **moments}
    model.load_state_dict(weights)
    for p, st in state.items():
        optimizer.state[p] = st
    return step, best_sad, elapsed_s
