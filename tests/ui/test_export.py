"""Export writes what the screen shows, atomically, in 8 or 16 bits."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from matteditor.imageio import load_image_rgba, load_mask, load_trimap
from matteditor.ui.export_dialog import ExportDialog, ExportKind, ExportOptions
from matteditor.views import ViewMode, ViewSettings

from .test_views import solved


def exported(w, qtbot, options) -> bool:
    """Export as the menu does and wait for the export thread; True if the file was written."""
    if not w.files.export_to(options):
        return False
    qtbot.waitUntil(lambda: not w.files.exporting)
    return w.files.last_export == (options, None)


def test_export_writes_a_cutout_whose_alpha_is_the_on_screen_alpha(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    out = tmp_path / "cut.png"
    assert exported(w, qtbot, ExportOptions(ExportKind.CUTOUT, out))
    rgb, alpha = load_image_rgba(out)
    assert alpha is not None
    assert np.abs(alpha - w.document.alpha).max() <= 0.5 / 255 + 1e-6
    fg = w.document.foreground
    solid = w.document.alpha > 0.5
    assert np.abs(rgb[solid] - fg[solid]).max() <= 0.5 / 255 + 1e-6


def test_export_raw_cutout_uses_the_photo_colours(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    out = tmp_path / "raw.png"
    assert exported(w, qtbot, ExportOptions(ExportKind.CUTOUT_RAW, out))
    rgb, _ = load_image_rgba(out)
    assert np.abs(rgb - w.document.image).max() <= 0.5 / 255 + 1e-6


def test_sixteen_bit_alpha_export_keeps_the_precision(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    out = tmp_path / "alpha16.png"
    assert exported(w, qtbot, ExportOptions(ExportKind.ALPHA, out, bits=16))
    alpha = load_mask(out)
    assert np.abs(alpha - w.document.alpha).max() <= 0.5 / 65535 + 1e-6


def test_trimap_and_composite_exports(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    assert exported(w, qtbot, ExportOptions(ExportKind.TRIMAP, tmp_path / "t.png"))
    np.testing.assert_array_equal(load_trimap(tmp_path / "t.png", w.document.trimap.shape),
                                  w.document.trimap)
    w.panel.set_view_settings(ViewSettings(ViewMode.COLOR, background_color=(0.0, 1.0, 0.0)))
    assert exported(w, qtbot, ExportOptions(ExportKind.COMPOSITE, tmp_path / "c.png"))
    rgb, _ = load_image_rgba(tmp_path / "c.png")
    # float composite for the file, uint8 blending on screen: equal within one level
    assert np.abs(np.rint(rgb * 255) - w.renderer.buffer.pixels()).max() <= 1


def test_export_without_a_matte_says_why_and_writes_nothing(make_window, qtbot, tmp_path,
                                                              monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    from matteditor.document import Document
    from .conftest import photo
    w = make_window(document=Document(photo()))
    assert not exported(w, qtbot, ExportOptions(ExportKind.CUTOUT, tmp_path / "x.png"))
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
    assert not exported(w, qtbot, ExportOptions(kind, out))
    assert list(tmp_path.iterdir()) == []
    assert shown and ".tga" in shown[0]


def _preview_shown(w):
    """Deliver a reduced-resolution preview for the current revision, as the worker does."""
    from matteditor.live import LiveResult, ResultKind
    from matteditor.ui.worker import make_request

    doc = w.document
    doc.clear_result()   # a preview comes before its revision's exact matte, never after it
    req = make_request(w.solver._key, doc.revision, doc.image, doc.trimap, None, w.solver.engine)
    w.solver._on_result(req, LiveResult(ResultKind.PREVIEW, doc.revision,
                                        np.full(doc.trimap.shape, 0.5, np.float32)))
    assert w.solver.showing_preview and doc.foreground is None


@pytest.mark.parametrize("kind", [ExportKind.ALPHA, ExportKind.CUTOUT])
def test_export_refuses_a_preview_matte_and_brings_the_full_resolution_one(
        make_window, qtbot, tmp_path, monkeypatch, kind):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w = solved(make_window, qtbot)
    _preview_shown(w)
    out = tmp_path / "matte.png"
    assert not exported(w, qtbot, ExportOptions(kind, out))
    assert not out.exists()
    assert shown and "preview" in shown[0]
    # The full-resolution matte is on its way; once it is there the export goes through.
    qtbot.waitUntil(lambda: not w.solver.showing_preview and w.document.foreground is not None)
    assert exported(w, qtbot, ExportOptions(kind, out))
    assert out.exists()


def test_cutout_export_never_estimates_foreground_colours_on_the_ui_thread(
        make_window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w = solved(make_window, qtbot)
    doc = w.document
    doc.set_result(doc.alpha, doc.revision)  # full alpha, colours not estimated (cancelled)
    import threading

    from matteditor.foreground import ForegroundSession

    # every foreground estimate (estimate_foreground included) goes through update()
    update = ForegroundSession.update
    ui_thread = threading.current_thread()

    def off_the_ui_thread(self, *args, **kwargs):
        if threading.current_thread() is ui_thread:
            raise AssertionError("foreground estimated on the UI thread")
        return update(self, *args, **kwargs)
    monkeypatch.setattr(ForegroundSession, "update", off_the_ui_thread)
    out = tmp_path / "cut.png"
    assert not exported(w, qtbot, ExportOptions(ExportKind.CUTOUT, out))
    assert not out.exists() and shown and "foreground colours" in shown[0]
    qtbot.waitUntil(lambda: doc.foreground is not None)
    assert exported(w, qtbot, ExportOptions(ExportKind.CUTOUT, out))
    assert out.exists()


def test_the_export_dialog_remembers_the_last_kind_and_depth(make_window, qtbot, tmp_path):
    w = solved(make_window, qtbot)
    assert exported(w, qtbot, ExportOptions(ExportKind.ALPHA, tmp_path / "a.png", bits=16))
    dialog = make_window(document=w.document).files.make_export_dialog()  # a later session
    opts = dialog.options()
    assert (opts.kind, opts.bits) == (ExportKind.ALPHA, 16)
    assert opts.path.parent == tmp_path
    dialog.deleteLater()


def test_clearing_the_trimap_removes_the_old_matte_from_screen_and_export(
        make_window, qtbot, tmp_path, monkeypatch):
    from matteditor.trimap import UNKNOWN

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    w = solved(make_window, qtbot)
    QTest.keyClick(w.canvas, Qt.Key.Key_2)  # alpha view
    w.clear_trimap()
    qtbot.waitUntil(lambda: w.document.alpha is None)
    assert w.document.foreground is None
    # The alpha view falls back to the (all unknown) trimap: no trace of the old matte.
    assert (w.renderer.buffer.pixels() == UNKNOWN).all()
    out = tmp_path / "cut.png"
    assert not exported(w, qtbot, ExportOptions(ExportKind.CUTOUT_RAW, out))
    assert not out.exists() and shown and "no matte" in shown[0]
    assert not w.files.copy_cutout()


def test_erasing_all_background_removes_the_old_matte(make_window, qtbot):
    from matteditor.trimap import BACKGROUND, UNKNOWN

    w = solved(make_window, qtbot)
    doc = w.document
    t = doc.trimap.copy()
    t[t == BACKGROUND] = UNKNOWN
    doc.replace_trimap(t, "Erase")
    qtbot.waitUntil(lambda: doc.alpha is None)
    assert doc.foreground is None and not w.solver.showing_preview
    # Painting background again brings a fresh matte.
    t[:4] = BACKGROUND
    doc.replace_trimap(t, "Paint")
    qtbot.waitUntil(lambda: doc.foreground is not None)
    assert doc.alpha_revision == doc.revision


def _typed(dialog, text):
    """Type ``text`` into the dialog's file field as a user does."""
    dialog.path_edit.clear()
    QTest.keyClicks(dialog.path_edit, text)


