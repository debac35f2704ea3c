"""Where resources are found: source tree, wheel install, frozen build."""

from __future__ import annotations

import sys

from matteditor import paths


def test_a_source_tree_uses_its_own_resources_folder():
    assert paths.resources_dir() == paths.Path(paths.__file__).resolve().parent.parent / "resources"
    assert (paths.weights_dir() / "dim.safetensors").is_file()
    assert paths.sample_image().is_file() and paths.icons_dir().is_dir()


def test_a_wheel_install_finds_the_data_files_under_its_prefix(tmp_path, monkeypatch):
    # installed from a wheel: site-packages/matteditor/paths.py, no resources/ beside it
    site = tmp_path / "lib" / "site-packages" / "matteditor"
    site.mkdir(parents=True)
    monkeypatch.setattr(paths, "__file__", str(site / "paths.py"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert paths.resources_dir() == tmp_path / "share" / "matteditor" / "resources"
    assert paths.sample_trimap() == tmp_path / "share" / "matteditor" / "resources" / "sample" \
        / "sample_trimap.png"
