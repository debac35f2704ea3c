"""Exceptions with messages a user can act on.

Every error the core raises for bad input or a failed operation is a
:class:`MatteError`; the command line prints its message as one line and the
editor shows it in a dialog.  Anything else escaping is a bug.
"""


class MatteError(Exception):
    """Base class of all expected, user-facing errors."""


class ImageLoadError(MatteError):
    """An image file could not be read (missing, corrupt, unsupported, too large)."""


class TrimapError(MatteError):
    """A trimap is unusable: wrong size, no known pixels, unreadable."""


class ExportError(MatteError):
    """Writing an output file failed; the previous file, if any, is intact."""


class EngineError(MatteError):
    """An alpha estimator failed or is not available on this machine."""


class WeightsError(EngineError):
    """A weights file is missing, corrupt or does not fit the architecture."""


class ProjectError(MatteError):
    """A project file could not be read or written."""


class Cancelled(MatteError):
    """An operation was cancelled by the user or superseded by a newer request."""
