"""``matteditor matte``: mattes, cutouts and composites for one image or a batch."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..engines import CancelToken, Engine, ProgressFn, create_engine, default_engine_name
from ..errors import MatteError
from ..engines.base import no_progress
from ..engines.memory import check_memory
from ..imageio import load_image_rgba, load_trimap, save_image
from ..imagewrite import remove_stale_temporaries
from ..document import adjusted_matte
from ..edges import EdgeAdjustments
from ..layered_export import write_psd, write_tiff
from ..live import matte_once
from . import inputs
from ..overwrite import Input, refuse_input_overwrite
from .output import PSD_SUFFIX, TIFF_SUFFIXES, OutputSpec, background_path, parse_background
from .progress import ProgressBar
from .report import BatchReport, FrameResult, output_stamp, unexpected_failure  # noqa: F401

log = logging.getLogger(__name__)

DESCRIPTION = """\
Estimate the alpha matte of IMAGE from a trimap and write a cutout (straight-alpha
RGBA PNG with decontaminated foreground colours), a matte (--alpha-only) or a
composite (--background).

One image:  matteditor matte photo.jpg --trimap photo_trimap.png -o cutout.png
Batch:      matteditor matte shots/ 'more/*.jpg' --trimap-dir trimaps/ -o out/
            (several images, folders or glob patterns, or -o an existing folder or
            ending in '/'). Outputs are OUT/<stem>.png (--format jpg for JPEG); existing
            outputs are skipped unless --overwrite; a bad file is reported and the
            rest go on; the exit status is 1 if any failed.

Trimap pairing, first match wins: --trimap FILE for every image; --trimap-pattern
with {stem} (relative to --trimap-dir, else to the image's folder); in --trimap-dir
<stem>.<ext> then <stem>_trimap.<ext>; beside the image <stem>_trimap.<ext>.
<name>_image.<ext> also pairs with <name>_trimap.<ext>. PNG is tried first.

A .jpg output has no transparency: without --background a cutout is composited
over white.

On a Dask cluster (pip install "matteditor[cluster]"; see docs/cluster.md):
            matteditor matte 'shots/*.jpg' -o out/ --workers 4
            matteditor matte 'shots/*.jpg' -o out/ --scheduler tcp://host:8786
(the workers read the inputs and write the outputs at the same paths).
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "matte", help="estimate alpha mattes and write cutouts or composites",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="image file(s), folder(s) or glob pattern(s)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file (.png/.jpg), or a folder for a batch")
    p.add_argument("-t", "--trimap", type=Path, metavar="TRIMAP",
                   help="trimap file (0 background, 128 unknown, 255 foreground)")
    p.add_argument("--trimap-dir", type=Path, metavar="DIR", help="folder holding the trimaps")
    p.add_argument("--trimap-pattern", metavar="PATTERN",
                   help="trimap file name with {stem}, e.g. '{stem}_tri.png'")
    p.add_argument("-e", "--engine", metavar="NAME",
                   help="alpha estimator (see 'matteditor engines'; default: auto, which picks "
                        "per image the engine measured best for its trimap)")
    p.add_argument("--device", metavar="D", help="device for the engine, e.g. cpu or cuda")
    p.add_argument("--alpha-only", action="store_true", help="write the matte as a gray image")
    p.add_argument("--background", metavar="COLOR|IMAGE",
                   help="composite over a colour (white, black, green, #rrggbb ...), "
                        "'checkerboard', or an image file scaled to cover")
    p.add_argument("--no-foreground", dest="decontaminate", action="store_false",
                   help="use the photo's colours instead of estimated foreground colours")
    p.add_argument("--premultiplied", action="store_true",
                   help="write premultiplied (associated) alpha in the cutout PNG")
    p.add_argument("--bits", type=int, choices=(8, 16), default=8, help="PNG bit depth")
    p.add_argument("--format", choices=("png", "jpg", "tif", "psd"), default="png",
                   help="output format in a batch (a single -o file names its own)")
    p.add_argument("--overwrite", action="store_true", help="redo outputs that already exist")
    edges = p.add_argument_group("edge controls (the editor's Edges panel)")
    edges.add_argument("--smooth", type=int, default=0, metavar="PX",
                       help="round off bumps and notches of the outline (0-20 px)")
    edges.add_argument("--feather", type=float, default=0.0, metavar="PX",
                       help="soften the edge: Gaussian blur of the matte (0-250 px)")
    edges.add_argument("--contrast", type=float, default=0.0, metavar="PCT",
                       help="harden soft edges (0-100%%; 100 is a hard threshold)")
    edges.add_argument("--shift-edge", type=float, default=0.0, metavar="PCT",
                       help="move the edge outward (+) or inward (-), -100 to 100%%")
    edges.add_argument("--fill-holes", action="store_true", help="make enclosed holes opaque")
    edges.add_argument("--remove-islands", type=int, default=0, metavar="PX",
                       help="remove detached specks smaller than this many pixels")
    edges.add_argument("--decontamination", type=float, default=100.0, metavar="PCT",
                       help="how much of the estimated foreground colour replaces the photo's "
                            "in cutouts (0-100%%, default 100)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, metavar="N",
                       help="batch: run on a local Dask cluster of N worker processes")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="batch: run on the Dask cluster of this scheduler, "
                            "e.g. tcp://10.0.0.5:8786 (inputs and outputs on shared storage)")
    p.add_argument("--worker-timeout", type=_positive_float, default=60.0, metavar="S",
                   help="with --workers/--scheduler: a worker silent for S seconds is dropped "
                        "(its frames go to the others), and the batch stops when no worker "
                        "has been connected for S seconds (default 60)")
    p.set_defaults(func=run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text!r}")
    return value


