"""The command line: outputs of ``matteditor matte``, batches, ``engines``, and error paths."""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import matteditor.__main__ as entry
from matteditor.cli import run_cli
from matteditor.imageio import save_image

H, W = 40, 48


def _scene():
    x = np.arange(W, dtype=np.float32)
    alpha = np.clip((28 - x) / 10, 0, 1)[None, :].repeat(H, 0)
    fg = np.array([0.9, 0.2, 0.1], np.float32)
    bg = np.array([0.1, 0.8, 0.2], np.float32)  # green background
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    trimap = np.full((H, W), 128, np.uint8)
    trimap[:, :16] = 255
    trimap[:, 30:] = 0
    return image.astype(np.float32), trimap


@pytest.fixture
def photo(tmp_path):
    image, trimap = _scene()
    save_image(tmp_path / "cat.png", image)
    save_image(tmp_path / "cat_trimap.png", trimap.astype(np.float32) / 255)
    return tmp_path / "cat.png"


def _read(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def _one_error_line(err):
    lines = [ln for ln in err.strip().splitlines() if ln]
    assert "Traceback" not in err
    assert lines[-1].startswith("matteditor: error: ")
    return lines[-1]


def test_matte_writes_a_straight_alpha_cutout_png(photo, tmp_path, capsys):
    out = tmp_path / "cut.png"
    assert run_cli(["matte", str(photo), "--trimap", str(tmp_path / "cat_trimap.png"),
                    "-o", str(out), "--engine", "closed-form", "-q"]) == 0
    rgba = _read(out)
    assert rgba.shape == (H, W, 4) and rgba.dtype == np.uint8
    assert (rgba[:, :16, 3] == 255).all() and (rgba[:, 30:, 3] == 0).all()
    # Decontaminated: in the soft edge the cutout's colour is the red foreground, not green.
    edge = rgba[:, 22:26]
    assert edge[..., 2].mean() > 200 and edge[..., 1].mean() < 80  # BGR order: R high, G low


def test_no_foreground_keeps_the_photos_green_tinted_edge(photo, tmp_path):
    out = tmp_path / "raw.png"
    assert run_cli(["matte", str(photo), "-o", str(out), "--no-foreground", "-q"]) == 0
    edge = _read(out)[:, 22:26]
    assert edge[..., 1].mean() > 100  # the photo's green leaks into the edge


def test_trimap_is_found_beside_the_image_by_name(photo, tmp_path):
    assert run_cli(["matte", str(photo), "-o", str(tmp_path / "a.png"), "--alpha-only",
                    "-q"]) == 0
    alpha = _read(tmp_path / "a.png")
    assert alpha.shape == (H, W)
    assert (alpha[:, :16] == 255).all()


def test_sixteen_bit_premultiplied_cutout(photo, tmp_path):
    out = tmp_path / "pm.png"
    assert run_cli(["matte", str(photo), "-o", str(out), "--premultiplied", "--bits", "16",
                    "-q"]) == 0
    rgba = _read(out)
    assert rgba.dtype == np.uint16
    assert (rgba[..., :3].max(axis=2) <= rgba[..., 3].astype(int) + 1).all()


def test_background_colour_gives_an_opaque_composite(photo, tmp_path):
    out = tmp_path / "comp.png"
    assert run_cli(["matte", str(photo), "-o", str(out), "--background", "#0000ff", "-q"]) == 0
    bgr = _read(out)
    assert bgr.shape == (H, W, 3)
    assert (bgr[:, 35:] == [255, 0, 0]).all()  # blue in BGR where alpha is 0


def test_background_image_is_composited(photo, tmp_path):
    backdrop = tmp_path / "sky.png"
    save_image(backdrop, np.full((10, 10, 3), [1.0, 1.0, 0.0], np.float32))
    out = tmp_path / "comp.jpg"
    assert run_cli(["matte", str(photo), "-o", str(out), "--background", str(backdrop),
                    "-q"]) == 0
    bgr = _read(out)
    assert abs(int(bgr[20, 45, 0]) - 0) < 10 and bgr[20, 45, 1:].min() > 240  # yellow


def test_jpeg_cutout_is_composited_over_white_with_a_note(photo, tmp_path, capsys):
    out = tmp_path / "cut.jpg"
    assert run_cli(["matte", str(photo), "-o", str(out), "-q"]) == 0
    assert "over white" in capsys.readouterr().err
    assert _read(out)[:, 40:].min() > 245


def test_batch_writes_good_files_reports_bad_ones_and_exits_nonzero(photo, tmp_path, capsys):
    (tmp_path / "broken.png").write_bytes(b"not a png at all")
    save_image(tmp_path / "broken_trimap.png", np.zeros((H, W), np.float32))
    save_image(tmp_path / "orphan.png", np.zeros((H, W, 3), np.float32))  # no trimap
    out_dir = tmp_path / "out"
    code = run_cli(["matte", str(tmp_path), "-o", str(out_dir), "--alpha-only"])
    err = capsys.readouterr().err
    assert code == 1
    assert (out_dir / "cat.png").is_file()
    assert not (out_dir / "broken.png").exists() and not (out_dir / "orphan.png").exists()
    assert "1 written, 0 skipped, 2 failed" in err
    assert "broken.png" in err and "orphan.png" in err and "no trimap" in err
    assert "Traceback" not in err


def test_batch_skips_existing_outputs_unless_overwrite(photo, tmp_path, capsys):
    out_dir = tmp_path / "out"
    args = ["matte", str(photo), "-o", str(out_dir) + "/", "--alpha-only"]
    assert run_cli(args) == 0
    (out_dir / "cat.png").write_bytes(b"stale")
    assert run_cli(args) == 0
    assert "1 skipped" in capsys.readouterr().err
    assert (out_dir / "cat.png").read_bytes() == b"stale"
    assert run_cli(args + ["--overwrite"]) == 0
    assert _read(out_dir / "cat.png").shape == (H, W)


def test_batch_pairs_trimaps_from_a_folder_and_composition1k_names(tmp_path):
    image, trimap = _scene()
    photos, trimaps = tmp_path / "photos", tmp_path / "trimaps"
    photos.mkdir()
    trimaps.mkdir()
    save_image(photos / "a.jpg", image)
    save_image(trimaps / "a.png", trimap.astype(np.float32) / 255)       # same stem
    save_image(photos / "b_image.png", image)
    save_image(trimaps / "b_trimap.png", trimap.astype(np.float32) / 255)  # Composition-1k
    out = tmp_path / "out"
    assert run_cli(["matte", str(photos / "*"), "--trimap-dir", str(trimaps), "-o", str(out),
                    "--alpha-only", "-q"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b_image.png"]


def test_trimap_pattern_names_the_trimap_from_the_stem(tmp_path):
    image, trimap = _scene()
    save_image(tmp_path / "shot.png", image)
    (tmp_path / "masks").mkdir()
    save_image(tmp_path / "masks" / "shot-tri.png", trimap.astype(np.float32) / 255)
    assert run_cli(["matte", str(tmp_path / "shot.png"), "--trimap-pattern", "masks/{stem}-tri.png",
                    "-o", str(tmp_path / "a.png"), "--alpha-only", "-q"]) == 0
    assert _read(tmp_path / "a.png").shape == (H, W)


def test_engines_lists_classical_engines_with_devices(capsys):
    assert run_cli(["engines"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("closed-form"))
    assert "yes" in line and "cpu" in line
    assert "default:" in out


@pytest.mark.parametrize("extra,needle", [
    (["--engine", "nonesuch"], "unknown engine"),
    (["--device", "quantum"], "cannot use device"),
    (["--background", "not-a-colour"], "neither a colour"),
    (["--alpha-only", "--background", "white"], "exclude each other"),
    (["--premultiplied", "--background", "white"], "--premultiplied"),
])
def test_bad_options_give_one_error_line(photo, tmp_path, capsys, extra, needle):
    assert run_cli(["matte", str(photo), "-o", str(tmp_path / "o.png"), "-q"] + extra) == 1
    assert needle in _one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("output,extra,needle", [
    ("o.gif", [], ".png, .jpg, .tif or .psd"),
    ("o.jpg", ["--bits", "16"], "8-bit only"),
])
def test_output_the_format_cannot_hold_is_refused(photo, tmp_path, capsys, output, extra, needle):
    assert run_cli(["matte", str(photo), "-o", str(tmp_path / output), "-q"] + extra) == 1
    assert needle in _one_error_line(capsys.readouterr().err)
    assert not (tmp_path / output).exists()


@pytest.mark.parametrize("target", ["cat.png", "cat_trimap.png"])
def test_output_onto_its_own_photo_or_trimap_is_refused_and_keeps_it(photo, tmp_path, capsys,
                                                                      target):
    before = (tmp_path / target).read_bytes()
    assert run_cli(["matte", str(photo), "-o", str(tmp_path / target), "-q"]) == 1
    assert "refusing to overwrite" in _one_error_line(capsys.readouterr().err)
    assert (tmp_path / target).read_bytes() == before


def test_batch_into_the_photos_own_folder_never_overwrites_a_photo(photo, tmp_path, capsys):
    # x.jpg's output x.png would replace the photo x.png, and cat.png's output
    # is cat.png itself: both are refused even with --overwrite.
    image, trimap = _scene()
    save_image(tmp_path / "x.png", image)
    save_image(tmp_path / "x.jpg", image)
    save_image(tmp_path / "x_trimap.png", trimap.astype(np.float32) / 255)
    photos = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    code = run_cli(["matte", str(tmp_path), "-o", str(tmp_path), "--overwrite", "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "0 written, 0 skipped, 3 failed" in err and "refusing to overwrite" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == photos


def test_batch_output_folder_that_cannot_be_made_is_one_error_line(photo, tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_bytes(b"x")
    code = run_cli(["matte", str(photo), "-o", str(blocker / "sub") + "/", "-q"])
    assert code == 1
    assert "cannot create the output folder" in _one_error_line(capsys.readouterr().err)


def test_several_images_into_one_file_is_refused(photo, tmp_path, capsys):
    assert run_cli(["matte", str(photo), str(photo.with_name("x.png")), "-o",
                    str(tmp_path / "o.png")]) == 1
    assert "need a folder" in _one_error_line(capsys.readouterr().err)


def test_missing_image_is_one_error_line(tmp_path, capsys):
    code = run_cli(["matte", str(tmp_path / "nope.jpg"), "--trimap", str(tmp_path / "t.png"),
                    "-o", str(tmp_path / "o.png")])
    assert code == 1
    assert "nope.jpg" in _one_error_line(capsys.readouterr().err)


def test_file_that_is_not_an_image_is_one_error_line(tmp_path, capsys):
    (tmp_path / "notes.png").write_text("hello")
    save_image(tmp_path / "notes_trimap.png", np.zeros((4, 4), np.float32))
    assert run_cli(["matte", str(tmp_path / "notes.png"), "-o", str(tmp_path / "o.png")]) == 1
    assert "notes.png" in _one_error_line(capsys.readouterr().err)


def test_trimap_of_another_size_names_both_sizes(photo, tmp_path, capsys):
    small = tmp_path / "small.png"
    save_image(small, np.zeros((10, 12), np.float32))
    assert run_cli(["matte", str(photo), "--trimap", str(small), "-o",
                    str(tmp_path / "o.png")]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "12x10" in line and f"{W}x{H}" in line


def test_missing_trimap_says_where_it_looked(tmp_path, capsys):
    save_image(tmp_path / "lonely.png", np.zeros((8, 8, 3), np.float32))
    assert run_cli(["matte", str(tmp_path / "lonely.png"), "-o", str(tmp_path / "o.png")]) == 1
    assert "lonely_trimap.png" in _one_error_line(capsys.readouterr().err)


def test_usage_errors_exit_with_status_2(capsys):
    with pytest.raises(SystemExit) as exc:
        run_cli(["matte", "photo.jpg"])  # no -o
    assert exc.value.code == 2
    assert "-o" in capsys.readouterr().err


def test_photo_argument_opens_the_editor_with_its_trimap(monkeypatch):
    calls = []
    monkeypatch.setattr(entry, "_editor_run", lambda: lambda *a: calls.append(a) or 0)
    assert entry.main(["photo.jpg", "--trimap", "t.png"]) == 0
    assert entry.main([]) == 0
    assert calls == [("photo.jpg", "t.png"), ()]


def test_without_the_editor_no_arguments_prints_help(monkeypatch, capsys):
    monkeypatch.setattr(entry, "_editor_run", lambda: None)
    assert entry.main([]) == 0
    assert "matte" in capsys.readouterr().out
    assert entry.main(["photo.jpg"]) == 1


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "matteditor", "engines"], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert "closed-form" in done.stdout


def test_running_out_of_memory_is_one_error_line(photo, tmp_path, capsys, monkeypatch):
    import matteditor.cli.frames as matte_cmd

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(matte_cmd, "load_image_rgba", no_memory)
    assert run_cli(["matte", str(photo), "-o", str(tmp_path / "o.png"), "-q"]) == 1
    assert "not enough memory" in _one_error_line(capsys.readouterr().err)


def test_a_glob_leaves_out_trimap_files_like_a_folder_does(photo, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code = run_cli(["matte", str(tmp_path / "*.png"), "-o", str(out_dir) + "/", "--alpha-only"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "1 written, 0 skipped, 0 failed" in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["cat.png"]


def _opencv_error():
    try:
        cv2.resize(np.zeros((0, 0), np.uint8), (1, 1))
    except cv2.error as e:
        return e
    raise AssertionError("OpenCV accepted an empty image")


@pytest.mark.parametrize("error, needle", [
    (lambda: _opencv_error(), "OpenCV error: OpenCV("),
    (lambda: PermissionError(13, "Permission denied", "/out/cut.png"),
     "/out/cut.png: Permission denied"),
    (lambda: RuntimeError("CUDA error: device-side assert\nCompile with TORCH_USE_CUDA_DSA"),
     "unexpected RuntimeError: CUDA error: device-side assert Compile with"),
], ids=["opencv", "oserror", "torch-runtime"])
def test_library_errors_in_matte_are_one_line_with_the_traceback_in_the_log(
        photo, tmp_path, capsys, caplog, monkeypatch, error, needle):
    import logging

    import matteditor.export as export

    def fail(*args, **kwargs):
        raise error()

    monkeypatch.setattr(export, "save_image", fail)
    out = tmp_path / "o.png"
    with caplog.at_level(logging.DEBUG, logger="matteditor.cli"):
        assert run_cli(["matte", str(photo), "-o", str(out), "-q", "--alpha-only"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert needle in line and "-v" in line
    assert not out.exists()
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and "Traceback" in caplog.text


def test_library_errors_in_trimap_are_one_line(photo, tmp_path, capsys, monkeypatch):
    import matteditor.cli.trimap_cmd as trimap_cmd

    def fail(*args, **kwargs):
        raise RuntimeError("x" * 5000)

    monkeypatch.setattr(trimap_cmd, "selection_trimap", fail)
    code = run_cli(["-v", "trimap", str(photo), "--rect", "2,2,20,20",
                    "-o", str(tmp_path / "t.png")])
    assert code == 1
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("matteditor: error: unexpected RuntimeError: xxx")
    assert len(line) < 400 and "-v for the traceback" not in line  # -v was given
    assert not (tmp_path / "t.png").exists()


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_interrupts_and_exits_are_not_turned_into_error_lines(photo, tmp_path, capsys,
                                                              monkeypatch, error):
    import matteditor.cli.frames as matte_cmd

    def stop(*args, **kwargs):
        raise error()

    monkeypatch.setattr(matte_cmd, "load_image_rgba", stop)
    argv = ["matte", str(photo), "-o", str(tmp_path / "o.png"), "-q"]
    if error is KeyboardInterrupt:
        assert run_cli(argv) == 130
    else:
        with pytest.raises(SystemExit):
            run_cli(argv)
    assert "error:" not in capsys.readouterr().err


def test_a_bug_in_the_train_command_keeps_its_traceback(monkeypatch):
    from matteditor.training import train as train_module

    def bug(cfg, resume=True):
        raise RuntimeError("a bug")

    monkeypatch.setattr(train_module, "train", bug)
    with pytest.raises(RuntimeError, match="a bug"):
        run_cli(["train", "--backgrounds", "nowhere"])
