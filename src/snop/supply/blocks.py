"""Independent blocks of an LP: the connected components of its row-column graph.

Rows and columns are the nodes of a bipartite graph with an edge for every stored
non-zero. Two components share no row and no column, so the LP is the sum of one
smaller LP per component: solving them one by one (or side by side) and putting the
values back in place gives an optimum of the whole with the same objective, and row
duals that are valid for the whole too. Real plans fall apart this way when plants do
not share lines: each plant's products, lines and overtime are a component.

Pure numpy/scipy: no solver here (see `snop.supply.solve`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

MIN_PIECE = 20_000
"""Small components are packed together until a piece has this many rows + columns.

One HiGHS solve costs a few milliseconds even when tiny, so thousands of one-product
components are solved as a few dozen pieces instead.
"""


@dataclass(frozen=True, slots=True)
class Piece:
    """One independent sub-LP, in HiGHS's terms, and where it sits in the whole."""

    rows: np.ndarray
    """Positions of the piece's rows in the whole LP (ascending)."""
    cols: np.ndarray
    """Positions of the piece's columns in the whole LP (ascending)."""
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    matrix: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return len(self.rows), len(self.cols)


def components(matrix: sp.csr_array) -> tuple[int, np.ndarray, np.ndarray]:
    """Label every row and column with its connected component.

    Parameters
    ----------
    matrix
        The constraint matrix, shape (rows, columns); only the stored non-zeros count
        (explicit zeros are edges too, so eliminate them first).

    Returns
    -------
    The number of components, the label of each row and the label of each column. An
    empty row or column is a component of its own.
    """
    n_rows, n_cols = matrix.shape
    coo = sp.coo_array(matrix)
    graph = sp.coo_array(
        (np.ones(coo.nnz, dtype=np.int8), (coo.row, n_rows + coo.col)),
        shape=(n_rows + n_cols, n_rows + n_cols),
    ).tocsr()
    count, labels = connected_components(graph, directed=False)
    return int(count), labels[:n_rows], labels[n_rows:]


def pack(
    row_label: np.ndarray, col_label: np.ndarray, count: int, min_piece: int = MIN_PIECE
) -> np.ndarray:
    """Group components into pieces: big ones alone, small ones together.

    Returns the piece of each component (``count`` entries, pieces numbered from 0 by
    decreasing size of their largest component).
    """
    size = np.bincount(row_label, minlength=count) + np.bincount(col_label, minlength=count)
    order = np.argsort(-size, kind="stable")
    piece = np.empty(count, dtype=np.int64)
    current, filled = -1, min_piece
    for label in order:
        if filled >= min_piece:  # start a new piece
            current += 1
            filled = 0
        piece[label] = current
        filled += int(size[label])
    return piece


def split(
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    matrix: sp.csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    min_piece: int | None = None,
) -> list[Piece]:
    """The independent pieces of an LP, largest first; one piece when it does not split.

    The pieces partition the rows and the columns; each piece's matrix is the whole
    matrix restricted to its rows and columns (nothing outside is lost, as no stored
    non-zero links two components). ``min_piece`` defaults to `MIN_PIECE`.
    """
    n_rows, n_cols = matrix.shape
    count, row_label, col_label = components(matrix)
    of_label = pack(row_label, col_label, count, MIN_PIECE if min_piece is None else min_piece)
    n_pieces = int(of_label.max()) + 1 if count else 1
    if n_pieces == 1:
        whole = (np.arange(n_rows), np.arange(n_cols))
        return [_piece(*whole, cost, col_lower, col_upper, matrix, row_lower, row_upper)]
    row_piece, col_piece = of_label[row_label], of_label[col_label]
    row_order = np.argsort(row_piece, kind="stable")
    col_order = np.argsort(col_piece, kind="stable")
    row_ends = np.cumsum(np.bincount(row_piece, minlength=n_pieces))
    col_ends = np.cumsum(np.bincount(col_piece, minlength=n_pieces))
    # One permutation puts every piece's block on the diagonal; slicing it is cheap.
    permuted = sp.csr_array(matrix[row_order][:, col_order])
    pieces = []
    for i in range(n_pieces):
        r0, r1 = (row_ends[i - 1] if i else 0), row_ends[i]
        c0, c1 = (col_ends[i - 1] if i else 0), col_ends[i]
        rows, cols = row_order[r0:r1], col_order[c0:c1]
        block = sp.csr_array(permuted[r0:r1, c0:c1])
        pieces.append(
            _piece(rows, cols, cost, col_lower, col_upper, block, row_lower, row_upper, whole=False)
        )
    return pieces


def _piece(
    rows: np.ndarray,
    cols: np.ndarray,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    matrix: sp.csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    whole: bool = True,
) -> Piece:
    if whole:
        return Piece(rows, cols, cost, col_lower, col_upper, matrix, row_lower, row_upper)
    return Piece(
        rows,
        cols,
        cost[cols],
        col_lower[cols],
        col_upper[cols],
        matrix,
        row_lower[rows],
        row_upper[rows],
    )


def stitch(
    pieces: list[Piece], values: list[np.ndarray], duals: list[np.ndarray], shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Put each piece's column values and row duals back in the whole LP's order."""
    n_rows, n_cols = shape
    col_value, row_dual = np.zeros(n_cols), np.zeros(n_rows)
    for piece, x, y in zip(pieces, values, duals, strict=True):
        col_value[piece.cols] = x
        row_dual[piece.rows] = y
    return col_value, row_dual
