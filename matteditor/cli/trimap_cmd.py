"""``matteditor trimap``: from a box, a lasso, clicks, the subject or a mask to a trimap,
without the editor.  Boxes, lassos, clicks and the subject are segmented with Segment
Anything when its weights are installed, GrabCut otherwise (``--selector``), and the
command says which it used."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from ..errors import MatteError
from .inputs import clip_box
from ..imageio import load_image, load_mask, load_trimap, save_image
from ..quickselect import QuickSelectSettings, trimap_from_selection
from ..segmentation.selector import (SELECTORS, Selection, Selector, resolve_selector,
                                     selection_trimap)
from ..trimap import BACKGROUND, FOREGROUND

#: how each selector is named to the user
SELECTOR_NAMES = {"sam": "Segment Anything", "grabcut": "GrabCut"}


def _rect(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected x,y,w,h in pixels, got {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"the rectangle's width and height must be positive: {text!r}")
    return x, y, w, h


def _lasso(text: str) -> list[tuple[float, float]]:
    try:
        values = [float(v) for v in text.replace(";", ",").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected x1,y1,x2,y2,... got {text!r}") from None
    if len(values) < 6 or len(values) % 2:
        raise argparse.ArgumentTypeError("a lasso needs at least three x,y points")
    return list(zip(values[0::2], values[1::2]))


def _points(text: str) -> list[tuple[float, float]]:
    try:
        values = [float(v) for v in text.replace(";", ",").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected x,y[,x,y...] in pixels, got {text!r}") from None
    if not values or len(values) % 2:
        raise argparse.ArgumentTypeError(f"expected pairs of x,y pixel coordinates, got {text!r}")
    return list(zip(values[0::2], values[1::2]))


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "trimap", help="make a trimap from a box, a lasso, clicks, the subject or a mask",
        description="Make a trimap with an unknown band around an object, from a rectangle, a "
                    "lasso, clicks on the object (and off it), or the photo's most salient "
                    "object (--subject), segmented with Segment Anything when its weights "
                    "are installed ('matteditor models fetch slimsam') and GrabCut otherwise; "
                    "or from an existing mask (alpha channel of an RGBA file, or a gray image).",
        epilog="examples:\n  matteditor trimap photo.jpg --rect 120,40,300,420 -o trimap.png\n"
               "  matteditor trimap photo.jpg --points 260,200 --negative-points 40,40 "
               "-o trimap.png\n  matteditor trimap photo.jpg --subject -o trimap.png",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("image", metavar="IMAGE")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--rect", type=_rect, metavar="X,Y,W,H", help="box around the object")
    src.add_argument("--lasso", type=_lasso, metavar="X1,Y1,X2,Y2,...",
                     help="polygon around the object")
    src.add_argument("--subject", action="store_true",
                     help="the photo's most salient object (Select subject)")
    src.add_argument("--mask", metavar="MASK", help="mask image: alpha channel or gray")
    p.add_argument("--points", type=_points, default=[], metavar="X,Y[,X,Y...]",
                   help="clicks on the object (alone, or refining a box, lasso or subject)")
    p.add_argument("--negative-points", type=_points, default=[], metavar="X,Y[,X,Y...]",
                   help="clicks on what is not the object")
    p.add_argument("--selector", choices=SELECTORS,
                   help="segment with Segment Anything (sam) or GrabCut (default: sam when "
                        "its weights are installed, else grabcut)")
    p.add_argument("--seeds", metavar="TRIMAP",
                   help="a trimap whose foreground/background strokes the selection keeps")
    p.add_argument("--band", type=int, default=QuickSelectSettings.band, metavar="PX",
                   help="half-width of the unknown band in pixels (default %(default)s)")
    p.add_argument("--fixed-band", action="store_true",
                   help="do not widen the band where the edge is detailed (hair)")
    p.add_argument("--iterations", type=int, default=QuickSelectSettings.iterations)
    p.add_argument("-o", "--output", required=True, metavar="TRIMAP.png")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.band < 0:
        raise MatteError("--band must be zero or more pixels")
    if Path(args.output).resolve() == Path(args.image).resolve():
        raise MatteError(f"the output {args.output} is the photo itself; refusing to "
                         "overwrite it (choose another -o)")
    settings = QuickSelectSettings(iterations=max(1, args.iterations), band=args.band,
                                   adaptive_band=not args.fixed_band)
    selection = Selection(rect=args.rect, lasso=tuple(args.lasso) if args.lasso else None,
                          points=tuple(args.points), negative=tuple(args.negative_points),
                          subject=args.subject)
    if args.mask is None and args.rect is None and args.lasso is None and not args.subject \
            and not args.points:
        raise MatteError("give the object: --rect, --lasso, --points, --subject or --mask")
    if args.mask and (args.points or args.negative_points):
        raise MatteError("--points and --negative-points select with a segmenter; "
                         "they do not apply to --mask")
    image = load_image(args.image)
    if args.rect is not None:   # a box partly outside is clipped (said); wholly outside refused
        rect, note = clip_box(args.rect, image.shape[:2])
        if note:
            print(f"matteditor: warning: {note}", file=sys.stderr)
        selection = replace(selection, rect=rect)
    used = None
    if args.mask:
        mask = load_mask(args.mask, image.shape[:2])
        trimap = trimap_from_selection(image, mask, settings)
        empty = f"the mask {args.mask} selects nothing (it is empty)"
    else:
        used = resolve_selector(args.selector)
        seeds = load_trimap(args.seeds, image.shape[:2]) if args.seeds else None
        mask = Selector(used).mask(image, selection, settings=settings, seeds=seeds)
        trimap = selection_trimap(image, mask, used, settings)
        if seeds is not None:
            for label in (BACKGROUND, FOREGROUND):
                trimap[seeds == label] = label
        empty = (f"{SELECTOR_NAMES[used]} found no object inside {selection.describe()} "
                 "(draw it around the object, click on the object with --points, or mark "
                 "part of it as foreground with --seeds)")
    if (trimap == BACKGROUND).all():
        # An all-background trimap mattes to nothing.  The editor shows such a
        # result and lets the user redraw; the command line refuses it.
        raise MatteError(f"{empty}; no trimap written")
    save_image(args.output, trimap)
    share = 100.0 * float((trimap == 128).mean())
    how = f", selected with {SELECTOR_NAMES[used]}" if used else ""
    print(f"wrote {args.output} ({share:.1f}% unknown{how})", file=sys.stderr)
    return 0
