"""Screenshot of a rectangle-to-cutout session for docs/quickselect.png.

    apt-get install -y xvfb xdotool imagemagick libxcb-cursor0   # once
    .venv/bin/python scripts/ui_quickselect_shot.py              # from the repository root

Starts Xvfb, opens resources/sample/sample.jpg in the editor, picks Quick
select (Q), drags a box around the cat, waits for GrabCut and the live
matte, and writes two screenshots side by side: the box being dragged, and
the cutout over the checkerboard (view 3).  Exit code 0 when the editor
logged the quick select and the matte.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ui_smoke import (FIT, beside_view_3, editor_on_xvfb, focus_editor, shot,  # noqa: E402
                      wait_for, xdo)

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photo", type=Path, default=ROOT / "resources/sample/sample.jpg")
    ap.add_argument("--out", type=Path, default=ROOT / "docs/quickselect.png")
    ap.add_argument("--box", default="0,0,400,300", help="x,y,w,h in image pixels")
    ap.add_argument("--display", default=":78")
    ap.add_argument("--timeout", type=float, default=180)
    a = ap.parse_args()
    x, y, w, h = (int(v) for v in a.box.split(","))
    with editor_on_xvfb(a.display, a.photo, "matteditor-qs-") as log:
        work = log.parent
        wait_for(log, FIT.pattern, 60)
        time.sleep(1.0)
        m = wait_for(log, FIT.pattern, 5)
        ox, oy, s = int(m.group(1)), int(m.group(2)), float(m.group(3))

        def screen(px: float, py: float) -> tuple[str, str]:
            return str(round(ox + px * s)), str(round(oy + py * s))

        xdo("mousemove", *screen(x + w / 2, y + h / 2))
        focus_editor()
        xdo("key", "q")
        xdo("mousemove", *screen(x + 0.5, y + 0.5))
        xdo("mousedown", "1")
        for t in (0.25, 0.5, 0.75, 1.0):
            xdo("mousemove", *screen(x + 0.5 + t * (w - 1), y + 0.5 + t * (h - 1)))
            time.sleep(0.05)
        time.sleep(0.5)
        shot(work / "drag.png")
        mark = log.stat().st_size
        xdo("mouseup", "1")
        wait_for(log, r"Quick select for revision", a.timeout, mark)
        wait_for(log, r"foreground colours shown for revision", a.timeout, mark)
        xdo("mousemove", "1270", "810")  # keep the pointer off the picture
        beside_view_3(work / "drag.png", a.out)
        return 0


if __name__ == "__main__":
    sys.exit(main())
