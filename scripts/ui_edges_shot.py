"""Screenshots of the edge controls for docs/edge-controls.png.

    apt-get install -y xvfb xdotool imagemagick libxcb-cursor0   # once
    .venv/bin/python scripts/ui_edges_shot.py                    # from the repository root

Starts Xvfb and opens a project made from resources/sample (its photo
embedded, its trimap, a few edge adjustments: smooth, feather, shift edge,
remove islands, decontamination), waits for the live matte, and writes the
edge-band view (7) beside the cutout on the checkerboard (view 3), the
Edges panel showing the values.  Exit code 0 when the editor showed the matte.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ui_smoke import (FIT, beside_view_3, editor_on_xvfb, focus_editor, shot,  # noqa: E402
                      wait_for, xdo)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from matteditor.edges import EdgeAdjustments  # noqa: E402
from matteditor.imageio import load_image, load_trimap  # noqa: E402
from matteditor.project import Project, SessionSettings, save_project  # noqa: E402

ADJUSTMENTS = EdgeAdjustments(smooth=2, feather=1.5, shift_edge=-15.0, remove_islands=200,
                              decontamination=0.8)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "docs/edge-controls.png")
    ap.add_argument("--display", default=":79")
    ap.add_argument("--timeout", type=float, default=180)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="matteditor-edges-project-"))
    sample = ROOT / "resources/sample"
    image = load_image(sample / "sample.jpg")
    trimap = load_trimap(sample / "sample_trimap.png", image.shape[:2])
    project = work / "edges.mattproj"
    save_project(project, Project(trimap, SessionSettings(view=7), None, image, ADJUSTMENTS),
                 embed=True)
    with editor_on_xvfb(a.display, project, "matteditor-edges-") as log:
        wait_for(log, FIT.pattern, 60)
        wait_for(log, r"foreground colours shown for revision", a.timeout)
        xdo("mousemove", "1270", "810")  # keep the pointer off the picture
        focus_editor()
        time.sleep(1.5)
        shot(work / "edge.png")
        beside_view_3(work / "edge.png", a.out)
        return 0


if __name__ == "__main__":
    sys.exit(main())
