"""The core (everything outside matteditor/ui/) never imports Qt (STYLE.md rule 1)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "matteditor"
QT_MODULES = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "qimage2ndarray", "superqt",
              "qtpy")


def _core_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts)


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            # ``from .ui import x`` / ``from ..ui.app import y``: the editor is Qt.
            if node.module and node.module.split(".")[0] == "ui":
                found.append((node.lineno, "matteditor.ui"))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                found.append((node.lineno, str(node.args[0].value)))
    return found


def test_no_core_module_imports_qt_or_the_editor_even_lazily():
    offenders = []
    for path in _core_files():
        if path.name == "__main__.py" and path.parent == PACKAGE:
            continue  # the entry point starts the editor when asked to
        for line, module in _imported_modules(ast.parse(path.read_text(), str(path))):
            top = module.split(".")[0]
            if top in QT_MODULES or module.startswith("matteditor.ui"):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not offenders, "\n".join(offenders)


def test_importing_the_command_line_and_engines_loads_no_qt():
    code = ("import sys, matteditor.cli, matteditor.engines, matteditor.project, "
            "matteditor.document, matteditor.selftest; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
