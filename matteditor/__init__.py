"""matteditor: an image-matting editor and its Qt-free core.

Array conventions used across the core (see each function's docstring):

* image  -- float32 H x W x 3, sRGB, values in [0, 1]
* trimap -- uint8 H x W, 0 background, 128 unknown, 255 foreground
* alpha  -- float32 H x W in [0, 1]
"""

__version__ = "0.1.0"
