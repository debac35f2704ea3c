"""Rebuild sample.jpg and sample_trimap.png from scikit-image's ``chelsea.png``.

    pip download --no-deps scikit-image -d /tmp/skimage
    unzip -o /tmp/skimage/*.whl 'skimage/data/chelsea.png' -d /tmp/skimage
    PYTHONPATH=. python resources/sample/make_sample.py /tmp/skimage/skimage/data/chelsea.png

The trimap is GrabCut's segmentation (seeded by hand-placed polygons around
the cat) turned into a trimap with an unknown band 8 px each side of the edge.
"""

import sys
from pathlib import Path

import cv2
import numpy as np

from matteditor.trimap import trimap_from_mask

HERE = Path(__file__).resolve().parent


def main(source: str) -> None:
    img = cv2.imread(source)
    h, w = img.shape[:2]
    mask = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    outline = np.array([(35, 0), (400, 0), (385, 60), (365, 110), (360, 220), (320, h), (0, h),
                        (0, 110), (30, 60)], np.int32)
    inside = np.array([(80, 25), (330, 30), (335, 110), (320, 200), (270, h - 1), (0, h - 1),
                       (0, 170), (45, 110)], np.int32)
    cv2.fillPoly(mask, [outline], cv2.GC_PR_FGD)
    cv2.fillPoly(mask, [inside], cv2.GC_FGD)
    cv2.rectangle(mask, (415, 70), (w, h), cv2.GC_BGD, -1)
    cv2.fillPoly(mask, [np.array([(0, 0), (25, 0), (0, 70)], np.int32)], cv2.GC_BGD)
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.grabCut(img, mask, None, bgd, fgd, 8, cv2.GC_INIT_WITH_MASK)
    fg = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=4)
    fg = labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))  # the cat only
    trimap = trimap_from_mask(fg, band=8)
    cv2.imwrite(str(HERE / "sample_trimap.png"), trimap, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    cv2.imwrite(str(HERE / "sample.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 92])


if __name__ == "__main__":
    main(sys.argv[1])
