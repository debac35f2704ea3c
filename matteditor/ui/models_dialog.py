"""Offering, downloading and importing the pretrained networks from the editor.

Choosing an engine whose model is not installed (ViTMatte) asks first, naming the
download's size, source and licence; the download, or the import of a folder, runs on
its own thread behind a cancellable progress dialog, so the editor keeps working; the
engine is switched to once its model is installed.  The work itself is the core's
(:mod:`matteditor.models`); failures go to the editor's one error handler.
"""

from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import QObject, QThread, Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from ..engines import engine_class
from ..engines.base import CancelToken
from ..errors import Cancelled, Failure
from ..models import import_folder, installed, model_spec
from ..models.registry import ModelSpec

log = logging.getLogger(__name__)

#: work(progress(done, total, file), cancel) -> None, run on the installer's thread
Work = Callable[[Callable[[int, int, str], None], CancelToken], object]


class _Job(QObject):
    """One download or import, run on a worker thread."""

    progress = Signal(object, object, str)     # bytes done, bytes in all, file
    succeeded = Signal()
    failed = Signal(object)              # Failure
    cancelled = Signal()

    def __init__(self, work: Work, token: CancelToken) -> None:
        super().__init__()
        self._work, self.token = work, token

    @Slot()
    def run(self) -> None:
        try:
            self._work(lambda d, t, f: self.progress.emit(d, t, f), self.token)
        except Cancelled:
            self.cancelled.emit()
        except Exception as e:  # noqa: BLE001 - every failure goes to the one handler
            log.info("model install failed", exc_info=True)
            self.failed.emit(Failure(e, "Model download"))
        else:
            self.succeeded.emit()


def needs_download(engine: str) -> bool:
    """Whether ``engine`` needs a model that is not installed."""
    name = engine_class(engine).model_name
    return bool(name) and not installed(model_spec(name))


class ModelInstaller(QObject):
    """Between the engine menu and the solver: an engine that is usable is passed on
    at once; one whose model is missing is offered for download (the menu keeps the
    engine in use meanwhile), and switched to once installed (``installed(engine)``);
    a cancelled, declined or failed attempt says ``declined(engine)``.

    Args:
        panel: has ``refresh_engines()`` and ``set_engine(name)``.
        use_engine: switches the solver to an engine.
    """

    installed = Signal(str)
    declined = Signal(str)

    def __init__(self, parent: QWidget, panel, use_engine: Callable[[str], None],
                 current_engine: Callable[[], str],
                 on_failure: Callable[[Failure], None]) -> None:
        super().__init__(parent)
        self._window, self._panel = parent, panel
        self._use, self._current = use_engine, current_engine
        self._on_failure = on_failure
        self._thread: QThread | None = None
        self._job: _Job | None = None
        self.dialog: QProgressDialog | None = None
        self.question: QMessageBox | None = None
        self._engine, self._title = "", ""
        self.installed.connect(self._switch_to)

    def choose(self, engine: str) -> None:
        """The user picked ``engine`` in the menu."""
        if not needs_download(engine):
            self._use(engine)
            return
        self._panel.set_engine(self._current())   # until its model is there
        self.offer(engine)

    def _switch_to(self, engine: str) -> None:
        self._panel.refresh_engines()
        self._panel.set_engine(engine)
        self._use(engine)
        self._window.statusBar().showMessage(
            f"{engine_class(engine).label} installed; the matte is computed with it now "
            f"(the live preview comes from the fast classical engine)")

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def offer(self, engine: str) -> None:
        """Ask whether to download (or import) the model ``engine`` needs (non-blocking)."""
        spec = model_spec(engine_class(engine).model_name)
        box = self.question = QMessageBox(QMessageBox.Icon.Question,
                                          f"{spec.label} is not installed", "", parent=self._window)
        box.setText(f"{spec.label} needs its pretrained weights: a {spec.download_mb} MB "
                    f"download from {spec.url}, licence {spec.licence}.")
        box.setInformativeText(f"{spec.description}. {spec.published}.\n\nDownload it now? "
                               f"(Offline: import a folder saved with save_pretrained.)")
        download = box.addButton("Download", QMessageBox.ButtonRole.AcceptRole)
        from_folder = box.addButton("Import folder\N{HORIZONTAL ELLIPSIS}",
                                    QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(download)

        def answered(_result: int) -> None:
            button = box.clickedButton()     # None when closed with Escape or the title bar
            self.question = None
            if button is download:
                self.download(engine)
            elif button is from_folder:
                folder = QFileDialog.getExistingDirectory(
                    self._window, f"Folder with {spec.label} (config.json, model.safetensors)")
                if folder:
                    self.import_from(engine, folder)
                else:
                    self.declined.emit(engine)
            else:
                self.declined.emit(engine)

        box.finished.connect(answered)
        box.open()

    def download(self, engine: str, endpoint: str | None = None) -> None:
        """Download the model of ``engine`` on the installer's thread."""
        from ..models.download import fetch

        spec = model_spec(engine_class(engine).model_name)
        self._start(engine, spec, f"Downloading {spec.label} ({spec.download_mb} MB)\N{HORIZONTAL ELLIPSIS}",
                    lambda progress, cancel: fetch(spec, endpoint=endpoint, progress=progress,
                                                   cancel=cancel))

    def import_from(self, engine: str, folder: str) -> None:
        """Install the model of ``engine`` from ``folder`` on the installer's thread."""
        spec = model_spec(engine_class(engine).model_name)
        self._start(engine, spec, f"Importing {spec.label}\N{HORIZONTAL ELLIPSIS}",
                    lambda progress, cancel: import_folder(spec, folder))

    def cancel(self) -> None:
        if self._job is not None:
            self._job.token.cancel()

    def _start(self, engine: str, spec: ModelSpec, title: str, work: Work) -> None:
        if self.busy:
            self.declined.emit(engine)
            return
        dialog = self.dialog = QProgressDialog(title, "Cancel", 0, 1000, self._window)
        dialog.setWindowTitle(spec.label)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        self._engine, self._title = engine, title
        job = self._job = _Job(work, CancelToken())
        thread = self._thread = QThread(self)
        job.moveToThread(thread)
        thread.started.connect(job.run)
        # bound slots of this UI-thread object: queued from the worker's thread
        job.progress.connect(self._on_progress)
        job.succeeded.connect(self._on_succeeded)
        job.cancelled.connect(self._on_cancelled)
        job.failed.connect(self._on_failed)
        dialog.show()
        thread.start()

    @Slot(object, object, str)
    def _on_progress(self, done: int, total: int, current: str) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        dialog.setLabelText(f"{self._title}\n{current}: {done / 1e6:.1f} of "
                            f"{total / 1e6:.1f} MB")
        if total:   # a modal dialog's setValue processes events: it may end the job
            dialog.setValue(min(1000, int(1000 * done / total)))

    @Slot()
    def _on_succeeded(self) -> None:
        self._end(ok=True)

    @Slot()
    def _on_cancelled(self) -> None:
        self._end(ok=False)

    @Slot(object)
    def _on_failed(self, failure: Failure) -> None:
        self._end(ok=False, failure=failure)

    def _end(self, ok: bool, failure: Failure | None = None) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._thread = self._job = None
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        if ok:
            self.installed.emit(self._engine)
            return
        if failure is not None:
            self._on_failure(failure)
        self.declined.emit(self._engine)
