"""The self-test passes from source, so an engine's drift from its stored expectation
(resources/sample/selftest.json) shows in the test run, not only in the frozen build."""

import io

import pytest

from matteditor import selftest


@pytest.mark.slow
def test_the_self_test_passes_from_source():
    out = io.StringIO()
    assert selftest.run(out=out) == 0, out.getvalue()
    assert "self-test passed" in out.getvalue()
