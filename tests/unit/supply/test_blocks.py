"""Independent blocks of the supply LP: found exactly, solved apart, put back in place."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp  # type: ignore[import-untyped]

from snop.supply import blocks, solve
from snop.supply.blocks import components, split
from snop.supply.model import build_lp
from snop.supply.plan import plan_supply
from snop.supply.problem import SupplyProblem, prepare
from snop.supply.solve import SolveStatus, solve_lp
from supply_cases import two_segments


@dataclasses.dataclass(frozen=True)
class _Lp:
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    matrix: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape[0], self.matrix.shape[1]


def _random_lp(n_blocks: int, seed: int) -> _Lp:
    """Covering LPs (min c x, A x >= b, 0 <= x <= u) on the diagonal, rows and columns shuffled.

    Random continuous data make the optimum and its duals unique, so two solves can be
    compared entry by entry.
    """
    rng = np.random.default_rng(seed)
    parts, costs, uppers, rhs = [], [], [], []
    for _ in range(n_blocks):
        m, n = rng.integers(3, 8), rng.integers(4, 10)
        a = sp.random(m, n, density=0.6, random_state=rng) + sp.eye(m, n)
        a = sp.csr_array(a)
        parts.append(a)
        costs.append(rng.uniform(1.0, 5.0, n))
        uppers.append(np.full(n, 50.0))
        rhs.append(rng.uniform(1.0, 10.0, m))
    whole = sp.block_diag(parts, format="csr")
    rows, cols = rng.permutation(whole.shape[0]), rng.permutation(whole.shape[1])
    b = np.concatenate(rhs)[rows]
    return _Lp(
        cost=np.concatenate(costs)[cols],
        col_lower=np.zeros(whole.shape[1]),
        col_upper=np.concatenate(uppers)[cols],
        matrix=sp.csr_array(whole[rows][:, cols]),
        row_lower=b,
        row_upper=np.full(len(b), np.inf),
    )


def test_components_of_a_known_matrix() -> None:
    # rows 0-1 share column 1; row 2 has columns 2-3; row 3 and column 4 are empty
    matrix = sp.csr_array(
        np.array(
            [
                [1.0, 2.0, 0.0, 0.0, 0.0],
                [0.0, 3.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 4.0, 5.0, 0.0],
                [0.0, 0.0, 0.0, 0.0, 0.0],
            ]
        )
    )
    count, row_label, col_label = components(matrix)
    assert count == 4
    assert row_label[0] == row_label[1] == col_label[0] == col_label[1]
    assert row_label[2] == col_label[2] == col_label[3] != row_label[0]
    assert len({row_label[0], row_label[2], row_label[3], col_label[4]}) == 4


def test_split_partitions_rows_and_columns_and_keeps_every_entry() -> None:
    lp = _random_lp(5, seed=1)
    pieces = split(
        lp.cost, lp.col_lower, lp.col_upper, lp.matrix, lp.row_lower, lp.row_upper, min_piece=1
    )
    assert len(pieces) == 5
    assert sorted(np.concatenate([p.rows for p in pieces])) == list(range(lp.shape[0]))
    assert sorted(np.concatenate([p.cols for p in pieces])) == list(range(lp.shape[1]))
    assert sum(p.matrix.nnz for p in pieces) == lp.matrix.nnz
    for p in pieces:
        dense = lp.matrix.toarray()
        np.testing.assert_array_equal(p.matrix.toarray(), dense[np.ix_(p.rows, p.cols)])
        np.testing.assert_array_equal(p.cost, lp.cost[p.cols])


@pytest.mark.parametrize("solver", ["simplex", "ipm"])
def test_stitched_solution_equals_the_monolithic_one(
    monkeypatch: pytest.MonkeyPatch, solver: str
) -> None:
    lp = _random_lp(6, seed=7)
    whole = solve_lp(lp, solver=solver, decompose=False)
    monkeypatch.setattr(blocks, "MIN_PIECE", 1)
    apart = solve_lp(lp, solver=solver)
    assert whole.ok and apart.ok
    assert whole.blocks == 1 and apart.blocks == 6
    assert apart.objective == pytest.approx(whole.objective, rel=1e-9)
    np.testing.assert_allclose(apart.col_value, whole.col_value, atol=1e-7)
    np.testing.assert_allclose(apart.row_dual, whole.row_dual, atol=1e-7)


def test_pieces_solved_side_by_side_come_back_in_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lp = _random_lp(4, seed=3)
    whole = solve_lp(lp, solver="simplex", decompose=False)
    monkeypatch.setattr(blocks, "MIN_PIECE", 1)
    monkeypatch.setattr(solve, "PARALLEL_COLUMNS", 1)
    apart = solve_lp(lp, solver="simplex", workers=2)
    assert apart.ok and apart.blocks == 4
    assert apart.objective == pytest.approx(whole.objective, rel=1e-9)
    np.testing.assert_allclose(apart.col_value, whole.col_value, atol=1e-7)
    np.testing.assert_allclose(apart.row_dual, whole.row_dual, atol=1e-7)


def test_one_component_goes_through_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "MIN_PIECE", 1)
    lp = build_lp(prepare(two_segments()))
    assert components(lp.matrix)[0] == 1
    pieces = split(lp.cost, lp.col_lower, lp.col_upper, lp.matrix, lp.row_lower, lp.row_upper)
    assert len(pieces) == 1 and pieces[0].matrix is lp.matrix
    a, b = solve_lp(lp), solve_lp(lp, decompose=False)
    assert a.blocks == 1
    assert a.objective == b.objective
    np.testing.assert_array_equal(a.col_value, b.col_value)
    np.testing.assert_array_equal(a.row_dual, b.row_dual)


def test_one_infeasible_block_makes_the_whole_infeasible(monkeypatch: pytest.MonkeyPatch) -> None:
    lp = _random_lp(3, seed=5)
    upper = lp.col_upper.copy()
    first_row = lp.matrix.indices[lp.matrix.indptr[0] : lp.matrix.indptr[1]]
    upper[first_row] = 0.0  # row 0 needs >= b > 0 from columns that can only be 0
    broken = dataclasses.replace(lp, col_upper=upper)
    monkeypatch.setattr(blocks, "MIN_PIECE", 1)
    result = solve_lp(broken, solver="simplex")
    assert result.status is SolveStatus.INFEASIBLE
    assert np.isnan(result.objective)


def _two_plants() -> SupplyProblem:
    """two_segments twice: P1 on M1 in one plant, P2 on a tighter M2 in another."""
    one = two_segments(capacity=100.0)
    two = two_segments(capacity=80.0)

    def renamed(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.replace({"P1": "P2", "M1": "M2", "Machine 1": "Machine 2"})

    problem: SupplyProblem = dataclasses.replace(
        one,
        products=pd.concat([one.products, renamed(two.products)], ignore_index=True),
        demand=pd.concat([one.demand, renamed(two.demand)], ignore_index=True),
        resources=pd.concat([one.resources, renamed(two.resources)], ignore_index=True),
        routings=pd.concat([one.routings, renamed(two.routings)], ignore_index=True),
        inventory=pd.concat([one.inventory, renamed(two.inventory)], ignore_index=True),
    )
    return problem


def test_plan_of_two_plants_solved_apart_matches_the_whole_and_its_duals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _two_plants()
    whole = plan_supply(problem)  # tiny: packed into one piece, one solve
    assert whole.stats.blocks == 1
    monkeypatch.setattr(blocks, "MIN_PIECE", 1)
    apart = plan_supply(problem)
    assert apart.stats.blocks == 2
    assert apart.objective == pytest.approx(whole.objective, rel=1e-9)
    prices = ["resource_id", "period", "shadow_price"]
    pd.testing.assert_frame_equal(apart.resources[prices], whole.resources[prices])
    base = problem.capacity_table()
    for row in apart.resources.itertuples():
        cap = base[(base["resource_id"] == row.resource_id) & (base["period"] == row.period)]
        more = cap.assign(capacity=cap["capacity"] + 1.0)
        saved = apart.objective - plan_supply(dataclasses.replace(problem, capacity=more)).objective
        assert saved == pytest.approx(row.shadow_price, abs=1e-6), (row.resource_id, row.period)


def test_highs_prints_nothing_and_no_file_descriptor_is_redirected() -> None:
    code = (
        "import os\n"
        "def refuse(*_):\n"
        "    raise AssertionError('stdout redirected')\n"
        "os.dup2 = refuse\n"  # a process-wide side effect the solver must not need
        "import numpy as np\n"
        "from snop.supply import solve\n"
        "for code in ('simplex', 'hipo'):\n"
        "    h = solve._new_highs()\n"
        "    h.setOptionValue('solver', code)\n"
        "    h.addVars(1, np.array([0.0]), np.array([5.0]))\n"
        "    h.changeColsCost(1, np.array([0], dtype=np.int32), np.array([-1.0]))\n"
        "    h.run()\n"
        "    print(h.getInfo().objective_function_value, flush=True)\n"
        "print(solve.interior_point_code())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "-5.0\n-5.0\nhipo\n" and out.stderr == ""


def test_interior_point_is_hipo_here_and_says_so() -> None:
    """highspy-extras is a dependency: "ipm" must run HiPO, the faster of HiGHS's two codes."""
    assert solve.interior_point_code() == "hipo"
    lp = _random_lp(3, seed=5)
    by_ipm = solve_lp(lp, solver="ipm", decompose=False)
    by_simplex = solve_lp(lp, solver="simplex", decompose=False)
    assert by_ipm.solver == "ipm (hipo)" and by_ipm.iterations > 0
    assert by_ipm.objective == pytest.approx(by_simplex.objective, rel=1e-9)
