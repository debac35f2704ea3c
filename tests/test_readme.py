"""The README's set-up section tells a fresh desktop what it needs (issue 15, bug 8)."""

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_names_the_xcb_libraries_qt_needs_on_a_fresh_debian_desktop():
    setup = README.read_text(encoding="utf-8").split("## The editor")[0]
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"):
        assert package in setup, package


def test_the_readme_keeps_exactly_two_set_up_commands():
    setup = README.read_text(encoding="utf-8").split("## Set up")[1].split("## ")[0]
    assert setup.count("```bash") == 2
