"""Entry point of the ``matteditor`` console script and ``python -m matteditor``.

* no arguments: the editor;
* ``matteditor PHOTO [--trimap TRIMAP]``: the editor with that photo open;
* ``matteditor --self-test``: check the installation (see matteditor.selftest);
* ``matteditor COMMAND ...`` (``matte``, ``engines``, or an option such as
  ``--help``): the command line;
* a first word that is neither a command nor an existing file and does not
  look like a file name (no folder, no extension), such as the typo
  ``matteditor engine``: an unknown command, exit status 2, with the nearest
  command suggested -- the editor (and Qt) never starts for it.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from pathlib import Path
from typing import NoReturn

from .cli import PROG, SUBCOMMANDS, print_help, run_cli, unknown_command


def _editor_run():
    """``matteditor.ui.app.run``, or None while the editor is not part of this build."""
    try:
        from .ui.app import run
    except ModuleNotFoundError as e:
        if e.name and (e.name == "matteditor.ui.app" or e.name.startswith("matteditor.ui")):
            return None
        raise
    return _then_exit(run)


def _then_exit(run):
    """``run``, then :func:`_exit_now` with its exit status."""
    def run_and_exit(*args):
        _exit_now(run(*args))
    return run_and_exit


def _exit_now(code: int) -> NoReturn:
    """End the process once the editor has closed: other threads joined, ``atexit``
    handlers run, streams flushed, as a normal exit; but without the interpreter's
    teardown of every module, which took 2 to 9 s after Ctrl+Q with torch, numba and
    Qt loaded (issue 25, item 9)."""
    # As the interpreter's own exit: threading's exit hooks (a thread pool told to stop)
    # then a join of every non-daemon thread, then the atexit handlers.
    threading._shutdown()
    atexit._run_exitfuncs()   # logging.shutdown among them
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(code)


def _open_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, usage=f"{PROG} [PHOTO [--trimap TRIMAP]] | "
                                                 f"{PROG} COMMAND ...",
                                description="Open PHOTO in the editor.")
    p.add_argument("image", metavar="PHOTO")
    p.add_argument("--trimap", metavar="TRIMAP")
    return p


def _looks_like_command(word: str) -> bool:
    """A bare word (no folder, no extension) that is not a file: meant as a
    command.  A missing ``photo.jpg`` still goes to the editor, which says
    why it cannot open it."""
    if os.sep in word or (os.altsep and os.altsep in word) or Path(word).suffix:
        return False
    return not os.path.exists(word)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--self-test"]:
        from .selftest import run as self_test

        return self_test()
    if argv and (argv[0] in SUBCOMMANDS or argv[0].startswith("-")):
        return run_cli(argv)
    if argv and _looks_like_command(argv[0]):
        print(f"{PROG}: error: {unknown_command(argv[0])}", file=sys.stderr)
        return 2
    try:
        run = _editor_run()
    except ImportError as e:
        print(f"{PROG}: error: the editor cannot start: {e} "
              "(the command line still works: matteditor --help)", file=sys.stderr)
        return 1
    if not argv:
        if run is None:
            print_help()
            return 0
        return run()
    opened = _open_parser().parse_args(argv)  # exits 2 on a usage error
    if run is None:
        print(f"{PROG}: error: the editor is not part of this build; use "
              f"'{PROG} matte' (see {PROG} --help)", file=sys.stderr)
        return 1
    return run(opened.image, opened.trimap)


if __name__ == "__main__":
    sys.exit(main())
