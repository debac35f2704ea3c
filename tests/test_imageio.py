"""Image I/O: every format loads with the right values, bad files give one clear
error, writes are atomic.  All files are generated here, in tmp_path, with
Pillow or OpenCV (not with the code under test) unless a round trip is meant."""

from __future__ import annotations

import struct
import warnings
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms

from matteditor.errors import ImageLoadError, TrimapError
from matteditor.imageio import (ImageLimits, load_image, load_image_rgba, load_mask,
                                load_trimap, save_image)


def to_u8(a: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(a, 0, 1) * 255).astype(np.uint8)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_with_chunk_before_idat(png: bytes, kind: bytes, data: bytes) -> bytes:
    at = png.index(b"IDAT") - 4
    return png[:at] + png_chunk(kind, data) + png[at:]


# -- formats ------------------------------------------------------------------
def test_png_8bit_rgb_loads_exact_values(tmp_path, asymmetric_image):
    img = asymmetric_image()
    Image.fromarray(to_u8(img)).save(tmp_path / "a.png")
    out = load_image(tmp_path / "a.png")
    assert out.dtype == np.float32 and out.shape == img.shape
    np.testing.assert_array_equal(out, to_u8(img) / np.float32(255))


def test_png_16bit_rgb_keeps_precision_and_channel_order(tmp_path):
    # 1000/65535 and 40000/65535 lie between 8-bit levels; distinct per channel.
    bgr = np.zeros((3, 4, 3), np.uint16)
    bgr[..., 2] = 1000   # red
    bgr[..., 1] = 40000  # green
    bgr[..., 0] = 65535  # blue
    cv2.imwrite(str(tmp_path / "a.png"), bgr)
    out = load_image(tmp_path / "a.png")
    np.testing.assert_allclose(out[0, 0], [1000 / 65535, 40000 / 65535, 1.0], atol=1e-6)
    assert abs(out[0, 0, 0] * 255 - round(out[0, 0, 0] * 255)) > 0.1


def test_png_16bit_rgba_keeps_alpha_precision(tmp_path):
    bgra = np.zeros((2, 3, 4), np.uint16)
    bgra[..., 3] = 12345
    cv2.imwrite(str(tmp_path / "a.png"), bgra)
    _, alpha = load_image_rgba(tmp_path / "a.png")
    np.testing.assert_allclose(alpha, 12345 / 65535, atol=1e-6)


def test_png_16bit_gray_keeps_precision(tmp_path):
    gray = np.full((3, 5), 777, np.uint16)
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    out = load_image(tmp_path / "g.png")
    assert out.shape == (3, 5, 3)
    np.testing.assert_allclose(out, 777 / 65535, atol=1e-6)


def test_gray_png_is_repeated_into_three_channels(tmp_path):
    Image.fromarray(np.array([[0, 128, 255]], np.uint8)).save(tmp_path / "g.png")
    out = load_image(tmp_path / "g.png")
    np.testing.assert_allclose(out[0, :, 0], [0, 128 / 255, 1])
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()


def test_gray_alpha_png_gives_gray_and_alpha(tmp_path):
    la = np.zeros((2, 2, 2), np.uint8)
    la[..., 0] = 200
    la[..., 1] = [[0, 64], [128, 255]]
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    rgb, alpha = load_image_rgba(tmp_path / "la.png")
    np.testing.assert_allclose(rgb, 200 / 255)
    np.testing.assert_allclose(alpha, la[..., 1] / 255)


