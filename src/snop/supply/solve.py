"""Hand a `SupplyLp` to HiGHS in a few vector calls and map its outcome to our own terms."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import highspy
import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]

from snop.supply.blocks import Piece, split, stitch

# highspy's Python `Highs` wraps the solver's binding class and, when made, turns on the
# Python callbacks, which prints HiGHS's copyright banner on stdout before any option can be
# set (it reads no environment variable either); on stdout it would corrupt ``--json``.
# The binding class itself is the same solver without those callbacks (snop uses none) and
# prints nothing once ``output_flag`` is off, so no file descriptor is ever redirected.
HighsSolver = highspy._core._Highs

LARGE_MODEL_COLUMNS = 50_000
"""Above this many columns interior point beats simplex here (bench/supply_lp.py)."""
INTERIOR_POINT_CODES = ("hipo", "ipx")
"""HiGHS's two interior-point codes, best first. "ipm" runs HiPO (a direct factorisation
of the normal equations, 2.6x faster than IPX's on the connected 1,000-product plan) when
the highspy-extras libraries it needs (BLAS, METIS) are installed, IPX otherwise."""
HIPO_OPTIONS: Options = {"hipo_system": "normaleq", "hipo_ordering": "amd"}
"""HiPO on the supply LP: the normal equations (no column has more than a handful of
entries, so none is dense) ordered by AMD, chosen without HiPO's trial of every system
and ordering (3.5 s of analysis saved on the 1,000x52x20 plan, bench/supply_lp_speed.py)."""
PARALLEL_COLUMNS = 50_000
"""Pieces this big are worth a thread of their own (smaller ones are solved in turn)."""

Options = Mapping[str, bool | int | float | str]


class LinearProgram(Protocol):
    """What HiGHS needs: a `SupplyLp`, or one independent piece of it."""

    @property
    def cost(self) -> np.ndarray:
        """Cost per column."""

    @property
    def col_lower(self) -> np.ndarray:
        """Lower bound per column."""

    @property
    def col_upper(self) -> np.ndarray:
        """Upper bound per column."""

    @property
    def matrix(self) -> sp.csr_array:
        """Constraint matrix (CSR)."""

    @property
    def row_lower(self) -> np.ndarray:
        """Lower bound per row."""

    @property
    def row_upper(self) -> np.ndarray:
        """Upper bound per row."""

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""


class SolveStatus(StrEnum):
    """What became of a solve, in words the rest of snop uses (never HiGHS's enums)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    UNKNOWN = "unknown"


_WORST_FIRST = (
    SolveStatus.INFEASIBLE,
    SolveStatus.UNBOUNDED,
    SolveStatus.UNKNOWN,
    SolveStatus.TIME_LIMIT,
    SolveStatus.OPTIMAL,
)


_STATUS = {
    highspy.HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kTimeLimit: SolveStatus.TIME_LIMIT,
}


@dataclass(frozen=True, slots=True)
class LpSolution:
    """Primal values, duals and timings of one solve."""

    status: SolveStatus
    objective: float
    col_value: np.ndarray
    row_dual: np.ndarray
    solver: str
    seconds: float
    iterations: int
    blocks: int = 1
    """How many independent pieces were solved apart (1 = one monolithic solve)."""

    @property
    def ok(self) -> bool:
        """True when the values are an optimal plan."""
        return self.status is SolveStatus.OPTIMAL


def hand_over(highs: HighsSolver, lp: LinearProgram) -> None:
    """Pass the model to HiGHS in three vector calls (columns, costs, rows as CSR)."""
    n_rows, n_cols = lp.shape
    highs.addVars(n_cols, lp.col_lower, lp.col_upper)
    highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), lp.cost)
    matrix = lp.matrix
    highs.addRows(
        n_rows,
        lp.row_lower,
        lp.row_upper,
        matrix.nnz,
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data,
    )


def choose_solver(lp: LinearProgram, requested: str = "choose") -> str:
    """Simplex for small plans (exact duals, fast), interior point for large ones."""
    if requested != "choose":
        return requested
    return "ipm" if lp.shape[1] > LARGE_MODEL_COLUMNS else "simplex"


@functools.cache
def interior_point_code() -> str:
    """The interior-point code "ipm" runs on this installation: "hipo" or "ipx".

    Found by solving a two-column LP with HiPO asked for by name: without its libraries
    HiGHS falls back to simplex, which shows in the iteration counts.
    """
    highs = _new_highs()
    highs.setOptionValue("solver", "hipo")
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("run_crossover", "off")
    highs.addVars(2, np.zeros(2), np.full(2, 10.0))
    highs.changeColsCost(2, np.arange(2, dtype=np.int32), np.array([1.0, 2.0]))
    highs.addRows(
        1,
        np.array([1.0]),
        np.array([np.inf]),
        2,
        np.array([0, 2], dtype=np.int32),
        np.array([0, 1], dtype=np.int32),
        np.array([1.0, 1.0]),
    )
    highs.run()
    info = highs.getInfo()
    uses_hipo = info.ipm_iteration_count > 0 and info.simplex_iteration_count == 0
    return INTERIOR_POINT_CODES[0] if uses_hipo else INTERIOR_POINT_CODES[1]


