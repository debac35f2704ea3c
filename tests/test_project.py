"""Project files: round trips, photo references, and refusing bad files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from matteditor.errors import ProjectError
from matteditor.imageio import save_image
from matteditor.project import Project, SessionSettings, load_project, save_project
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN


def trimap(h=20, w=30):
    t = np.full((h, w), UNKNOWN, np.uint8)
    t[5:10, 5:10] = FOREGROUND
    t[0] = BACKGROUND
    return t


def image(h=20, w=30):
    return np.random.default_rng(1).random((h, w, 3), dtype=np.float32)


def test_round_trip_keeps_trimap_settings_and_photo_reference(tmp_path):
    photo = tmp_path / "photos" / "p.png"
    photo.parent.mkdir()
    save_image(photo, image())
    settings = SessionSettings(engine="knn", view=4, overlay_opacity=0.2, brush_size=40,
                               background_color=(0.1, 0.2, 0.3), split=0.7)
    path = tmp_path / "a.mattproj"
    save_project(path, Project(trimap(), settings, photo))
    back = load_project(path)
    np.testing.assert_array_equal(back.trimap, trimap())
    assert back.settings == settings
    assert back.image_path == photo.resolve() and back.image is None
    assert back.load_photo().shape == (20, 30, 3)


def test_photo_inside_the_project_folder_is_stored_relative_so_the_folder_can_move(tmp_path):
    folder = tmp_path / "job"
    folder.mkdir()
    save_image(folder / "p.png", image())
    save_project(folder / "a.mattproj", Project(trimap(), SessionSettings(), folder / "p.png"))
    with zipfile.ZipFile(folder / "a.mattproj") as z:
        assert json.loads(z.read("manifest.json"))["image"] == {"path": "p.png"}
    moved = folder.rename(tmp_path / "moved")
    assert load_project(moved / "a.mattproj").image_path == (moved / "p.png").resolve()


def test_embedded_photo_round_trips_to_sixteen_bit_precision(tmp_path):
    img = image()
    save_project(tmp_path / "e.mattproj", Project(trimap(), SessionSettings(), None, img))
    back = load_project(tmp_path / "e.mattproj")
    assert back.image_path is None
    assert np.abs(back.load_photo() - img).max() <= 0.5 / 65535 + 1e-7


def test_saving_over_a_project_is_atomic_when_it_fails(tmp_path):
    path = tmp_path / "a.mattproj"
    save_project(path, Project(trimap(), SessionSettings(), None, image()))
    before = path.read_bytes()
    bad = np.full((20, 30), 7, np.uint8)  # not a trimap
    with pytest.raises(ProjectError):
        save_project(path, Project(bad, SessionSettings(), None, image()))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mattproj"]


def write_manifest(path, manifest, members=None):
    from matteditor.imageio import encode_image
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("manifest.json", json.dumps(manifest))
        z.writestr("trimap.png", encode_image(trimap(), "PNG"))
        for name, data in (members or {}).items():
            z.writestr(name, data)


def base_manifest(**changes):
    m = {"format": "matteditor-project", "version": 1, "width": 30, "height": 20,
         "trimap": "trimap.png", "image": {"path": "p.png"}, "settings": {}}
    m.update(changes)
    return m


def test_a_relative_photo_path_that_climbs_out_of_the_folder_is_refused(tmp_path):
    path = tmp_path / "evil.mattproj"
    write_manifest(path, base_manifest(image={"path": "../../etc/passwd"}))
    with pytest.raises(ProjectError, match="outside the project's folder"):
        load_project(path)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="POSIX named pipes")
def test_a_photo_path_naming_a_pipe_is_refused_without_blocking(tmp_path):
    import os
    import threading

    pipe = tmp_path / "photo.png"
    os.mkfifo(pipe)
    path = tmp_path / "evil.mattproj"
    write_manifest(path, base_manifest(image={"path": str(pipe)}))
    project = load_project(path)
    outcome = []

    def target():
        try:
            project.load_photo()
        except ProjectError as e:
            outcome.append(e)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # unblock the reader
        worker.join(5)
        pytest.fail("opening a project whose photo is a named pipe blocked")
    assert outcome and "not a regular file" in str(outcome[0])


@pytest.mark.parametrize("manifest, message", [
    (base_manifest(format="other"), "not a matteditor project"),
    (base_manifest(version=99), "version"),
    (base_manifest(width=31), "trimap is 30x20"),
    (base_manifest(width=10**6, height=10**6), "too large"),
    (base_manifest(settings={"view": 9}), "view"),
    (base_manifest(settings={"brush_size": "huge"}), "bad settings"),
    (base_manifest(image=None), "where the photo is"),
])
def test_bad_manifests_raise_project_error_saying_why(tmp_path, manifest, message):
    path = tmp_path / "bad.mattproj"
    write_manifest(path, manifest)
    with pytest.raises(ProjectError, match=message):
        load_project(path)


def test_not_a_zip_and_missing_members_are_project_errors(tmp_path):
    (tmp_path / "junk.mattproj").write_bytes(b"hello")
    with pytest.raises(ProjectError, match="junk.mattproj"):
        load_project(tmp_path / "junk.mattproj")
    with zipfile.ZipFile(tmp_path / "empty.mattproj", "w") as z:
        z.writestr("manifest.json", json.dumps(base_manifest()))
    with pytest.raises(ProjectError, match="trimap.png is missing"):
        load_project(tmp_path / "empty.mattproj")
    with pytest.raises(ProjectError, match="missing.mattproj"):
        load_project(tmp_path / "missing.mattproj")


def test_a_replaced_photo_of_another_size_is_reported(tmp_path):
    save_image(tmp_path / "p.png", image(10, 10))
    save_project(tmp_path / "a.mattproj", Project(trimap(), SessionSettings(), tmp_path / "p.png"))
    with pytest.raises(ProjectError, match="was the photo replaced"):
        load_project(tmp_path / "a.mattproj").load_photo()


def test_settings_ignore_unknown_keys_and_default_missing_ones():
    s = SessionSettings.from_dict({"view": 2, "future_option": True})
    assert s == SessionSettings(view=2)


def test_a_photo_outside_the_project_folder_is_reported_as_outside(tmp_path):
    from matteditor.project import photo_outside_folder

    (tmp_path / "projects").mkdir()
    (tmp_path / "photos").mkdir()
    outside = tmp_path / "photos" / "p.png"
    inside = tmp_path / "projects" / "sub" / "p.png"
    inside.parent.mkdir()
    for p in (outside, inside):
        save_image(p, image())
    path = tmp_path / "projects" / "a.mattproj"
    save_project(path, Project(trimap(), image_path=outside))
    assert photo_outside_folder(load_project(path), path)
    save_project(path, Project(trimap(), image_path=inside))
    assert not photo_outside_folder(load_project(path), path)
    save_project(path, Project(trimap(), image=image()), embed=True)
    assert not photo_outside_folder(load_project(path), path)


def test_an_absolute_photo_path_in_a_hostile_project_is_outside(tmp_path):
    from matteditor.project import photo_outside_folder

    path = tmp_path / "evil.mattproj"
    write_manifest(path, base_manifest(image={"path": "/etc/passwd"}))
    assert photo_outside_folder(load_project(path), path)


@pytest.mark.skipif(not hasattr(__import__("os"), "symlink"), reason="symbolic links")
def test_a_link_in_the_project_folder_pointing_outside_counts_as_outside(tmp_path):
    import os

    from matteditor.project import photo_outside_folder

    target = tmp_path / "elsewhere.png"
    save_image(target, image())
    (tmp_path / "proj").mkdir()
    link = tmp_path / "proj" / "p.png"
    os.symlink(target, link)
    path = tmp_path / "proj" / "a.mattproj"
    write_manifest(path, base_manifest(image={"path": str(link)}))
    assert photo_outside_folder(load_project(path), path)


def test_a_moved_photo_is_reported_missing(tmp_path):
    photo = tmp_path / "p.png"
    save_image(photo, image())
    path = tmp_path / "a.mattproj"
    save_project(path, Project(trimap(), image_path=photo))
    assert not load_project(path).photo_missing
    photo.rename(tmp_path / "moved.png")
    project = load_project(path)
    assert project.photo_missing
    with pytest.raises(ProjectError, match="p.png"):
        project.load_photo()
    assert not Project(trimap(), image=image()).photo_missing


def test_the_matte_background_and_photo_hash_round_trip(tmp_path):
    from matteditor.project import file_sha256

    photo = tmp_path / "p.png"
    save_image(photo, image())
    rng = np.random.default_rng(2)
    alpha = rng.random((20, 30), dtype=np.float32)
    fg = rng.random((20, 30, 3), dtype=np.float32)
    background = rng.random((7, 9, 3), dtype=np.float32)
    save_project(tmp_path / "m.mattproj",
                 Project(trimap(), SessionSettings(), photo, alpha=alpha, foreground=fg,
                         background=background, photo_sha256=file_sha256(photo),
                         saved_as=tmp_path / "own.mattproj"))
    back = load_project(tmp_path / "m.mattproj")
    for got, want in ((back.alpha, alpha), (back.foreground, fg), (back.background, background)):
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.abs(got - want).max() <= 0.5 / 65535 + 1e-7
    assert back.saved_as == (tmp_path / "own.mattproj").resolve()
    assert not back.photo_changed()


def test_a_photo_replaced_by_another_of_the_same_size_is_noticed(tmp_path):
    from matteditor.project import file_sha256

    photo = tmp_path / "p.png"
    save_image(photo, image())
    save_project(tmp_path / "a.mattproj",
                 Project(trimap(), SessionSettings(), photo, photo_sha256=file_sha256(photo)))
    save_image(photo, 1 - image())                      # same size, other pixels
    back = load_project(tmp_path / "a.mattproj")
    assert back.photo_changed()
    assert back.load_photo().shape == (20, 30, 3)       # the user may still open it


def test_a_matte_of_the_wrong_size_type_or_a_pickle_is_refused(tmp_path):
    import io

    with pytest.raises(ProjectError, match="alpha.npy has shape"):
        save_project(tmp_path / "a.mattproj", Project(trimap(), SessionSettings(), None, image(),
                                                      alpha=np.zeros((5, 5), np.float32)))
    for bad, message in ((np.zeros((5, 5), np.uint16), "shape"),
                         (np.zeros((20, 30), np.float64), "16-bit"),
                         (np.array([{"a": 1}], object), "not a readable array")):
        buf = io.BytesIO()
        np.save(buf, bad, allow_pickle=True)
        write_manifest(tmp_path / "b.mattproj", base_manifest(layers=["alpha.npy"]),
                       {"alpha.npy": buf.getvalue()})
        with pytest.raises(ProjectError, match=message):
            load_project(tmp_path / "b.mattproj")
