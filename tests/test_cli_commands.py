"""The first word on the command line: typos of commands, --help, engines (issue 15, bugs 5 and 6).

Run as a user would, ``python -m matteditor ...`` in a subprocess without a
display (DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM unset): a typo must
never reach the editor, which without a display aborts (exit 134).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import matteditor.__main__ as entry

ROOT = Path(__file__).resolve().parent.parent


def run_matteditor(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "matteditor", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd, env=env)


@pytest.mark.parametrize("argv, typo, meant", [
    (["engine"], "engine", "engines"),
    (["mate", "foo"], "mate", "matte"),
    (["trimpa", "photo.jpg", "--rect", "1,2,3,4"], "trimpa", "trimap"),
])
def test_a_typo_of_a_command_is_an_unknown_command_with_the_nearest_suggested(
        tmp_path, argv, typo, meant):
    done = run_matteditor(*argv, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"unknown command '{typo}'; did you mean '{meant}'?" in done.stderr
    assert done.stderr.count("\n") == 1 and done.stdout == ""


def test_a_word_near_no_command_is_unknown_without_a_suggestion(tmp_path):
    done = run_matteditor("frobnicate", cwd=tmp_path)
    assert done.returncode == 2
    assert "unknown command 'frobnicate'" in done.stderr
    assert "did you mean" not in done.stderr


def test_an_unknown_command_never_starts_the_editor(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(entry, "_editor_run", lambda: pytest.fail("the editor was started"))
    assert entry.main(["engine"]) == 2
    assert "did you mean 'engines'" in capsys.readouterr().err


def test_an_existing_file_named_like_a_word_still_opens_in_the_editor(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "engine").write_bytes(b"")   # a photo without an extension
    calls = []
    monkeypatch.setattr(entry, "_editor_run", lambda: lambda *a: calls.append(a) or 0)
    assert entry.main(["engine"]) == 0
    assert calls == [("engine", None)]


def test_help_lists_the_self_test():
    done = run_matteditor("--help")
    assert done.returncode == 0, done.stderr
    assert "--self-test" in done.stdout


def test_self_test_takes_no_command_and_commands_stay_required():
    with_command = run_matteditor("-v", "--self-test", "engines")
    assert with_command.returncode == 2
    assert "--self-test takes no COMMAND" in with_command.stderr
    nothing = run_matteditor("-v")
    assert nothing.returncode == 2
    assert "required: COMMAND" in nothing.stderr


def test_engines_describes_fast_cf_as_cholmod_on_the_cpu_and_cg_otherwise():
    done = run_matteditor("engines")
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("fast-cf "))
    assert "CHOLMOD" in line and "CPU" in line
    assert "CG on CUDA" in line
