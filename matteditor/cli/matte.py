"""``matteditor matte``: mattes, cutouts and composites for one image or a batch."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..engines import Engine, create_engine, default_engine_name
from ..errors import MatteError
from ..foreground import estimate_foreground
from ..imageio import load_image, load_trimap, save_image
from . import inputs
from .output import OutputSpec, parse_background
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
                   help="alpha estimator (see 'matteditor engines'; default: the best available)")
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
    p.add_argument("--format", choices=("png", "jpg"), default="png",
                   help="output format in a batch (a single -o file names its own)")
    p.add_argument("--overwrite", action="store_true", help="redo outputs that already exist")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


@dataclass(frozen=True)
class Job:
    image: Path
    output: Path
    trimap: Path | None = None   # None: pairing failed, ``problem`` says why
    problem: str = ""


def _spec_from(args: argparse.Namespace) -> OutputSpec:
    backdrop = parse_background(args.background) if args.background is not None else None
    return OutputSpec(alpha_only=args.alpha_only, decontaminate=args.decontaminate,
                      premultiplied=args.premultiplied, bits=args.bits, backdrop=backdrop)


def _trimap_for(image: Path, args: argparse.Namespace) -> Path:
    return inputs.find_trimap(image, trimap=args.trimap, trimap_dir=args.trimap_dir,
                              pattern=args.trimap_pattern)


def _check_not_an_input(output: Path, photos: dict[Path, Path], trimap: Path) -> None:
    """Refuse an output that would replace an input photo (``photos``: resolved
    path -> path as given) or its trimap."""
    target = output.resolve()
    if target in photos:
        source, kind = photos[target], "photo"
    elif target == trimap.resolve():
        source, kind = trimap, "trimap"
    else:
        return
    raise MatteError(f"the output {output} is the input {kind} {source}; "
                     "refusing to overwrite it (choose another -o)")


def _plan(args: argparse.Namespace, batch: bool) -> list[Job]:
    images = inputs.expand_inputs(args.images)
    photos = {image.resolve(): image for image in images}
    if not batch:
        output = Path(args.output)
        inputs.check_output_suffix(output)
        trimap = _trimap_for(images[0], args)
        _check_not_an_input(output, photos, trimap)
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
            _check_not_an_input(output, photos, trimap)
            jobs.append(Job(image, output, trimap))
        except MatteError as e:
            jobs.append(Job(image, output, None, str(e)))
    return jobs


def matte_one(engine: Engine, job: Job, spec: OutputSpec, progress=None) -> None:
    """Load, estimate alpha (and foreground colours), render and write one output."""
    image = load_image(job.image)
    trimap = load_trimap(job.trimap, image.shape[:2])
    alpha = engine.estimate(image, trimap, progress=progress)
    foreground = None
    if spec.needs_foreground():
        if progress is not None:
            progress(1.0, "estimating foreground colours")
        foreground = estimate_foreground(image, alpha)
    save_image(job.output, spec.render(image, alpha, foreground, job.output), bits=spec.bits)


def _note_jpeg(spec: OutputSpec, path: Path) -> None:
    if spec.composites_over_white(path):
        print("matteditor: note: JPEG has no transparency; compositing over white "
              "(choose with --background, or write .png)", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    spec = _spec_from(args)
    batch = inputs.is_batch(args.images, args.output)
    jobs = _plan(args, batch)
    for job in jobs[:1]:
        spec.check_path(job.output)
    engine = create_engine(args.engine or default_engine_name(), args.device)
    if not batch:
        job = jobs[0]
        _note_jpeg(spec, job.output)
        bar = ProgressBar(1, enabled=not args.quiet)
        matte_one(engine, job, spec,
                  progress=lambda f, m: bar.update(0, job.image.name, f, m))
        bar.item_done(1, job.image.name, f"wrote {job.output}")
        return 0
    return _run_batch(engine, jobs, spec, args)


def _run_batch(engine: Engine, jobs: list[Job], spec: OutputSpec,
               args: argparse.Namespace) -> int:
    try:
        Path(args.output).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MatteError(f"cannot create the output folder {args.output}: "
                         f"{e.strerror or e}") from None
    _note_jpeg(spec, jobs[0].output)
    bar = ProgressBar(len(jobs), enabled=not args.quiet)
    failures: list[tuple[Path, str]] = []
    written = skipped = 0
    for i, job in enumerate(jobs):
        label = job.image.name
        if job.trimap is None:
            failures.append((job.image, job.problem))
            bar.item_done(i + 1, label, "FAILED")
            continue
        if job.output.exists() and not args.overwrite:
            skipped += 1
            bar.item_done(i + 1, label, f"skipped, {job.output} exists")
            continue
        start = time.perf_counter()
        try:
            matte_one(engine, job, spec, progress=lambda f, m: bar.update(i, label, f, m))
        except MatteError as e:
            failures.append((job.image, str(e)))
            bar.item_done(i + 1, label, "FAILED")
            continue
        except Exception as e:  # a bug or resource limit: report it, keep the batch going
            log.debug("unexpected error on %s", job.image, exc_info=True)
            failures.append((job.image, f"unexpected {type(e).__name__}: {e}"))
            bar.item_done(i + 1, label, "FAILED")
            continue
        written += 1
        bar.item_done(i + 1, label, f"wrote {job.output} ({time.perf_counter() - start:.1f} s)")
    summary = f"matteditor: {written} written, {skipped} skipped, {len(failures)} failed"
    if skipped:
        summary += " (existing outputs are kept; --overwrite redoes them)"
    print(summary, file=sys.stderr)
    for image, message in failures:
        print(f"matteditor: error: {image}: {message}", file=sys.stderr)
    return 1 if failures else 0
