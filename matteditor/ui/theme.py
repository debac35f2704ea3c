"""Dark Fusion theme (neutral grays keep colour judgement honest) and icon loading."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from ..paths import icons_dir

_COLORS = {
    QPalette.ColorRole.Window: QColor(45, 45, 48),
    QPalette.ColorRole.WindowText: QColor(220, 220, 220),
    QPalette.ColorRole.Base: QColor(30, 30, 32),
    QPalette.ColorRole.AlternateBase: QColor(52, 52, 56),
    QPalette.ColorRole.ToolTipBase: QColor(60, 60, 64),
    QPalette.ColorRole.ToolTipText: QColor(230, 230, 230),
    QPalette.ColorRole.PlaceholderText: QColor(130, 130, 130),
    QPalette.ColorRole.Text: QColor(220, 220, 220),
    QPalette.ColorRole.Button: QColor(58, 58, 62),
    QPalette.ColorRole.ButtonText: QColor(220, 220, 220),
    QPalette.ColorRole.BrightText: QColor(255, 90, 90),
    QPalette.ColorRole.Link: QColor(90, 160, 240),
    QPalette.ColorRole.Highlight: QColor(60, 120, 200),
    QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
}
_DISABLED = {
    QPalette.ColorRole.WindowText: QColor(120, 120, 120),
    QPalette.ColorRole.Text: QColor(120, 120, 120),
    QPalette.ColorRole.ButtonText: QColor(120, 120, 120),
}


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in _COLORS.items():
        palette.setColor(role, color)
    for role, color in _DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, color)
    app.setPalette(palette)
    app.setStyleSheet("QToolTip { border: 1px solid #555; }"
                      "QDockWidget::title { padding: 4px; background: #333336; }")


def icon(name: str) -> QIcon:
    """Icon ``resources/icons/<name>.svg`` (an empty icon if the file is missing)."""
    path = icons_dir() / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
