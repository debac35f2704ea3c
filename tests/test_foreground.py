import numpy as np
import pytest

from matteditor.compositing import composite_over_color
from matteditor.engines.base import CancelToken
from matteditor.errors import Cancelled, MatteError
from matteditor.foreground import estimate_foreground


def _contaminated_edge():
    """A red foreground over a green background with a soft horizontal ramp."""
    h, w = 24, 32
    alpha = np.zeros((h, w), np.float32)
    alpha[:, :12] = 1.0
    alpha[:, 12:20] = np.linspace(1.0, 0.0, 10)[1:-1]
    fg_true = np.zeros((h, w, 3), np.float32)
    fg_true[..., 0] = 0.9
    image = composite_over_color(fg_true, alpha, (0.0, 1.0, 0.0))
    return image, alpha, fg_true


def test_estimated_foreground_removes_background_colour_from_edges():
    image, alpha, fg_true = _contaminated_edge()
    fg = estimate_foreground(image, alpha)
    assert fg.shape == image.shape and fg.dtype == np.float32
    edge = (alpha > 0.05) & (alpha < 0.95)
    # The raw photo is heavily green in the edge; the estimate is close to the true red.
    assert np.abs(image[edge] - fg_true[edge]).mean() > 0.2
    assert np.abs(fg[edge] - fg_true[edge]).mean() < 0.05


def test_cancelled_token_stops_foreground_estimation_before_it_starts():
    image, alpha, _ = _contaminated_edge()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        estimate_foreground(image, alpha, cancel=token)


def test_mismatched_alpha_is_refused():
    image, _, _ = _contaminated_edge()
    with pytest.raises(MatteError, match="same size"):
        estimate_foreground(image, np.zeros((3, 3), np.float32))