def test_rgba_png_alpha_is_returned_and_rgb_kept(tmp_path, rng):
    rgba = rng.integers(0, 256, (4, 5, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    rgb, alpha = load_image_rgba(tmp_path / "a.png")
    np.testing.assert_array_equal(to_u8(rgb), rgba[..., :3])
    np.testing.assert_array_equal(to_u8(alpha), rgba[..., 3])
    assert load_image_rgba(tmp_path / "a.png")[1] is not None


def test_opaque_file_has_no_alpha(tmp_path):
    Image.new("RGB", (3, 3), (1, 2, 3)).save(tmp_path / "a.png")
    assert load_image_rgba(tmp_path / "a.png")[1] is None


def _palette_image() -> Image.Image:
    im = Image.new("P", (3, 1))
    im.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (253 * 3))
    im.putdata([0, 1, 2])
    return im


def test_palette_png_with_transparent_index_gives_zero_alpha_there(tmp_path):
    _palette_image().save(tmp_path / "p.png", transparency=1)
    rgb, alpha = load_image_rgba(tmp_path / "p.png")
    np.testing.assert_array_equal(alpha[0], [1, 0, 1])
    np.testing.assert_array_equal(rgb[0, 0], [1, 0, 0])
    np.testing.assert_array_equal(rgb[0, 2], [0, 0, 1])


def test_palette_png_with_per_entry_alpha_gives_those_alphas(tmp_path):
    _palette_image().save(tmp_path / "p.png", transparency=bytes([255, 128, 0]))
    _, alpha = load_image_rgba(tmp_path / "p.png")
    np.testing.assert_allclose(alpha[0], [1, 128 / 255, 0])


def test_palette_png_without_transparency_has_no_alpha(tmp_path):
    _palette_image().save(tmp_path / "p.png")
    rgb, alpha = load_image_rgba(tmp_path / "p.png")
    assert alpha is None
    np.testing.assert_array_equal(rgb[0], np.eye(3))


def test_jpeg_loads_close_to_the_written_colour(tmp_path):
    Image.new("RGB", (16, 16), (200, 100, 50)).save(tmp_path / "a.jpg", quality=95)
    out = load_image(tmp_path / "a.jpg")
    np.testing.assert_allclose(out[8, 8], np.array([200, 100, 50]) / 255, atol=3 / 255)


def test_cmyk_jpeg_of_pure_red_loads_as_red(tmp_path):
    # C=0 M=255 Y=255 K=0 is red; Pillow writes Adobe-style inverted CMYK.
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(tmp_path / "c.jpg", quality=95)
    out = load_image(tmp_path / "c.jpg")
    np.testing.assert_allclose(out[8, 8], [1, 0, 0], atol=4 / 255)


def test_embedded_srgb_icc_profile_leaves_colours_unchanged(tmp_path):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (4, 4), (30, 120, 220)).save(tmp_path / "a.png", icc_profile=icc)
    out = load_image(tmp_path / "a.png")
    np.testing.assert_allclose(out[0, 0], np.array([30, 120, 220]) / 255, atol=2 / 255)


_GS_ICC = Path("/usr/share/color/icc/ghostscript")  # ghostscript's profiles, if installed


def _profile(name: str) -> ImageCms.ImageCmsProfile:
    if not (_GS_ICC / name).is_file():
        pytest.skip(f"no {name} ICC profile on this machine")
    return ImageCms.getOpenProfile(str(_GS_ICC / name))


def test_cmyk_jpeg_with_embedded_profile_is_converted_through_it(tmp_path):
    cmyk = _profile("default_cmyk.icc")
    srgb = ImageCms.createProfile("sRGB")
    src = Image.new("RGB", (16, 16), (200, 60, 40))
    ImageCms.profileToProfile(src, srgb, cmyk, outputMode="CMYK").save(
        tmp_path / "c.jpg", quality=95, icc_profile=cmyk.tobytes())
    out = load_image(tmp_path / "c.jpg")[8, 8] * 255
    np.testing.assert_allclose(out, [200, 60, 40], atol=10)   # gamut and black generation
    naive = np.asarray(Image.open(tmp_path / "c.jpg").convert("RGB"))[8, 8]
    assert np.abs(naive.astype(int) - [200, 60, 40]).max() > 30  # so the profile mattered


