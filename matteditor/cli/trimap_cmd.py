"""``matteditor trimap``: from a box, a lasso or a mask to a trimap, without the editor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import MatteError
from ..imageio import load_image, load_mask, load_trimap, save_image
from ..quickselect import QuickSelectSettings, grabcut_mask, trimap_from_selection
from ..trimap import BACKGROUND


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


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "trimap", help="make a trimap from a rectangle, a lasso or a mask",
        description="Make a trimap with an unknown band around an object, from a rectangle or a "
                    "lasso (GrabCut selection) or from an existing mask (alpha channel of an RGBA "
                    "file, or a gray image).")
    p.add_argument("image", metavar="IMAGE")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--rect", type=_rect, metavar="X,Y,W,H", help="box around the object")
    src.add_argument("--lasso", type=_lasso, metavar="X1,Y1,X2,Y2,...",
                     help="polygon around the object")
    src.add_argument("--mask", metavar="MASK", help="mask image: alpha channel or gray")
    p.add_argument("--seeds", metavar="TRIMAP",
                   help="a trimap whose foreground/background strokes GrabCut must respect")
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
    image = load_image(args.image)
    if args.mask:
        selection = load_mask(args.mask, image.shape[:2])
        empty = f"the mask {args.mask} selects nothing (it is empty)"
    else:
        seeds = load_trimap(args.seeds, image.shape[:2]) if args.seeds else None
        selection = grabcut_mask(image, rect=args.rect, lasso=args.lasso, trimap=seeds,
                                 settings=settings)
        region = ("the rectangle " + ",".join(str(v) for v in args.rect)
                  if args.rect is not None else "the lasso")
        empty = (f"GrabCut found no object inside {region} (draw it around the object, "
                 "or mark part of the object as foreground with --seeds)")
    trimap = trimap_from_selection(image, selection, settings)
    if (trimap == BACKGROUND).all():
        # An all-background trimap mattes to nothing.  The editor shows such a
        # result and lets the user redraw; the command line refuses it.
        raise MatteError(f"{empty}; no trimap written")
    save_image(args.output, trimap)
    share = 100.0 * float((trimap == 128).mean())
    print(f"wrote {args.output} ({share:.1f}% unknown)", file=sys.stderr)
    return 0