@dataclass(frozen=True)
class Job:
    image: Path
    output: Path
    trimap: Path | None = None   # None: pairing failed, ``problem`` says why
    problem: str = ""


#: The output options as plain values, so that a Dask worker can rebuild the
#: OutputSpec itself (a --background image is read from shared storage there,
#: not shipped through the scheduler).
SPEC_OPTIONS = ("alpha_only", "decontaminate", "premultiplied", "bits", "background",
                "smooth", "feather", "contrast", "shift_edge", "fill_holes", "remove_islands",
                "decontamination")


def spec_options(args: argparse.Namespace) -> dict:
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


def _trimap_for(image: Path, args: argparse.Namespace) -> Path:
    return inputs.find_trimap(image, trimap=args.trimap, trimap_dir=args.trimap_dir,
                              pattern=args.trimap_pattern)


def _inputs_of(image: Path, trimap: Path, background: Path | None) -> list[Input]:
    found = [("photo", image), ("trimap", trimap)]
    if background is not None:
        found.append(("--background image", background))
    return found


def _check_not_an_input(output: Path, photos: dict[Path, Path], inputs_: list[Input]) -> None:
    """Refuse an output that would replace any input photo of the batch (``photos``:
    resolved path -> path as given), or an input of its own frame (``inputs_``:
    its photo, trimap and --background image, hard links included)."""
    source = photos.get(output.resolve())
    if source is not None:
        inputs_ = [("photo", source), *inputs_]
    refuse_input_overwrite(output, inputs_, hint="choose another -o")


def _plan(args: argparse.Namespace, batch: bool) -> list[Job]:
    images = inputs.expand_inputs(args.images)
    photos = {image.resolve(): image for image in images}
    background = background_path(args.background)
    if not batch:
        output = Path(args.output)
        inputs.check_output_suffix(output)
        trimap = _trimap_for(images[0], args)
        _check_not_an_input(output, photos, _inputs_of(images[0], trimap, background))
        return [Job(images[0], output, trimap)]
    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        raise MatteError(f"-o {out_dir} is a file; a batch writes into a folder")
    if not out_dir.exists() and out_dir.suffix.lower() in inputs.OUTPUT_SUFFIXES:
        raise MatteError(f"{len(images)} images need a folder for -o, not {out_dir}")
    jobs = []
    claimed: dict[Path, Path] = {}
    for image in images:
        output = inputs.output_for(image, out_dir, "." + args.format)
        try:
            if output in claimed:
                raise MatteError(f"its output {output} would overwrite that of {claimed[output]}")
            claimed[output] = image
            trimap = _trimap_for(image, args)
            _check_not_an_input(output, photos, _inputs_of(image, trimap, background))
            jobs.append(Job(image, output, trimap))
        except MatteError as e:
            jobs.append(Job(image, output, None, str(e)))
    return jobs


TRANSPARENCY_NOTE = "the photo's transparency (alpha channel) is not used: matted as if opaque"


