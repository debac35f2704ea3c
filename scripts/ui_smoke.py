"""Drive the running editor under Xvfb with xdotool (called by scripts/ui-smoke.sh).

Steps: wait for the canvas, paint a foreground stroke over the cat's face and
a background stroke down the room on the right, wait for the live alpha,
screenshot each view (keys 1-6) into docs/, export with Ctrl+E, and check
the written cutout.  Exit code 0 when every check passes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import numpy as np

FIT = re.compile(r"canvas fit: image \(0, 0\) at screen \((-?\d+), (-?\d+)\), scale ([\d.]+)")
VIEWS = {1: "overlay", 2: "alpha", 3: "checker", 4: "color", 5: "image", 6: "split"}


def xdo(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True)


def wait_for(log: Path, pattern: str, timeout: float, after: int = 0) -> re.Match:
    """Wait until the log (from byte ``after``) matches ``pattern``; the last match wins."""
    rx = re.compile(pattern)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        text = log.read_text(errors="replace")[after:]
        found = list(rx.finditer(text))
        if found:
            return found[-1]
        time.sleep(0.2)
    sys.exit(f"timed out after {timeout:.0f} s waiting for {pattern!r} in {log}")


def shot(path: Path) -> None:
    subprocess.run(["import", "-window", "root", str(path)], check=True)
    print(f"screenshot {path}")


def drag(points: list[tuple[int, int]]) -> None:
    xdo("mousemove", str(points[0][0]), str(points[0][1]))
    xdo("mousedown", "1")
    for x, y in points[1:]:
        xdo("mousemove", str(x), str(y))
        time.sleep(0.02)
    xdo("mouseup", "1")


def load_background(path: Path) -> None:
    """Write a sunset-like gradient and open it through View > Background image."""
    from matteditor.imageio import save_image

    yy, xx = np.mgrid[0:300, 0:450].astype(np.float32)
    sky = np.stack([0.95 - yy / 900, 0.55 - yy / 700 + xx / 3000, 0.35 + yy / 600], axis=2)
    hills = yy > 210 + 25 * np.sin(xx / 60)
    sky[hills] = (0.15, 0.35, 0.2)
    save_image(path, np.clip(sky, 0, 1))
    xdo("key", "ctrl+shift+b")
    time.sleep(1.5)
    xdo("type", "--delay", "20", str(path))
    xdo("key", "Return")
    time.sleep(1.5)
    focus_editor()


@contextlib.contextmanager
def editor_on_xvfb(display: str, opened: Path, prefix: str) -> Iterator[Path]:
    """Xvfb on ``display`` and the editor opening ``opened`` on it, with throw-away
    settings; yields the editor's log (debug level), and stops both after."""
    root = Path(__file__).resolve().parent.parent
    work = Path(tempfile.mkdtemp(prefix=prefix))
    (work / "config/matteditor").mkdir(parents=True)
    log = work / "editor.log"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x820x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    editor = None
    try:
        time.sleep(1.0)
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", MATTEDITOR_LOG="debug",
                   XDG_CONFIG_HOME=str(work / "config"), XDG_DATA_HOME=str(work / "data"))
        os.environ["DISPLAY"] = display  # for xdotool and import
        with open(log, "wb") as out:
            editor = subprocess.Popen([sys.executable, "-m", "matteditor", str(opened)],
                                      cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
        yield log
    finally:
        if editor is not None:
            editor.kill()
            editor.wait()
        xvfb.kill()
        xvfb.wait()
        sys.stderr.write(log.read_text(errors="replace")[-1500:] if log.exists() else "")


def beside_view_3(first: Path, out: Path) -> None:
    """Switch to view 3 (cutout on checkerboard), screenshot it, and write ``first``
    and it side by side at 75% to ``out``."""
    xdo("key", "3")
    time.sleep(1.5)
    cutout = first.with_name("cutout.png")
    shot(cutout)
    subprocess.run(["convert", str(first), str(cutout), "-resize", "75%", "+append", str(out)],
                   check=True)
    print(f"wrote {out}")


def focus_editor() -> None:
    """Without a window manager nobody hands the keyboard back after a dialog."""
    xdo("search", "--onlyvisible", "--name", "matteditor", "windowfocus")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="export folder")
    ap.add_argument("--docs", type=Path, required=True, help="screenshot folder")
    ap.add_argument("--timeout", type=float, default=180)
    a = ap.parse_args()

    m = wait_for(a.log, FIT.pattern, 60)
    time.sleep(1.0)  # let the window settle (a resize refits: take the latest line)
    m = wait_for(a.log, FIT.pattern, 5)
    ox, oy, s = int(m.group(1)), int(m.group(2)), float(m.group(3))
    print(f"canvas: origin ({ox}, {oy}), scale {s:.3f}")

    def screen(x: float, y: float) -> tuple[int, int]:
        return round(ox + x * s), round(oy + y * s)

    shot(a.docs / "editor-open.png")
    mark = a.log.stat().st_size
    xdo("mousemove", *map(str, screen(225, 150)))
    xdo("key", "f")
    drag([screen(x, 150 + 0.3 * (x - 225)) for x in range(140, 320, 12)])
    xdo("key", "b")
    drag([screen(440, y) for y in range(70, 295, 15)])
    drag([screen(x, 292) for x in range(330, 446, 15)])
    wait_for(a.log, r"foreground colours shown for revision", a.timeout, mark)
    time.sleep(0.5)
    for key, name in VIEWS.items():
        if key == 5:
            load_background(a.out / "background.png")
        xdo("key", str(key))
        time.sleep(1.2)
        shot(a.docs / f"view-{key}-{name}.png")
    xdo("key", "1")
    time.sleep(0.5)

    target = a.out / "sample_cutout.png"
    target.unlink(missing_ok=True)
    xdo("key", "ctrl+e")
    time.sleep(1.5)
    shot(a.docs / "export-dialog.png")
    xdo("key", "Return")
    end = time.monotonic() + 60
    while not target.exists() and time.monotonic() < end:
        time.sleep(0.2)
    if not target.exists():
        sys.exit(f"export did not write {target}")
    time.sleep(0.5)

    from matteditor.imageio import load_image_rgba

    rgb, alpha = load_image_rgba(target)
    if alpha is None or rgb.shape[:2] != (300, 451):
        sys.exit(f"{target}: expected a 451x300 RGBA cutout, got {rgb.shape} alpha={alpha is not None}")
    fg_ok = alpha[150, 225] > 0.99
    bg_ok = alpha[200, 440] < 0.01
    soft = float(((alpha > 0.05) & (alpha < 0.95)).mean())
    print(f"cutout {target}: alpha at face {alpha[150, 225]:.3f}, at room {alpha[200, 440]:.3f}, "
          f"soft pixels {soft:.1%}")
    if not (fg_ok and bg_ok):
        sys.exit("the exported alpha does not follow the strokes")
    print("UI smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