def test_adobe_rgb_png_is_converted_to_srgb(tmp_path):
    a98 = _profile("a98.icc")
    src = Image.new("RGB", (4, 4), (200, 60, 40))
    stored = ImageCms.profileToProfile(src, ImageCms.createProfile("sRGB"), a98,
                                       outputMode="RGB")
    stored.save(tmp_path / "a.png", icc_profile=a98.tobytes())
    assert stored.getpixel((0, 0)) != (200, 60, 40)
    np.testing.assert_allclose(load_image(tmp_path / "a.png")[0, 0] * 255, [200, 60, 40],
                               atol=2)


def test_broken_icc_profile_is_ignored_not_fatal(tmp_path):
    Image.new("RGB", (4, 4), (30, 120, 220)).save(tmp_path / "a.png", icc_profile=b"junk" * 40)
    out = load_image(tmp_path / "a.png")
    np.testing.assert_allclose(out[0, 0], np.array([30, 120, 220]) / 255, atol=1e-6)


def test_tiff_16bit_rgb_keeps_precision(tmp_path):
    bgr = np.zeros((2, 3, 3), np.uint16)
    bgr[..., 2] = 300
    bgr[..., 0] = 65000
    cv2.imwrite(str(tmp_path / "a.tif"), bgr)
    out = load_image(tmp_path / "a.tif")
    np.testing.assert_allclose(out[1, 2], [300 / 65535, 0, 65000 / 65535], atol=1e-6)


def test_tiff_float32_rgb_loads_values_and_clips_out_of_range(tmp_path):
    bgr = np.zeros((2, 3, 3), np.float32)
    bgr[..., 2] = 0.123456
    bgr[..., 1] = 1.5
    bgr[..., 0] = -0.2
    cv2.imwrite(str(tmp_path / "f.tif"), bgr)
    out = load_image(tmp_path / "f.tif")
    np.testing.assert_allclose(out[0, 0], [0.123456, 1.0, 0.0], atol=1e-7)


def test_big_endian_16bit_gray_tiff_keeps_precision(tmp_path):
    Image.fromarray(np.array([[1000, 2000, 65535]], ">u2")).save(tmp_path / "be.tif")
    assert (tmp_path / "be.tif").read_bytes()[:2] == b"MM"
    np.testing.assert_allclose(load_image(tmp_path / "be.tif")[0, :, 0] * 65535,
                               [1000, 2000, 65535], atol=1e-2)


def test_tiff_float32_gray_loads_values(tmp_path):
    Image.fromarray(np.full((2, 3), 0.3125, np.float32), "F").save(tmp_path / "f.tif")
    np.testing.assert_allclose(load_image(tmp_path / "f.tif"), 0.3125)


@pytest.mark.parametrize("ext,kwargs", [(".webp", {"lossless": True}), (".bmp", {}),
                                        (".gif", {}), (".tif", {})])
def test_lossless_formats_load_exact_pixels(tmp_path, ext, kwargs):
    colours = np.array([[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [255, 255, 255]]], np.uint8)
    Image.fromarray(colours).save(tmp_path / f"a{ext}", **kwargs)
    np.testing.assert_array_equal(to_u8(load_image(tmp_path / f"a{ext}")), colours)