def matte_one(engine: Engine, job: Job, spec: OutputSpec, progress: ProgressFn | None = None,
              cancel: CancelToken | None = None) -> list[str]:
    """Load, estimate alpha (and foreground colours), render and write one output
    (atomically: an interrupted write leaves no partial file).

    Returns notes for the user (e.g. the photo's own transparency was not used).
    Raises MatteError (e.g. EngineError when the solve would not fit in memory).
    """
    image, transparency = load_image_rgba(job.image)
    notes = [TRANSPARENCY_NOTE] if transparency is not None and transparency.min() < 1 else []
    trimap = load_trimap(job.trimap, image.shape[:2])
    check_memory(engine, image, trimap)
    alpha, foreground = matte_once(engine, image, trimap, foreground=spec.needs_foreground(),
                                   progress=progress or no_progress, cancel=cancel)
    matte = adjusted_matte(image, alpha, foreground, spec.edges, trimap)
    suffix = job.output.suffix.lower()
    if suffix in TIFF_SUFFIXES:
        write_tiff(job.output, image, matte.alpha, matte.colors, bits=spec.bits)
    elif suffix == PSD_SUFFIX:
        write_psd(job.output, image, matte.alpha,
                  matte.colors if matte.colors is not None else image)
    else:
        save_image(job.output, spec.render(image, matte.alpha, matte.colors, job.output),
                   bits=spec.bits)
    return notes


def matte_frame(engine: Engine, job: Job, spec: OutputSpec, progress: ProgressFn | None = None,
                cancel: CancelToken | None = None) -> FrameResult:
    """The work on one frame of a batch, the same in-process and on a Dask worker.

    A MatteError (unreadable file, wrong-size trimap, ...) is a failed frame;
    any other exception propagates: the caller decides (the in-process batch
    reports it, a Dask task is retried once).
    """
    start = time.perf_counter()
    try:
        notes = matte_one(engine, job, spec, progress=progress, cancel=cancel)
    except MatteError as e:
        return FrameResult(False, str(e))
    return FrameResult(True, f"wrote {job.output} ({time.perf_counter() - start:.1f} s, "
                             f"{engine.answered_by})" + "".join(f"; note: {n}" for n in notes))


def _note_jpeg(spec: OutputSpec, path: Path) -> None:
    if spec.composites_over_white(path):
        print("matteditor: note: JPEG has no transparency; compositing over white "
              "(choose with --background, or write .png)", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    spec = make_spec(**spec_options(args))
    batch = inputs.is_batch(args.images, args.output)
    jobs = _plan(args, batch)
    for job in jobs[:1]:
        spec.check_path(job.output)
    distributed = args.workers is not None or args.scheduler is not None
    if distributed and not batch:
        raise MatteError("--workers and --scheduler run a batch: give -o a folder "
                         "(ending in '/') for the outputs")
    if distributed:
        # Imported only here: Dask is an optional extra.
        return _load_cluster().run_batch(jobs, spec, args)
    engine = create_engine(args.engine or default_engine_name(), args.device)
    if not batch:
        job = jobs[0]
        _note_jpeg(spec, job.output)
        if args.trimap is None and not args.quiet:   # found by pairing: say which
            print(f"matteditor: note: using the trimap {job.trimap}", file=sys.stderr)
        bar = ProgressBar(1, enabled=not args.quiet)
        notes = matte_one(engine, job, spec,
                          progress=lambda f, m: bar.update(0, job.image.name, f, m))
        bar.item_done(1, job.image.name, f"wrote {job.output} ({engine.answered_by})")
        for note in notes:
            print(f"matteditor: note: {note}", file=sys.stderr)
        return 0
    return _run_batch(engine, jobs, spec, args)


def _load_cluster():
    try:
        from . import cluster
    except ImportError as e:
        if (e.name or "").split(".")[0] not in ("dask", "distributed"):
            raise
        raise MatteError(f"--workers and --scheduler need Dask, which is not installed "
                         f"(no module {e.name!r}): pip install \"matteditor[cluster]\"") from None
    return cluster


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
    _note_jpeg(spec, jobs[0].output)
    return BatchReport(len(jobs), args.quiet)


def _run_batch(engine: Engine, jobs: list[Job], spec: OutputSpec,
               args: argparse.Namespace) -> int:
    report = prepare_batch(jobs, spec, args)
    try:
        for job in jobs:
            if not report.triage(job, args.overwrite):
                continue
            done, label = report.done, job.image.name
            try:
                result = matte_frame(engine, job, spec,
                                     progress=lambda f, m: report.bar.update(done, label, f, m))
            except Exception as e:  # a bug or resource limit: report it, keep the batch going
                result = unexpected_failure(job.image, e)
            report.frame(job, result)
    except KeyboardInterrupt:
        report.stopped()   # the counts; the command line then says "interrupted"
        raise
    return report.finish()
