"""Loaders survive mutated files: a result or a MatteError, nothing else.

The long run is ``python scripts/fuzz_loaders.py --seconds 600``; every crash
it found is kept in tests/data/fuzz/ and replayed here.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("fuzz_loaders", ROOT / "scripts" / "fuzz_loaders.py")
fuzz_loaders = importlib.util.module_from_spec(spec)
sys.modules["fuzz_loaders"] = fuzz_loaders
spec.loader.exec_module(fuzz_loaders)

REGRESSIONS = sorted((ROOT / "tests" / "data" / "fuzz").glob("crash-*"))


@pytest.mark.parametrize("case", REGRESSIONS, ids=lambda p: p.name)
def test_former_fuzz_crash_is_a_clear_error_or_a_result(case, tmp_path):
    target = tmp_path / f"case.{case.name.split('.')[-1]}"
    target.write_bytes(case.read_bytes())
    check = fuzz_loaders.check_project if case.suffix == ".mattproj" else fuzz_loaders.check_image
    check(target)  # raises on anything but a result or a MatteError


def test_short_fuzz_run_finds_no_crash():
    n, found = fuzz_loaders.fuzz(seconds=4.0, seed=7, crashes=None, log=lambda *_: None)
    assert n > 100
    assert found == []