def test_a_path_typed_without_an_extension_gets_the_kinds(make_window, qtbot, tmp_path,
                                                         monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked to replace"))
    w = solved(make_window, qtbot)
    dialog = ExportDialog(w.document, tmp_path, w)
    qtbot.addWidget(dialog)
    _typed(dialog, str(tmp_path / "portrait.v2"))
    dialog.accept()
    assert dialog.result() == ExportDialog.DialogCode.Accepted
    assert dialog.options().path == tmp_path / "portrait.v2.png"
    assert dialog.path_edit.text() == str(tmp_path / "portrait.v2.png")  # shown as written
    assert exported(w, qtbot, dialog.options())
    assert (tmp_path / "portrait.v2.png").is_file()


def test_a_composite_browsed_as_jpeg_gets_the_jpeg_extension(make_window, qtbot, tmp_path,
                                                             monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from matteditor.ui.export_dialog import JPEG_FILTER

    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: offered.append(a[3]) or (str(tmp_path / "comp"),
                                                                 JPEG_FILTER))
    w = solved(make_window, qtbot)
    dialog = ExportDialog(w.document, tmp_path, w, kind=ExportKind.COMPOSITE)
    qtbot.addWidget(dialog)
    dialog._browse()
    assert "*.jpg" in offered[0]
    assert dialog.options().path == tmp_path / "comp.jpg"
    dialog._buttons[ExportKind.ALPHA].setChecked(True)  # an alpha is never a JPEG
    dialog._filter = None
    assert dialog.options().path == tmp_path / "comp.jpg"  # typed extensions are kept...
    _typed(dialog, str(tmp_path / "matte"))
    assert dialog.options().path == tmp_path / "matte.png"  # ...a missing one follows the kind


def test_exporting_over_an_existing_file_asks_first(make_window, qtbot, tmp_path, monkeypatch):
    w = solved(make_window, qtbot)
    existing = tmp_path / "cut.png"
    existing.write_bytes(b"earlier work")
    answers, asked = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes], []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[2]) or answers[len(asked) - 1])
    dialog = ExportDialog(w.document, tmp_path, w)
    qtbot.addWidget(dialog)
    _typed(dialog, str(tmp_path / "cut"))
    dialog.accept()
    assert len(asked) == 1 and "cut.png" in asked[0]
    assert dialog.result() != ExportDialog.DialogCode.Accepted  # declined: still choosing
    assert existing.read_bytes() == b"earlier work"
    dialog.accept()
    assert len(asked) == 2 and dialog.result() == ExportDialog.DialogCode.Accepted
    assert exported(w, qtbot, dialog.options())
    assert existing.read_bytes() != b"earlier work"


