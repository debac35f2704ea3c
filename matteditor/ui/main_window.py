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
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QCheckBox, QDockWidget, QMainWindow, QScrollArea

from ..document import Change, ChangeKind, Document
from ..edges import EdgeAdjustments
from ..engines import available_engines, default_engine_name
from ..live import EngineFactory, registry_factory
from ..project import SessionSettings
from ..trimap import resize_band
from . import settings as prefs
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
from .window_actions import build_actions, build_menus
from ..tools import Tool, grow_brush, invert_trimap, shrink_brush
from ..views import ViewMode, ViewSettings

log = logging.getLogger(__name__)
AUTOSAVE_MS = 30_000


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
        build_actions(self)
        self._build_panel()
        self.models = ModelInstaller(self, self.panel, self.solver.set_engine,
                                     lambda: self.solver.engine, self.show_failure)
        build_menus(self)
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

    def _build_status(self) -> None:
        self.status = StatusArea(self, self.cancel_work)
        self.size_label, self.zoom_label = self.status.size_label, self.status.zoom_label
        self.progress, self.cancel_button = self.status.progress, self.status.cancel_button
        self.status.watch_autosave(self.recovery)

    def _connect(self) -> None:
        c, p, s = self.canvas, self.panel, self.solver
        c.edit_ready.connect(self._on_edit)
        c.stroke_finished.connect(self._on_stroke)
        c.view_changed.connect(self._update_zoom_label)
        c.brush_size_changed.connect(p.set_brush_size)
        c.background_moved.connect(p.move_background)
        c.background_zoomed.connect(p.zoom_background)
        p.brush_size_changed.connect(c.set_brush_size)
        p.hardness_changed.connect(c.set_hardness)
        p.engine_changed.connect(self.models.choose)   # offers a model's download first
        p.auto_changed.connect(self._set_auto)
        p.solve_requested.connect(s.request)
        p.view_changed.connect(self._on_view_settings)
        p.background_image_requested.connect(self.files.background_dialog)
        p.lasso_changed.connect(c.set_lasso_mode)
        p.edges.changed.connect(self._adjust)
        c.selection_made.connect(self.quick.select)
        c.select_click.connect(self.quick.click)
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
        self.recovery.new_session()
        if settings is not None:
            self._apply_session(settings)
        self.renderer = (ViewRenderer(document, self.panel.view_settings(), self)
                         if document is not None else None)
        self.act_original.setChecked(False)   # a new photo opens on its chosen view
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
                  self.act_refine, self.act_subject, self.act_from_matte, self.act_export,
                  self.act_copy, self.act_clear, self.act_solve, self.act_grow_band,
                  self.act_shrink_band, self.act_invert):
            a.setEnabled(has)

    def _on_edit(self, edit) -> None:
        if self.document is not None:
            commit(self.document, self.undo_stack, edit)
            self.quick.after_edit(self.canvas.tool, edit)

    def _on_stroke(self, edit) -> None:
        if self.document is not None:
            commit_existing(self.document, self.undo_stack, edit)
            self.quick.after_edit(self.canvas.tool, edit)

    def _adjust(self, adjustments) -> None:
        if self.document is not None and adjustments != self.document.adjustments:
            self.undo_stack.push(AdjustCommand(self.document, adjustments,
                                               self.panel.edges.set_adjustments))

    def clear_trimap(self) -> None:
        if self.document is not None:
            self.quick.forget_selection()   # strokes on a cleared trimap are scribbles
            commit_existing(self.document, self.undo_stack, self.document.clear_trimap())

    def invert_matte(self) -> None:
        """Swap the trimap's foreground and background (one undo step): the matte
        solved for it is the inverse, and the known regions invert exactly."""
        doc = self.document
        if doc is None:
            return
        edit = doc.replace_trimap(invert_trimap(doc.trimap), "Invert matte")
        if edit is None:
            self.show_status("Nothing to invert: paint foreground (F) or background (B) first")
            return
        self.quick.forget_selection()   # the last box's inside is now the background
        commit_existing(doc, self.undo_stack, edit)

    def show_original(self, on: bool) -> None:
        """Show the photo alone (P) or the chosen view again."""
        self.act_original.setChecked(on)
        if self.renderer is not None:
            self.renderer.set_original(on)
            self.canvas.update()
        note = "Original photo: press P to see the matte again"
        if on:
            self.show_status(note)
        elif self.status.bar.currentMessage() == note:
            self.status.bar.clearMessage()

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
            if self.renderer.original and settings.mode is not self.renderer.settings.mode:
                self.show_original(False)   # another view asked for: show it
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
            self.files.autosave()

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
        self.qs.sync()   # written now: the process ends without tearing its objects down
        self.quick.cancel()
        self.solver.shutdown()
        self.files.exporter.wait()  # an export in progress is finished, not cut short
        self.recovery.discard()
        event.accept()
