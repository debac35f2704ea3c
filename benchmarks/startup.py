"""Start-up time of the editor: from launch to a window showing the photo.

    python benchmarks/startup.py                              # the frozen build in dist/
    python benchmarks/startup.py --command ".venv/bin/python -m matteditor" --runs 3

Starts a private Xvfb display (``apt-get install xvfb xdotool``), launches the
editor on the bundled sample with a throw-away settings folder, and measures

* ``window``: until X reports a visible top-level window named matteditor
  (``xdotool search --sync --onlyvisible``);
* ``photo``: until the canvas has laid out the photo (the editor's own
  ``canvas fit`` debug line), i.e. the moment an artist can paint.

The first run is cold (files not yet in the page cache); the table gives
every run and the median of the warm ones.  Also prints the size of the
one-folder build when the command is the frozen executable.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "sample" / "sample.jpg"
READY = "canvas fit:"


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def start_xvfb(display: str) -> subprocess.Popen:
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x820x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if subprocess.run(["xdpyinfo", "-display", display], capture_output=True).returncode == 0:
            return xvfb
        time.sleep(0.05)
    xvfb.kill()
    sys.exit(f"Xvfb did not start on {display}")


def one_run(command: list[str], display: str, timeout: float) -> tuple[float, float]:
    """(seconds to a visible window, seconds to the photo laid out)."""
    with tempfile.TemporaryDirectory() as work:
        log_path = Path(work) / "editor.log"
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", MATTEDITOR_LOG="debug",
                   XDG_CONFIG_HOME=str(Path(work) / "config"),
                   XDG_DATA_HOME=str(Path(work) / "data"))
        with open(log_path, "w") as log:
            t0 = time.monotonic()
            editor = subprocess.Popen(command + [str(SAMPLE)], env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
        try:
            found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name",
                                    "matteditor"], env=env, capture_output=True,
                                   timeout=timeout)
            t_window = time.monotonic() - t0
            if found.returncode != 0:
                sys.exit(f"no editor window appeared; log:\n{log_path.read_text()[-2000:]}")
            while READY not in log_path.read_text(errors="replace"):
                if time.monotonic() - t0 > timeout or editor.poll() is not None:
                    sys.exit(f"the photo never appeared; log:\n{log_path.read_text()[-2000:]}")
                time.sleep(0.01)
            t_photo = time.monotonic() - t0
        finally:
            editor.terminate()
            try:
                editor.wait(10)
            except subprocess.TimeoutExpired:
                editor.kill()
    return t_window, t_photo


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--command", default=str(ROOT / "dist" / "matteditor" / "matteditor"),
                    help="how to launch the editor (default: the frozen build)")
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--display", default=":93")
    args = ap.parse_args(argv)
    for tool in ("Xvfb", "xdotool", "xdpyinfo"):
        if shutil.which(tool) is None:
            sys.exit(f"missing {tool}: apt-get install -y xvfb xdotool x11-utils")
    command = shlex.split(args.command)
    exe = Path(command[0])
    if not exe.exists() and shutil.which(command[0]) is None:
        sys.exit(f"{command[0]} not found (build it with scripts/build-app.sh)")
    if exe.parent.name == "matteditor" and (exe.parent / "_internal").is_dir():
        print(f"bundle {exe.parent}: {folder_size(exe.parent) / 2**20:.0f} MiB")

    xvfb = start_xvfb(args.display)
    try:
        rows = [one_run(command, args.display, args.timeout) for _ in range(args.runs)]
    finally:
        xvfb.terminate()
    print(f"{'run':>4}  {'window s':>9}  {'photo s':>8}")
    for i, (w, p) in enumerate(rows):
        print(f"{i + 1:>4}  {w:9.2f}  {p:8.2f}{'  (cold)' if i == 0 else ''}")
    warm = rows[1:] or rows
    print(f"median of warm runs: window {statistics.median(r[0] for r in warm):.2f} s, "
          f"photo {statistics.median(r[1] for r in warm):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
