"""``matteditor matte``: mattes, cutouts and composites for one image or a batch."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..engines import create_engine, default_engine_name
from ..errors import MatteError
from ..overwrite import Input, refuse_input_overwrite
from . import inputs
from .frames import Job, make_spec, matte_one, note_jpeg, run_local_batch, spec_options
from .output import background_path
from .progress import ProgressBar

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
                   help="output file (.png, .jpg, .tif or .psd: the extension picks the "
                        "format), or a folder for a batch (see --format)")
    p.add_argument("-t", "--trimap", type=Path, metavar="TRIMAP",
                   help="trimap file (0 background, 128 unknown, 255 foreground)")
    p.add_argument("--trimap-dir", type=Path, metavar="DIR", help="folder holding the trimaps")
    p.add_argument("--subject", action="store_true",
                   help="no trimap: make one per photo with Select subject (Segment Anything "
                        "when installed, else GrabCut), then matte it")
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


def _trimap_for(image: Path, args: argparse.Namespace) -> Path | None:
    if args.subject:    # the trimap is made from the photo (Select subject)
        return None
    return inputs.find_trimap(image, trimap=args.trimap, trimap_dir=args.trimap_dir,
                              pattern=args.trimap_pattern)


def _inputs_of(image: Path, trimap: Path, background: Path | None) -> list[Input]:
    found = [("photo", image)] + ([("trimap", trimap)] if trimap is not None else [])
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
    if args.subject and (args.trimap or args.trimap_dir or args.trimap_pattern):
        raise MatteError("--subject makes the trimaps; it does not take --trimap, "
                         "--trimap-dir or --trimap-pattern")
    images = inputs.expand_inputs(args.images)
    photos = {image.resolve(): image for image in images}
    background = background_path(args.background)
    if not batch:
        output = Path(args.output)
        inputs.check_output_suffix(output)
        trimap = _trimap_for(images[0], args)
        _check_not_an_input(output, photos, _inputs_of(images[0], trimap, background))
        return [Job(images[0], output, trimap, subject=args.subject)]
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
            jobs.append(Job(image, output, trimap, subject=args.subject))
        except MatteError as e:
            jobs.append(Job(image, output, None, str(e)))
    return jobs


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
        note_jpeg(spec, job.output)
        if args.trimap is None and not args.subject and not args.quiet:  # paired: say which
            print(f"matteditor: note: using the trimap {job.trimap}", file=sys.stderr)
        bar = ProgressBar(1, enabled=not args.quiet)
        notes = matte_one(engine, job, spec,
                          progress=lambda f, m: bar.update(0, job.image.name, f, m))
        bar.item_done(1, job.image.name, f"wrote {job.output} ({engine.answered_by})")
        for note in notes:
            print(f"matteditor: note: {note}", file=sys.stderr)
        return 0
    return run_local_batch(engine, jobs, spec, args)


def _load_cluster():
    try:
        from . import cluster
    except ImportError as e:
        if (e.name or "").split(".")[0] not in ("dask", "distributed"):
            raise
        raise MatteError(f"--workers and --scheduler need Dask, which is not installed "
                         f"(no module {e.name!r}): pip install \"matteditor[cluster]\"") from None
    return cluster
