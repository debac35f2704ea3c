"""Cutouts and composites: the arithmetic of putting a foreground over something.

All arrays are float32 in [0, 1]: foreground/image H x W x 3 sRGB, alpha H x W.
Compositing follows the matting equation ``I = alpha * F + (1 - alpha) * B`` on
the sRGB values as stored, which is the space the mattes were estimated in
(and the one Composition-1k composites are made in).  Cutouts are straight
(unassociated) alpha unless premultiplied on request.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from .errors import MatteError

#: Colours the command line and the editor accept by name (sRGB in [0, 1]).
NAMED_COLORS: dict[str, tuple[float, float, float]] = {
    "white": (1.0, 1.0, 1.0),
    "black": (0.0, 0.0, 0.0),
    "gray": (0.5, 0.5, 0.5),
    "grey": (0.5, 0.5, 0.5),
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "yellow": (1.0, 1.0, 0.0),
    "cyan": (0.0, 1.0, 1.0),
    "magenta": (1.0, 0.0, 1.0),
}

CHECKER_LIGHT = 0.8
CHECKER_DARK = 0.6

_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


def parse_color(text: str) -> tuple[float, float, float]:
    """A colour from a name in :data:`NAMED_COLORS`, ``#rrggbb`` or ``#rgb``.

    Returns sRGB in [0, 1]; raises MatteError naming the accepted forms.
    """
    key = text.strip().lower()
    if key in NAMED_COLORS:
        return NAMED_COLORS[key]
    m = _HEX.fullmatch(key)
    if m is None:
        raise MatteError(f"not a colour: {text!r}; use #rrggbb or one of "
                         f"{', '.join(sorted(NAMED_COLORS))}")
    digits = m.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    r, g, b = (int(digits[i:i + 2], 16) / 255.0 for i in (0, 2, 4))
    return (r, g, b)


def _check(foreground: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fg = np.asarray(foreground, dtype=np.float32)
    a = np.asarray(alpha, dtype=np.float32)
    if fg.ndim != 3 or fg.shape[2] != 3:
        raise MatteError(f"foreground must be H x W x 3, got shape {fg.shape}")
    if a.shape != fg.shape[:2]:
        raise MatteError(f"alpha is {a.shape[1] if a.ndim > 1 else '?'}x{a.shape[0]} "
                         f"but the foreground is {fg.shape[1]}x{fg.shape[0]}")
    return fg, a


def cutout_rgba(foreground: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Straight-alpha cutout.

    Args:
        foreground: float32 H x W x 3 in [0, 1] (estimated foreground colours or the photo).
        alpha: float32 H x W in [0, 1].
    Returns:
        float32 H x W x 4 in [0, 1]; RGB is the foreground unchanged, A is alpha.
    """
    fg, a = _check(foreground, alpha)
    out = np.empty(fg.shape[:2] + (4,), np.float32)
    out[..., :3] = fg
    out[..., 3] = a
    return np.clip(out, 0.0, 1.0, out=out)


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Premultiplied (associated) copy of a straight-alpha float H x W x 4 image."""
    rgba = np.asarray(rgba, dtype=np.float32)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise MatteError(f"premultiply needs H x W x 4, got shape {rgba.shape}")
    out = rgba.copy()
    out[..., :3] *= rgba[..., 3:4]
    return out


def _over(fg: np.ndarray, a: np.ndarray, background: np.ndarray) -> np.ndarray:
    a3 = a[..., None]
    out = fg * a3 + background * (1.0 - a3)
    return np.clip(out, 0.0, 1.0, out=out).astype(np.float32, copy=False)


def composite_over_color(foreground: np.ndarray, alpha: np.ndarray,
                         rgb: tuple[float, float, float]) -> np.ndarray:
    """Foreground over a solid colour ``rgb`` (sRGB in [0, 1]); float32 H x W x 3."""
    fg, a = _check(foreground, alpha)
    if len(rgb) != 3 or not all(0.0 <= float(c) <= 1.0 for c in rgb):
        raise MatteError(f"background colour must be three values in [0, 1], got {rgb!r}")
    return _over(fg, a, np.asarray(rgb, np.float32).reshape(1, 1, 3))


def checkerboard(h: int, w: int, square: int = 16) -> np.ndarray:
    """The transparency checkerboard: float32 H x W x 3, light and dark grey squares."""
    if h <= 0 or w <= 0 or square <= 0:
        raise MatteError(f"checkerboard needs positive sizes, got {h}x{w} square {square}")
    ys = (np.arange(h) // square)[:, None]
    xs = (np.arange(w) // square)[None, :]
    light = ((ys + xs) % 2) == 0
    board = np.where(light, CHECKER_LIGHT, CHECKER_DARK).astype(np.float32)
    return np.repeat(board[..., None], 3, axis=2)


def composite_over_checkerboard(foreground: np.ndarray, alpha: np.ndarray,
                                square: int = 16) -> np.ndarray:
    """Foreground over the transparency checkerboard; float32 H x W x 3."""
    fg, a = _check(foreground, alpha)
    return _over(fg, a, checkerboard(fg.shape[0], fg.shape[1], square))


def fit_background(background: np.ndarray, h: int, w: int,
                   offset: tuple[int, int] = (0, 0), scale: float = 1.0) -> np.ndarray:
    """``background`` placed on an H x W canvas.

    The background is scaled to *cover* the canvas (the smaller of its sides
    fills the canvas), then by ``scale``, centred, and shifted by ``offset``
    (x, y) canvas pixels.  With the defaults this is a centre crop.  Canvas
    pixels the background no longer reaches (scale < 1 or a large offset) are
    filled by repeating its edge pixels.

    Args:
        background: float H x W' x 3 (or x 4; alpha is ignored) in [0, 1].
    Returns:
        float32 h x w x 3.
    """
    bg = np.asarray(background, dtype=np.float32)
    if bg.ndim != 3 or bg.shape[2] not in (3, 4) or bg.shape[0] == 0 or bg.shape[1] == 0:
        raise MatteError(f"background image must be H x W x 3, got shape {bg.shape}")
    if not scale > 0:
        raise MatteError(f"background scale must be positive, got {scale}")
    bg = np.ascontiguousarray(bg[..., :3])
    bh, bw = bg.shape[:2]
    factor = max(h / bh, w / bw) * float(scale)
    nh, nw = max(1, int(round(bh * factor))), max(1, int(round(bw * factor)))
    if (nh, nw) != (bh, bw):
        interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
        bg = cv2.resize(bg, (nw, nh), interpolation=interp)
    x0 = (w - nw) // 2 + int(offset[0])
    y0 = (h - nh) // 2 + int(offset[1])
    # Canvas pixel (y, x) shows scaled-background pixel (y - y0, x - x0),
    # clipped to its edge (index arithmetic, so any offset works).
    rows = np.clip(np.arange(h) - y0, 0, nh - 1)
    cols = np.clip(np.arange(w) - x0, 0, nw - 1)
    return np.clip(bg[rows[:, None], cols[None, :]], 0.0, 1.0)


def composite_over_image(foreground: np.ndarray, alpha: np.ndarray, background: np.ndarray,
                         offset: tuple[int, int] = (0, 0), scale: float = 1.0) -> np.ndarray:
    """Foreground over another image, placed by :func:`fit_background`; float32 H x W x 3."""
    fg, a = _check(foreground, alpha)
    return _over(fg, a, fit_background(background, fg.shape[0], fg.shape[1], offset, scale))


def to_uint8(values: np.ndarray) -> np.ndarray:
    """float32 in [0, 1] -> uint8 in [0, 255], rounded to nearest.

    cv2.convertScaleAbs rounds and saturates in one threaded pass (numpy's
    clip/scale/cast takes ~10x longer on a 12 MP photo); negative values
    are zeroed first because it takes the absolute value.
    """
    v = np.asarray(values, dtype=np.float32)
    return cv2.convertScaleAbs(np.maximum(v, 0.0), alpha=255.0)
