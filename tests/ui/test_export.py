"""Export writes what the screen shows, atomically, in 8 or 16 bits."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from matteditor.imageio import load_image_rgba, load_mask, load_trimap
from matteditor.ui.export_dialog import ExportDialog, ExportKind, ExportOptions
from matteditor.ui.views import ViewMode, ViewSettings

from .test_views import solved


def test_export_writes_a_cutout_whose_alpha_is_the_on_screen_alpha(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    out = tmp_path / "cut.png"
    assert w.files.export_to(ExportOptions(ExportKind.CUTOUT, out))
    rgb, alpha = load_image_rgba(out)
    assert alpha is not None
    assert np.abs(alpha - w.document.alpha).max() <= 0.5 / 255 + 1e-6
    fg = w.document.foreground
    solid = w.document.alpha > 0.5
    assert np.abs(rgb[solid] - fg[solid]).max() <= 0.5 / 255 + 1e-6


def test_export_raw_cutout_uses_the_photo_colours(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    out = tmp_path / "raw.png"
    assert w.files.export_to(ExportOptions(ExportKind.CUTOUT_RAW, out))
    rgb, _ = load_image_rgba(out)
    assert np.abs(rgb - w.document.image).max() <= 0.5 / 255 + 1e-6


def test_sixteen_bit_alpha_export_keeps_the_precision(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    out = tmp_path / "alpha16.png"
    assert w.files.export_to(ExportOptions(ExportKind.ALPHA, out, bits=16))
    alpha = load_mask(out)
    assert np.abs(alpha - w.document.alpha).max() <= 0.5 / 65535 + 1e-6


def test_trimap_and_composite_exports(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    assert w.files.export_to(ExportOptions(ExportKind.TRIMAP, tmp_path / "t.png"))
    np.testing.assert_array_equal(load_trimap(tmp_path / "t.png", w.document.trimap.shape),
                                  w.document.trimap)
    w.panel.set_view_settings(ViewSettings(ViewMode.COLOR, background_color=(0.0, 1.0, 0.0)))
    assert w.files.export_to(ExportOptions(ExportKind.COMPOSITE, tmp_path / "c.png"))
    rgb, _ = load_image_rgba(tmp_path / "c.png")
    # float composite for the file, uint8 blending on screen: equal within one level
    assert np.abs(np.rint(rgb * 255) - w.renderer.buffer.pixels()).max() <= 1


def test_export_without_a_matte_says_why_and_writes_nothing(make_window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    from matteditor.document import Document
    from .conftest import photo
    w = make_window(document=Document(photo()))
    assert not w.files.export_to(ExportOptions(ExportKind.CUTOUT, tmp_path / "x.png"))
    assert not (tmp_path / "x.png").exists()
    assert shown and "no matte" in shown[0]


def test_export_dialog_defaults_to_a_cutout_next_to_the_photo(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    w.document.path = tmp_path / "portrait.jpg"
    dialog = ExportDialog(w.document)
    opts = dialog.options()
    assert opts.kind is ExportKind.CUTOUT and opts.bits == 8
    assert opts.path == tmp_path / "portrait_cutout.png"
    dialog.deleteLater()


def test_copy_cutout_puts_an_image_with_alpha_on_the_clipboard(make_window, qtbot):
    w = solved(make_window, qtbot)
    assert w.files.copy_cutout()
    image = QGuiApplication.clipboard().image()
    assert (image.width(), image.height()) == w.document.size
    assert image.hasAlphaChannel()


@pytest.mark.parametrize("kind", [ExportKind.ALPHA, ExportKind.CUTOUT])
def test_export_to_an_unsupported_format_says_so_and_writes_nothing(make_window, qtbot, tmp_path,
                                                                    monkeypatch, kind):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w = solved(make_window, qtbot)
    out = tmp_path / "matte.tga"
    assert not w.files.export_to(ExportOptions(kind, out))
    assert list(tmp_path.iterdir()) == []
    assert shown and ".tga" in shown[0]


def _preview_shown(w):
    """Deliver a reduced-resolution preview for the current revision, as the worker does."""
    from matteditor.ui.worker import SolveRequest

    doc = w.document
    req = SolveRequest(w.solver._key, doc.revision, doc.image, doc.trimap.copy(), None,
                       w.solver.engine)
    w.solver._on_preview(req, np.full(doc.trimap.shape, 0.5, np.float32))
    assert w.solver.showing_preview and doc.foreground is None


@pytest.mark.parametrize("kind", [ExportKind.ALPHA, ExportKind.CUTOUT])
def test_export_refuses_a_preview_matte_and_brings_the_full_resolution_one(
        make_window, qtbot, tmp_path, monkeypatch, kind):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w = solved(make_window, qtbot)
    _preview_shown(w)
    out = tmp_path / "matte.png"
    assert not w.files.export_to(ExportOptions(kind, out))
    assert not out.exists()
    assert shown and "preview" in shown[0]
    # The full-resolution matte is on its way; once it is there the export goes through.
    qtbot.waitUntil(lambda: not w.solver.showing_preview and w.document.foreground is not None)
    assert w.files.export_to(ExportOptions(kind, out))
    assert out.exists()


def test_cutout_export_never_estimates_foreground_colours_on_the_ui_thread(
        make_window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w = solved(make_window, qtbot)
    doc = w.document
    doc.set_result(doc.alpha, doc.revision)  # full alpha, colours not estimated (cancelled)
    import matteditor.ui.export_dialog as export_dialog

    def on_ui_thread(*_a, **_k):
        raise AssertionError("foreground estimated on the UI thread")
    monkeypatch.setattr(export_dialog, "estimate_foreground", on_ui_thread, raising=False)
    out = tmp_path / "cut.png"
    assert not w.files.export_to(ExportOptions(ExportKind.CUTOUT, out))
    assert not out.exists() and shown and "foreground colours" in shown[0]
    qtbot.waitUntil(lambda: doc.foreground is not None)
    assert w.files.export_to(ExportOptions(ExportKind.CUTOUT, out))
    assert out.exists()


def test_the_export_dialog_remembers_the_last_kind_and_depth(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    assert w.files.export_to(ExportOptions(ExportKind.ALPHA, tmp_path / "a.png", bits=16))
    dialog = make_window(document=w.document).files.make_export_dialog()  # a later session
    opts = dialog.options()
    assert (opts.kind, opts.bits) == (ExportKind.ALPHA, 16)
    assert opts.path.parent == tmp_path
    dialog.deleteLater()
