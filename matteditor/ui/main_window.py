"""The main window: wires canvas, side panel, solver, menus and files together.

It owns no pixels and runs no solves: the canvas paints, the renderer
composes, the solve controller talks to the worker thread, and file work is
in :mod:`matteditor.ui.files`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QCheckBox, QDockWidget, QMainWindow, QScrollArea

from ..document import Change, ChangeKind, Document
from ..edges import EdgeAdjustments
from ..engines import available_engines, default_engine_name
from ..live import EngineFactory, registry_factory
from ..project import SessionSettings
from ..trimap import resize_band
from . import settings as prefs
from .about_dialog import show_about
from .actions import add_menu, main_toolbar, make_action, tool_actions, undo_actions, view_actions
from .canvas import Canvas
from .commands import AdjustCommand, commit, commit_existing
from .failures import FailureNotifier
from .files import FileController
from .help_dialog import ShortcutsDialog
from .keys import PanelKeys
from .models_dialog import ModelInstaller
from .recovery import RecoveryStore
from .render import ViewRenderer
from .selection import QuickSelectTool
from .side_panel import SidePanel
from .solve import SolveController
from .status import StatusArea
from ..tools import Tool, grow_brush, shrink_brush
from ..views import ViewMode, ViewSettings

log = logging.getLogger(__name__)
AUTOSAVE_MS = 30_000
BAND_STEP = 8   # pixels the unknown band grows or shrinks by


class MainWindow(QMainWindow):
    def __init__(self, engine_factory: EngineFactory = registry_factory,
                 settings: QSettings | None = None, recovery: RecoveryStore | None = None,
                 preview_side: int = 320) -> None:
        super().__init__()
        self.setWindowTitle("matteditor")
        self.setAcceptDrops(True)
        self.qs = settings if settings is not None else prefs.open_settings()
        self.recovery = recovery or RecoveryStore()
        self.document: Document | None = None
        self.show_failure = FailureNotifier(self).show
        self.renderer: ViewRenderer | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.canvas = Canvas()
        self.setCentralWidget(self.canvas)
        self.solver = SolveController(engine_factory, preview_side, self)
        self.quick = QuickSelectTool(self)
        self.files = FileController(self)
        self._build_actions()
        self._build_panel()
        self.models = ModelInstaller(self, self.panel, self.solver.set_engine,
                                     lambda: self.solver.engine, self.show_failure)
        self._build_menus()
        self._build_status()
        self._connect()
        PanelKeys(self, self.canvas.setFocus).install(self.panel)
        self._apply_session(prefs.load_session_settings(self.qs))
        prefs.restore_window(self.qs, self, self.panel.band_spin, self._remembered_checks())
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        self._update_actions()

    # -- construction ---------------------------------------------------------------
    def _build_actions(self) -> None:
        f = self.files
        self.act_open = make_action(self, "&Open…", f.open_dialog, QKeySequence.StandardKey.Open,
                                    "open", "Open a photo or a project (Ctrl+O)")
        self.act_save = make_action(self, "&Save project", f.save_project,
                                    QKeySequence.StandardKey.Save, "save", "Save the project (Ctrl+S)")
        self.act_save_as = make_action(self, "Save project &as…", f.save_project_as, "Ctrl+Shift+S")
        self.act_load_trimap = make_action(self, "Load &trimap…", f.load_trimap_dialog, "Ctrl+T",
                                           "trimap", "Replace the trimap with one from a file")
        self.act_refine = make_action(self, "&Refine quick select", self.quick.refine,
                                      "Shift+Q", "tool-quick-select",
                                      "GrabCut again in the last box or lasso with the "
                                      "foreground/background strokes painted since (Shift+Q)")
        self.act_from_matte = make_action(self, "Trimap from current m&atte",
                                          self.quick.from_matte, "Ctrl+Shift+M",
                                          tip="Rebuild the trimap around the current matte "
                                              "with the band width of the Quick select panel")
        self.act_mask = make_action(self, "Trimap from &mask…", f.mask_dialog, "Ctrl+M", "mask",
                                    "Build the trimap around a mask or an RGBA file's alpha, "
                                    "with the band width from the Quick select panel (Ctrl+M)")
        self.act_export = make_action(self, "&Export…", f.export_dialog, "Ctrl+E", "export",
                                      "Export the cutout, alpha, composite or trimap (Ctrl+E)")
        self.act_copy = make_action(self, "&Copy cutout", f.copy_cutout, "Ctrl+Shift+C", "copy",
                                    "Copy the cutout to the clipboard")
        self.act_quit = make_action(self, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_undo, self.act_redo = undo_actions(self, self.undo_stack,
                                                    before=self.canvas.finish_stroke)
        self.act_clear = make_action(self, "C&lear trimap", self.clear_trimap, "Ctrl+Shift+Delete",
                                     "clear", "Set the whole trimap back to unknown")
        self.act_grow_band = make_action(self, "&Grow band", lambda: self.change_band(BAND_STEP),
                                         "Ctrl+]", tip="Widen the unknown band by 8 px (Ctrl+])")
        self.act_shrink_band = make_action(self, "S&hrink band",
                                           lambda: self.change_band(-BAND_STEP), "Ctrl+[",
                                           tip="Narrow the unknown band by 8 px (Ctrl+[)")
        self.tools = tool_actions(self, self.set_tool)
        self.act_bigger = make_action(self, "Bigger brush", self._brush_bigger, "]")
        self.act_smaller = make_action(self, "Smaller brush", self._brush_smaller, "[")
        c = self.canvas
        self.act_zoom_in = make_action(self, "Zoom &in", lambda: c.zoom_by(1.25),
                                       ["Ctrl++", "Ctrl+="], "zoom-in", "Zoom in (Ctrl++)")
        self.act_zoom_out = make_action(self, "Zoom &out", lambda: c.zoom_by(0.8), "Ctrl+-",
                                        "zoom-out", "Zoom out (Ctrl+-)")
        self.act_fit = make_action(self, "&Fit in window", c.fit, "Ctrl+0", "zoom-fit",
                                   "Fit the photo in the window (Ctrl+0)")
        self.act_100 = make_action(self, "&Actual pixels (100%)", c.actual_size, "Ctrl+1",
                                   "zoom-100", "Show at 100% (Ctrl+1)")
        self.views = view_actions(self, self.set_view_mode)
        self.act_cancel = make_action(self, "&Cancel solve", self.cancel_work, "Esc", "cancel",
                                      "Stop the running solve or quick select (Esc)")
        self.act_solve = make_action(self, "&Update matte now", self.solver.request, "Ctrl+R")
        self.act_background = make_action(self, "&Background image…", self.files.background_dialog,
                                          "Ctrl+Shift+B", tip="Put a photo behind the cutout (view 5)")
        self.act_help = make_action(self, "&Keyboard shortcuts", self.show_shortcuts, "F1", "help")
        self.act_about = make_action(self, "&About matteditor…", lambda: show_about(self))

    def _build_panel(self) -> None:
        trimap_actions = [self.act_grow_band, self.act_shrink_band, self.act_clear,
                          self.act_load_trimap]
        self.panel = SidePanel(list(self.tools.values()), trimap_actions,
                               [self.act_refine, self.act_mask, self.act_from_matte])
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.panel.minimumSizeHint().width() + 16)
        dock = QDockWidget("Controls", self)
        dock.setObjectName("controls")
        dock.setWidget(scroll)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = add_menu(mb, "&File", [self.act_open])
        recent = file_menu.addMenu("Open &recent")
        recent.aboutToShow.connect(lambda: self.files.fill_recent_menu(recent))
        file_menu.addActions([self.act_save, self.act_save_as])
        add_menu(file_menu, "", [None, self.act_load_trimap, self.act_mask, self.act_export,
                                 self.act_copy, None, self.act_quit])
        add_menu(mb, "&Edit", [self.act_undo, self.act_redo, self.act_clear, self.act_grow_band,
                               self.act_shrink_band, self.act_from_matte])
        add_menu(mb, "&Tools", [*self.tools.values(), self.act_refine, None, self.act_bigger,
                                self.act_smaller])
        add_menu(mb, "&View", [*self.views.values(), None, self.act_zoom_in, self.act_zoom_out,
                               self.act_fit, self.act_100, None, self.act_background])
        add_menu(mb, "&Matte", [self.act_solve, self.act_cancel])
        add_menu(mb, "&Help", [self.act_help, self.act_about])
        main_toolbar(self, [[self.act_open, self.act_save, self.act_export],
                            [self.act_undo, self.act_redo], list(self.tools.values()),
                            [self.act_zoom_in, self.act_zoom_out, self.act_fit, self.act_100]])

    def _build_status(self) -> None:
        self.status = StatusArea(self, self.cancel_work)
        self.size_label, self.zoom_label = self.status.size_label, self.status.zoom_label
        self.progress, self.cancel_button = self.status.progress, self.status.cancel_button

    def _connect(self) -> None:
        c, p, s = self.canvas, self.panel, self.solver
        c.edit_ready.connect(self._on_edit)
        c.stroke_finished.connect(self._on_stroke)
        c.view_changed.connect(self._update_zoom_label)
        c.brush_size_changed.connect(p.set_brush_size)
        c.background_moved.connect(p.move_background)
        c.background_zoomed.connect(p.zoom_background)
        p.brush_size_changed.connect(c.set_brush_size)
        p.engine_changed.connect(self.models.choose)   # offers a model's download first
        p.auto_changed.connect(self._set_auto)
        p.solve_requested.connect(s.request)
        p.view_changed.connect(self._on_view_settings)
        p.background_image_requested.connect(self.files.background_dialog)
        p.lasso_changed.connect(c.set_lasso_mode)
        p.edges.changed.connect(self._adjust)
        c.selection_made.connect(self.quick.select)
        s.busy_changed.connect(self.update_busy)
        s.progress.connect(self.show_progress)
        s.status.connect(self.show_status)
        s.error.connect(self.show_failure)

    # -- session settings -------------------------------------------------------------
    def _remembered_checks(self) -> dict[str, QCheckBox]:
        """Panel check boxes kept between runs, by QSettings key."""
        p = self.panel
        return {"matte/live": p.auto_check, "quickselect/adaptive": p.adaptive_check,
                "quickselect/lasso": p.lasso_check, "quickselect/auto_refine": p.auto_refine_check}

    def session_settings(self) -> SessionSettings:
        v = self.panel.view_settings()
        return SessionSettings(engine=self.solver.engine, view=int(v.mode),
                               overlay_opacity=v.overlay_opacity, alpha_tint=v.alpha_tint,
                               brush_size=self.canvas.brush_size,
                               background_color=v.background_color, split=v.split)

    def new_photo_settings(self) -> SessionSettings:
        """The settings a newly opened photo starts with: the brush, opacities and colours
        as they are, but the photo view and the default engine (the last photo's view 2 or
        engine would show a new one as a gray rectangle, or solve it with an odd engine)."""
        return replace(self.session_settings(), engine="", view=int(ViewMode.OVERLAY))

    def _apply_session(self, s: SessionSettings) -> None:
        engine = s.engine if s.engine in available_engines() else default_engine_name()
        self.solver.engine = engine
        self.panel.set_engine(engine)
        self.canvas.set_brush_size(s.brush_size)
        self.panel.set_brush_size(s.brush_size)
        self.panel.set_view_settings(ViewSettings(
            mode=ViewMode(s.view), overlay_opacity=s.overlay_opacity, alpha_tint=s.alpha_tint,
            background_color=s.background_color, split=s.split))

    # -- document ------------------------------------------------------------------------
    def set_document(self, document: Document | None, settings: SessionSettings | None = None) -> None:
        if self.document is not None:
            self.document.unsubscribe(self._on_document_change)
        if self.renderer is not None:
            self.renderer.detach()
            self.renderer.deleteLater()  # frees its buffers (a 12 MP view is ~100 MB)
        self.document = document
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.recovery.saved_revision = None
        if settings is not None:
            self._apply_session(settings)
        self.renderer = (ViewRenderer(document, self.panel.view_settings(), self)
                         if document is not None else None)
        self.canvas.set_renderer(self.renderer)
        self.panel.edges.set_adjustments(document.adjustments if document else EdgeAdjustments())
        self.solver.set_document(document)
        self.quick.set_document(document)
        if document is not None:
            document.subscribe(self._on_document_change)
            w, h = document.size
            self.size_label.setText(f"{w} × {h} px")
            name = document.path.name if document.path else "untitled"
            self.setWindowTitle(f"{name}[*] — matteditor")
        self._update_actions()
        self.update_view_note()
        self.canvas.setFocus()

    def _on_document_change(self, change: Change) -> None:
        if change.kind is ChangeKind.ALPHA:
            self.update_view_note()

    def _update_actions(self) -> None:
        has = self.document is not None
        for a in (self.act_save, self.act_save_as, self.act_load_trimap, self.act_mask,
                  self.act_refine, self.act_from_matte, self.act_export,
                  self.act_copy, self.act_clear, self.act_solve, self.act_grow_band,
                  self.act_shrink_band):
            a.setEnabled(has)

    def _on_edit(self, edit) -> None:
        if self.document is not None:
            commit(self.document, self.undo_stack, edit)
            self.quick.after_edit(self.canvas.tool)

    def _on_stroke(self, edit) -> None:
        if self.document is not None:
            commit_existing(self.document, self.undo_stack, edit)
            self.quick.after_edit(self.canvas.tool)

    def _adjust(self, adjustments) -> None:
        if self.document is not None and adjustments != self.document.adjustments:
            self.undo_stack.push(AdjustCommand(self.document, adjustments,
                                               self.panel.edges.set_adjustments))

    def clear_trimap(self) -> None:
        if self.document is not None:
            self.quick.forget_selection()   # strokes on a cleared trimap are scribbles
            commit_existing(self.document, self.undo_stack, self.document.clear_trimap())

    def change_band(self, pixels: int) -> None:
        doc = self.document
        if doc is not None:
            label = "Grow band" if pixels > 0 else "Shrink band"
            commit_existing(doc, self.undo_stack,
                            doc.replace_trimap(resize_band(doc.trimap, pixels), label))

    def cancel_work(self) -> None:
        self.solver.cancel()
        self.quick.cancel()

    def set_tool(self, tool: Tool) -> None:
        self.tools[tool].setChecked(True)
        self.canvas.set_tool(tool)

    def set_view_mode(self, mode: ViewMode) -> None:
        self.views[mode].setChecked(True)
        self.panel.set_mode(mode)

    def _on_view_settings(self, settings: ViewSettings) -> None:
        self.views[settings.mode].setChecked(True)
        if self.renderer is not None:
            self.renderer.set_settings(settings)
        self.update_view_note()
        self.canvas.update()

    def _brush_bigger(self) -> None:
        self.canvas.set_brush_size(grow_brush(self.canvas.brush_size))

    def _brush_smaller(self) -> None:
        self.canvas.set_brush_size(shrink_brush(self.canvas.brush_size))

    def _set_auto(self, auto: bool) -> None:
        self.solver.auto = auto
        if auto:
            self.solver.schedule()

    # -- solver feedback ------------------------------------------------------------------
    def update_busy(self) -> None:
        self.status.set_busy(self.solver.busy or self.quick.busy)

    def show_status(self, text: str) -> None:
        self.status.show(text)

    def update_view_note(self) -> None:
        """Say what the view shows when it is not what its name promises (no matte yet,
        no background image), and stop saying it as soon as that is over."""
        r = self.renderer
        self.status.update_note(r.settings.mode if r else None,
                                r is not None and r.document.alpha is not None,
                                r is not None and r.compositor.background is not None)

    def focus_canvas(self) -> None:
        self.activateWindow()
        self.canvas.setFocus()

    def trimap_from_mask(self, mask) -> None:
        self.quick.from_mask(mask)

    def quick_select_settings(self):
        return self.panel.quick_select_settings()

    def auto_refine(self) -> bool:
        return self.panel.auto_refine_check.isChecked()

    def show_progress(self, fraction: float, message: str) -> None:
        self.status.show_progress(fraction, message)

    def _on_clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _update_zoom_label(self) -> None:
        self.zoom_label.setText(f"{self.canvas.scale * 100:.0f}%")

    # -- misc -------------------------------------------------------------------------------
    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.actions(), self).exec()

    def autosave(self) -> None:
        if self.document is not None and not self.undo_stack.isClean():
            self.recovery.save_in_background(self.document, self.session_settings())

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.files.open_path(Path(urls[0].toLocalFile()))

    def closeEvent(self, event) -> None:
        if not self.files.maybe_discard():
            event.ignore()
            return
        prefs.save_session_settings(self.qs, self.session_settings())
        prefs.save_window(self.qs, self, self.panel.band_spin, self._remembered_checks())
        self.quick.cancel()
        self.solver.shutdown()
        self.files.exporter.wait()  # an export in progress is finished, not cut short
        self.recovery.discard()
        event.accept()
