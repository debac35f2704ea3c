"""Architecture settings of the matting network, stored with every weights file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

from ..errors import WeightsError

#: VGG16 conv channels of blocks 1..5 at full width (Simonyan & Zisserman 2015).
VGG_BLOCKS: tuple[tuple[int, ...], ...] = ((64, 64), (128, 128), (256, 256, 256),
                                           (512, 512, 512), (512, 512, 512))
#: DIM decoder channels: deconv6 (1x1) then deconv5 .. deconv1 (5x5), full width.
DECODER: tuple[int, ...] = (512, 512, 256, 128, 64, 64)
#: Refinement stage channels (three 3x3 convs), full width.
REFINE = 64


@dataclass(frozen=True)
class NetConfig:
    """Settings that fix the architecture (and so the shapes of the weights).

    width: multiplies every layer's channel count; 1.0 is DIM as published.
    fusion: number of extra input channels carrying classical alphas
        (0 = plain DIM; 2 = closed-form and KNN, the fusion variant).
    fusion_scale: classical alphas are solved at 1/fusion_scale resolution
        and upsampled (what training and inference both do).
    """

    width: float = 1.0
    fusion: int = 0
    fusion_scale: int = 2

    def __post_init__(self) -> None:
        if not 0.05 <= self.width <= 2.0:
            raise ValueError(f"width must be in [0.05, 2], got {self.width}")
        if self.fusion not in (0, 2):
            raise ValueError(f"fusion must be 0 or 2 channels, got {self.fusion}")
        if self.fusion_scale < 1:
            raise ValueError(f"fusion_scale must be >= 1, got {self.fusion_scale}")

    def channels(self, full: int) -> int:
        """Channel count of a layer that has ``full`` channels at width 1."""
        return max(4, int(round(full * self.width)))

    @property
    def in_channels(self) -> int:
        """RGB + trimap + classical alphas."""
        return 4 + self.fusion

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "NetConfig":
        try:
            data = json.loads(text)
            known = {f.name for f in fields(cls)}
            return cls(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError) as exc:
            raise WeightsError(f"the architecture settings in the weights file are invalid: {exc}") from exc
