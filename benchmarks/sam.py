"""Segment Anything's time and memory per photo, with the real architectures at random
weights: the image embedding (once per photo) and each prompt (box, clicks, subject).

    nice -n 5 .venv/bin/python benchmarks/sam.py                   # SlimSAM-77 and SAM ViT-B
    .venv/bin/python benchmarks/sam.py --variants slimsam-77 --prompts 20 --device cuda

These machines cannot download the authors' weights, but the time and memory of a
network do not depend on its weights' values: each model is built from its published
config.json values (``matteditor.nn.sam_configs``: SAM ViT-B 93.7 M parameters,
SlimSAM-77 9.7 M), saved with save_pretrained and loaded through
:class:`matteditor.segmentation.SamSession` exactly as an installed model is.  Its masks
mean nothing; no accuracy is reported.  Denormal numbers are flushed to zero (see
``run_one``): random weights make them common, real weights do not.

The photo is 2 megapixels (SAM resizes every photo to 1024 px on its long side, so the
embedding's cost hardly depends on the photo's size; the pre-processing and the mask's
upscaling do).  Each variant runs in its own subprocess, so its peak RSS
(``ru_maxrss``) is its own (the whole process: Python, torch, the model, the photo).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from rss import rss_bytes  # noqa: E402


def _rss_mb() -> float:
    return rss_bytes() / 1e6


def run_one(variant: str, prompts: int, device: str, megapixels: float) -> dict:
    import numpy as np
    import torch

    from matteditor.nn.sam_configs import save_random_sam
    from matteditor.segmentation import Prompt, SamSession
    from matteditor.segmentation.subject import select_subject

    # Random weights shrink the activations to ~1e-20, whose squares (layer norms,
    # attention) are denormal numbers the CPU handles tens of times slower; real weights
    # keep them near 1.  Flushing denormals to zero times the architecture, not that
    # artefact (SlimSAM's embedding: 25 s with them, 6.8 s without, on this CPU).
    torch.set_flush_denormal(True)
    h = int(round((megapixels * 1e6 * 3 / 4) ** 0.5))
    w = int(round(h * 4 / 3))
    rng = np.random.default_rng(0)
    image = rng.random((h, w, 3), dtype=np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_random_sam(Path(tmp) / variant, variant)
        rss0 = _rss_mb()
        t = time.perf_counter()
        session = SamSession(model_dir=folder, device=device)
        load_s = time.perf_counter() - t
    model_mb = _rss_mb() - rss0
    params = sum(p.numel() for p in session.model.parameters()) / 1e6
    embeds = []
    for _ in range(2):   # the first includes one-off warm-up; the second is the figure
        t = time.perf_counter()
        session.set_image(image)
        if device == "cuda":
            torch.cuda.synchronize()
        embeds.append(time.perf_counter() - t)

    def timed(prompt_of) -> float:
        times = []
        for i in range(prompts):
            t = time.perf_counter()
            prompt_of(i)
            times.append(time.perf_counter() - t)
        return 1000 * float(np.median(times))

    cx, cy = w / 2, h / 2
    box_ms = timed(lambda i: session.predict(Prompt(box=(cx - 300 - i, cy - 300, cx + 300, cy + 300))))
    click_ms = timed(lambda i: session.predict(Prompt(points=((cx + i, cy),))))
    clicks_ms = timed(lambda i: session.predict(Prompt(
        box=(cx - 300, cy - 300, cx + 300, cy + 300), points=((cx + i, cy), (cx, cy + 20)),
        negative=((cx - 250, cy - 250),))))
    subject_ms = timed(lambda i: _subject(select_subject, session, (h, w)))
    return {"variant": variant, "params_m": params, "load_s": load_s, "embed_s": embeds[-1],
            "embed_first_s": embeds[0], "box_ms": box_ms, "click_ms": click_ms,
            "clicks_ms": clicks_ms, "subject_ms": subject_ms, "model_mb": model_mb,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "size": f"{w}x{h}", "threads": torch.get_num_threads(), "device": device}


def _subject(select_subject, session, shape) -> None:
    from matteditor.errors import MatteError

    try:
        select_subject(session, shape)
    except MatteError:
        pass    # random weights may propose no subject; the candidates were still scored


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="slimsam-77,vit-base")
    ap.add_argument("--prompts", type=int, default=10, help="prompts timed per kind (median)")
    ap.add_argument("--megapixels", type=float, default=2.0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--one", help=argparse.SUPPRESS)   # run one variant in this process
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.prompts, args.device, args.megapixels)))
        return 0
    rows = []
    for variant in args.variants.split(","):
        out = subprocess.run([sys.executable, __file__, "--one", variant, "--prompts",
                              str(args.prompts), "--device", args.device, "--megapixels",
                              str(args.megapixels)], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{variant}: failed\n{out.stderr[-2000:]}")
            continue
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if not rows:
        return 1
    r0 = rows[0]
    print(f"photo {r0['size']}, device {r0['device']}, {r0['threads']} torch threads, "
          f"random weights of the published architectures; medians of {args.prompts} prompts")
    print(f"{'variant':<12}{'params M':>9}{'load s':>8}{'embed s':>9}{'box ms':>8}"
          f"{'click ms':>10}{'3 clicks+box ms':>17}{'subject ms':>12}{'model MB':>10}"
          f"{'peak MB':>9}")
    for r in rows:
        print(f"{r['variant']:<12}{r['params_m']:>9.1f}{r['load_s']:>8.2f}{r['embed_s']:>9.2f}"
              f"{r['box_ms']:>8.0f}{r['click_ms']:>10.0f}{r['clicks_ms']:>17.0f}"
              f"{r['subject_ms']:>12.0f}{r['peak_mb']:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
