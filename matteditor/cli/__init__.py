"""The command line: ``matteditor matte``, ``engines``, ``trimap``, ``models`` and ``train``.

Errors a user can cause end as one ``matteditor: error: ...`` line on stderr
and exit status 1 (argparse's usage errors: status 2).  In ``matte`` and
``trimap`` anything else that escapes (OpenCV, torch, the OS, a bug) is one
line too, and its traceback goes to the log (``-v`` shows it).
"""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
from typing import NoReturn

from .. import __version__
from ..errors import MatteError
from . import engines_cmd, matte, models_cmd, trimap_cmd
from ..training import command as train_command  # nn helper: `matteditor train`

PROG = "matteditor"
SUBCOMMANDS = ("matte", "engines", "trimap", "models", "train")
# Commands a user runs on photos: any error, even a bug, ends as one line
# (the traceback is logged, visible with -v).  `train` keeps its tracebacks.
ONE_LINE_COMMANDS = ("matte", "trimap", "models")
MAX_MESSAGE = 300

log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the help to read (not the whole
    usage block first), and an unknown option names the command's nearest one."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def parse_known_args(self, args=None, namespace=None):
        parsed, extras = super().parse_known_args(args, namespace)
        command = getattr(parsed, "command", None)
        if extras and self.prog == PROG and command:
            self._subparser(command).error(_unrecognized(extras, self._subparser(command)))
        return parsed, extras

    def _subparser(self, command: str) -> argparse.ArgumentParser:
        action = next(a for a in self._actions if isinstance(a, argparse._SubParsersAction))
        return action.choices[command]


def _unrecognized(extras: list[str], parser: argparse.ArgumentParser) -> str:
    """The message for arguments ``parser`` does not know, suggesting its nearest option."""
    unknown = next((word for word in extras if word.startswith("-")), extras[0])
    name = unknown.split("=", 1)[0]
    options = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
    near = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]}?" if near else ""
    return f"unrecognized argument {unknown}{hint}"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Image-matting editor and command line. Without arguments the editor "
                    "starts; 'matteditor PHOTO [--trimap T]' opens a photo in it.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation end to end (engines, weights, reading "
                             "and writing files) and exit; status 0 if all passed")
    # not required=True: --self-test needs no COMMAND (run_cli checks the others)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    matte.add_parser(sub)
    engines_cmd.add_parser(sub)
    trimap_cmd.add_parser(sub)
    models_cmd.add_parser(sub)
    train_command.add_parser(sub)
    return parser


def run_cli(argv: list[str]) -> int:
    """Run a sub-command (or ``--self-test``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on a usage error
    if args.self_test and args.command:
        parser.error("--self-test takes no COMMAND")
    if not args.self_test and not args.command:
        parser.error("the following arguments are required: COMMAND")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.self_test:
        from ..selftest import run as self_test  # loads every engine: only when asked

        return self_test()
    try:
        return args.func(args)
    except MatteError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"{PROG}: error: not enough memory for this operation (try a smaller image "
              "or another engine)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # OpenCV, torch, the OS: not a MatteError, still one line
        if args.command not in ONE_LINE_COMMANDS:
            raise
        log.debug("%s failed", args.command, exc_info=True)
        hint = "" if args.verbose else " (run with -v for the traceback)"
        print(f"{PROG}: error: {describe_unexpected(e)}{hint}", file=sys.stderr)
        return 1


def describe_unexpected(error: Exception) -> str:
    """One line for an exception that is not a MatteError: an OSError's file
    and reason, otherwise the type and the message with its line breaks
    (OpenCV's, torch's) folded and cut to ``MAX_MESSAGE`` characters."""
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror}"
    name = type(error).__name__
    if type(error).__module__.split(".")[0] == "cv2":
        name = "OpenCV error"
    text = " ".join(str(error).split())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 3] + "..."
    return f"unexpected {name}: {text}" if text else f"unexpected {name}"


def unknown_command(word: str) -> str:
    """The error message for a first word that is neither a command nor a file,
    naming the nearest command (difflib) when there is one."""
    near = difflib.get_close_matches(word, SUBCOMMANDS, n=1, cutoff=0.6)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    return (f"unknown command '{word}'{hint} (commands: {', '.join(SUBCOMMANDS)}; "
            f"to open a photo give the path of an existing file; see {PROG} --help)")


def print_help() -> None:
    build_parser().print_help()