@pytest.mark.parametrize("ext,kwargs", [(".gif", {}), (".webp", {"lossless": True})])
def test_animated_file_loads_its_first_frame(tmp_path, ext, kwargs):
    frames = [Image.new("RGB", (4, 4), c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    frames[0].save(tmp_path / f"a{ext}", save_all=True, append_images=frames[1:],
                   duration=50, **kwargs)
    np.testing.assert_array_equal(to_u8(load_image(tmp_path / f"a{ext}"))[2, 2], [255, 0, 0])


# -- EXIF orientation -----------------------------------------------------------
# For tag value o, the stored pixels are the displayed image put through the
# inverse of the transform a viewer applies (only 6 and 8 are not self-inverse).
_STORE = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
          6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
          8: Image.Transpose.ROTATE_270}


def _exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif


def _stored(displayed: Image.Image, orientation: int) -> Image.Image:
    op = _STORE[orientation]
    return displayed if op is None else displayed.transpose(op)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_to_8bit_png(tmp_path, asymmetric_image, orientation):
    displayed = to_u8(asymmetric_image(6, 10))
    _stored(Image.fromarray(displayed), orientation).save(tmp_path / "o.png",
                                                          exif=_exif(orientation))
    np.testing.assert_array_equal(to_u8(load_image(tmp_path / "o.png")), displayed)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_to_jpeg(tmp_path, orientation):
    # 2x3 blocks of 8x8 flat colours survive JPEG well enough to compare.
    blocks = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                       [[255, 255, 0], [0, 0, 0], [255, 255, 255]]], np.uint8)
    displayed = np.kron(blocks, np.ones((8, 8, 1), np.uint8))
    _stored(Image.fromarray(displayed), orientation).save(tmp_path / "o.jpg", quality=95,
                                                          exif=_exif(orientation))
    out = to_u8(load_image(tmp_path / "o.jpg"))
    assert out.shape == displayed.shape
    centres = out[4::8, 4::8].astype(int)
    np.testing.assert_allclose(centres, blocks, atol=12)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_to_16bit_png(tmp_path, asymmetric_image, orientation):
    displayed = asymmetric_image(6, 10)
    stored = np.asarray(_stored(Image.fromarray(to_u8(displayed)), orientation))
    stored16 = stored.astype(np.uint16) * 256 + 3  # +3: not an 8-bit level
    ok, png = cv2.imencode(".png", stored16[..., ::-1])
    exif = _exif(orientation).tobytes()
    data = png_with_chunk_before_idat(png.tobytes(), b"eXIf", exif.removeprefix(b"Exif\x00\x00"))
    (tmp_path / "o.png").write_bytes(data)
    out = load_image(tmp_path / "o.png")
    np.testing.assert_allclose(out, (to_u8(displayed) * 256.0 + 3) / 65535, atol=1e-6)


# -- bad files --------------------------------------------------------------------
def _one_line_naming(error: Exception, path: Path) -> str:
    message = str(error)
    assert "\n" not in message and str(path) in message
    return message


def test_missing_file_is_reported_by_name(tmp_path):
    with pytest.raises(ImageLoadError) as info:
        load_image(tmp_path / "nope.png")
    assert "does not exist" in _one_line_naming(info.value, tmp_path / "nope.png")


def test_zero_byte_file_is_reported_as_empty(write_bytes):
    path = write_bytes("empty.jpg", b"")
    with pytest.raises(ImageLoadError) as info:
        load_image(path)
    assert "empty" in _one_line_naming(info.value, path)


def test_folder_instead_of_file_is_refused(tmp_path):
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ImageLoadError):
        load_image(tmp_path / "dir.png")


def _load_in_thread(load, path, timeout=10.0):
    """Run ``load(path)`` in a daemon thread; return what it raised (None if it
    returned), or fail if it is still blocked after ``timeout`` seconds."""
    import os
    import threading

    outcome = {}

    def target():
        try:
            load(path)
            outcome["error"] = None
        except Exception as e:  # noqa: BLE001 - the test inspects it
            outcome["error"] = e

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        # Unblock the reader (a writer that closes at once) before failing.
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail(f"loading {path} blocked for {timeout:.0f} s")
    return outcome["error"]


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="POSIX named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    import os

    path = tmp_path / "pipe.png"
    os.mkfifo(path)
    error = _load_in_thread(load_image, path)
    assert isinstance(error, ImageLoadError)
    assert "not a regular file" in _one_line_naming(error, path)


def test_folder_is_reported_as_a_folder(tmp_path):
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ImageLoadError) as info:
        load_image(tmp_path / "dir.png")
    assert "folder" in _one_line_naming(info.value, tmp_path / "dir.png")


def test_text_file_with_image_extension_is_not_an_image(write_bytes):
    path = write_bytes("notes.png", b"hello, this is not a picture\n" * 10)
    with pytest.raises(ImageLoadError) as info:
        load_image(path)
    assert "not a recognised image" in _one_line_naming(info.value, path)


