"""TIFF with alpha and layered PSD (matteditor.layered_export), each read back by a reader."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from psd_tools import PSDImage

from matteditor import layered_export
from matteditor.errors import ExportError
from matteditor.layered_export import CUTOUT_LAYER, PHOTO_LAYER, write_psd, write_tiff


@pytest.fixture
def pictures():
    rng = np.random.default_rng(7)
    image = rng.random((24, 32, 3), dtype=np.float32)
    foreground = rng.random((24, 32, 3), dtype=np.float32)
    alpha = rng.random((24, 32), dtype=np.float32)
    alpha[:, :4] = 0.0
    alpha[:, -4:] = 1.0
    return image, alpha, foreground


def quantised(x: np.ndarray, bits: int) -> np.ndarray:
    top = (1 << bits) - 1
    return np.rint(np.clip(x, 0, 1) * top).astype(np.uint8 if bits == 8 else np.uint16)


def only_file(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("bits, dtype", [(8, np.uint8), (16, np.uint16)])
def test_tiff_round_trips_rgba_with_unassociated_alpha(tmp_path, pictures, bits, dtype):
    image, alpha, foreground = pictures
    path = tmp_path / "cutout.tif"
    write_tiff(path, image, alpha, foreground, bits=bits)
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        assert page.tags["ExtraSamples"].value == (2,)   # unassociated (straight) alpha
        assert page.photometric == tifffile.PHOTOMETRIC.RGB
        pixels = page.asarray()
    assert pixels.shape == (24, 32, 4) and pixels.dtype == dtype
    assert np.array_equal(pixels[..., :3], quantised(foreground, bits))
    assert np.array_equal(pixels[..., 3], quantised(alpha, bits))
    assert only_file(tmp_path) == ["cutout.tif"]


def test_tiff_without_foreground_keeps_the_photos_colours(tmp_path, pictures):
    image, alpha, _ = pictures
    write_tiff(tmp_path / "photo.tiff", image, alpha)
    pixels = tifffile.imread(tmp_path / "photo.tiff")
    assert np.array_equal(pixels[..., :3], quantised(image, 8))
    assert np.array_equal(pixels[..., 3], quantised(alpha, 8))


def test_psd_has_the_masked_photo_and_the_cutout_layer(tmp_path, pictures):
    image, alpha, foreground = pictures
    path = tmp_path / "matte.psd"
    write_psd(path, image, alpha, foreground)
    psd = PSDImage.open(path)
    assert (psd.width, psd.height, psd.depth) == (32, 24, 8)
    layers = list(psd)
    assert [layer.name for layer in layers] == [PHOTO_LAYER, CUTOUT_LAYER]
    photo, cutout = layers
    assert photo.has_mask() and not cutout.has_mask()
    assert not photo.visible and cutout.visible
    assert photo.mask.bbox == (0, 0, 32, 24)
    assert np.array_equal(np.asarray(photo.mask.topil()), quantised(alpha, 8))
    assert np.array_equal(quantised(photo.numpy()[..., :3], 8), quantised(image, 8))
    pixels = quantised(cutout.numpy(), 8)
    assert pixels.shape == (24, 32, 4)
    assert np.array_equal(pixels[..., :3], quantised(foreground, 8))
    assert np.array_equal(pixels[..., 3], quantised(alpha, 8))


@pytest.mark.parametrize("name, writer", [("a.png", write_tiff), ("a.tif", write_psd)])
def test_a_wrong_extension_is_refused(tmp_path, pictures, name, writer):
    image, alpha, foreground = pictures
    with pytest.raises(ExportError, match="extension"):
        writer(tmp_path / name, image, alpha, foreground)
    assert only_file(tmp_path) == []


def test_bad_input_raises_export_error_and_keeps_the_previous_file(tmp_path, pictures):
    image, alpha, foreground = pictures
    tif, psd = tmp_path / "old.tif", tmp_path / "old.psd"
    tif.write_bytes(b"previous tiff")
    psd.write_bytes(b"previous psd")
    bad = image.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ExportError, match=r"old\.tif.*NaN"):
        write_tiff(tif, bad, alpha)
    with pytest.raises(ExportError, match="bits must be 8 or 16"):
        write_tiff(tif, image, alpha, bits=12)
    with pytest.raises(ExportError, match=r"old\.psd.*foreground"):
        write_psd(psd, image, alpha, foreground[:10])
    with pytest.raises(ExportError, match="alpha"):
        write_psd(psd, image, alpha[:10], foreground)
    assert tif.read_bytes() == b"previous tiff" and psd.read_bytes() == b"previous psd"
    assert only_file(tmp_path) == ["old.psd", "old.tif"]


def test_a_missing_folder_is_an_export_error_naming_the_path(tmp_path, pictures):
    image, alpha, foreground = pictures
    with pytest.raises(ExportError, match=r"nowhere.*does not exist"):
        write_tiff(tmp_path / "nowhere" / "a.tif", image, alpha)


def test_a_writer_failing_midway_leaves_the_previous_tiff_and_no_temp_file(
        tmp_path, pictures, monkeypatch):
    image, alpha, _ = pictures
    path = tmp_path / "cutout.tif"
    path.write_bytes(b"previous")

    def half_written(file, *args, **kwargs):
        with open(file, "wb") as f:
            f.write(b"II*\0partial")
        raise ValueError("the encoder gave up")

    monkeypatch.setattr(tifffile, "imwrite", half_written)
    with pytest.raises(ExportError, match=r"cutout\.tif: the encoder gave up"):
        write_tiff(path, image, alpha)
    assert path.read_bytes() == b"previous"
    assert only_file(tmp_path) == ["cutout.tif"]


def test_a_disk_error_while_saving_the_psd_leaves_the_previous_file(
        tmp_path, pictures, monkeypatch):
    image, alpha, foreground = pictures
    path = tmp_path / "matte.psd"
    path.write_bytes(b"previous")

    def disk_full(self, fp, *args, **kwargs):
        with open(fp, "wb") as f:
            f.write(b"8BPS")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PSDImage, "save", disk_full)
    with pytest.raises(ExportError, match=r"matte\.psd: the disk is full"):
        write_psd(path, image, alpha, foreground)
    assert path.read_bytes() == b"previous"
    assert only_file(tmp_path) == ["matte.psd"]


def test_a_document_too_large_for_psd_is_refused_before_writing(tmp_path, monkeypatch):
    monkeypatch.setattr(layered_export, "PSD_MAX_SIDE", 16)
    image = np.zeros((8, 20, 3), np.float32)
    with pytest.raises(ExportError, match="larger than a PSD"):
        write_psd(tmp_path / "big.psd", image, np.zeros((8, 20), np.float32), image)
    assert only_file(tmp_path) == []
