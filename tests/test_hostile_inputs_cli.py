"""The hostile-input corpus through the command line: every file gets either a
cutout or one clear error line and a non-zero exit, never a traceback."""

import errno
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from matteditor.__main__ import main


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _photo(h=40, w=60):
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


BAD = {
    "zero.png": b"",
    "text.png": b"this is not an image\n",
    "wrongmagic.jpg": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
    "truncated.png": _save(_photo(), "PNG")[:60],
    "truncated.jpg": _save(_photo(), "JPEG")[:200],
    "bomb.png": _png_claiming(100_000, 100_000),
}


def _good():
    photo = _photo()
    cmyk = photo.convert("CMYK")
    pal = photo.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    la = photo.convert("LA")
    exif = Image.Exif()
    exif[0x0112] = 6
    frames = [photo, photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    anim = io.BytesIO()
    frames[0].save(anim, "GIF", save_all=True, append_images=frames[1:])
    anim_webp = io.BytesIO()
    frames[0].save(anim_webp, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    return {
        "cmyk.jpg": _save(cmyk, "JPEG"),
        "palette.png": _save(pal, "PNG", transparency=0),
        "grayalpha.png": _save(la, "PNG"),
        "rot6.jpg": _save(photo, "JPEG", exif=exif.tobytes()),
        "gray16.tif": _save(Image.fromarray(
            (np.asarray(photo.convert("L"), np.uint16) * 257)), "TIFF"),
        "float.tif": _save(Image.fromarray(np.asarray(photo.convert("L"), np.float32) / 255), "TIFF"),
        "animated.gif": anim.getvalue(),
        "animated.webp": anim_webp.getvalue(),
        "ünïcode name.png": _save(photo, "PNG"),
    }


def _trimap_for(path, tmp_path, shape):
    from matteditor.imageio import save_image

    t = np.full(shape, 128, np.uint8)
    t[:, :6] = 0
    t[:, -6:] = 255
    target = tmp_path / f"{path.stem}_trimap.png"
    save_image(target, t)
    return target


def _one_error_line(capsys):
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    assert err[0].startswith("matteditor: error:")
    assert "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_image_is_one_clear_line_and_nonzero_exit(name, tmp_path, capsys):
    path = tmp_path / name
    path.write_bytes(BAD[name])
    trimap = _trimap_for(path, tmp_path, (40, 60))
    rc = main(["matte", str(path), "--trimap", str(trimap), "-o", str(tmp_path / "out.png")])
    assert rc != 0
    assert name in _one_error_line(capsys)
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("name", sorted(_good()))
def test_unusual_but_valid_image_gives_a_cutout(name, tmp_path):
    from matteditor.imageio import load_image, load_image_rgba

    path = tmp_path / name
    path.write_bytes(_good()[name])
    shape = load_image(path).shape[:2]
    trimap = _trimap_for(path, tmp_path, shape)
    out = tmp_path / "out.png"
    assert main(["matte", str(path), "--trimap", str(trimap), "-o", str(out),
                 "--engine", "closed-form"]) == 0
    rgb, alpha = load_image_rgba(out)
    assert rgb.shape[:2] == shape and alpha is not None


@pytest.mark.parametrize("shape", [(1, 1), (1, 3000), (1, 100_000), (100_000, 1)])
def test_degenerate_sizes_do_not_crash(shape, tmp_path, capsys):
    from matteditor.imageio import save_image

    path = tmp_path / "thin.png"
    save_image(path, np.full(shape + (3,), 0.5, np.float32))
    t = np.full(shape, 128, np.uint8)
    t[..., 0] = 0
    t[..., -1] = 255
    save_image(tmp_path / "t.png", t)
    rc = main(["matte", str(path), "--trimap", str(tmp_path / "t.png"),
               "-o", str(tmp_path / "o.png"), "--engine", "closed-form"])
    if rc != 0:
        _one_error_line(capsys)


def test_trimap_of_wrong_size_and_odd_values(tmp_path, capsys):
    from matteditor.imageio import load_image_rgba, save_image

    photo = tmp_path / "p.png"
    save_image(photo, np.full((40, 60, 3), 0.5, np.float32))
    save_image(tmp_path / "small.png", np.zeros((30, 50), np.uint8))
    assert main(["matte", str(photo), "--trimap", str(tmp_path / "small.png"),
                 "-o", str(tmp_path / "o.png")]) != 0
    line = _one_error_line(capsys)
    assert "50x30" in line and "60x40" in line
    odd = np.full((40, 60), 120, np.uint8)  # near-unknown gray levels snap to 128
    odd[:, :5], odd[:, -5:] = 20, 230
    save_image(tmp_path / "odd.png", odd)
    assert main(["matte", str(photo), "--trimap", str(tmp_path / "odd.png"),
                 "-o", str(tmp_path / "o.png"), "--engine", "closed-form"]) == 0
    _, alpha = load_image_rgba(tmp_path / "o.png")
    assert (alpha[:, :5] == 0).all() and (alpha[:, -5:] == 1).all()


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES])
def test_full_disk_or_read_only_folder_keeps_the_old_output(err, tmp_path, capsys, monkeypatch):
    import os

    from matteditor.imageio import save_image

    photo = tmp_path / "p.png"
    save_image(photo, np.full((40, 60, 3), 0.5, np.float32))
    t = np.full((40, 60), 128, np.uint8)
    t[:, :6], t[:, -6:] = 0, 255
    save_image(tmp_path / "t.png", t)
    out = tmp_path / "o.png"
    out.write_bytes(b"previous export")
    real_replace = os.replace

    def failing_replace(src, dst, *a, **kw):
        if str(dst) == str(out):
            raise OSError(err, os.strerror(err), str(dst))
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", failing_replace)
    rc = main(["matte", str(photo), "--trimap", str(tmp_path / "t.png"), "-o", str(out),
               "--overwrite", "--engine", "closed-form"])
    assert rc != 0
    assert "o.png" in _one_error_line(capsys)
    assert out.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.png", "p.png", "t.png"]
