"""The command line: ``matteditor matte``, ``matteditor engines`` and ``matteditor trimap``.

Errors a user can cause end as one ``matteditor: error: ...`` line on stderr
and exit status 1 (argparse's usage errors: status 2).  In ``matte`` and
``trimap`` anything else that escapes (OpenCV, torch, the OS, a bug) is one
line too, and its traceback goes to the log (``-v`` shows it).
"""

from __future__ import annotations

import argparse
import logging
import sys

from .. import __version__
from ..errors import MatteError
from . import engines_cmd, matte, trimap_cmd
from ..training import command as train_command  # nn helper: `matteditor train`

PROG = "matteditor"
SUBCOMMANDS = ("matte", "engines", "trimap", "train")
# Commands a user runs on photos: any error, even a bug, ends as one line
# (the traceback is logged, visible with -v).  `train` keeps its tracebacks.
ONE_LINE_COMMANDS = ("matte", "trimap")
MAX_MESSAGE = 300

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Image-matting editor and command line. Without arguments the editor "
                    "starts; 'matteditor PHOTO [--trimap T]' opens a photo in it.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    matte.add_parser(sub)
    engines_cmd.add_parser(sub)
    trimap_cmd.add_parser(sub)
    train_command.add_parser(sub)
    return parser


def run_cli(argv: list[str]) -> int:
    """Run a sub-command; returns the exit status."""
    args = build_parser().parse_args(argv)  # exits 2 on a usage error
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
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


def print_help() -> None:
    build_parser().print_help()
