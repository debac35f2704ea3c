"""Never write an output over one of its own inputs.

The command line (``matteditor matte -o``) and the editor's export both ask
:func:`refuse_input_overwrite` before writing: an output that is the photo,
its trimap, a ``--background`` image or the project being edited is refused
with one line, however the path is spelt (``../``, a symbolic link, a hard
link to the same file).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from .errors import ExportError

#: (what the input is, e.g. "photo", its path as the user gave it)
Input = tuple[str, Path]


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file: the same resolved path, or (both
    existing) the same inode, as a hard link is."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop: compare what exists below
        pass
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def refuse_input_overwrite(output: Path, inputs: Iterable[Input],
                           hint: str = "choose another output") -> None:
    """Raise ExportError if ``output`` is one of ``inputs``.

    Args:
        output: the file about to be written.
        inputs: (kind, path) of every file the output is made from.
        hint: what the user can do, ending the message.
    """
    for kind, source in inputs:
        if same_file(output, source):
            raise ExportError(f"the output {output} is the input {kind} {source}; "
                              f"refusing to overwrite it ({hint})")


def document_inputs(photo: Path | None, project: Path | None = None,
                    others: Iterable[Input] = ()) -> list[Input]:
    """The input files of an editing session: its photo (None when it has no file,
    e.g. pasted or embedded in a project), the project file it was opened from or
    saved to, and any others (a background image)."""
    found: list[Input] = []
    if photo is not None:
        found.append(("photo", Path(photo)))
    if project is not None:
        found.append(("project", Path(project)))
    found.extend((kind, Path(path)) for kind, path in others)
    return found
