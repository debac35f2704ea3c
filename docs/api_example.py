"""matteditor's Python API on the sample photo (resources/sample/).

Run from the repository root:

    .venv/bin/python docs/api_example.py [output folder]

It estimates the alpha matte of the cat with the default engine ("auto"), the
foreground colours (decontaminated fur), and writes the RGBA cutout and the
cutout over white into the output folder (default: the current folder).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

import matteditor

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "sample"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # arrays as any image library gives them: uint8 H x W x 3 and uint8 H x W (0/128/255)
    image = np.asarray(Image.open(SAMPLE / "sample.jpg").convert("RGB"))
    trimap = np.asarray(Image.open(SAMPLE / "sample_trimap.png").convert("L"))

    alpha = matteditor.estimate_alpha(image, trimap)               # float32 H x W in [0, 1]
    foreground = matteditor.estimate_foreground(image, alpha)      # float32 H x W x 3
    on_white = foreground * alpha[..., None] + (1.0 - alpha[..., None])
    Image.fromarray(np.rint(on_white * 255).astype(np.uint8)).save(out / "sample_on_white.png")

    # or all in one, from the files, written atomically as an RGBA PNG
    matteditor.cutout(SAMPLE / "sample.jpg", SAMPLE / "sample_trimap.png",
                      out / "sample_cutout.png")
    print(f"alpha: {alpha.shape[1]}x{alpha.shape[0]}, mean {alpha.mean():.3f}; "
          f"wrote {out / 'sample_cutout.png'} and {out / 'sample_on_white.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
