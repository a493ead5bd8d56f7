"""Hand a `SupplyLp` to HiGHS in a few vector calls and map its outcome to our own terms."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

import highspy
import numpy as np

from snop.supply.model import SupplyLp

LARGE_MODEL_COLUMNS = 50_000
"""Above this many columns interior point beats simplex here (bench/supply_lp.py)."""


class SolveStatus(StrEnum):
    """What became of a solve, in words the rest of snop uses (never HiGHS's enums)."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    UNKNOWN = "unknown"


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

    @property
    def ok(self) -> bool:
        """True when the values are an optimal plan."""
        return self.status is SolveStatus.OPTIMAL


def hand_over(highs: highspy.Highs, lp: SupplyLp) -> None:
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


def choose_solver(lp: SupplyLp, requested: str = "choose") -> str:
    """Simplex for small plans (exact duals, fast), interior point for large ones."""
    if requested != "choose":
        return requested
    return "ipm" if lp.shape[1] > LARGE_MODEL_COLUMNS else "simplex"


def solve_lp(
    lp: SupplyLp,
    *,
    solver: str = "choose",
    time_limit: float = 600.0,
    options: Mapping[str, bool | int | float | str] | None = None,
) -> LpSolution:
    """Solve the LP with HiGHS; the result always carries a status, never an exception.

    ``options`` are further HiGHS options (e.g. ``run_crossover``), set before the solve.
    """
    chosen = choose_solver(lp, solver)
    with _native_stdout_silenced():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("solver", chosen)
    highs.setOptionValue("time_limit", float(time_limit))
    for name, value in (options or {}).items():
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
    return LpSolution(status, objective, values, duals, chosen, seconds, iterations)


@contextlib.contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """Drop what native code writes to stdout (HiGHS's banner on construction).

    highspy 1.16 prints its copyright line when the object is made, before any option can
    turn logging off; on stdout it would corrupt ``--json`` output.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (embedded interpreters): nothing to protect
        yield
        return
    try:
        with open(os.devnull, "w") as sink:
            os.dup2(sink.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
