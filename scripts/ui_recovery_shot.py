"""Screenshots of crash protection for docs/recovery.png.

    apt-get install -y xvfb libxcb-cursor0                                   # once
    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/ui_recovery_shot.py

Opens the sample photo, paints a stroke, saves it as a project (the title names the
project), then points the autosave at a folder that cannot be created (a file stands
where it should be), so the real autosave fails and the status bar says crash
protection is off; the window is grabbed.  Then the start-up question about an
autosaved session (Restore, Delete, Later) is shown and grabbed, and answered Later.
Both pictures are written side by side.  Exit code 0 when both were taken.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtGui import QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from matteditor.trimap import FOREGROUND  # noqa: E402
from matteditor.ui import app as editor_app  # noqa: E402
from matteditor.ui.main_window import MainWindow  # noqa: E402
from matteditor.ui.recovery import RecoveryStore  # noqa: E402


def settle(ms: int) -> None:
    loop_end = QTimer()
    loop_end.setSingleShot(True)
    loop_end.start(ms)
    while loop_end.isActive():
        QApplication.processEvents()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "docs/recovery.png")
    a = ap.parse_args()
    app = editor_app.create_application()
    work = Path(tempfile.mkdtemp(prefix="matteditor-recovery-shot-"))
    window = MainWindow(settings=QSettings(str(work / "s.ini"), QSettings.Format.IniFormat),
                        recovery=RecoveryStore(work / "recovery"))
    window.resize(1100, 700)
    window.show()
    assert window.files.open_path(ROOT / "resources/sample/sample.jpg")
    doc = window.document
    w, h = doc.size
    doc.begin_stroke(FOREGROUND, 12)
    doc.extend_stroke((w * 0.45, h * 0.5))
    doc.extend_stroke((w * 0.55, h * 0.5))
    window._on_stroke(doc.end_stroke())
    assert window.files.save_project_to(work / "portrait.mattproj")
    doc.begin_stroke(FOREGROUND, 12)
    doc.extend_stroke((w * 0.45, h * 0.6))
    window._on_stroke(doc.end_stroke())                # unsaved work to protect
    blocker = work / "data"
    blocker.write_text("a file where the data folder should be")
    window.recovery = RecoveryStore(blocker / "recovery")
    window.status.watch_autosave(window.recovery)
    window.autosave()
    window.recovery.wait()
    settle(1500)
    if not window.status.autosave_label.isVisible():
        print("the status bar did not say that crash protection is off", file=sys.stderr)
        return 1
    editor = window.grab()

    grabbed: list[QPixmap] = []

    def grab_and_answer_later() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            grabbed.append(box.grab())
            box.button(QMessageBox.StandardButton.Ignore).click()
    QTimer.singleShot(800, grab_and_answer_later)
    answer = editor_app._ask_recovery(window, "of the project portrait.mattproj, autosaved "
                                              "07 December 03:20")
    if not grabbed or answer != editor_app.LATER:
        print("the recovery question was not shown", file=sys.stderr)
        return 1
    dialog = grabbed[0]
    out = QPixmap(editor.width() + dialog.width() + 24, max(editor.height(), dialog.height()))
    out.fill(app.palette().window().color())
    painter = QPainter(out)
    painter.drawPixmap(0, 0, editor)
    painter.drawPixmap(editor.width() + 24, 0, dialog)
    painter.end()
    out.save(str(a.out))
    window.undo_stack.setClean()
    window.close()
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
