"""GrabCut quick select and selection-to-trimap bands, on synthetic photos."""

import numpy as np
import pytest

from matteditor.engines.base import CancelToken
from matteditor.errors import Cancelled, MatteError
from matteditor.quickselect import (QuickSelectSettings, grabcut_mask,
                                    trimap_from_selection)
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN


def _scene(h=240, w=320, seed=0):
    """A reddish textured ellipse on a bluish-green textured background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    obj = ((xx - w * 0.5) / (w * 0.22)) ** 2 + ((yy - h * 0.5) / (h * 0.3)) ** 2 <= 1.0
    img = np.empty((h, w, 3), np.float32)
    img[...] = (0.15, 0.45, 0.5)
    img[obj] = (0.85, 0.35, 0.2)
    img += rng.normal(0, 0.06, img.shape).astype(np.float32)
    return np.clip(img, 0, 1), obj


def _box(mask, pad):
    ys, xs = np.nonzero(mask)
    x0, y0 = xs.min() - pad, ys.min() - pad
    return (int(x0), int(y0), int(xs.max() - x0 + 1 + pad), int(ys.max() - y0 + 1 + pad))


def _iou(a, b):
    return (a & b).sum() / (a | b).sum()


def test_grabcut_from_rectangle_recovers_the_object():
    img, obj = _scene()
    sel = grabcut_mask(img, rect=_box(obj, 12)) >= 0.5
    assert _iou(sel, obj) > 0.95


def test_grabcut_on_reduced_copy_maps_back_to_full_resolution():
    img, obj = _scene(480, 640, seed=1)
    sel = grabcut_mask(img, rect=_box(obj, 20),
                       settings=QuickSelectSettings(max_side=200)) >= 0.5
    assert sel.shape == obj.shape
    assert _iou(sel, obj) > 0.95


def test_grabcut_from_lasso_recovers_the_object():
    img, obj = _scene(seed=2)
    h, w = obj.shape
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    lasso = list(zip(w * 0.5 + w * 0.27 * np.cos(t), h * 0.5 + h * 0.36 * np.sin(t)))
    sel = grabcut_mask(img, lasso=lasso) >= 0.5
    assert _iou(sel, obj) > 0.93


def test_strokes_are_hard_seeds():
    img, obj = _scene(seed=3)
    trimap = np.full(obj.shape, UNKNOWN, np.uint8)
    # Claim a background-coloured patch inside the box as foreground.
    trimap[5:25, 5:25] = FOREGROUND
    trimap[100:110, 150:160] = BACKGROUND  # and a piece of the object as background
    sel = grabcut_mask(img, rect=(0, 0, obj.shape[1], obj.shape[0]), trimap=trimap)
    assert (sel[5:25, 5:25] == 1.0).all()
    assert (sel[100:110, 150:160] == 0.0).all()


def test_grabcut_needs_something_to_start_from():
    img, _ = _scene()
    with pytest.raises(MatteError, match="rectangle"):
        grabcut_mask(img)


def test_grabcut_can_be_cancelled():
    img, obj = _scene()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        grabcut_mask(img, rect=_box(obj, 10), cancel=token)


@pytest.mark.parametrize("adaptive", [False, True])
def test_wider_band_gives_more_unknown(adaptive):
    img, obj = _scene()
    areas = []
    for band in (2, 6, 12):
        tri = trimap_from_selection(img, obj.astype(np.float32),
                                    QuickSelectSettings(band=band, adaptive_band=adaptive))
        areas.append(int((tri == UNKNOWN).sum()))
        assert (tri[obj] != BACKGROUND).all()
        assert (tri[~obj] != FOREGROUND).all()
    assert areas[0] < areas[1] < areas[2]
    # The band is about 2*band wide along the perimeter (without adaptivity).
    if not adaptive:
        perimeter = np.pi * (3 * (0.22 * 320 + 0.3 * 240) - np.sqrt(
            (3 * 0.22 * 320 + 0.3 * 240) * (0.22 * 320 + 3 * 0.3 * 240)))
        assert areas[2] == pytest.approx(perimeter * 2 * 12, rel=0.15)


def test_trimap_command_from_a_rectangle_writes_a_trimap(tmp_path):
    from matteditor.__main__ import main
    from matteditor.imageio import load_trimap, save_image

    img, obj = _scene()
    save_image(tmp_path / "photo.png", img)
    x, y, w, h = _box(obj, 10)
    out = tmp_path / "trimap.png"
    assert main(["trimap", str(tmp_path / "photo.png"), "--rect", f"{x},{y},{w},{h}",
                 "--band", "4", "-o", str(out)]) == 0
    tri = load_trimap(out, obj.shape)
    inner = (tri == FOREGROUND)
    assert _iou(inner | (tri == UNKNOWN), obj) > 0.8
    assert (tri[obj] != BACKGROUND).mean() > 0.98


def test_trimap_command_from_a_mask_and_bad_arguments(tmp_path, capsys):
    from matteditor.__main__ import main
    from matteditor.imageio import load_trimap, save_image

    img, obj = _scene()
    save_image(tmp_path / "photo.png", img)
    save_image(tmp_path / "mask.png", obj.astype(np.float32))
    out = tmp_path / "trimap.png"
    assert main(["trimap", str(tmp_path / "photo.png"), "--mask", str(tmp_path / "mask.png"),
                 "--band", "3", "--fixed-band", "-o", str(out)]) == 0
    tri = load_trimap(out, obj.shape)
    assert (tri[obj] != BACKGROUND).all() and (tri[~obj] != FOREGROUND).all()
    capsys.readouterr()
    save_image(tmp_path / "small.png", obj[:10, :10].astype(np.float32))
    assert main(["trimap", str(tmp_path / "photo.png"), "--mask", str(tmp_path / "small.png"),
                 "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "320x240" in err[0]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e300])
def test_lasso_with_non_finite_or_absurd_points_is_refused(bad):
    img, _ = _scene(60, 80)
    lasso = [(bad, 5.0), (70.0, 5.0), (40.0, 50.0)]
    with pytest.raises(MatteError, match="finite pixel coordinates"):
        grabcut_mask(img, lasso=lasso)


def test_a_band_wider_than_the_image_is_capped_not_allocated():
    img, obj = _scene(60, 80)
    # 10**9 would ask OpenCV for a kernel of 4e18 bytes; any band past the
    # image's diagonal (100 pixels) gives the same trimap.
    huge = trimap_from_selection(img, obj.astype(np.float32), QuickSelectSettings(band=10**9))
    capped = trimap_from_selection(img, obj.astype(np.float32), QuickSelectSettings(band=200))
    np.testing.assert_array_equal(huge, capped)


def test_trimap_command_with_a_huge_band_or_a_nan_lasso_answers_in_one_line(tmp_path, capsys):
    from matteditor.__main__ import main
    from matteditor.imageio import load_trimap, save_image

    img, obj = _scene(60, 80)
    save_image(tmp_path / "photo.png", img)
    save_image(tmp_path / "mask.png", obj.astype(np.float32))
    out = tmp_path / "trimap.png"
    assert main(["trimap", str(tmp_path / "photo.png"), "--mask", str(tmp_path / "mask.png"),
                 "--band", str(10**9), "-o", str(out)]) == 0
    assert (load_trimap(out, obj.shape) == UNKNOWN).all()  # the band covers everything
    capsys.readouterr()
    assert main(["trimap", str(tmp_path / "photo.png"), "--lasso", "nan,1,70,5,40,50",
                 "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("matteditor: error:") and "finite" in err[0]


def test_trimap_command_will_not_write_over_its_photo(tmp_path, capsys):
    from matteditor.__main__ import main
    from matteditor.imageio import save_image

    img, obj = _scene(60, 80)
    save_image(tmp_path / "photo.png", img)
    save_image(tmp_path / "mask.png", obj.astype(np.float32))
    before = (tmp_path / "photo.png").read_bytes()
    assert main(["trimap", str(tmp_path / "photo.png"), "--mask", str(tmp_path / "mask.png"),
                 "-o", str(tmp_path / "photo.png")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "refusing to overwrite" in err[0]
    assert (tmp_path / "photo.png").read_bytes() == before


@pytest.mark.parametrize("region, needle", [
    (["--rect", "5,5,40,40"], "inside the rectangle 5,5,40,40"),
    (["--lasso", "250,10,310,10,280,60"], "inside the lasso"),
])
def test_trimap_command_refuses_a_region_where_grabcut_finds_nothing(tmp_path, capsys,
                                                                    region, needle):
    from matteditor.__main__ import main
    from matteditor.imageio import save_image

    img, obj = _scene()
    assert not obj[5:45, 5:45].any() and not obj[10:60, 250:310].any()  # plain background
    save_image(tmp_path / "photo.png", img)
    out = tmp_path / "trimap.png"
    assert main(["trimap", str(tmp_path / "photo.png"), *region, "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("matteditor: error: GrabCut found no object")
    assert needle in err[0] and "--seeds" in err[0]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]


def test_trimap_command_refuses_an_empty_mask_and_keeps_the_old_trimap(tmp_path, capsys):
    from matteditor.__main__ import main
    from matteditor.imageio import save_image

    img, obj = _scene(60, 80)
    save_image(tmp_path / "photo.png", img)
    save_image(tmp_path / "mask.png", np.zeros(obj.shape, np.float32))
    out = tmp_path / "trimap.png"
    save_image(out, np.full(obj.shape, UNKNOWN, np.uint8))
    before = out.read_bytes()
    assert main(["trimap", str(tmp_path / "photo.png"), "--mask", str(tmp_path / "mask.png"),
                 "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mask.png selects nothing" in err[0]
    assert out.read_bytes() == before


def test_grabcut_mask_still_returns_an_empty_selection_for_the_editor():
    # The editor shows an empty result and lets the user redraw; only the
    # command line refuses it.
    img, _ = _scene()
    sel = grabcut_mask(img, rect=(5, 5, 40, 40))
    assert sel.shape == img.shape[:2] and (sel < 0.5).all()


def test_the_second_pass_brings_a_large_photos_edge_closer_to_the_object():
    # 1200 x 900: GrabCut's first pass runs on an 800-px copy; the second runs near the
    # edge at twice that resolution, so the upsampled edge lands closer to the truth
    img, obj = _scene(900, 1200, seed=3)
    box = _box(obj, 40)
    first = grabcut_mask(img, rect=box, settings=QuickSelectSettings(second_pass=False))
    second = grabcut_mask(img, rect=box)
    sad = lambda m: np.abs(m - obj).sum()  # noqa: E731
    assert _iou(second >= 0.5, obj) > 0.95
    assert sad(second) < 0.9 * sad(first)


def test_a_correction_around_a_stroke_changes_nothing_far_from_it():
    from matteditor.quickselect import grabcut_refine_region

    img, obj = _scene()
    mask = obj.astype(np.float32)
    mask[100:140, 200:240] = 0.0          # a wrong bite out of the object's right side
    seeds = np.full(obj.shape, UNKNOWN, np.uint8)
    seeds[115:125, 215:225] = FOREGROUND  # the user's stroke in the bite
    out = grabcut_refine_region(img, mask, seeds, (215, 115, 225, 125))
    far = np.ones(obj.shape, bool)
    far[115 - 24:125 + 24, 215 - 24:225 + 24] = False
    assert np.array_equal(out[far], mask[far])
    assert (out[110:130, 205:235] >= 0.5).mean() > 0.8 * obj[110:130, 205:235].mean()
