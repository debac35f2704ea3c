"""Sparse block layout: only the blocks holding pixels to solve are computed.

An unknown band covers a small part of a photo, but its bounding box often
covers most of it; working on whole boxes would cost time in proportion to
the picture.  The picture is cut into square blocks; the blocks that hold at
least one pixel to solve are "active", and every product of the solver runs on
a batch of active blocks, each padded with a halo of 2r pixels taken from its
neighbours (windows of radius r reach r pixels, and a pixel's row of L reaches
2r).  Halos are exchanged through a zero canvas the size of the picture, with
strided views, so a gather or scatter copies whole rows.
"""

from __future__ import annotations

import math

import numpy as np
import torch


class BlockLayout:
    """The active blocks of a picture and the gathers/scatters between them.

    Args:
        solve_mask: bool H x W, True where pixels are solved for.
        block: block side in pixels.
        halo: halo width in pixels (2r for window radius r).
        device: torch device of the canvas and indices.
    """

    def __init__(self, solve_mask: np.ndarray, block: int, halo: int,
                 device: torch.device | str) -> None:
        h, w = solve_mask.shape
        self.shape = (h, w)
        self.block = block
        self.halo = halo
        self.device = torch.device(device)
        nby, nbx = math.ceil(h / block), math.ceil(w / block)
        self.grid = (nby, nbx)
        padded = np.zeros((nby * block, nbx * block), bool)
        padded[:h, :w] = solve_mask
        occupied = padded.reshape(nby, block, nbx, block).any(axis=(1, 3))
        by, bx = np.nonzero(occupied)
        self.block_rows = torch.from_numpy(by).to(self.device)
        self.block_cols = torch.from_numpy(bx).to(self.device)
        self.count = len(by)
        self.canvas_shape = (nby * block + 2 * halo, nbx * block + 2 * halo)

    @property
    def padded_side(self) -> int:
        return self.block + 2 * self.halo

    def new_canvas(self, dtype: torch.dtype) -> torch.Tensor:
        return torch.zeros(self.canvas_shape, dtype=dtype, device=self.device)

    def _padded_view(self, canvas: torch.Tensor) -> torch.Tensor:
        nby, nbx = self.grid
        b, side = self.block, self.padded_side
        stride_y = canvas.stride(-2)
        lead = canvas.shape[:-2]
        lead_strides = canvas.stride()[:-2]
        return canvas.as_strided(lead + (nby, nbx, side, side),
                                 lead_strides + (b * stride_y, b, stride_y, 1),
                                 canvas.storage_offset())

    def _interior_view(self, canvas: torch.Tensor) -> torch.Tensor:
        nby, nbx = self.grid
        b, hl = self.block, self.halo
        stride_y = canvas.stride(-2)
        return canvas.as_strided((nby, nbx, b, b), (b * stride_y, b, stride_y, 1),
                                 canvas.storage_offset() + hl * stride_y + hl)

    def gather_padded(self, canvas: torch.Tensor) -> torch.Tensor:
        """Padded blocks (B x P x P, or C x ... -> B x C x P x P) of a canvas."""
        view = self._padded_view(canvas)
        if canvas.ndim == 2:
            return view[self.block_rows, self.block_cols]
        return view[:, self.block_rows, self.block_cols].transpose(0, 1)

    def scatter_interior(self, canvas: torch.Tensor, blocks: torch.Tensor) -> None:
        """Write B x S x S block interiors into a 2-D canvas, in place."""
        self._interior_view(canvas)[self.block_rows, self.block_cols] = blocks

    def gather_interior(self, canvas: torch.Tensor) -> torch.Tensor:
        return self._interior_view(canvas)[self.block_rows, self.block_cols]

    def to_canvas(self, array: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
        """Place an H x W or H x W x C picture on a zero canvas (C x ... for channels)."""
        h, w = self.shape
        hl = self.halo
        t = torch.from_numpy(np.ascontiguousarray(array)).to(self.device, dtype)
        if t.ndim == 3:
            canvas = torch.zeros((t.shape[2],) + self.canvas_shape, dtype=dtype,
                                 device=self.device)
            canvas[:, hl:hl + h, hl:hl + w] = t.permute(2, 0, 1)
        else:
            canvas = torch.zeros(self.canvas_shape, dtype=dtype, device=self.device)
            canvas[hl:hl + h, hl:hl + w] = t
        return canvas

    def add_blocks(self, base: np.ndarray, blocks: torch.Tensor) -> np.ndarray:
        """``base`` (H x W) plus B x S x S block interiors, as a new numpy array."""
        h, w = self.shape
        hl = self.halo
        canvas = self.to_canvas(base, blocks.dtype)
        view = self._interior_view(canvas)
        view[self.block_rows, self.block_cols] += blocks
        return canvas[hl:hl + h, hl:hl + w].cpu().numpy()
