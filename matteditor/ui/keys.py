"""Keyboard focus in the side panel: shortcuts work everywhere, Enter returns to the canvas.

A spin box holds the keyboard while a value is typed, and Qt lets a text field
keep the keys it could use itself (Ctrl+Z is the field's own undo, Ctrl+E its
end-of-line, a digit its text).  :class:`PanelKeys`, installed on the panel's
spin boxes, changes two things:

* a key with Ctrl or Alt that is one of the window's shortcuts is the
  window's (Ctrl+Z undoes the last step, Ctrl+E exports), not the field's;
* Enter ends the typing: the value is taken and the keyboard goes
  back to the canvas, so the next ``3`` switches to view 3 instead of being
  typed into the field.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QWidget

_ENDS_TYPING = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_COMMAND_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                      | Qt.KeyboardModifier.MetaModifier)


class PanelKeys(QObject):
    """Event filter for the panel's spin boxes (see the module's docstring).

    Args:
        window: whose actions' shortcuts win over the fields.
        give_back: gives the keyboard to the canvas.
    """

    def __init__(self, window: QWidget, give_back: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._give_back = give_back

    def install(self, root: QWidget) -> None:
        """Watch every spin box under ``root`` (their line edits send the keys)."""
        for box in root.findChildren(QAbstractSpinBox):
            box.installEventFilter(self)

    def _is_window_shortcut(self, event: QKeyEvent) -> bool:
        if not event.modifiers() & _COMMAND_MODIFIERS:
            return False   # plain keys (digits, arrows) belong to the field being typed in
        pressed = QKeySequence(event.keyCombination())
        return any(s.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                   for action in self._window.actions() if action.isEnabled()
                   for s in action.shortcuts())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if self._is_window_shortcut(event):
                event.ignore()        # not the field's: Qt then runs the window's shortcut
                return True
        elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in _ENDS_TYPING and isinstance(watched, QAbstractSpinBox):
            # Enter: the spin box takes the value itself, then the canvas gets the keyboard
            QTimer.singleShot(0, self._give_back)
        return False