def test_wrong_magic_number_is_refused(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    data = bytearray((tmp_path / "a.png").read_bytes())
    data[1:4] = b"XYZ"
    (tmp_path / "b.png").write_bytes(bytes(data))
    with pytest.raises(ImageLoadError):
        load_image(tmp_path / "b.png")


@pytest.mark.parametrize("ext", [".png", ".jpg"])
def test_truncated_file_is_reported_as_damaged(tmp_path, rng, ext):
    noise = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / f"full{ext}")
    data = (tmp_path / f"full{ext}").read_bytes()
    (tmp_path / f"cut{ext}").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageLoadError) as info:
        load_image(tmp_path / f"cut{ext}")
    assert "truncated" in _one_line_naming(info.value, tmp_path / f"cut{ext}")


def test_truncated_16bit_png_is_reported_as_damaged(tmp_path, rng):
    noise = rng.integers(0, 65536, (64, 64, 3), dtype=np.uint16)
    ok, png = cv2.imencode(".png", noise)
    (tmp_path / "cut.png").write_bytes(png.tobytes()[: png.size // 2])
    with pytest.raises(ImageLoadError):
        load_image(tmp_path / "cut.png")


def test_damaged_tiffs_print_and_warn_nothing_but_our_error(tmp_path, rng, capfd):
    # Pillow warns and libtiff (through OpenCV) writes to stderr about damaged
    # tags; none of that may reach the terminal next to our one-line error.
    noise = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "full.tif")
    damaged = bytearray((tmp_path / "full.tif").read_bytes())
    for i in range(8, 200, 7):
        damaged[i] ^= 0x5A
    (tmp_path / "bad.tif").write_bytes(bytes(damaged))
    (tmp_path / "cut.tif").write_bytes((tmp_path / "full.tif").read_bytes()[:300])
    # A float RGB TIFF goes to OpenCV (Pillow cannot decode it); cut it short.
    cv2.imwrite(str(tmp_path / "float.tif"), rng.random((64, 64, 3), dtype=np.float32))
    (tmp_path / "float-cut.tif").write_bytes((tmp_path / "float.tif").read_bytes()[:2000])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("bad.tif", "cut.tif", "float-cut.tif"):
            with pytest.raises(ImageLoadError):
                load_image(tmp_path / name)
    captured = capfd.readouterr()
    assert [str(w.message) for w in caught] == []
    assert captured.err == "" and captured.out == ""


def _huge_png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")


def test_decompression_bomb_header_is_refused_before_decoding(write_bytes):
    # A valid header claiming 60000x60000 pixels and no pixel data at all: only
    # the size check can produce this message (decoding would say "truncated").
    path = write_bytes("bomb.png", _huge_png_header(60_000, 60_000))
    saved = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageLoadError) as info:
        load_image(path)
    message = _one_line_naming(info.value, path)
    assert "60000x60000" in message and "limit of 200,000,000 pixels" in message
    assert Image.MAX_IMAGE_PIXELS == saved


def test_absurd_side_is_refused(write_bytes):
    path = write_bytes("wide.png", _huge_png_header(100_000, 1))
    with pytest.raises(ImageLoadError, match="100000x1 pixels; the largest side allowed is 65535"):
        load_image(path)


def test_pixel_limit_is_a_setting(tmp_path):
    Image.new("RGB", (20, 10)).save(tmp_path / "a.png")
    with pytest.raises(ImageLoadError, match="20x10 = 200 pixels, more than the limit of 199"):
        load_image(tmp_path / "a.png", ImageLimits(max_pixels=199))
    assert load_image(tmp_path / "a.png", ImageLimits(max_pixels=200)).shape == (10, 20, 3)