def test_the_export_is_encoded_off_the_ui_thread_and_the_window_keeps_working(
        make_window, qtbot, tmp_path, monkeypatch):
    import threading

    import matteditor.imagewrite as imagewrite
    from PySide6.QtCore import QTimer

    real_encode = imagewrite.encode_image
    gate, threads = threading.Event(), []

    def slow_encode(*a, **k):
        threads.append(threading.current_thread())
        gate.wait(10)  # a 16-bit 12 MP PNG takes seconds
        return real_encode(*a, **k)
    monkeypatch.setattr(imagewrite, "encode_image", slow_encode)
    w = solved(make_window, qtbot)
    out = tmp_path / "alpha16.png"
    assert w.files.export_to(ExportOptions(ExportKind.ALPHA, out, bits=16))
    ticks = []
    timer = QTimer(w)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)
    qtbot.waitUntil(lambda: len(ticks) >= 3)  # the event loop runs while it encodes
    timer.stop()
    assert threads and threads[0] is not threading.main_thread()
    assert w.files.exporting and not out.exists()
    assert "Exporting alpha16.png" in w.statusBar().currentMessage()
    gate.set()
    qtbot.waitUntil(lambda: not w.files.exporting)
    assert out.is_file() and w.statusBar().currentMessage() == f"Exported {out}"
    assert np.abs(load_mask(out) - w.document.alpha).max() <= 0.5 / 65535 + 1e-6


def test_an_export_that_fails_on_the_export_thread_says_why(make_window, qtbot, tmp_path,
                                                            monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[1:3]))
    w = solved(make_window, qtbot)
    missing = tmp_path / "no such folder" / "cut.png"
    assert not exported(w, qtbot, ExportOptions(ExportKind.CUTOUT, missing))
    assert shown and shown[0][0] == "Export failed" and "no such folder" in shown[0][1]
    assert "Export failed" in w.statusBar().currentMessage()


def test_cutouts_export_as_rgba_tiff_and_as_a_layered_psd(make_window, qtbot, tmp_path):
    tifffile = pytest.importorskip("tifffile")
    psd_tools = pytest.importorskip("psd_tools")
    w = solved(make_window, qtbot)
    matte = w.document.matte()
    assert exported(w, qtbot, ExportOptions(ExportKind.CUTOUT, tmp_path / "cut.tif", bits=16))
    data = tifffile.imread(tmp_path / "cut.tif")
    assert data.shape == (*matte.alpha.shape, 4) and data.dtype == np.uint16
    assert np.abs(data[..., 3] / 65535 - matte.alpha).max() <= 0.5 / 65535 + 1e-6
    assert exported(w, qtbot, ExportOptions(ExportKind.CUTOUT, tmp_path / "cut.psd"))
    psd = psd_tools.PSDImage.open(tmp_path / "cut.psd")
    assert [layer.name for layer in psd] == ["Photo", "Cutout"]
    mask = np.asarray(psd[0].mask.topil(), np.float32) / 255
    assert np.abs(mask - matte.alpha).max() <= 0.5 / 255 + 1e-6


def test_the_browse_filter_picks_tiff_or_psd_for_a_cutout(make_window, qtbot, tmp_path):
    from matteditor.ui.export_dialog import PSD_FILTER, TIFF_FILTER, with_extension

    assert with_extension(tmp_path / "a", ExportKind.CUTOUT, TIFF_FILTER).suffix == ".tif"
    assert with_extension(tmp_path / "a", ExportKind.CUTOUT, PSD_FILTER).suffix == ".psd"
    assert with_extension(tmp_path / "a", ExportKind.ALPHA, PSD_FILTER).suffix == ".png"
