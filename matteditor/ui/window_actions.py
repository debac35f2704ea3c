"""The main window's actions and menus: what each menu entry and shortcut runs.

Split from :mod:`matteditor.ui.main_window` so the window keeps to wiring;
:func:`build_actions` sets the ``act_*`` attributes the window, the panel and
the tests use, :func:`build_menus` puts them in the menu bar and the toolbar.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow

from .about_dialog import show_about
from .actions import add_menu, main_toolbar, make_action, tool_actions, undo_actions, view_actions

BAND_STEP = 8   # pixels the unknown band grows or shrinks by


def build_actions(w: QMainWindow) -> None:
    """Create the window's actions as ``w.act_*`` (plus ``w.tools`` and ``w.views``) on
    the main window ``w`` (:class:`~matteditor.ui.main_window.MainWindow`, not imported
    here: it imports this module), whose controllers and slots they call."""
    f = w.files
    w.act_open = make_action(w, "&Open…", f.open_dialog, QKeySequence.StandardKey.Open,
                             "open", "Open a photo or a project (Ctrl+O)")
    w.act_save = make_action(w, "&Save project", f.save_project,
                             QKeySequence.StandardKey.Save, "save", "Save the project (Ctrl+S)")
    w.act_save_as = make_action(w, "Save project &as…", f.save_project_as, "Ctrl+Shift+S")
    w.act_load_trimap = make_action(w, "Load &trimap…", f.load_trimap_dialog, "Ctrl+T",
                                    "trimap", "Replace the trimap with one from a file")
    w.act_refine = make_action(w, "&Refine quick select", w.quick.refine,
                               "Shift+Q", "tool-quick-select",
                               "The last quick select again (Segment Anything or GrabCut) "
                               "with the foreground/background strokes painted since (Shift+Q)")
    w.act_subject = make_action(w, "Select s&ubject", w.quick.select_subject, "Ctrl+Shift+A",
                                tip="Select the photo's main object and build the trimap "
                                    "around it (Segment Anything when installed, else "
                                    "GrabCut) (Ctrl+Shift+A)")
    w.act_from_matte = make_action(w, "Trimap from current m&atte",
                                   w.quick.from_matte, "Ctrl+Shift+M",
                                   tip="Rebuild the trimap around the current matte "
                                       "with the band width of the Quick select panel")
    w.act_mask = make_action(w, "Trimap from &mask…", f.mask_dialog, "Ctrl+M", "mask",
                             "Build the trimap around a mask or an RGBA file's alpha, "
                             "with the band width from the Quick select panel (Ctrl+M)")
    w.act_export = make_action(w, "&Export…", f.export_dialog, "Ctrl+E", "export",
                               "Export the cutout, alpha, composite or trimap (Ctrl+E)")
    w.act_copy = make_action(w, "&Copy cutout", f.copy_cutout, "Ctrl+Shift+C", "copy",
                             "Copy the cutout to the clipboard")
    w.act_quit = make_action(w, "&Quit", w.close, QKeySequence.StandardKey.Quit)
    w.act_undo, w.act_redo = undo_actions(w, w.undo_stack, before=w.canvas.finish_stroke)
    w.act_clear = make_action(w, "C&lear trimap", w.clear_trimap, "Ctrl+Shift+Delete",
                              "clear", "Set the whole trimap back to unknown")
    w.act_invert = make_action(w, "&Invert matte", w.invert_matte, "Ctrl+I", tip=(
        "Swap the trimap's foreground and background, so the matte inverts (Ctrl+I)"))
    w.act_grow_band = make_action(w, "&Grow band", lambda: w.change_band(BAND_STEP),
                                  "Ctrl+]", tip="Widen the unknown band by 8 px (Ctrl+])")
    w.act_shrink_band = make_action(w, "S&hrink band", lambda: w.change_band(-BAND_STEP),
                                    "Ctrl+[", tip="Narrow the unknown band by 8 px (Ctrl+[)")
    w.tools = tool_actions(w, w.set_tool)
    w.act_bigger = make_action(w, "Bigger brush", w._brush_bigger, "]")
    w.act_smaller = make_action(w, "Smaller brush", w._brush_smaller, "[")
    c = w.canvas
    w.act_zoom_in = make_action(w, "Zoom &in", lambda: c.zoom_by(1.25),
                                ["Ctrl++", "Ctrl+="], "zoom-in", "Zoom in (Ctrl++)")
    w.act_zoom_out = make_action(w, "Zoom &out", lambda: c.zoom_by(0.8), "Ctrl+-",
                                 "zoom-out", "Zoom out (Ctrl+-)")
    w.act_fit = make_action(w, "&Fit in window", c.fit, "Ctrl+0", "zoom-fit",
                            "Fit the photo in the window (Ctrl+0)")
    w.act_100 = make_action(w, "&Actual pixels (100%)", c.actual_size, "Ctrl+1",
                            "zoom-100", "Show at 100% (Ctrl+1)")
    w.views = view_actions(w, w.set_view_mode)
    w.act_original = make_action(w, "Show &original", w.show_original, "P", tip=(
        "The photo alone, without trimap colours or matte, until P again"), checkable=True)
    w.act_loupe = make_action(w, "&Loupe", c.set_loupe, "L", tip=(
        "A magnified view of the pixels under the pointer (L)"), checkable=True)
    w.act_cancel = make_action(w, "&Cancel solve", w.cancel_work, "Esc", "cancel",
                               "Stop the running solve or quick select (Esc)")
    w.act_solve = make_action(w, "&Update matte now", w.solver.request, "Ctrl+R")
    w.act_background = make_action(w, "&Background image…", f.background_dialog,
                                   "Ctrl+Shift+B", tip="Put a photo behind the cutout (view 5)")
    w.act_help = make_action(w, "&Keyboard shortcuts", w.show_shortcuts, "F1", "help")
    w.act_about = make_action(w, "&About matteditor…", lambda: show_about(w))


def build_menus(w: QMainWindow) -> None:
    """The menu bar and the toolbar, from the actions :func:`build_actions` made."""
    mb = w.menuBar()
    file_menu = add_menu(mb, "&File", [w.act_open])
    recent = file_menu.addMenu("Open &recent")
    recent.aboutToShow.connect(lambda: w.files.fill_recent_menu(recent))
    file_menu.addActions([w.act_save, w.act_save_as])
    add_menu(file_menu, "", [None, w.act_load_trimap, w.act_mask, w.act_export, None,
                             w.act_quit])
    add_menu(mb, "&Edit", [w.act_undo, w.act_redo, None, w.act_copy, None, w.act_invert,
                           w.act_clear, w.act_grow_band, w.act_shrink_band, w.act_from_matte])
    add_menu(mb, "&Tools", [*w.tools.values(), w.act_refine, None, w.act_bigger,
                            w.act_smaller])
    add_menu(mb, "&View", [*w.views.values(), None, w.act_original, w.act_loupe, None,
                           w.act_zoom_in, w.act_zoom_out, w.act_fit, w.act_100, None,
                           w.act_background])
    add_menu(mb, "&Matte", [w.act_subject, None, w.act_solve, w.act_cancel])
    add_menu(mb, "&Help", [w.act_help, w.act_about])
    bar = main_toolbar(w, [[w.act_open, w.act_save, w.act_export],
                           [w.act_undo, w.act_redo], list(w.tools.values()),
                           [w.act_zoom_in, w.act_zoom_out, w.act_fit, w.act_100]])
    bar.addSeparator()
    bar.addWidget(QLabel(" View "))
    bar.addWidget(w.panel.view_combo)   # the view, always in sight (keys 1-7)
    bar.addAction(w.act_original)
