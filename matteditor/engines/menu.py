"""What the editor's engine menu offers (Qt-free, so the editor only draws it): the
default first, then every engine usable here, then the pretrained networks that are
not downloaded yet, offered with their download size and licence."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import installed, model_spec
from ..models.registry import ModelSpec
from . import all_engines, default_engine_name


@dataclass(frozen=True)
class EngineChoice:
    """One entry: the engine's registry name, the text shown, the tooltip, and the model
    to download first (None when the engine is usable as it is)."""

    name: str
    text: str
    tooltip: str
    download: ModelSpec | None = None


def engine_choices() -> list[EngineChoice]:
    """The engine menu's entries, in order."""
    engines = all_engines()
    ready, offered = [], []
    for name in sorted(engines, key=lambda n: n != default_engine_name()):
        cls = engines[name]
        info = cls.info()
        if cls.available():
            text = f"{info.label} (experimental)" if info.note else info.label
            tip = f"{info.description}. {info.note.capitalize()}." if info.note else info.description
            ready.append(EngineChoice(name, text, tip))
        elif info.model:
            spec = model_spec(info.model)
            if installed(spec):    # installed, but transformers is missing: say so on use
                ready.append(EngineChoice(name, info.label, info.description))
            else:
                offered.append(EngineChoice(
                    name, f"{info.label} \N{EM DASH} download {spec.download_mb} MB",
                    f"{info.description}. Not installed yet: choosing it offers the download "
                    f"from {spec.url} ({spec.licence}).", spec))
    return ready + offered
