"""Help ▸ About (issue 15, bug 9): the terms of the frozen app and the components' licences."""

from __future__ import annotations

from matteditor.ui.about_dialog import AboutDialog


def _help_menu_actions(window):
    menus = [a.menu() for a in window.menuBar().actions() if a.text() == "&Help"]
    assert len(menus) == 1
    return {a.text(): a for a in menus[0].actions()}


def test_the_help_menu_opens_the_about_box_with_the_terms_and_the_licences(make_window, qtbot):
    window = make_window()
    about = _help_menu_actions(window)["&About matteditor…"]
    about.trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    terms = dialog.terms.text()
    assert "GNU General Public License, version 3 or (at your option) any later version" in terms
    assert "source code is distributed under the MIT licence" in terms

    rows = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    cvxopt = next(i for i, row in enumerate(rows) if row.startswith("cvxopt "))
    assert "GPL-3.0-or-later" in rows[cvxopt]
    dialog.list.setCurrentRow(cvxopt)
    assert "GNU GENERAL PUBLIC LICENSE" in dialog.text.toPlainText()
    assert dialog.text.isReadOnly()
    dialog.close()
