"""The frames of a ``matteditor matte`` run: one frame's work, and the in-process batch.

The same per-frame code runs in-process and on a Dask worker
(:mod:`.cluster_task`), so both write the same files.  This module imports
neither :mod:`.matte` (the command's options and plan) nor :mod:`.cluster`
(the Dask batch): both import it, and there is no import circle.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..document import adjusted_matte
from ..edges import EdgeAdjustments
from ..engines import CancelToken, Engine, ProgressFn
from ..engines.base import no_progress
from ..engines.memory import check_memory
from ..errors import Cancelled, MatteError
from ..export import write_export
from ..imageio import load_image_rgba, load_trimap
from ..imagewrite import remove_stale_temporaries
from ..live import matte_once
from .output import OutputSpec, parse_background
from .report import BatchReport, FrameResult, unexpected_failure


@dataclass(frozen=True)
class Job:
    """One frame: its photo, its output, its trimap (None: pairing failed, ``problem``
    says why)."""
    image: Path
    output: Path
    trimap: Path | None = None
    problem: str = ""
    subject: bool = False       # no trimap file: make one with Select subject


#: The output options as plain values, so that a Dask worker can rebuild the
#: OutputSpec itself (a --background image is read from shared storage there,
#: not shipped through the scheduler).
SPEC_OPTIONS = ("alpha_only", "decontaminate", "premultiplied", "bits", "background",
                "smooth", "feather", "contrast", "shift_edge", "fill_holes", "remove_islands",
                "decontamination")

TRANSPARENCY_NOTE = "the photo's transparency (alpha channel) is not used: matted as if opaque"


def spec_options(args: argparse.Namespace) -> dict:
    """The output options of parsed ``matteditor matte`` arguments, by name."""
    return {name: getattr(args, name) for name in SPEC_OPTIONS}


def make_spec(alpha_only: bool = False, decontaminate: bool = True, premultiplied: bool = False,
              bits: int = 8, background: str | None = None, decontamination: float = 100.0,
              **edges) -> OutputSpec:
    """The OutputSpec of these options (``background``: as given to --background;
    ``edges``: the edge controls by their EdgeAdjustments names)."""
    backdrop = parse_background(background) if background is not None else None
    adjustments = EdgeAdjustments(decontamination=decontamination / 100, **edges)
    return OutputSpec(alpha_only=alpha_only, decontaminate=decontaminate,
                      premultiplied=premultiplied, bits=bits, backdrop=backdrop,
                      edges=adjustments)


def matte_one(engine: Engine, job: Job, spec: OutputSpec, progress: ProgressFn | None = None,
              cancel: CancelToken | None = None) -> list[str]:
    """Load, estimate alpha (and foreground colours), render and write one output
    (atomically: an interrupted write leaves no partial file).

    Returns notes for the user (e.g. the photo's own transparency was not used).
    Raises MatteError (e.g. EngineError when the solve would not fit in memory),
    Cancelled when ``cancel`` is set.
    """
    image, transparency = load_image_rgba(job.image)
    notes = [TRANSPARENCY_NOTE] if transparency is not None and transparency.min() < 1 else []
    if job.subject:
        from ..segmentation.selector import subject_trimap

        trimap, used = subject_trimap(image)
        notes.append(f"trimap from Select subject ({used})")
    else:
        trimap = load_trimap(job.trimap, image.shape[:2])
    check_memory(engine, image, trimap)
    alpha, foreground = matte_once(engine, image, trimap, foreground=spec.needs_foreground(),
                                   progress=progress or no_progress, cancel=cancel)
    matte = adjusted_matte(image, alpha, foreground, spec.edges, trimap)
    write_export(job.output, spec.render(image, matte.alpha, matte.colors, job.output),
                 spec.bits, image)
    return notes


def matte_frame(engine: Engine, job: Job, spec: OutputSpec, progress: ProgressFn | None = None,
                cancel: CancelToken | None = None) -> FrameResult:
    """The work on one frame of a batch, the same in-process and on a Dask worker.

    A MatteError (unreadable file, wrong-size trimap, ...) is a failed frame;
    a cancelled frame is no failure: Cancelled propagates, as does any other
    exception (the caller decides: the in-process batch reports it, a Dask
    task is retried once).
    """
    start = time.perf_counter()
    try:
        notes = matte_one(engine, job, spec, progress=progress, cancel=cancel)
    except Cancelled:
        raise
    except MatteError as e:
        return FrameResult(False, str(e))
    return FrameResult(True, f"wrote {job.output} ({time.perf_counter() - start:.1f} s, "
                             f"{engine.answered_by})" + "".join(f"; note: {n}" for n in notes))


def note_jpeg(spec: OutputSpec, path: Path) -> None:
    """Say once that a JPEG cutout is flattened over white."""
    if spec.composites_over_white(path):
        print("matteditor: note: JPEG has no transparency; compositing over white "
              "(choose with --background, or write .png)", file=sys.stderr)


def prepare_batch(jobs: list[Job], spec: OutputSpec, args: argparse.Namespace) -> BatchReport:
    """Create the output folder (removing temporary files that killed writes left
    there) and the report of a batch."""
    try:
        Path(args.output).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MatteError(f"cannot create the output folder {args.output}: "
                         f"{e.strerror or e}") from None
    removed = remove_stale_temporaries(Path(args.output))
    if removed and not args.quiet:
        print(f"matteditor: note: removed {removed} temporary file(s) that an interrupted "
              f"write left in {args.output}", file=sys.stderr)
    note_jpeg(spec, jobs[0].output)
    return BatchReport(len(jobs), args.quiet)


def _interrupted(error: BaseException) -> bool:
    """True when ``error`` stands for Ctrl+C: a KeyboardInterrupt raised inside compiled
    code (a numba kernel, for one) comes out as a SystemError "returned a result with an
    exception set" whose cause is the KeyboardInterrupt."""
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, KeyboardInterrupt):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def run_local_batch(engine: Engine, jobs: list[Job], spec: OutputSpec,
                    args: argparse.Namespace, cancel: CancelToken | None = None) -> int:
    """Matte ``jobs`` one after the other in this process; the exit status (1 if any
    frame failed).  Ctrl+C or ``cancel`` stops the batch after printing its counts
    (KeyboardInterrupt, Cancelled propagate)."""
    report = prepare_batch(jobs, spec, args)
    try:
        for job in jobs:
            if not report.triage(job, args.overwrite):
                continue
            done, label = report.done, job.image.name
            try:
                result = matte_frame(engine, job, spec, cancel=cancel,
                                     progress=lambda f, m: report.bar.update(done, label, f, m))
            except Cancelled:
                raise
            except Exception as e:  # a bug or resource limit: report it, keep the batch going
                if _interrupted(e):
                    raise KeyboardInterrupt from e
                result = unexpected_failure(job.image, e)
            report.frame(job, result)
    except (KeyboardInterrupt, Cancelled):
        report.stopped()   # the counts; the command line then says "interrupted"/"cancelled"
        raise
    return report.finish()
