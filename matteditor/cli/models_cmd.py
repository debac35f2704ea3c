"""``matteditor models``: the pretrained networks downloaded on first use.

``models`` (or ``models list``) shows what is on offer and what is installed,
``models fetch NAME`` downloads one from the Hugging Face Hub (resumable, verified,
installed atomically), ``models import NAME FOLDER`` installs one carried over from
another machine, ``models remove NAME`` deletes one.
"""

from __future__ import annotations

import argparse
import sys
import time

from ..models import MODELS, import_folder, installed, installed_model, model_spec, remove
from ..paths import MODELS_ENV, models_dir

_REDRAW = 0.2  # seconds between redraws of the download line


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "models", help="list, download or import the pretrained networks (ViTMatte)",
        description="Pretrained networks are downloaded on first use, never bundled. "
                    f"They are kept in {models_dir()} (set ${MODELS_ENV} to change it).",
        epilog="examples:\n  matteditor models\n  matteditor models fetch vitmatte\n"
               "  matteditor models import vitmatte ./vitmatte-small-composition-1k\n"
               "  matteditor matte photo.jpg -t trimap.png -e vitmatte -o cutout.png",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=run_list)
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    ls = sub.add_parser("list", help="what is on offer and what is installed (the default)")
    ls.set_defaults(func=run_list)
    fetch = sub.add_parser("fetch", help="download a model from the Hugging Face Hub",
                           description="Download, verify (SHA-256) and install a model. An "
                                       "interrupted download resumes where it stopped.")
    fetch.add_argument("name", choices=sorted(MODELS), metavar="NAME",
                       help=f"the model: {', '.join(sorted(MODELS))}")
    fetch.add_argument("--endpoint", metavar="URL",
                       help="another Hub or a mirror (default: huggingface.co, or $HF_ENDPOINT)")
    fetch.set_defaults(func=run_fetch)
    imp = sub.add_parser("import", help="install a model from a folder (offline machines)",
                         description="Install a model from a folder written by transformers' "
                                     "save_pretrained: config.json and model.safetensors "
                                     "(and preprocessor_config.json). Only safetensors "
                                     "weights are accepted.")
    imp.add_argument("name", choices=sorted(MODELS), metavar="NAME",
                     help=f"the model: {', '.join(sorted(MODELS))}")
    imp.add_argument("folder", help="the folder holding the model's files")
    imp.set_defaults(func=run_import)
    rm = sub.add_parser("remove", help="delete an installed model")
    rm.add_argument("name", choices=sorted(MODELS), metavar="NAME")
    rm.set_defaults(func=run_remove)


def run_list(args: argparse.Namespace) -> int:
    rows = [("NAME", "INSTALLED", "SIZE", "LICENCE", "FROM")]
    for name in sorted(MODELS):
        spec = MODELS[name]
        model = installed_model(spec)
        if model is None:
            state = "no"
        elif not installed(spec):
            state = "damaged"
        elif model.revision == "imported":
            state = "yes (imported)"
        else:
            state = f"yes ({model.revision[:7]})"
        rows.append((name, state, f"{spec.download_mb} MB", spec.licence, spec.url))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4])
    print(f"\nmodels folder: {models_dir()} (${MODELS_ENV} overrides)")
    print("after 'matteditor models fetch NAME': a matting network with "
          "'matteditor matte PHOTO -t TRIMAP -e NAME -o OUT'; Segment Anything (sam, slimsam) "
          "by quick select, 'matteditor trimap PHOTO --rect|--points|--subject' and "
          "'matte --subject'")
    return 0


class _DownloadLine:
    """``vitmatte: model.safetensors 41.2 / 103.0 MB (40%)`` redrawn on a terminal."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.live = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int, current: str) -> None:
        now = time.monotonic()
        if not self.live or (now - self._last < _REDRAW and done < total):
            return
        self._last = now
        share = f" ({done / total:.0%})" if total else ""
        sys.stderr.write(f"\r{self.name}: {current} {done / 1e6:.1f} / {total / 1e6:.1f} MB"
                         f"{share}   ")
        sys.stderr.flush()

    def end(self) -> None:
        if self.live:
            sys.stderr.write("\n")


def run_fetch(args: argparse.Namespace) -> int:
    from ..models.download import fetch

    spec = model_spec(args.name)
    print(f"downloading {spec.label} ({spec.summary}) from {spec.url}", file=sys.stderr)
    line = _DownloadLine(spec.name)
    try:
        model = fetch(spec, endpoint=args.endpoint, progress=line)
    finally:
        line.end()
    print(f"installed {spec.name} ({model.size_mb:.1f} MB, commit {model.revision[:12]}) "
          f"in {model.path}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    spec = model_spec(args.name)
    model = import_folder(spec, args.folder)
    print(f"installed {spec.name} ({model.size_mb:.1f} MB) from {args.folder} in {model.path}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    spec = model_spec(args.name)
    if remove(spec):
        print(f"removed {spec.name} from {models_dir()}")
    else:
        print(f"{spec.name} is not installed in {models_dir()}")
    return 0
