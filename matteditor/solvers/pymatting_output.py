"""pymatting's console output, routed to the debug log once per process.

pymatting prints a "PERFORMANCE WARNING" to stdout when its incomplete
Cholesky preconditioner needs a larger diagonal shift, and numpy warns about
divisions by zero in its conjugate gradients on degenerate systems.  The
command line's only output about a failure must be its one error line, and
the editor's terminal should stay quiet, but redirecting ``sys.stdout`` or
changing the warning filters around each solve changed them for every thread
of the process meanwhile (the editor's UI thread included).  Instead:

* :func:`route_pymatting_output` gives pymatting's preconditioner module a
  ``print`` of its own that writes to this module's debug log: configured
  once, for that module only, whichever thread asks first;
* :func:`quiet_numerics` silences numpy's floating-point warnings with
  ``np.errstate``, which is local to the calling thread (and context).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
from typing import Any, Iterator

import numpy as np

log = logging.getLogger(__name__)

#: pymatting's modules that print (the preconditioner's retry message)
_PRINTING_MODULES = ("pymatting.preconditioner.ichol",)
_lock = threading.Lock()
_routed = False


def _print_to_log(*values: Any, sep: str | None = " ", end: str | None = "\n",
                  file: Any = None, flush: bool = False) -> None:
    """A ``print`` that writes one debug record per call (``file`` is ignored)."""
    text = (" " if sep is None else sep).join(str(v) for v in values).strip()
    if text:
        log.debug("pymatting: %s", text)


def route_pymatting_output() -> None:
    """Send pymatting's console messages to the debug log (idempotent, thread-safe;
    imports pymatting, which compiles its kernels on first import)."""
    global _routed
    with _lock:
        if _routed:
            return
        for name in _PRINTING_MODULES:
            module = importlib.import_module(name)
            module.print = _print_to_log      # the module's global shadows the builtin
        _routed = True


@contextlib.contextmanager
def quiet_numerics() -> Iterator[None]:
    """numpy's divide / invalid / overflow warnings off, on this thread only."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        yield
