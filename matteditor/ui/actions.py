"""The window's actions (menus, toolbar, shortcuts), in one place so the help
dialog lists exactly what the keys do."""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar, QToolBar, QWidget

from .theme import icon
from ..tools import Tool
from ..views import ViewMode

Shortcut = str | QKeySequence.StandardKey | list


def make_action(parent: QWidget, text: str, slot: Callable | None = None,
                shortcut: Shortcut | None = None, icon_name: str | None = None,
                tip: str | None = None, checkable: bool = False) -> QAction:
    a = QAction(text, parent)
    if icon_name:
        a.setIcon(icon(icon_name))
    if shortcut is not None:
        if isinstance(shortcut, list):
            a.setShortcuts([QKeySequence(s) for s in shortcut])
        else:
            a.setShortcut(QKeySequence(shortcut))
    if tip:
        a.setToolTip(tip)
        a.setStatusTip(tip)
    a.setCheckable(checkable)
    if slot is not None:
        a.triggered.connect(slot)
    parent.addAction(a)  # shortcuts work even when the action is in no visible menu
    return a


def tool_actions(parent: QWidget, on_tool: Callable[[Tool], None]) -> dict[Tool, QAction]:
    group = QActionGroup(parent)
    group.setExclusive(True)
    actions = {}
    for tool in Tool:
        a = make_action(parent, tool.title, lambda _=False, t=tool: on_tool(t), tool.shortcut,
                        tool.icon, f"{tool.title} ({tool.shortcut})", checkable=True)
        group.addAction(a)
        actions[tool] = a
    actions[Tool.FOREGROUND].setChecked(True)
    return actions


def view_actions(parent: QWidget, on_view: Callable[[ViewMode], None]) -> dict[ViewMode, QAction]:
    group = QActionGroup(parent)
    actions = {}
    for mode in ViewMode:
        a = make_action(parent, mode.title, lambda _=False, m=mode: on_view(m), str(mode.value),
                        checkable=True)
        group.addAction(a)
        actions[mode] = a
    actions[ViewMode.OVERLAY].setChecked(True)
    return actions


def undo_actions(parent: QWidget, stack: QUndoStack,
                 before: Callable[[], None]) -> tuple[QAction, QAction]:
    """Undo and redo actions on ``stack`` that call ``before`` first (the canvas
    ends a stroke in progress, so Ctrl+Z mid-stroke undoes that whole stroke)."""
    def step(go: Callable[[], None]) -> Callable[[], None]:
        return lambda: (before(), go())

    undo = make_action(parent, "&Undo", step(stack.undo), "Ctrl+Z", "undo")
    redo = make_action(parent, "&Redo", step(stack.redo), ["Ctrl+Shift+Z", "Ctrl+Y"], "redo")
    for action, can, text, changed_can, changed_text in (
            (undo, stack.canUndo, stack.undoText, stack.canUndoChanged, stack.undoTextChanged),
            (redo, stack.canRedo, stack.redoText, stack.canRedoChanged, stack.redoTextChanged)):
        base = action.text()
        action.setEnabled(can())
        changed_can.connect(action.setEnabled)
        changed_text.connect(lambda t, a=action, b=base: a.setText(f"{b} {t}".strip()))
    return undo, redo


def main_toolbar(window: QMainWindow, groups: list[list[QAction]]) -> QToolBar:
    """The fixed toolbar at the top: the groups of actions, separated."""
    bar = QToolBar("Main")
    bar.setObjectName("main-toolbar")
    bar.setMovable(False)
    for i, group in enumerate(groups):
        if i:
            bar.addSeparator()
        bar.addActions(group)
    window.addToolBar(bar)
    return bar


def add_menu(parent: QMenuBar | QMenu, title: str, items: list[QAction | None]) -> QMenu:
    """A menu ``title`` on ``parent`` holding ``items`` (None: a separator); with no
    title the items go on ``parent`` itself (a QMenu)."""
    menu = parent.addMenu(title) if title else parent
    for item in items:
        if item is None:
            menu.addSeparator()
        else:
            menu.addAction(item)
    return menu
