"""The command line: ``matteditor matte``, ``matteditor engines`` and ``matteditor trimap``.

Errors a user can cause end as one ``matteditor: error: ...`` line on stderr
and exit status 1 (argparse's usage errors: status 2); a traceback means a bug.
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


def print_help() -> None:
    build_parser().print_help()
