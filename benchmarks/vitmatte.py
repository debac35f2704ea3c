"""ViTMatte's time and memory per photo, with the real architecture at random weights.

    nice -n 5 .venv/bin/python benchmarks/vitmatte.py                       # ViTMatte-S: 1, 2.5, 12 MP
    .venv/bin/python benchmarks/vitmatte.py --variants small,base --sizes 1,2.5 --tiles 512,1024
    (tiles 0: the engine's default tile for the device)
    .venv/bin/python benchmarks/vitmatte.py --device cuda --markdown out.md

These machines cannot download the authors' weights, but the time and memory of a
network do not depend on its weights' values: the model is built from the published
config.json values (``matteditor.nn.vitmatte_configs``: ViT-S 25.8 M parameters, ViT-B
96.7 M), saved with save_pretrained and run through the ``vitmatte`` engine exactly as
an installed model is (tiles around the band, padding, blending, clamping).  Its alphas
mean nothing; no SAD is reported.

Cases: the synthetic photo of ``benchmarks/speed.py`` (a textured subject with a soft
rim, the unknown band 10% of the picture) at 1, 2.5 and 12 megapixels.  Every (variant,
size, tile) runs in its own subprocess: its peak RSS (``ru_maxrss``) is its own, and
the peak minus the RSS after loading the model is what the solve itself added.  On CUDA
the peak GPU memory is reported too (fp16).
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

ASPECT = 4 / 3


def _rss_mb() -> float:
    return rss_bytes() / 1e6   # now; ru_maxrss is the peak


def run_one(variant: str, megapixels: float, tile: int, device: str) -> dict:
    import numpy as np
    import torch

    from matteditor.engines.vitmatte import OVERLAP, VitMatteEngine
    from matteditor.nn.vitmatte_configs import save_random_vitmatte
    from matteditor.trimap import UNKNOWN
    from speed import synthetic_case

    height = int(round((megapixels * 1e6 / ASPECT) ** 0.5))
    width = int(round(height * ASPECT))
    image, trimap, _ = synthetic_case(height, width)
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_random_vitmatte(Path(tmp) / variant, variant)
        engine = VitMatteEngine(device, model_dir=folder, tile=tile or None, overlap=OVERLAP)
    # warm-up on a small crop (first-call allocations, not the photo's work)
    engine.estimate(image[:256, :256].copy(), trimap[:256, :256].copy())
    loaded = _rss_mb()
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    tiles = []
    t0, c0 = time.perf_counter(), time.process_time()
    alpha = engine.estimate(image, trimap, progress=lambda f, m: tiles.append(m))
    if device == "cuda":
        torch.cuda.synchronize()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    row = {"variant": variant, "megapixels": round(height * width / 1e6, 2),
           "size": f"{width}x{height}", "unknown_share": float((trimap == UNKNOWN).mean()),
           "tile": engine.tile, "tiles": sum("tile" in m for m in tiles), "device": device,
           "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak,
           "rss_after_load_mb": loaded, "threads": torch.get_num_threads(),
           "finite": bool(np.isfinite(alpha).all())}
    if device == "cuda":
        row["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 1e6
        row["gpu"] = torch.cuda.get_device_name()
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variants", default="small", help="small,base")
    ap.add_argument("--sizes", default="1,2.5,12", help="megapixels, comma-separated")
    ap.add_argument("--tiles", default="0", help="tile sides, comma-separated (0: the engine's "
                                                 "default for the device)")
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    ap.add_argument("--markdown", type=Path, help="also write the table here")
    ap.add_argument("--one", nargs=3, metavar=("VARIANT", "MP", "TILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], float(args.one[1]), int(args.one[2]), args.device)))
        return 0
    rows = []
    header = ("| variant | photo | band | tile | tiles | device | seconds | CPU s | peak RSS MB | "
              "solve's own MB | peak GPU MB |")
    lines = [header, "|---" * 11 + "|"]
    print(header)
    for variant in args.variants.split(","):
        for mp in args.sizes.split(","):
            for tile in args.tiles.split(","):
                out = subprocess.run([sys.executable, __file__, "--device", args.device,
                                      "--one", variant, mp, tile],
                                     capture_output=True, text=True)
                if out.returncode != 0:
                    print(f"| {variant} | {mp} MP | failed: {out.stderr.strip()[-300:]} |")
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append(r)
                line = (f"| ViTMatte-{variant[0].upper()} | {r['size']} ({r['megapixels']} MP) | "
                        f"{r['unknown_share']:.0%} | {r['tile']} | {r['tiles']} | {r['device']} | "
                        f"{r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['peak_rss_mb']:.0f} | "
                        f"{r['peak_rss_mb'] - r['rss_after_load_mb']:.0f} | "
                        f"{r.get('peak_gpu_mb', float('nan')):.0f} |")
                lines.append(line)
                print(line, flush=True)
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
