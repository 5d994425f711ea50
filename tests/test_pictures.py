"""Sample grids: tiles kept apart by a visible gutter, and interpolation rows named."""

import io

import numpy as np
import torch
from PIL import Image

from ganbench.pictures import GUTTER, image_grid_png, labelled_rows_png


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def test_dark_tiles_are_separated_by_a_mid_grey_gutter():
    black = torch.full((4, 1, 8, 8), -1.0)  # MNIST's background: a black gutter would vanish
    grid = pixels(image_grid_png(black, columns=2, scale=3))
    side = 2 * (8 + GUTTER) + GUTTER
    assert grid.shape == (3 * side, 3 * side)
    assert grid[0, 0] == grid[3 * (GUTTER + 8) + 1, 0] == 128  # the gutter: mid-grey
    assert grid[3 * GUTTER, 3 * GUTTER] == 0  # a tile's pixel is as generated


def test_interpolation_rows_are_labelled_at_their_left():
    white = torch.ones(5, 1, 8, 8)
    plain = pixels(image_grid_png(torch.cat([white, white]), columns=5))
    labelled = pixels(labelled_rows_png([("straight line", white), ("slerp", white)]))
    assert labelled.shape[0] == plain.shape[0] and labelled.shape[1] > plain.shape[1] + 40
    margin = labelled[:, : labelled.shape[1] - plain.shape[1]]
    rows = np.array_split(margin, 2)  # each row's band holds its label's dark text on white
    assert all(band.min() < 100 and band.max() == 255 for band in rows)
