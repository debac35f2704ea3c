"""Third-party notices (issue 15, bug 9): what the app depends on, under which licences,
with which texts, and the bundle the frozen app reads them from."""

from __future__ import annotations

import pytest

from matteditor import notices, paths

# each entry: acceptable distribution names (normalised)
MUST_LIST = {"cvxopt": ("cvxopt",), "PySide6": ("pyside6-essentials", "pyside6"),
             "torch": ("torch",), "numpy": ("numpy",),
             "opencv": ("opencv-python-headless", "opencv-python")}


@pytest.fixture(scope="module")
def components() -> dict[str, notices.Component]:
    return {c.key: c for c in notices.installed_components()}


def _find(components: dict[str, notices.Component], names: tuple[str, ...]) -> notices.Component:
    found = [components[n] for n in names if n in components]
    assert found, f"none of {names} in {sorted(components)}"
    return found[0]


@pytest.mark.parametrize("label", sorted(MUST_LIST))
def test_the_closure_lists_each_runtime_dependency_with_a_licence_and_its_text(components, label):
    component = _find(components, MUST_LIST[label])
    assert component.version
    assert component.license and not component.license.startswith("unknown")
    assert component.has_text()


def test_cvxopt_is_gpl_3_or_later_and_its_text_is_the_gpl(components):
    cvxopt = components["cvxopt"]
    assert cvxopt.license == "GPL-3.0-or-later"
    assert "GNU GENERAL PUBLIC LICENSE" in cvxopt.text()
    assert any(lib.startswith("libcholmod") for lib in cvxopt.libraries)


def test_pyside6_without_licence_files_in_its_wheel_gets_the_lgpl_text(components):
    pyside = _find(components, MUST_LIST["PySide6"])
    assert "LGPL-3.0" in pyside.license
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in pyside.text()


def test_matteditor_itself_comes_first_with_mit_and_the_gpl_of_the_frozen_app():
    own = notices.installed_components()[0]
    assert own.name == "matteditor"
    texts = {f.name: f.text for f in own.files}
    assert "Permission is hereby granted, free of charge" in texts["LICENSE"]
    assert "GNU GENERAL PUBLIC LICENSE" in texts["COPYING"]


def test_extras_are_left_out_of_the_closure(components):
    # pytest and hypothesis are installed here, but only as matteditor[dev]
    assert "pytest" not in components and "hypothesis" not in components


def test_excluded_distributions_are_left_out():
    keys = {c.key for c in notices.installed_components(exclude=["cvxopt"])}
    assert "cvxopt" not in keys and "torch" in keys


def test_a_licence_is_named_from_its_text_when_the_metadata_only_holds_the_text():
    header = ("CVXOPT version 1.3\n\nThis program is free software; you can redistribute it "
              "and/or modify it under the terms of the GNU General Public License as published "
              "by the Free Software Foundation; either version 3 of the License, or\n(at your "
              "option) any later version.")
    assert notices.guess_license(header) == "GPL-3.0-or-later"
    assert notices.guess_license("GNU LESSER GENERAL PUBLIC LICENSE\n Version 3") \
        == "LGPL-3.0-only"
    assert notices.guess_license("some words") == ""


def test_the_index_states_the_terms_and_lists_every_component(components):
    text = notices.index_text(components.values())
    assert "GNU General Public License, version 3 or (at your option) any later version" in text
    assert "source code is distributed under the MIT licence" in text
    for names in MUST_LIST.values():
        assert _find(components, names).name in text


def test_a_bundle_reads_back_as_written(tmp_path, components):
    written = list(components.values())
    notices.write_bundle(tmp_path / "licenses", written)
    assert (tmp_path / "licenses" / notices.INDEX).is_file()
    assert (tmp_path / "licenses" / "cvxopt" / "LICENSE").is_file()
    assert notices.read_bundle(tmp_path / "licenses") == written


@pytest.fixture
def frozen_bundle(tmp_path, monkeypatch, components):
    """A written bundle that paths reports as the frozen app's."""
    bundle = tmp_path / "licenses"
    notices.write_bundle(bundle, components.values())
    monkeypatch.setattr(paths, "bundled_licenses_dir", lambda: bundle)
    notices.components.cache_clear()
    yield bundle
    notices.components.cache_clear()


def test_the_frozen_check_passes_on_a_complete_bundle(frozen_bundle):
    assert notices.check() == []
    assert {c.key for c in notices.components()} >= {"cvxopt", "torch", "matteditor"}


def test_the_frozen_check_names_a_missing_index_and_missing_licence_texts(frozen_bundle):
    (frozen_bundle / notices.INDEX).unlink()
    for f in (frozen_bundle / "cvxopt").iterdir():
        f.unlink()
    problems = notices.check()
    assert any(notices.INDEX in p for p in problems)
    assert "no licence text for cvxopt" in problems
    assert not any("torch" in p for p in problems)


def test_a_bundle_without_its_manifest_yields_no_components_and_fails_the_check(frozen_bundle):
    (frozen_bundle / notices.MANIFEST).unlink()
    assert notices.components() == ()
    assert "no notice for cvxopt" in notices.check()
