"""Mutation fuzzing of the image and project-file loaders.

Seeds are small valid files of every format the loaders read (made here,
nothing committed); each case mutates one seed (byte flips, truncation,
insertions, chunk duplication, header field changes) and feeds it to the
loader.  A loader may return a well-formed result or raise a MatteError;
anything else -- another exception type, a wrong dtype/shape/range, a hang --
is a crash, printed with the input saved to ``--crashes`` for a regression
test.

    python scripts/fuzz_loaders.py --seconds 600 [--crashes DIR] [--seed N]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matteditor.errors import MatteError  # noqa: E402
from matteditor.imageio import ImageLimits, load_image_rgba, load_mask, load_trimap  # noqa: E402
from matteditor.project import Project, load_project, save_project  # noqa: E402

LIMITS = ImageLimits(max_pixels=4_000_000, max_side=8192)


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def image_seeds() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (12, 17, 3), dtype=np.uint8))
    rgba = Image.fromarray(rng.integers(0, 256, (9, 11, 4), dtype=np.uint8))
    gray16 = Image.fromarray(rng.integers(0, 65536, (8, 10), dtype=np.uint16))
    pal = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    exif = Image.Exif()
    exif[0x0112] = 6
    return {
        "png": _encode(rgb, "PNG"), "rgba.png": _encode(rgba, "PNG"),
        "gray16.png": _encode(gray16, "PNG"), "pal.png": _encode(pal, "PNG", transparency=0),
        "jpg": _encode(rgb, "JPEG", exif=exif.tobytes()), "cmyk.jpg": _encode(rgb.convert("CMYK"), "JPEG"),
        "tif": _encode(rgb, "TIFF"), "webp": _encode(rgba, "WEBP", lossless=True),
        "bmp": _encode(rgb, "BMP"), "gif": _encode(pal, "GIF"),
    }


def project_seed(folder: Path) -> bytes:
    photo = folder / "photo.png"
    Image.fromarray(np.zeros((6, 7, 3), np.uint8)).save(photo)
    trimap = np.full((6, 7), 128, np.uint8)
    trimap[:, 0] = 0
    seed = folder / "seed.mattproj"
    save_project(seed, Project(trimap=trimap, image_path=photo))
    return seed.read_bytes()


def mutate(data: bytes, rnd: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(6)
        if not b:
            break
        i = rnd.randrange(len(b))
        if op == 0:
            b[i] ^= 1 << rnd.randrange(8)
        elif op == 1:
            b[i] = rnd.choice((0, 0xFF, 0x7F, 0x80))
        elif op == 2:
            del b[i:]
        elif op == 3:
            b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
        elif op == 4:
            j = min(len(b), i + rnd.randint(1, 64))
            b[i:i] = b[i:j]
        else:  # plausible header fields: big sizes
            b[i:i + 4] = rnd.choice((b"\xff\xff\xff\xff", b"\x00\x01\x00\x00", b"\x7f\xff\xff\xff"))
    return bytes(b)


def check_image(path: Path) -> None:
    try:
        rgb, alpha = load_image_rgba(path, LIMITS)
    except MatteError:
        return
    if rgb.dtype != np.float32 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise AssertionError(f"bad image result {rgb.dtype} {rgb.shape}")
    if not (np.isfinite(rgb).all() and rgb.min() >= 0 and rgb.max() <= 1):
        raise AssertionError("image values outside [0, 1]")
    if alpha is not None and alpha.shape != rgb.shape[:2]:
        raise AssertionError("alpha shape differs from image")
    for load in (lambda: load_trimap(path, rgb.shape[:2]), lambda: load_mask(path)):
        try:
            load()
        except MatteError:
            pass


def check_project(path: Path) -> None:
    try:
        project = load_project(path, LIMITS)
    except MatteError:
        return
    if project.trimap.dtype != np.uint8:
        raise AssertionError("project trimap is not uint8")


def fuzz(seconds: float, seed: int, crashes: Path | None, log=print) -> tuple[int, list[str]]:
    """Run for ``seconds``; return (cases run, crash descriptions)."""
    rnd = random.Random(seed)
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seeds = {name: (data, check_image) for name, data in image_seeds().items()}
        seeds["mattproj"] = (project_seed(folder), check_project)
        names = sorted(seeds)
        n = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            name = rnd.choice(names)
            data, check = seeds[name]
            case = mutate(data, rnd)
            target = folder / f"case.{name.split('.')[-1]}"
            target.write_bytes(case)
            n += 1
            try:
                check(target)
            except Exception as e:  # noqa: BLE001 - everything but MatteError is a finding
                desc = f"{name}: {type(e).__name__}: {e}"
                found.append(desc)
                log(f"CRASH {desc}\n{traceback.format_exc()}")
                if crashes is not None:
                    crashes.mkdir(parents=True, exist_ok=True)
                    (crashes / f"crash-{len(found):03d}.{name}").write_bytes(case)
    return n, found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="fuzz the image and project loaders")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--crashes", type=Path)
    args = ap.parse_args(argv)
    t = time.monotonic()
    n, found = fuzz(args.seconds, args.seed, args.crashes)
    print(f"{n} cases in {time.monotonic() - t:.0f}s, {len(found)} crashes")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
