"""Screenshots of the pretrained-network flow for docs/: the engine menu offering
ViTMatte with its download size, the question before downloading, and the download
in progress (from a local stand-in of the Hub serving a tiny random ViTMatte).

    apt-get install -y xvfb libxcb-cursor0          # once
    .venv/bin/python scripts/ui_models_shot.py      # from the repository root

Starts Xvfb, runs the editor in this process on the sample photo, and grabs the whole
X screen (dialogs included) with QScreen.grabWindow at each step; writes
docs/vitmatte-menu.png, docs/vitmatte-offer.png and docs/vitmatte-download.png.
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
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    display = ":79"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x820x24", "-nolisten", "tcp"])
    time.sleep(1.5)
    os.environ["DISPLAY"] = display
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    tmp = Path(tempfile.mkdtemp(prefix="matteditor-models-"))
    os.environ["MATTEDITOR_MODELS"] = str(tmp / "models")
    try:
        return _run(tmp)
    finally:
        xvfb.terminate()


def _run(tmp: Path) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from fake_hub import FakeHub
    from matteditor import paths
    from matteditor.document import Document
    from matteditor.imageio import load_image, load_trimap
    from matteditor.models import model_spec
    from matteditor.nn.vitmatte_configs import save_random_vitmatte
    from matteditor.ui.app import create_application
    from matteditor.ui.main_window import MainWindow
    from matteditor.ui.recovery import RecoveryStore

    app = create_application()
    w = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
                   recovery=RecoveryStore(tmp / "recovery"))
    w.resize(1280, 820)
    w.show()
    image = load_image(paths.sample_image())
    w.set_document(Document(image, load_trimap(paths.sample_trimap(), image.shape[:2])))

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    def shot(name: str) -> None:
        pump(0.3)
        app.primaryScreen().grabWindow(0).save(str(ROOT / "docs" / name))
        print("wrote", ROOT / "docs" / name)

    pump(8)
    w.panel.engine_combo.showPopup()
    shot("vitmatte-menu.png")
    w.panel.engine_combo.hidePopup()
    w.models.choose("vitmatte")
    shot("vitmatte-offer.png")
    w.models.question.done(0)
    pump(0.3)
    folder = save_random_vitmatte(tmp / "tiny", "tiny")
    with FakeHub(model_spec("vitmatte").repo_id, folder) as hub:
        hub.pause = 0.15   # the tiny model is 0.4 MB: slow it so the dialog is seen mid-way
        w.models.download("vitmatte", endpoint=hub.url)
        deadline = time.monotonic() + 30
        while w.models.dialog is not None and w.models.dialog.value() < 300 \
                and time.monotonic() < deadline:
            pump(0.05)
        shot("vitmatte-download.png")
        while w.models.busy and time.monotonic() < deadline:
            pump(0.1)
    pump(5)
    print("engine now:", w.solver.engine, "|", w.statusBar().currentMessage())
    w.undo_stack.setClean()
    w.close()
    return 0 if w.solver.engine == "vitmatte" else 1


if __name__ == "__main__":
    sys.exit(main())