def solve_lp(
    lp: LinearProgram,
    *,
    solver: str = "choose",
    time_limit: float = 600.0,
    options: Options | None = None,
    decompose: bool = True,
    workers: int | None = None,
) -> LpSolution:
    """Solve the LP with HiGHS; the result always carries a status, never an exception.

    With ``decompose`` (the default) the LP is first split into its independent blocks
    (`snop.supply.blocks`): each is solved on its own, the big ones side by side in up
    to ``workers`` threads (default: the machine's cores), and the values and duals
    are put back in place. The optimum is the same as one solve of the whole; an LP
    that does not split is solved exactly as before. ``solver`` "choose" picks per
    block (simplex for small ones). ``options`` are further HiGHS options (e.g.
    ``run_crossover``), set before each solve.
    """
    started = time.perf_counter()
    pieces = (
        split(lp.cost, lp.col_lower, lp.col_upper, lp.matrix, lp.row_lower, lp.row_upper)
        if decompose
        else []
    )
    if len(pieces) <= 1:
        return _solve_one(lp, solver, time_limit, options)
    results = _solve_pieces(pieces, solver, time_limit, options, workers)
    seconds = time.perf_counter() - started
    status = next(s for s in _WORST_FIRST if any(r.status is s for r in results))
    chosen = ",".join(dict.fromkeys(r.solver for r in results))
    iterations = sum(r.iterations for r in results)
    n_rows, n_cols = lp.shape
    if status is not SolveStatus.OPTIMAL:
        values, duals, objective = np.zeros(n_cols), np.zeros(n_rows), float("nan")
    else:
        values, duals = stitch(
            pieces, [r.col_value for r in results], [r.row_dual for r in results], lp.shape
        )
        objective = float(sum(r.objective for r in results))
    return LpSolution(
        status, objective, values, duals, chosen, seconds, iterations, blocks=len(pieces)
    )


def _solve_one(
    lp: LinearProgram,
    solver: str,
    time_limit: float,
    options: Options | None,
) -> LpSolution:
    """One HiGHS solve of the whole of ``lp``."""
    chosen = choose_solver(lp, solver)
    highs = _new_highs()
    highs.setOptionValue("solver", chosen)
    highs.setOptionValue("time_limit", float(max(time_limit, 0.0)))
    tuned = HIPO_OPTIONS if chosen == "ipm" and interior_point_code() == "hipo" else {}
    for name, value in {**tuned, **(options or {})}.items():
        highs.setOptionValue(name, value)
    n_rows, n_cols = lp.shape
    started = time.perf_counter()
    hand_over(highs, lp)
    highs.run()
    seconds = time.perf_counter() - started
    status = _STATUS.get(highs.getModelStatus(), SolveStatus.UNKNOWN)
    info = highs.getInfo()
    iterations = int(
        info.simplex_iteration_count + info.ipm_iteration_count + info.pdlp_iteration_count
    )
    if status is SolveStatus.OPTIMAL:
        solution = highs.getSolution()
        values = np.asarray(solution.col_value)
        duals = np.asarray(solution.row_dual)
        objective = float(highs.getInfo().objective_function_value)
    else:
        values, duals, objective = np.zeros(n_cols), np.zeros(n_rows), float("nan")
    used = f"ipm ({interior_point_code()})" if chosen == "ipm" else chosen
    return LpSolution(status, objective, values, duals, used, seconds, iterations)


def _solve_pieces(
    pieces: Sequence[Piece],
    solver: str,
    time_limit: float,
    options: Options | None,
    workers: int | None,
) -> list[LpSolution]:
    """Solve every piece; when several are big, ``workers`` threads share them out.

    Pieces go to lanes, each next piece (largest first) to the least loaded lane, with
    columns as the measure of work; each lane is a thread solving its pieces one after
    the other. highspy lets go of the GIL while HiGHS runs, so the lanes run side by
    side on as many cores, without copying the pieces to other processes (and without
    the spawn start method's re-import of the caller's main module).
    """
    big = sum(1 for p in pieces if p.shape[1] >= PARALLEL_COLUMNS)
    n_lanes = max(1, min(workers or os.cpu_count() or 1, big))
    lanes: list[list[int]] = [[] for _ in range(n_lanes)]
    load = [0] * n_lanes
    for i, piece in enumerate(pieces):  # pieces come largest first
        least = load.index(min(load))
        lanes[least].append(i)
        load[least] += piece.shape[1]
    if n_lanes == 1:
        return _solve_lane(pieces, solver, time_limit, options)
    results: dict[int, LpSolution] = {}
    with ThreadPoolExecutor(max_workers=n_lanes, thread_name_prefix="snop-lp") as pool:
        futures = [
            pool.submit(_solve_lane, [pieces[i] for i in lane], solver, time_limit, options)
            for lane in lanes
        ]
        for lane, future in zip(lanes, futures, strict=True):
            results.update(zip(lane, future.result(), strict=True))
    return [results[i] for i in range(len(pieces))]


def _solve_lane(
    pieces: Sequence[Piece], solver: str, time_limit: float, options: Options | None
) -> list[LpSolution]:
    """Solve pieces one after the other within one time budget."""
    started = time.perf_counter()
    out = []
    for piece in pieces:
        left = time_limit - (time.perf_counter() - started)
        out.append(_solve_one(piece, solver, left, options))
    return out


def _new_highs() -> HighsSolver:
    """A HiGHS object that writes nothing anywhere."""
    highs = HighsSolver()
    highs.setOptionValue("output_flag", False)
    # HiGHS's default is half the cores; HiPO's factorisation gains 13% from the second
    # one here (the lanes of `_solve_pieces` share HiGHS's one pool of workers).
    highs.setOptionValue("threads", os.cpu_count() or 1)
    return highs
