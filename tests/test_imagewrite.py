"""Writing images: rounding, 16-bit precision, refusals, and atomicity (the old
file survives any failure and no temporary file is left behind)."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from matteditor import imagewrite
from matteditor.errors import ExportError
from matteditor.imageio import atomic_write, load_image_rgba, load_mask, save_image


def test_8bit_png_rounds_to_nearest(tmp_path):
    a = np.array([[0.4 / 255, 0.6 / 255, 254.4 / 255, 254.6 / 255]], np.float32)
    save_image(tmp_path / "r.png", a)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "r.png"))[0], [0, 1, 254, 255])


def test_16bit_png_round_trip_keeps_precision(tmp_path, rng):
    rgba = rng.random((5, 7, 4), dtype=np.float32)
    save_image(tmp_path / "a.png", rgba, bits=16)
    raw = cv2.imread(str(tmp_path / "a.png"), cv2.IMREAD_UNCHANGED)
    assert raw.dtype == np.uint16
    np.testing.assert_array_equal(raw[..., [2, 1, 0, 3]], np.rint(rgba * 65535))
    rgb, alpha = load_image_rgba(tmp_path / "a.png")
    np.testing.assert_allclose(rgb, rgba[..., :3], atol=1e-5)
    np.testing.assert_allclose(alpha, rgba[..., 3], atol=1e-5)


def test_gray_png_round_trip(tmp_path):
    save_image(tmp_path / "g.png", np.array([[0.0, 0.5, 1.0]], np.float32))
    assert Image.open(tmp_path / "g.png").mode == "L"
    np.testing.assert_allclose(load_mask(tmp_path / "g.png")[0], [0, 128 / 255, 1])


def test_jpeg_saves_rgb_in_the_right_channel_order(tmp_path):
    save_image(tmp_path / "a.jpg", np.tile(np.float32([1, 0, 0]), (16, 16, 1)), quality=95)
    np.testing.assert_allclose(np.asarray(Image.open(tmp_path / "a.jpg"))[8, 8],
                               [255, 0, 0], atol=4)


@pytest.mark.parametrize("name,array,kwargs,reason", [
    ("a.jpg", np.zeros((2, 2, 4), np.float32), {}, "JPEG has no transparency"),
    ("a.jpg", np.zeros((2, 2, 3), np.float32), {"bits": 16}, "8-bit only"),
    ("a.jpg", np.zeros((2, 2, 3), np.float32), {"quality": 0}, "quality"),
    ("a.bmp", np.zeros((2, 2, 3), np.float32), {}, "unsupported extension"),
    ("a.png", np.zeros((2, 2, 2), np.float32), {}, "shape"),
    ("a.png", np.full((2, 2), np.nan, np.float32), {}, "NaN"),
    ("a.png", np.zeros((2, 2), np.float32), {"bits": 12}, "bits"),
])
def test_bad_save_requests_raise_export_error(tmp_path, name, array, kwargs, reason):
    with pytest.raises(ExportError, match=reason):
        save_image(tmp_path / name, array, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_saved_file_gets_normal_permissions(tmp_path):
    save_image(tmp_path / "a.png", np.zeros((2, 2), np.float32))
    mode = (tmp_path / "a.png").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def _old_file(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "out.png"
    save_image(path, np.zeros((3, 3), np.float32))
    return path, path.read_bytes()


def test_failed_rename_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path, before = _old_file(tmp_path)

    def refuse(src, dst):
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(imagewrite.os, "replace", refuse)
    with pytest.raises(ExportError, match="out.png"):
        save_image(path, np.ones((3, 3), np.float32))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_failing_encoder_leaves_old_file(tmp_path, monkeypatch):
    path, before = _old_file(tmp_path)
    monkeypatch.setattr(imagewrite.cv2, "imencode", lambda *a, **k: (False, None))
    with pytest.raises(ExportError, match="encoder failed"):
        save_image(path, np.ones((3, 3), np.float32))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_full_disk_gives_export_error_and_no_temp_file(tmp_path, monkeypatch):
    path, before = _old_file(tmp_path)
    real_open = open

    class FullDisk(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fake_open(file, mode="r", *args, **kwargs):
        if "w" in mode:
            real_open(file, mode).close()  # the OS would have created it
            return FullDisk()
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(imagewrite, "open", fake_open, raising=False)
    with pytest.raises(ExportError, match="disk is full"):
        save_image(path, np.ones((3, 3), np.float32))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_read_only_folder_gives_export_error(tmp_path, monkeypatch):
    # We run as root, where chmod cannot make a folder read-only: simulate the
    # refusal the OS gives when creating the temporary file.
    real_os_open = os.open

    def refuse(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(imagewrite.os, "open", refuse)
    with pytest.raises(ExportError, match="not writable") as info:
        save_image(tmp_path / "a.png", np.zeros((2, 2), np.float32))
    assert str(tmp_path / "a.png") in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root ignores folder permissions")
def test_real_read_only_folder_gives_export_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ExportError):
            save_image(folder / "a.png", np.zeros((2, 2), np.float32))
    finally:
        folder.chmod(0o755)


def test_missing_folder_gives_export_error(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        save_image(tmp_path / "nope" / "a.png", np.zeros((2, 2), np.float32))


def test_atomic_write_renames_on_success_with_same_extension(tmp_path):
    target = tmp_path / "data.bin"
    with atomic_write(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".bin" and tmp != target
        tmp.write_bytes(b"new")
        assert not target.exists()
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_atomic_write_removes_temp_and_reraises_on_error(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    with pytest.raises(ValueError):
        with atomic_write(target) as tmp:
            tmp.write_bytes(b"half")
            raise ValueError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_very_long_file_name_can_be_written(tmp_path):
    target = tmp_path / ("n" * 240 + ".png")
    save_image(target, np.zeros((2, 2), np.float32))
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
