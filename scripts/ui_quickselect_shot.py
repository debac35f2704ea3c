"""Screenshots of quick select and Select subject for docs/.

    apt-get install -y xvfb xdotool imagemagick libxcb-cursor0   # once
    .venv/bin/python scripts/ui_quickselect_shot.py              # docs/quickselect.png
    .venv/bin/python scripts/ui_quickselect_shot.py --result --out docs/quickselect-grabcut.png
    .venv/bin/python scripts/ui_quickselect_shot.py --selector sam --out docs/quickselect-sam.png
    .venv/bin/python scripts/ui_quickselect_shot.py --subject --out docs/select-subject.png

Starts Xvfb, opens resources/sample/sample.jpg in the editor, picks Quick
select (Q), drags a box around the cat (or, ``--subject``, presses Ctrl+Shift+A for
Select subject), waits for the selection and the live matte, and writes two
screenshots side by side: the box being dragged (``--result``, ``--selector`` or
``--subject``: the selection running, the status bar naming the selector), and the
cutout over the checkerboard (view 3).  Exit code 0 when the editor logged the
selection and the matte.

``--selector sam`` installs Segment Anything first, into a throw-away models folder:
SlimSAM-77's published architecture with **random weights** (the authors' weights
cannot be downloaded here), so the mask it draws is meaningless; the screenshot shows
the flow and the status bar, not SAM's quality; the right half is then the trimap it
made (view 1), not a cutout.  Otherwise the models folder is an
empty throw-away one, so quick select is GrabCut.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
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
    ap.add_argument("--timeout", type=float, default=400)
    ap.add_argument("--selector", choices=("grabcut", "sam"), default="grabcut")
    ap.add_argument("--subject", action="store_true", help="Select subject instead of a box")
    ap.add_argument("--result", action="store_true",
                    help="show the selection's trimap and status bar, not the drag")
    a = ap.parse_args()
    models = Path(tempfile.mkdtemp(prefix="matteditor-qs-models-"))
    os.environ["MATTEDITOR_MODELS"] = str(models)     # the editor inherits it
    if a.selector == "sam":
        sys.path.insert(0, str(ROOT))
        from matteditor.models import import_folder, model_spec
        from matteditor.nn.sam_configs import save_random_sam

        import_folder(model_spec("slimsam"), save_random_sam(models / "src", "slimsam-77"))
    after = a.result or a.selector == "sam" or a.subject
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
        mark = log.stat().st_size
        if a.subject:
            xdo("key", "ctrl+shift+a")
        else:
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
        what = "Select subject" if a.subject else "Quick select"
        if after:   # while it runs: the status bar names the selector
            time.sleep(0.3)
            shot(work / "result.png")
        wait_for(log, what + r" \(.*\) for revision", a.timeout, mark)
        xdo("mousemove", "1270", "810")  # keep the pointer off the picture
        if a.selector == "sam":
            # random weights: the trimap it made, not a cutout (its band can be most of the
            # photo, which the solve would take minutes over)
            time.sleep(1.0)
            shot(work / "trimap.png")
            subprocess.run(["convert", str(work / "result.png"), str(work / "trimap.png"),
                            "-resize", "75%", "+append", str(a.out)], check=True)
            print(f"wrote {a.out}")
            return 0
        wait_for(log, r"foreground colours shown for revision", a.timeout, mark)
        beside_view_3(work / ("result.png" if after else "drag.png"), a.out)
        return 0


if __name__ == "__main__":
    sys.exit(main())
