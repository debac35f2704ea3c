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


class ModelError(EngineError):
    """A downloadable model (ViTMatte, ...) is not installed, is damaged, or could not
    be downloaded or imported; the message names the remedy."""


class ProjectError(MatteError):
    """A project file could not be read or written."""


class Cancelled(MatteError):
    """An operation was cancelled by the user or superseded by a newer request."""


class Failure:
    """An operation that failed, as handed from a worker to the one error handler:
    the exception itself, its traceback text ("" for an expected
    :class:`MatteError`), and the message to show."""

    def __init__(self, error: BaseException, context: str = "") -> None:
        import traceback

        self.error = error
        self.context = context       # what was being done, e.g. "Quick select"
        self.expected = isinstance(error, MatteError)
        self.traceback = "" if self.expected else "".join(
            traceback.format_exception(type(error), error, error.__traceback__))

    @property
    def message(self) -> str:
        text = str(self.error) if self.expected else f"{type(self.error).__name__}: {self.error}"
        return f"{self.context}: {text}" if self.context else text

    def __repr__(self) -> str:
        return f"Failure({self.message!r})"


class ClusterError(MatteError):
    """A batch on a Dask cluster cannot go on: the scheduler is gone, or no worker is
    left; the frames already written are kept."""
