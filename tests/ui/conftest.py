"""Fixtures for the editor tests: offscreen Qt, private settings, tiny test engines."""

from __future__ import annotations

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QPoint, QSettings, QStandardPaths, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from matteditor.document import Document  # noqa: E402
from matteditor.engines import EngineOptions, create_engine  # noqa: E402
from matteditor.engines.base import Engine  # noqa: E402
from matteditor.trimap import FOREGROUND  # noqa: E402

QStandardPaths.setTestModeEnabled(True)


class SmoothEngine(Engine):
    """Fast, deterministic stand-in: alpha is the blurred foreground mask."""

    name = "test-smooth"
    label = "Test smooth"

    def _predict(self, trimap, changed, progress, cancel):
        progress(0.5, "smoothing")
        return cv2.GaussianBlur((trimap == FOREGROUND).astype(np.float32), (0, 0), 3), True


class GateEngine(SmoothEngine):
    """Blocks until ``gate`` is set (or it is cancelled), to make races deterministic."""

    name = "test-gate"
    gate = threading.Event()
    started = threading.Event()

    def _predict(self, trimap, changed, progress, cancel):
        type(self).started.set()
        while not type(self).gate.wait(0.01):
            cancel.raise_if_cancelled()
        cancel.raise_if_cancelled()
        return super()._predict(trimap, changed, progress, cancel)


class FailingEngine(Engine):
    name = "test-fail"
    label = "Test failing"

    def _predict(self, trimap, changed, progress, cancel):
        raise RuntimeError("simulated engine crash")


TEST_ENGINES = {c.name: c for c in (SmoothEngine, GateEngine, FailingEngine)}


def engine_factory(name: str, options: EngineOptions = EngineOptions()) -> Engine:
    """Test engines by name; real registry engines otherwise."""
    if name in TEST_ENGINES:
        return TEST_ENGINES[name](options=options)
    return create_engine(name, options=options)


def photo(h: int = 60, w: int = 80) -> np.ndarray:
    """A bright disc on a dark gradient: float32 h x w x 3."""
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx / w * 0.3, yy / h * 0.3, np.full((h, w), 0.2)], axis=2)
    disc = (yy - h / 2) ** 2 + (xx - w / 2) ** 2 < (min(h, w) / 4) ** 2
    img[disc] = (0.9, 0.8, 0.3)
    return img.astype(np.float32)


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings, tmp_path):
    from matteditor.ui.app import create_application
    from matteditor.ui.main_window import MainWindow
    from matteditor.ui.recovery import RecoveryStore

    create_application()
    windows = []

    def make(engine: str = "test-smooth", document: Document | None = None, **kwargs):
        w = MainWindow(engine_factory=engine_factory, settings=settings,
                       recovery=RecoveryStore(tmp_path / "recovery"), **kwargs)
        w.resize(900, 600)
        w.show()
        qtbot.waitExposed(w)
        w.solver.engine = engine
        if document is not None:
            w.set_document(document)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.undo_stack.setClean()
        w.close()


@pytest.fixture
def window(make_window):
    return make_window(document=Document(photo()))


def drag(widget, points, button=Qt.MouseButton.LeftButton) -> None:
    """Press at the first point, move through the rest, release at the last."""
    pts = [QPoint(int(x), int(y)) for x, y in points]
    QTest.mousePress(widget, button, Qt.KeyboardModifier.NoModifier, pts[0])
    for p in pts[1:]:
        QTest.mouseMove(widget, p)
    QTest.mouseRelease(widget, button, Qt.KeyboardModifier.NoModifier, pts[-1])


def widget_point(canvas, x: float, y: float) -> tuple[float, float]:
    """Widget coordinates of image pixel (x, y)."""
    return (canvas.offset.x() + (x + 0.5) * canvas.scale,
            canvas.offset.y() + (y + 0.5) * canvas.scale)


@pytest.fixture(scope="session", autouse=True)
def _compiled_numba_kernels():
    """Compile pymatting's numba kernels once before any UI test.

    In a fresh environment (CI) the first foreground estimation or
    closed-form solve compiles for tens of seconds on the solver thread, which
    would otherwise land inside some test's wait timeout."""
    from matteditor.engines import create_engine
    from matteditor.foreground import estimate_foreground

    image = np.random.default_rng(0).random((24, 32, 3)).astype(np.float32)
    trimap = np.full((24, 32), 128, np.uint8)
    trimap[:, :4], trimap[:, -4:] = 0, 255
    alpha = create_engine("closed-form").estimate(image, trimap)
    estimate_foreground(image, alpha)
