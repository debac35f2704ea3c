"""Screenshots of the artist's tools for docs/ (issue 25, items 10 and 11): the
editor at its default 1280 x 820 size with the whole side panel in sight, a soft
foreground stroke (brush hardness), and the loupe.

    apt-get install -y xvfb libxcb-cursor0          # once
    .venv/bin/python scripts/ui_artist_shot.py      # from the repository root

Starts Xvfb, runs the editor in this process on the sample photo and its trimap,
drives it through its own widgets and QTest events, and grabs the X screen with
QScreen.grabWindow; writes docs/editor-layout.png, docs/brush-hardness.png and
docs/loupe.png.  Exit code 0 when the matte arrived and each step did what it shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    display = ":78"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x820x24", "-nolisten", "tcp"])
    socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
    deadline = time.monotonic() + 30
    while not socket.exists() and time.monotonic() < deadline:   # slow on a busy machine
        time.sleep(0.2)
    time.sleep(1.0)
    os.environ["DISPLAY"] = display
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    try:
        return _run(Path(tempfile.mkdtemp(prefix="matteditor-artist-")))
    finally:
        xvfb.terminate()


def _run(tmp: Path) -> int:
    import numpy as np
    from PySide6.QtCore import QPoint, QRect, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QScrollArea

    from matteditor import paths
    from matteditor.document import Document
    from matteditor.imageio import load_image, load_trimap
    from matteditor.tools import Tool
    from matteditor.trimap import FOREGROUND, UNKNOWN
    from matteditor.ui.app import create_application
    from matteditor.ui.main_window import MainWindow
    from matteditor.ui.recovery import RecoveryStore
    from matteditor.views import ViewMode

    app = create_application()
    w = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
                   recovery=RecoveryStore(tmp / "recovery"))
    w.resize(1280, 820)
    w.move(0, 0)
    w.show()
    image = load_image(paths.sample_image())
    doc = Document(image, load_trimap(paths.sample_trimap(), image.shape[:2]))
    w.set_document(doc)

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    def wait_matte(timeout: float = 180) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pump(0.2)
            if doc.foreground is not None and doc.alpha_revision == doc.revision \
                    and not w.solver.busy:
                return True
        return False

    def shot(name: str, crop: QRect | None = None) -> None:
        pump(0.4)
        pixmap = app.primaryScreen().grabWindow(0)
        if crop is not None:
            pixmap = pixmap.copy(crop)
        pixmap.save(str(ROOT / "docs" / name))
        print("wrote", ROOT / "docs" / name)

    c = w.canvas
    canvas_rect = QRect(c.mapToGlobal(QPoint(0, 0)), c.size())

    def at(x: float, y: float) -> QPoint:
        return QPoint(round(c.offset.x() + x * c.scale), round(c.offset.y() + y * c.scale))

    if not wait_matte():
        print("no matte arrived")
        return 1
    scroll = next(s for s in w.findChildren(QScrollArea) if s.widget() is w.panel)
    fits = scroll.verticalScrollBar().maximum() == 0
    print("panel fits without scrolling:", fits)
    shot("editor-layout.png")

    # A soft foreground stroke down the room, right of the cat: a sure core, an unknown rim.
    w.set_tool(Tool.FOREGROUND)
    c.set_brush_size(44)
    w.panel.hardness_spin.setValue(35)
    c.zoom_to(3.0, at(390, 150))
    points = [at(380, y) for y in range(70, 231, 8)]
    QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
    for p in points[1:]:
        QTest.mouseMove(c, p)
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])
    soft = doc.trimap[150, 380] == FOREGROUND and doc.trimap[150, 380 + 17] == UNKNOWN
    print("soft stroke: core foreground, rim unknown:", soft)
    wait_matte()
    QTest.mouseMove(c, at(425, 110))          # the cursor: outer ring and the core's ring
    pump(0.3)
    shot("brush-hardness.png", canvas_rect)
    w.act_undo.trigger()
    wait_matte()

    # The loupe over the fur's edge, in view 3 (without a window manager the window is
    # not active, so the shortcuts' actions are triggered directly).
    c.fit()
    w.set_view_mode(ViewMode.CHECKER)
    c.set_brush_size(12)                      # its ring in the view and in the loupe
    pump(1.0)
    w.act_loupe.trigger()
    QTest.mouseMove(c, at(366, 112))
    pump(0.5)
    shot("loupe.png", canvas_rect)
    ok = fits and soft and c.loupe and bool(np.isfinite(doc.alpha).all())
    w.undo_stack.setClean()
    w.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
