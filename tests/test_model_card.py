"""The model card's commands are real: they parse with the command line's own
parsers, every option it names is in ``matteditor train --help``, and the
training commands match the settings stored in the shipped weights."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from matteditor.cli import build_parser
from matteditor.nn.weights import read_metadata
from matteditor.training import evaluate, train
from matteditor.training.config import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "resources" / "weights"
CARD = (WEIGHTS / "MODEL_CARD.md").read_text(encoding="utf-8")


def _bash_block(text: str) -> list[str]:
    """The card's ```bash block as logical lines (continuations joined)."""
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "the model card has no bash block of exact commands"
    return [ln.strip() for ln in block.group(1).replace("\\\n", " ").splitlines() if ln.strip()]


def _train_commands(lines: list[str]) -> list[tuple[list[str], str]]:
    """(arguments after 'train', the weights file its comment names or '')."""
    env: dict[str, str] = {}
    commands = []
    for line in lines:
        code, _, comment = line.partition(" #")
        assignment = re.fullmatch(r"([A-Z_]+)=(.*)", code.strip())
        if assignment:
            env[assignment.group(1)] = shlex.split(assignment.group(2))[0]
            continue
        if "matteditor train" not in code:
            continue
        expanded = re.sub(r"\$([A-Z_]+)", lambda m: env[m.group(1)], code)
        tokens = shlex.split(expanded)
        target = re.search(r"->\s*(\S+\.safetensors)", comment)
        commands.append((tokens[tokens.index("train") + 1:], target.group(1) if target else ""))
    return commands


def _config(argv: list[str]) -> TrainConfig:
    """Parse as `matteditor train` does and build its settings (command.main)."""
    args = build_parser().parse_args(["train", *argv])
    assert args.command == "train"
    return TrainConfig().with_overrides(**{f.name: getattr(args, f.name)
                                           for f in fields(TrainConfig)})


def _shipped_config(name: str) -> dict:
    return json.loads(read_metadata(WEIGHTS / name)["train_config"])


def _quality_benchmark(monkeypatch):
    """benchmarks/quality.py as a module (not a package), for its parse_args."""
    spec = importlib.util.spec_from_file_location("quality_bench",
                                                  ROOT / "benchmarks" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    return module


CARD_COMMANDS = _train_commands(_bash_block(CARD))


def test_the_card_gives_a_training_command_for_each_shipped_file():
    targets = {target for _, target in CARD_COMMANDS if target}
    assert targets == {p.name for p in WEIGHTS.glob("*.safetensors")}


@pytest.mark.parametrize("argv, target", [c for c in CARD_COMMANDS if c[1]],
                         ids=[c[1] for c in CARD_COMMANDS if c[1]])
def test_card_training_command_reproduces_the_shipped_settings(argv, target):
    card = json.loads(_config(argv).to_json())
    shipped = _shipped_config(target)
    # The run folder's name is the only setting the card may shorten.
    card.pop("out"), shipped.pop("out")
    assert card == shipped


def test_every_card_training_command_parses():
    assert len(CARD_COMMANDS) >= 2
    for argv, _ in CARD_COMMANDS:
        _config(argv)


def test_train_help_shows_every_option_the_card_uses(capsys, monkeypatch):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["train", "--help"])
    assert done.value.code == 0
    help_text = capsys.readouterr().out
    quality = _quality_benchmark(monkeypatch)
    elsewhere = {"--no-deps"}  # pip's, in the download command
    for action in evaluate.build_parser()._actions:
        elsewhere.update(action.option_strings)
    with pytest.raises(SystemExit):
        quality.parse_args(["--help"])
    elsewhere.update(re.findall(r"--[a-z][a-z-]*", capsys.readouterr().out))
    used = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", CARD))
    missing = sorted(opt for opt in used - elsewhere if opt not in help_text.split())
    assert not missing, f"the model card uses options train --help lacks: {missing}"


def test_card_evaluation_commands_parse():
    commands = [" ".join(m.split()) for m in
                re.findall(r"`(python -m matteditor\.training\.evaluate[^`]*)`", CARD)]
    assert len(commands) >= 2
    for command in commands:
        argv = [WEIGHTS.joinpath("dim.safetensors").as_posix() if t == "WEIGHTS" else t
                for t in shlex.split(command)[3:]]
        args = evaluate.build_parser().parse_args(argv)
        assert args.specs and args.set in ("crop", "full")


def test_card_benchmark_commands_parse(monkeypatch):
    quality = _quality_benchmark(monkeypatch)
    commands = re.findall(r"`benchmarks/quality\.py([^`]*)`", CARD)
    assert commands
    for command in commands:
        quality.parse_args(shlex.split(command))


def test_the_training_module_docstring_repeats_the_shipped_dim_command():
    text = train.__doc__.replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("matteditor train"))
    tokens = shlex.split(line)
    card = json.loads(_config(tokens[tokens.index("train") + 1:]).to_json())
    shipped = _shipped_config("dim.safetensors")
    card.pop("out"), shipped.pop("out")
    assert card == shipped
