"""The editor's engine menu and the ViTMatte download: offered with size and licence,
downloaded on a thread behind a cancellable dialog, then used for the final matte."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("transformers")

from fake_hub import FakeHub  # noqa: E402
from matteditor.document import Document  # noqa: E402
from matteditor.models import installed, model_spec  # noqa: E402
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN  # noqa: E402
from tiny_models import tiny_vitmatte  # noqa: E402

from .conftest import photo  # noqa: E402

SPEC = model_spec("vitmatte")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return tiny_vitmatte(tmp_path_factory.mktemp("tiny-vitmatte"))


@pytest.fixture
def hub(saved):
    with FakeHub(SPEC.repo_id, saved) as hub:
        yield hub


def _banded(h=60, w=80) -> Document:
    t = np.full((h, w), BACKGROUND, np.uint8)
    t[h // 4:3 * h // 4, w // 4:3 * w // 4] = UNKNOWN
    t[h // 3:2 * h // 3, w // 3:2 * w // 3] = FOREGROUND
    return Document(photo(h, w), t)


def _entry(window, name):
    combo = window.panel.engine_combo
    return combo.itemText(combo.findData(name))


def test_the_menu_offers_vitmatte_with_its_download_size(make_window, models):
    w = make_window()
    assert _entry(w, "vitmatte") == "ViTMatte-S \N{EM DASH} download 103 MB"
    combo = w.panel.engine_combo
    assert "Apache-2.0" in combo.itemData(combo.findData("vitmatte"), 3)   # the tooltip


def test_choosing_an_uninstalled_network_asks_and_keeps_the_engine_in_use(make_window, models,
                                                                          qtbot):
    w = make_window(engine="test-smooth")
    w.panel.set_engine("vitmatte")
    qtbot.waitUntil(lambda: w.models.question is not None)
    assert "103 MB" in w.models.question.text() and "Apache-2.0" in w.models.question.text()
    assert w.solver.engine == "test-smooth"          # nothing changes until it is there
    with qtbot.waitSignal(w.models.declined, timeout=5000):
        w.models.question.reject()
    assert w.solver.engine == "test-smooth"


def test_a_download_runs_on_a_thread_then_the_editor_mattes_with_vitmatte(make_window, models,
                                                                          hub, qtbot):
    w = make_window(engine="test-smooth", document=_banded())
    qtbot.waitUntil(lambda: w.document.alpha is not None, timeout=60_000)
    hub.pause = 0.01                                  # long enough to see the dialog move
    with qtbot.waitSignal(w.models.installed, timeout=60_000):
        w.models.download("vitmatte", endpoint=hub.url)
        assert w.models.dialog is not None and w.models.dialog.isVisible()
    assert installed(SPEC)
    assert _entry(w, "vitmatte") == "ViTMatte-S"
    assert w.solver.engine == "vitmatte" and w.panel.engine == "vitmatte"
    qtbot.waitUntil(lambda: w.document.alpha_revision == w.document.revision
                    and "vitmatte" in w.statusBar().currentMessage(), timeout=60_000)
    alpha, trimap = w.document.alpha, w.document.trimap
    assert (alpha[trimap == FOREGROUND] == 1).all() and (alpha[trimap == BACKGROUND] == 0).all()


def test_cancelling_the_download_installs_nothing_and_keeps_the_engine(make_window, models, hub,
                                                                       qtbot):
    w = make_window(engine="test-smooth")
    hub.pause = 0.02
    with qtbot.waitSignal(w.models.declined, timeout=60_000):
        w.models.download("vitmatte", endpoint=hub.url)
        qtbot.waitUntil(lambda: w.models.dialog.value() > 0, timeout=30_000)
        from PySide6.QtWidgets import QPushButton

        w.models.dialog.findChild(QPushButton).click()     # the dialog's Cancel button
    assert not installed(SPEC) and w.solver.engine == "test-smooth"
    assert not w.models.busy


def test_a_failed_download_is_shown_and_the_editor_keeps_working(make_window, models, qtbot):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    w = make_window(engine="test-smooth")
    with qtbot.waitSignal(w.models.declined, timeout=30_000):
        w.models.download("vitmatte", endpoint=f"http://127.0.0.1:{port}")
    assert "could not download 'vitmatte'" in w.statusBar().currentMessage()
    assert w.solver.engine == "test-smooth"
