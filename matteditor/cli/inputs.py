"""Which files a ``matteditor matte`` run works on, their trimaps and outputs.

Trimap pairing rule (also in ``matteditor matte --help``), first match wins:

1. ``--trimap FILE``: that trimap, for every image.
2. ``--trimap-pattern P``: ``P`` with ``{stem}`` replaced by the image's file
   name without extension, relative to ``--trimap-dir`` if given, else to the
   image's folder (``{stem}_tri.png``, ``../masks/{stem}.png``).
3. ``--trimap-dir D``: ``D/<stem>.<ext>``, then ``D/<stem>_trimap.<ext>``.
4. Beside the image: ``<stem>_trimap.<ext>``.

In 3 and 4 an image named ``<name>_image.<ext>`` (the Composition-1k layout)
also pairs with ``<name>_trimap.<ext>``; ``<ext>`` is tried as .png first,
then the other image extensions.  Folders and glob patterns given as inputs
contribute their image files (folders not recursively), leaving out
``*_trimap.*`` files; a file named on its own is always taken.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from ..errors import MatteError, TrimapError
from ..imagewrite import is_temporary

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
TRIMAP_TAG = "_trimap"
IMAGE_TAG = "_image"
OUTPUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".psd")


def _has_magic(text: str) -> bool:
    return any(c in text for c in "*?[")


def _is_photo(p: Path) -> bool:
    """An image file that is not a ``*_trimap.*`` file nor the temporary file of a
    write (what folders and globs contribute)."""
    return (p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            and not p.stem.endswith(TRIMAP_TAG) and not is_temporary(p))


def _folder_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if _is_photo(p))


def expand_inputs(specs: list[str]) -> list[Path]:
    """Image files named by ``specs`` (files, folders, glob patterns), in order, once each.

    Raises MatteError for a spec that names nothing.
    """
    found: list[Path] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            items = _folder_images(path)
            if not items:
                raise MatteError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in folder {spec}")
        elif _has_magic(spec) and not path.exists():
            items = sorted(Path(p) for p in glob.glob(spec) if _is_photo(Path(p)))
            if not items:
                raise MatteError(f"no image files match {spec!r}")
        else:
            items = [path]
        found.extend(items)
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def is_batch(specs: list[str], output: str) -> bool:
    """A batch run unless there is exactly one image file and ``output`` names a file."""
    if len(specs) != 1:
        return True
    spec = specs[0]
    if Path(spec).is_dir() or (_has_magic(spec) and not Path(spec).exists()):
        return True
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def _stems(image: Path, include_own: bool) -> list[str]:
    stem = image.stem
    stems = [stem] if include_own else []
    stems.append(stem + TRIMAP_TAG)
    if stem.endswith(IMAGE_TAG) and len(stem) > len(IMAGE_TAG):
        stems.append(stem[: -len(IMAGE_TAG)] + TRIMAP_TAG)
    return stems


def find_trimap(image: Path, *, trimap: Path | None = None, trimap_dir: Path | None = None,
                pattern: str | None = None) -> Path:
    """The trimap for ``image`` by the rule in this module's docstring.

    Raises TrimapError naming what was looked for.
    """
    if trimap is not None:
        return trimap
    base = trimap_dir if trimap_dir is not None else image.parent
    if pattern is not None:
        if "{stem}" not in pattern:
            raise TrimapError(f"--trimap-pattern {pattern!r} must contain {{stem}}")
        candidate = base / pattern.replace("{stem}", image.stem)
        if candidate.is_file():
            return candidate
        raise TrimapError(f"no trimap for {image}: {candidate} does not exist")
    tried = []
    for stem in _stems(image, include_own=trimap_dir is not None):
        for suffix in IMAGE_SUFFIXES:
            candidate = base / f"{stem}{suffix}"
            if candidate.is_file() and candidate.resolve() != image.resolve():
                return candidate
        tried.append(str(base / f"{stem}.png"))
    raise TrimapError(f"no trimap for {image}: looked for {' / '.join(tried)} (any image "
                      "extension); pass --trimap, --trimap-dir or --trimap-pattern")


def output_for(image: Path, out_dir: Path, suffix: str) -> Path:
    """``out_dir/<stem><suffix>``."""
    return out_dir / f"{image.stem}{suffix}"


def check_output_suffix(path: Path) -> None:
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise MatteError(f"cannot write {path}: the output must end in .png, .jpg, .tif "
                         "or .psd")


def clip_box(rect: tuple[int, int, int, int], shape: tuple[int, int]
             ) -> tuple[tuple[int, int, int, int], str]:
    """``rect`` (x, y, width, height in pixels) clipped to a photo of ``shape`` (H, W).

    Returns:
        the clipped box, and a note for the user when it was clipped ("" if not).
    Raises:
        MatteError when the box lies wholly outside the photo.
    """
    x, y, w, h = rect
    height, width = shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x1 <= x0 or y1 <= y0:
        raise MatteError(f"the box {x},{y},{w},{h} lies wholly outside the {width}x{height} "
                         f"photo; give x,y,w,h inside 0..{width - 1}, 0..{height - 1}")
    clipped = (x0, y0, x1 - x0, y1 - y0)
    if clipped == tuple(rect):
        return clipped, ""
    return clipped, (f"the box {x},{y},{w},{h} reaches outside the {width}x{height} photo; "
                     f"clipped to {','.join(map(str, clipped))}")