def test_side_limit_is_a_setting(tmp_path):
    Image.new("RGB", (20, 10)).save(tmp_path / "a.png")
    with pytest.raises(ImageLoadError, match="largest side allowed is 19"):
        load_image(tmp_path / "a.png", ImageLimits(max_side=19))


def test_float_tiff_pillow_cannot_open_is_still_size_checked(tmp_path):
    cv2.imwrite(str(tmp_path / "f.tif"), np.zeros((10, 20, 3), np.float32))
    with pytest.raises(ImageLoadError, match="20x10"):
        load_image(tmp_path / "f.tif", ImageLimits(max_pixels=100))


def test_unicode_and_space_path_loads_and_saves(tmp_path, asymmetric_image):
    folder = tmp_path / "Fotos für Zoë 写真"
    folder.mkdir()
    img = asymmetric_image()
    save_image(folder / "mein bild ü.png", img, bits=16)
    np.testing.assert_allclose(load_image(folder / "mein bild ü.png"), img, atol=1e-5)


# -- trimaps and masks -------------------------------------------------------
def test_trimap_of_wrong_size_names_both_sizes(tmp_path):
    Image.new("L", (640, 480), 128).save(tmp_path / "t.png")
    with pytest.raises(TrimapError, match="640x480 but the image is 800x600"):
        load_trimap(tmp_path / "t.png", (600, 800))


def test_trimap_gray_levels_are_snapped(tmp_path):
    gray = np.array([[0, 63, 64, 128, 191, 192, 255]], np.uint8)
    Image.fromarray(gray).save(tmp_path / "t.png")
    t = load_trimap(tmp_path / "t.png", (1, 7))
    assert t.dtype == np.uint8
    np.testing.assert_array_equal(t[0], [0, 0, 128, 128, 128, 255, 255])


def test_colour_trimap_painted_in_grays_uses_its_gray_value(tmp_path):
    rgb = np.repeat(np.array([[0, 128, 255, 60, 200]], np.uint8)[..., None], 3, axis=2)
    Image.fromarray(rgb).save(tmp_path / "t.png")
    np.testing.assert_array_equal(load_trimap(tmp_path / "t.png", (1, 5))[0],
                                  [0, 128, 255, 0, 255])


def test_16bit_trimap_is_snapped(tmp_path):
    cv2.imwrite(str(tmp_path / "t.png"), np.array([[0, 32768, 65535, 10000]], np.uint16))
    np.testing.assert_array_equal(load_trimap(tmp_path / "t.png", (1, 4))[0],
                                  [0, 128, 255, 0])


def test_jpeg_trimap_with_artefacts_keeps_its_labels(tmp_path):
    gray = np.zeros((32, 48), np.uint8)
    gray[:, 16:32] = 128
    gray[:, 32:] = 255
    Image.fromarray(gray).save(tmp_path / "t.jpg", quality=70)
    t = load_trimap(tmp_path / "t.jpg", (32, 48))
    np.testing.assert_array_equal(t, gray)


def test_unreadable_trimap_raises_trimap_error_naming_file(write_bytes):
    path = write_bytes("t.png", b"junk")
    with pytest.raises(TrimapError, match="t.png"):
        load_trimap(path, (2, 2))


def test_mask_uses_alpha_channel_of_rgba(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = [[0, 51], [102, 255]]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "m.png")
    np.testing.assert_allclose(load_mask(tmp_path / "m.png"), rgba[..., 3] / 255)


def test_mask_without_alpha_uses_gray(tmp_path):
    Image.fromarray(np.array([[0, 51, 255]], np.uint8)).save(tmp_path / "m.png")
    m = load_mask(tmp_path / "m.png", (1, 3))
    assert m.dtype == np.float32
    np.testing.assert_allclose(m[0], [0, 0.2, 1])


def test_mask_of_wrong_size_names_both_sizes(tmp_path):
    Image.new("L", (4, 3)).save(tmp_path / "m.png")
    with pytest.raises(ImageLoadError, match="4x3 but the image is 5x6"):
        load_mask(tmp_path / "m.png", (6, 5))
