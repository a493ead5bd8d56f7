"""Build the supply LP from a `SupplyProblem`: arrays -> sparse matrix, no solver here.

Variables (one block each, keyed by frames so results map back by slice):
  make[p,t]    units started in t, available in t + lead time (loads the routing in t)
  buy[p,t]     units subcontracted, available in t
  inv[p,t]     units on hand at the end of t
  ship[p,s,t]  units shipped to segment s in t
  back[p,s,t]  units owed to segment s at the end of t
  ot[r,t]      overtime hours
  short[p,t]   units below safety stock at the end of t
  work/hire/fire[r,t] workers of a people-driven resource (labour sheet)
  up/down[p,t] production changes (level strategy), excess[p,t] stock above target (chase)

Every constraint family is a set of COO triplets computed with numpy; the matrix is
built once. Shortage never makes the model infeasible (backlog absorbs it): only the
hard promises - end-of-horizon inventory and backlog limits, and the frozen fence - can.
In ``elastic`` mode those promises get penalised slack columns and every other cost is
zero, so the solution shows the smallest set of broken promises (the diagnosis of an
infeasible plan).

The safety-stock floor costs no row: where a product has a floor, HiGHS sees the stock
as ``inv = above - short + floor`` (``above`` >= 0 and 0 <= ``short`` <= floor), so
"stock + shortfall >= floor" holds by construction. That is the same LP with a quarter
fewer rows (bench/supply_lp_speed.py: HiPO x0.76); `SupplyLp.restore` maps a solution
back to stock and shortfall, and ``value_cost`` prices them as the plan reports them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp  # type: ignore[import-untyped]

from snop.supply.problem import Strategy, SupplyProblem
from snop.supply.solve import LpSolution

INF = np.inf
_LEVEL_SHARE = 0.5
"""Level: a unit of production change costs half a lowest-priority backorder."""
_CHASE_SHARE = 0.9
"""Chase: stock above target costs 90% of a lowest-priority backorder, per month."""
_TIE_BREAK = 0.01
"""A unit owed at the end costs a cent more than serving it, even when nothing costs."""


@dataclass(frozen=True, slots=True)
class Block:
    """A group of columns (or rows) and the keys of each, in order."""

    name: str
    start: int
    keys: pd.DataFrame

    @property
    def size(self) -> int:
        """Number of columns (rows) in the block."""
        return len(self.keys)

    @property
    def slice(self) -> slice:
        """Position of the block in the global vector."""
        return slice(self.start, self.start + self.size)


@dataclass(frozen=True, slots=True)
class SupplyLp:
    """The LP in HiGHS's terms plus the blocks that map it back to the problem."""

    cost: np.ndarray
    """Cost per column as HiGHS sees it (after the substitutions)."""
    col_lower: np.ndarray
    col_upper: np.ndarray
    matrix: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    columns: dict[str, Block]
    rows: dict[str, Block]
    penalty_cost: np.ndarray
    """The part of ``cost`` that is strategy penalty, not money (level / chase)."""
    pairs: pd.DataFrame
    """The (product, segment) of each k in ship/back: product_id, segment, p, weight."""
    opening_backlog: np.ndarray
    """Backlog owed before the plan starts, per pair."""
    value_cost: np.ndarray
    """Cost per column of the restored values (`restore`): what the plan reports."""
    substitution: Substitution

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.matrix.shape[0], self.matrix.shape[1]

    def restore(self, solution: LpSolution) -> LpSolution:
        """The solution in the model's own terms: stock where HiGHS saw stock above a floor.

        The objective becomes that of the restored values (``value_cost``); values and
        duals of every row are unchanged (no row was substituted away but the floors').
        """
        if not solution.ok or self.substitution.size == 0:
            return solution
        values = self.substitution.restore(solution.col_value)
        objective = solution.objective + self.substitution.offset
        return dataclasses.replace(solution, col_value=values, objective=objective)


@dataclass(frozen=True, slots=True)
class Substitution:
    """Columns x that HiGHS sees as ``x = y - z + c``: y in x's place, z another column."""

    x: np.ndarray
    z: np.ndarray
    constant: np.ndarray
    offset: float
    """Cost of the constants, ``cost[x] @ c``: the objective HiGHS does not see."""

    @property
    def size(self) -> int:
        """Number of substituted columns."""
        return len(self.x)

    def restore(self, col_value: np.ndarray) -> np.ndarray:
        """Values of the original columns from HiGHS's."""
        out = col_value.copy()
        out[self.x] = col_value[self.x] - col_value[self.z] + self.constant
        return out


@dataclass
class _Builder:
    """Accumulates column blocks and constraint triplets."""

    columns: dict[str, Block] = field(default_factory=dict)
    rows: dict[str, Block] = field(default_factory=dict)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    cost: list[np.ndarray] = field(default_factory=list)
    penalty: list[np.ndarray] = field(default_factory=list)
    row_lower: list[np.ndarray] = field(default_factory=list)
    row_upper: list[np.ndarray] = field(default_factory=list)
    triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    substituted: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0

    def add_columns(
        self,
        name: str,
        keys: pd.DataFrame,
        cost: np.ndarray | float,
        lower: np.ndarray | float = 0.0,
        upper: np.ndarray | float = INF,
        penalty: np.ndarray | float = 0.0,
    ) -> Block:
        n = len(keys)
        block = Block(name, self.n_cols, keys.reset_index(drop=True))
        self.columns[name] = block
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), n).copy())
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), n).copy())
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), n).copy())
        self.penalty.append(np.broadcast_to(np.asarray(penalty, dtype=float), n).copy())
        self.n_cols += n
        return block

    def add_rows(
        self, name: str, keys: pd.DataFrame, lower: np.ndarray | float, upper: np.ndarray | float
    ) -> Block:
        n = len(keys)
        block = Block(name, self.n_rows, keys.reset_index(drop=True))
        self.rows[name] = block
        self.row_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), n).copy())
        self.row_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), n).copy())
        self.n_rows += n
        return block

    def add_terms(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        vals_arr = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape)
        self.triplets.append((rows.astype(np.int64), cols.astype(np.int64), vals_arr))

    def substitute(self, x: np.ndarray, z: np.ndarray, constant: np.ndarray) -> None:
        """Let HiGHS see column x as ``x - z + constant`` (z must be in no row yet)."""
        self.substituted.append((x.astype(np.int64), z.astype(np.int64), constant))

    def build(self, sets: _Sets) -> SupplyLp:
        rows = np.concatenate([t[0] for t in self.triplets])
        cols = np.concatenate([t[1] for t in self.triplets])
        vals = np.concatenate([t[2] for t in self.triplets])
        matrix = sp.coo_array((vals, (rows, cols)), shape=(self.n_rows, self.n_cols)).tocsr()
        matrix.sum_duplicates()
        cost = np.concatenate(self.cost)
        row_lower, row_upper = np.concatenate(self.row_lower), np.concatenate(self.row_upper)
        substitution = self._substitution(cost)
        solver_cost = cost
        if substitution.size:
            matrix, solver_cost, row_lower, row_upper = _substituted(
                matrix, cost, substitution, row_lower, row_upper
            )
        matrix.eliminate_zeros()
        return SupplyLp(
            cost=solver_cost,
            col_lower=np.concatenate(self.lower),
            col_upper=np.concatenate(self.upper),
            matrix=matrix,
            row_lower=row_lower,
            row_upper=row_upper,
            columns=self.columns,
            rows=self.rows,
            penalty_cost=np.concatenate(self.penalty),
            pairs=sets.pairs,
            opening_backlog=sets.opening_backlog,
            value_cost=cost,
            substitution=substitution,
        )

    def _substitution(self, cost: np.ndarray) -> Substitution:
        if not self.substituted:
            empty = np.zeros(0, dtype=np.int64)
            return Substitution(empty, empty, np.zeros(0), 0.0)
        x = np.concatenate([s[0] for s in self.substituted])
        z = np.concatenate([s[1] for s in self.substituted])
        constant = np.concatenate([s[2] for s in self.substituted])
        return Substitution(x, z, constant, float(cost[x] @ constant))


def _substituted(
    matrix: sp.csr_array,
    cost: np.ndarray,
    sub: Substitution,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
) -> tuple[sp.csr_array, np.ndarray, np.ndarray, np.ndarray]:
    """The LP in y and z instead of x: matrix, cost, row lower and upper bounds.

    x's column becomes y's, z gets minus x's entries and cost, and each row's bounds move
    by x's entry times c.
    """
    n_cols = matrix.shape[1]
    of_x = sp.csr_array(matrix[:, sub.x])  # the x columns, in the order of sub.x
    shift = of_x @ sub.constant
    onto_z = sp.csr_array(
        (-np.ones(sub.size), (np.arange(sub.size), sub.z)), shape=(sub.size, n_cols)
    )
    out = sp.csr_array(matrix + of_x @ onto_z)
    solver_cost = cost.copy()
    solver_cost[sub.z] -= cost[sub.x]
    return out, solver_cost, row_lower - shift, row_upper - shift


@dataclass(frozen=True, slots=True)
class _Sets:
    """Positions of products, periods, segments and resources, and per-product data."""

    n_periods: int
    products: pd.DataFrame
    pairs: pd.DataFrame
    """(product, segment) pairs with demand or backlog: product_id, segment, p, s, weight."""
    demand: np.ndarray
    """Demand per pair and period, shape (pairs, periods)."""
    opening_backlog: np.ndarray
    safety_stock: np.ndarray
    """Safety stock per product and period, shape (products, periods)."""
    capacity: pd.DataFrame
    labour: pd.DataFrame
    receipts: np.ndarray
    """Scheduled receipts per product and period."""


def build_lp(problem: SupplyProblem, *, elastic: bool = False) -> SupplyLp:
    """Build the LP of a prepared problem (see `snop.supply.problem.prepare`)."""
    sets = _sets(problem)
    b = _Builder()
    make = _make_columns(b, problem, sets, elastic)
    buy = _buy_columns(b, problem, sets, elastic)
    holding = 0.0 if elastic else _per_product(sets, "holding_cost")
    inv = b.add_columns("inv", _grid(sets, "p"), holding)
    ship, back = _segment_columns(b, problem, sets, elastic)
    ot = _overtime_columns(b, problem, sets, elastic)
    work = _labour_columns(b, sets, elastic)
    _balance_rows(b, sets, make, buy, inv, ship)
    _backlog_rows(b, sets, ship, back)
    _capacity_rows(b, problem, sets, make, ot, work)
    _labour_rows(b, sets, ot, work)
    _safety_stock_rows(b, problem, sets, inv, elastic)
    _end_rows(b, sets, inv, back, elastic)
    _fence_rows(b, problem, sets, make, elastic)
    if not elastic and problem.settings.strategy is Strategy.LEVEL:
        _level_rows(b, sets, make)
    if not elastic and problem.settings.strategy is Strategy.CHASE:
        _chase_rows(b, sets, inv)
    return b.build(sets)


def _sets(problem: SupplyProblem) -> _Sets:
    periods = problem.periods
    n_t = len(periods)
    products = problem.products.reset_index(drop=True).copy()
    products["p"] = np.arange(len(products))
    p_of = pd.Series(products["p"].to_numpy(), index=products["product_id"])
    weights = problem.segment_weights()
    inventory = products[["product_id"]].merge(problem.inventory, on="product_id", how="left")
    opening = inventory.fillna({"on_hand": 0.0, "backlog": 0.0})
    products["on_hand"] = opening["on_hand"].to_numpy(dtype=float)
    products["opening_backlog"] = opening["backlog"].to_numpy(dtype=float)

    demand = (
        problem.demand.groupby(["product_id", "segment", "period"])["quantity"].sum().reset_index()
    )
    owed = products.loc[products["opening_backlog"] > 0, ["product_id"]]
    known = _known_backlog(problem, owed)
    unknown = owed[~owed["product_id"].isin(known["product_id"])]
    pairs: pd.DataFrame = pd.concat(
        [
            demand[["product_id", "segment"]],
            known[["product_id", "segment"]],
            _backlog_segments(unknown, demand, problem),
        ]
    ).drop_duplicates()
    pairs = pairs.sort_values(["product_id", "segment"]).reset_index(drop=True)
    pairs["p"] = p_of.reindex(pairs["product_id"]).to_numpy()
    pairs["weight"] = weights.reindex(pairs["segment"]).to_numpy(dtype=float)
    pair_pos = pd.MultiIndex.from_frame(pairs[["product_id", "segment"]])
    t_of = pd.Series(np.arange(n_t), index=periods)
    grid = np.zeros((len(pairs), n_t))
    rows = pair_pos.get_indexer(pd.MultiIndex.from_frame(demand[["product_id", "segment"]]))
    grid[rows, t_of.reindex(demand["period"]).to_numpy()] = demand["quantity"].to_numpy()
    opening_backlog = _split_backlog(pairs, grid, products)
    if not known.empty:
        by_pair = known.groupby(["product_id", "segment"])["quantity"].sum().reindex(pair_pos)
        listed = pairs["product_id"].isin(known["product_id"]).to_numpy()
        opening_backlog = np.where(listed, by_pair.fillna(0.0).to_numpy(float), opening_backlog)

    safety = np.zeros((len(products), n_t))
    if not problem.safety_stock.empty:
        ss = problem.safety_stock
        ss = ss[ss["period"].isin(periods) & ss["product_id"].isin(p_of.index)]
        safety[p_of.reindex(ss["product_id"]).to_numpy(), t_of.reindex(ss["period"]).to_numpy()] = (
            ss["safety_stock"].to_numpy(dtype=float)
        )
    capacity = problem.capacity_table()
    capacity["r"] = capacity["resource_id"].map(
        pd.Series(np.arange(len(problem.resources)), index=problem.resources["resource_id"])
    )
    capacity["t"] = capacity["period"].map(t_of)
    labour = problem.labour.reset_index(drop=True).copy()
    if not labour.empty:
        labour["r"] = labour["resource_id"].map(
            pd.Series(np.arange(len(problem.resources)), index=problem.resources["resource_id"])
        )
        labour["l"] = np.arange(len(labour))
    return _Sets(
        n_t,
        products,
        pairs,
        grid,
        opening_backlog,
        safety,
        capacity,
        labour,
        problem.receipts_grid(),
    )


def _known_backlog(problem: SupplyProblem, owed: pd.DataFrame) -> pd.DataFrame:
    """The opening backlog by segment where the problem knows whose orders wait.

    Only products whose segment rows add up to their opening backlog are taken; the others
    are split by demand share, so the plan never owes more or less than the inventory says.
    """
    given = problem.segment_backlog
    if given.empty:
        return pd.DataFrame(columns=["product_id", "segment", "quantity"])
    given = given[given["segment"].isin(problem.segments["segment"]) & (given["quantity"] > 0)]
    totals = given.groupby("product_id")["quantity"].sum()
    opening = problem.inventory.groupby("product_id")["backlog"].sum()
    agree = np.isclose(totals, opening.reindex(totals.index).fillna(0.0), rtol=1e-6, atol=1e-6)
    matching = totals.index[agree & totals.index.isin(owed["product_id"])]
    out: pd.DataFrame = given[given["product_id"].isin(matching)]
    return out


def _backlog_segments(
    owed: pd.DataFrame, demand: pd.DataFrame, problem: SupplyProblem
) -> pd.DataFrame:
    """Products owed before the plan starts but with no demand get the top-priority segment."""
    top = problem.segments.sort_values("priority")["segment"].iloc[0]
    without = owed[~owed["product_id"].isin(demand["product_id"])]
    return without.assign(segment=top)


def _split_backlog(pairs: pd.DataFrame, grid: np.ndarray, products: pd.DataFrame) -> np.ndarray:
    """Opening backlog per pair: the product's backlog split by each segment's demand share."""
    share = grid.sum(axis=1)
    totals = pd.Series(share).groupby(pairs["p"].to_numpy()).transform("sum").to_numpy()
    counts = pairs.groupby("p")["p"].transform("size").to_numpy()
    fraction = np.where(totals > 0, share / np.where(totals > 0, totals, 1.0), 1.0 / counts)
    opening: np.ndarray = products["opening_backlog"].to_numpy(dtype=float)
    split: np.ndarray = opening[pairs["p"].to_numpy()] * fraction
    return split


def _grid(sets: _Sets, key: str) -> pd.DataFrame:
    """Keys of a (product, period) block: p, t."""
    n_p, n_t = len(sets.products), sets.n_periods
    return pd.DataFrame({key: np.repeat(np.arange(n_p), n_t), "t": np.tile(np.arange(n_t), n_p)})


def _per_product(sets: _Sets, column: str) -> np.ndarray:
    return np.repeat(sets.products[column].to_numpy(dtype=float), sets.n_periods)


def _make_columns(b: _Builder, problem: SupplyProblem, sets: _Sets, elastic: bool) -> Block:
    keys = _grid(sets, "p")
    lead = sets.products["lead_time"].to_numpy()[keys["p"].to_numpy()]
    keys = keys[keys["t"].to_numpy() + lead < sets.n_periods]
    cost = 0.0 if elastic else _unit_cost(problem, sets)[keys["p"].to_numpy()]
    lower, upper = np.zeros(len(keys)), np.full(len(keys), INF)
    if not elastic:
        fixed, quantity = _frozen_positions(problem, sets, keys)
        lower[fixed], upper[fixed] = quantity, quantity
    return b.add_columns("make", keys, cost, lower, upper)


def _unit_cost(problem: SupplyProblem, sets: _Sets) -> np.ndarray:
    """Cost of making one unit in house: material plus its regular hours."""
    hours_cost = problem.routings.merge(
        problem.resources[["resource_id", "regular_cost"]], on="resource_id"
    )
    per_unit = (
        (hours_cost["hours_per_unit"] * hours_cost["regular_cost"])
        .groupby(hours_cost["product_id"])
        .sum()
    )
    material: np.ndarray = sets.products["unit_cost"].to_numpy(dtype=float)
    hours: np.ndarray = per_unit.reindex(sets.products["product_id"]).fillna(0.0).to_numpy(float)
    total: np.ndarray = material + hours
    return total


def _dearest_serving_cost(problem: SupplyProblem, sets: _Sets) -> np.ndarray:
    """Per product: the most that serving one more unit inside the horizon can cost.

    Made in the first month at the dearest hour of every resource on its routing (regular
    or overtime, plus a worker hired and laid off for it on a people-driven resource) or
    bought in, and held to the end.
    A unit still owed when the horizon ends is valued above this (plus the backorders of
    the months it will still wait), so deferring work past the horizon never looks
    cheaper than doing it, whatever the capacity and labour costs.
    """
    resources = problem.resources.set_index("resource_id")
    hour = resources[["regular_cost", "overtime_cost"]].astype(float).max(axis=1)
    if not sets.labour.empty:
        labour = sets.labour.set_index("resource_id")
        worker_hour = (
            labour["cost_per_worker"] + labour["hire_cost"] + labour["layoff_cost"]
        ) / labour["hours_per_worker"].where(labour["hours_per_worker"] > 0)
        hour = hour + worker_hour.reindex(hour.index).fillna(0.0)
    routed = problem.routings.assign(
        cost=problem.routings["hours_per_unit"].to_numpy(dtype=float)
        * hour.reindex(problem.routings["resource_id"]).fillna(0.0).to_numpy()
    )
    hours = routed.groupby("product_id")["cost"].sum()
    products = sets.products
    in_house = products["unit_cost"].to_numpy(dtype=float) + hours.reindex(
        products["product_id"]
    ).fillna(0.0).to_numpy(dtype=float)
    bought = products["subcontract_cost"].fillna(0.0).to_numpy(dtype=float)
    held = products["holding_cost"].to_numpy(dtype=float) * sets.n_periods
    dearest: np.ndarray = np.maximum(in_house, bought) + held
    return dearest


def _margin(sets: _Sets) -> np.ndarray:
    """Per product: the margin lost if a customer owed a unit walks away (price - cost)."""
    products = sets.products
    margin: np.ndarray = (
        products["price"].to_numpy(dtype=float) - products["unit_cost"].to_numpy(dtype=float)
    ).clip(min=0.0)
    return margin


def _frozen_positions(
    problem: SupplyProblem, sets: _Sets, keys: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Columns of make inside the fence and their published quantities (0 if none)."""
    frozen = problem.frozen_periods
    if not frozen:
        return np.array([], dtype=np.int64), np.array([])
    t_of = {period: i for i, period in enumerate(problem.periods)}
    fence = np.isin(keys["t"].to_numpy(), [t_of[f] for f in frozen])
    published = problem.frozen.assign(
        p=problem.frozen["product_id"].map(
            pd.Series(sets.products["p"].to_numpy(), index=sets.products["product_id"])
        ),
        t=problem.frozen["period"].map(t_of),
    ).dropna(subset=["p", "t"])
    lookup = pd.Series(
        published["quantity"].to_numpy(dtype=float),
        index=pd.MultiIndex.from_arrays([published["p"].astype(int), published["t"].astype(int)]),
    )
    lookup = lookup.groupby(level=[0, 1]).sum()
    positions = np.flatnonzero(fence)
    index = pd.MultiIndex.from_frame(keys.iloc[positions][["p", "t"]])
    quantity = lookup.reindex(index).fillna(0.0).to_numpy()
    return positions, quantity


def _buy_columns(b: _Builder, problem: SupplyProblem, sets: _Sets, elastic: bool) -> Block:
    keys = _grid(sets, "p")
    allowed = sets.products["subcontract_cost"].notna().to_numpy()
    keys = keys[allowed[keys["p"].to_numpy()]]
    p = keys["p"].to_numpy()
    cost = 0.0 if elastic else sets.products["subcontract_cost"].to_numpy(dtype=float)[p]
    limit = sets.products["max_subcontract"].fillna(INF).to_numpy(dtype=float)[p]
    return b.add_columns("buy", keys, cost, upper=limit)


def _segment_columns(
    b: _Builder, problem: SupplyProblem, sets: _Sets, elastic: bool
) -> tuple[Block, Block]:
    n_k, n_t = len(sets.pairs), sets.n_periods
    keys = pd.DataFrame({"k": np.repeat(np.arange(n_k), n_t), "t": np.tile(np.arange(n_t), n_k)})
    ship = b.add_columns("ship", keys, 0.0)
    pair_p = sets.pairs["p"].to_numpy()
    backorder = sets.products["backorder_cost"].to_numpy(dtype=float)[pair_p]
    weighted = np.repeat(backorder * sets.pairs["weight"].to_numpy(), n_t)
    back = b.add_columns("back", keys, 0.0 if elastic else weighted)
    end = keys["t"].to_numpy() == n_t - 1
    lead = sets.products["lead_time"].to_numpy(dtype=float)[pair_p]
    waiting = backorder * sets.pairs["weight"].to_numpy() * (lead + 1.0)
    owed_cost = (
        np.maximum(_dearest_serving_cost(problem, sets)[pair_p] + waiting, _margin(sets)[pair_p])
        + _TIE_BREAK
    )
    owed = b.add_columns("owed_at_end", keys[end], 0.0 if elastic else owed_cost)
    rows = b.add_rows("owed_at_end", keys[end], 0.0, 0.0)
    b.add_terms(rows.start + np.arange(rows.size), owed.start + np.arange(owed.size), 1.0)
    b.add_terms(rows.start + np.arange(rows.size), back.start + np.flatnonzero(end), -1.0)
    return ship, back


def _overtime_columns(b: _Builder, problem: SupplyProblem, sets: _Sets, elastic: bool) -> Block:
    cap = sets.capacity
    resources = problem.resources.reset_index(drop=True)
    premium = (resources["overtime_cost"] - resources["regular_cost"]).clip(lower=0.0)
    people = set(sets.labour["resource_id"]) if not sets.labour.empty else set()
    upper = np.where(
        cap["resource_id"].isin(people), INF, cap["overtime_capacity"].fillna(0.0)
    ).astype(float)
    cost = 0.0 if elastic else premium.to_numpy()[cap["r"].to_numpy()]
    return b.add_columns("ot", cap[["r", "t"]], cost, upper=upper)


def _labour_columns(b: _Builder, sets: _Sets, elastic: bool) -> Block | None:
    if sets.labour.empty:
        return None
    n_l, n_t = len(sets.labour), sets.n_periods
    keys = pd.DataFrame({"l": np.repeat(np.arange(n_l), n_t), "t": np.tile(np.arange(n_t), n_l)})

    def cost(column: str) -> np.ndarray | float:
        return 0.0 if elastic else np.repeat(sets.labour[column].to_numpy(dtype=float), n_t)

    work = b.add_columns("work", keys, cost("cost_per_worker"))
    b.add_columns("hire", keys, cost("hire_cost"))
    b.add_columns("fire", keys, cost("layoff_cost"))
    return work


def _balance_rows(
    b: _Builder, sets: _Sets, make: Block, buy: Block, inv: Block, ship: Block
) -> None:
    """Stock carried in + made + bought - shipped = stock carried out, per product-period."""
    n_t = sets.n_periods
    keys = _grid(sets, "p")
    rhs = -sets.receipts.ravel()
    rhs[keys["t"].to_numpy() == 0] -= sets.products["on_hand"].to_numpy(dtype=float)
    rows = b.add_rows("balance", keys, rhs, rhs)
    row_of = rows.start + np.arange(rows.size)  # row index = p * n_t + t
    b.add_terms(row_of, inv.start + np.arange(inv.size), -1.0)
    carried = keys["t"].to_numpy() >= 1
    b.add_terms(row_of[carried], inv.start + np.flatnonzero(carried) - 1, 1.0)
    mk = make.keys
    arrive = mk["p"].to_numpy() * n_t + mk["t"].to_numpy()
    arrive = arrive + sets.products["lead_time"].to_numpy()[mk["p"].to_numpy()]
    b.add_terms(rows.start + arrive, make.start + np.arange(make.size), 1.0)
    bk = buy.keys
    b.add_terms(
        rows.start + bk["p"].to_numpy() * n_t + bk["t"].to_numpy(),
        buy.start + np.arange(buy.size),
        1.0,
    )
    sk = ship.keys
    product = sets.pairs["p"].to_numpy()[sk["k"].to_numpy()]
    b.add_terms(
        rows.start + product * n_t + sk["t"].to_numpy(), ship.start + np.arange(ship.size), -1.0
    )


def _backlog_rows(b: _Builder, sets: _Sets, ship: Block, back: Block) -> None:
    """Owed before + demand = shipped + owed after, per product-segment-period."""
    demand = sets.demand.copy()
    demand[:, 0] += sets.opening_backlog
    rhs = demand.ravel()
    rows = b.add_rows("backlog", ship.keys, rhs, rhs)
    row_of = rows.start + np.arange(rows.size)
    b.add_terms(row_of, ship.start + np.arange(ship.size), 1.0)
    b.add_terms(row_of, back.start + np.arange(back.size), 1.0)
    carried = back.keys["t"].to_numpy() >= 1
    b.add_terms(row_of[carried], back.start + np.flatnonzero(carried) - 1, -1.0)


def _capacity_rows(
    b: _Builder, problem: SupplyProblem, sets: _Sets, make: Block, ot: Block, work: Block | None
) -> None:
    """Hours loaded by production - overtime (- workers' hours) <= regular hours."""
    n_t = sets.n_periods
    cap = sets.capacity
    people = sets.labour.set_index("resource_id") if not sets.labour.empty else pd.DataFrame()
    is_people = cap["resource_id"].isin(people.index).to_numpy()
    upper = np.where(is_people, 0.0, cap["capacity"].to_numpy(dtype=float))
    rows = b.add_rows("capacity", cap[["r", "t"]], -INF, upper)  # row = r * n_t + t
    b.add_terms(rows.start + np.arange(rows.size), ot.start + np.arange(ot.size), -1.0)
    route = problem.routings.assign(
        p=problem.routings["product_id"].map(
            pd.Series(sets.products["p"].to_numpy(), index=sets.products["product_id"])
        ),
        r=problem.routings["resource_id"].map(
            pd.Series(np.arange(len(problem.resources)), index=problem.resources["resource_id"])
        ),
    )
    mk = make.keys.assign(col=make.start + np.arange(make.size))
    loads = mk.merge(route[["p", "r", "hours_per_unit"]], on="p")
    b.add_terms(
        rows.start + loads["r"].to_numpy() * n_t + loads["t"].to_numpy(),
        loads["col"].to_numpy(),
        loads["hours_per_unit"].to_numpy(dtype=float),
    )
    if work is not None:
        wk = work.keys
        labour = sets.labour
        r = labour["r"].to_numpy()[wk["l"].to_numpy()]
        hours = labour["hours_per_worker"].to_numpy(dtype=float)[wk["l"].to_numpy()]
        b.add_terms(
            rows.start + r * n_t + wk["t"].to_numpy(), work.start + np.arange(work.size), -hours
        )


def _labour_rows(b: _Builder, sets: _Sets, ot: Block, work: Block | None) -> None:
    """Workers this month = last month + hired - laid off; overtime within workers' limit."""
    if work is None:
        return
    n_t = sets.n_periods
    labour = sets.labour
    keys = work.keys
    l_idx, t_idx = keys["l"].to_numpy(), keys["t"].to_numpy()
    rhs = np.where(t_idx == 0, labour["workers"].to_numpy(dtype=float)[l_idx], 0.0)
    rows = b.add_rows("workforce", keys, rhs, rhs)
    row_of = rows.start + np.arange(rows.size)
    cols = np.arange(work.size)
    hire, fire = b.columns["hire"], b.columns["fire"]
    b.add_terms(row_of, work.start + cols, 1.0)
    b.add_terms(row_of[t_idx >= 1], work.start + cols[t_idx >= 1] - 1, -1.0)
    b.add_terms(row_of, hire.start + cols, -1.0)
    b.add_terms(row_of, fire.start + cols, 1.0)
    limit = b.add_rows("labour_overtime", keys, -INF, 0.0)
    r = labour["r"].to_numpy()[l_idx]
    b.add_terms(limit.start + cols, ot.start + r * n_t + t_idx, 1.0)
    per_worker = labour["overtime_hours_per_worker"].to_numpy(dtype=float)[l_idx]
    b.add_terms(limit.start + cols, work.start + cols, -per_worker)


def _safety_stock_rows(
    b: _Builder, problem: SupplyProblem, sets: _Sets, inv: Block, elastic: bool
) -> None:
    """Stock + shortfall >= safety stock: a soft floor, cheaper to break than a backorder.

    No row: the stock is substituted by what is above the floor, less the shortfall, plus
    the floor (see the module's doc); the shortfall is at most the floor, so the stock is
    never negative, and no optimum needs more (a shortfall beyond the floor costs and
    buys nothing).
    """
    target = sets.safety_stock.ravel()
    has = np.flatnonzero(target > 0)
    if has.size == 0:
        return
    keys = _grid(sets, "p").iloc[has]
    p, t = keys["p"].to_numpy(), keys["t"].to_numpy()
    products = sets.products
    holding = products["holding_cost"].to_numpy(dtype=float)[p]
    backorder = products["backorder_cost"].to_numpy(dtype=float)[p]
    penalty = (holding + backorder) / 2.0
    if problem.settings.keep_end_safety_stock:
        last = t == sets.n_periods - 1
        # Stock missing at the end must be made later: it costs a unit and its holding.
        penalty[last] += _unit_cost(problem, sets)[p[last]] + holding[last]
    short = b.add_columns("short", keys, 0.0 if elastic else penalty, upper=target[has])
    b.substitute(inv.start + has, short.start + np.arange(short.size), target[has])


def _end_rows(b: _Builder, sets: _Sets, inv: Block, back: Block, elastic: bool) -> None:
    """The promises at the end of the horizon: minimum stock and maximum backlog."""
    n_t = sets.n_periods
    products = sets.products
    target = products["end_inventory"].to_numpy(dtype=float)
    has = np.flatnonzero(target > 0)
    if has.size:
        rows = b.add_rows("end_inventory", pd.DataFrame({"p": has}), target[has], INF)
        b.add_terms(rows.start + np.arange(has.size), inv.start + has * n_t + n_t - 1, 1.0)
        if elastic:
            slack = b.add_columns("end_inventory_gap", pd.DataFrame({"p": has}), 1.0)
            b.add_terms(rows.start + np.arange(has.size), slack.start + np.arange(has.size), 1.0)
    limit = products["end_backlog"].to_numpy(dtype=float)
    limited = np.flatnonzero(np.isfinite(limit))
    if limited.size:
        rows = b.add_rows("end_backlog", pd.DataFrame({"p": limited}), -INF, limit[limited])
        row_of = pd.Series(np.arange(limited.size), index=limited)
        pair_p = sets.pairs["p"].to_numpy()
        pairs = np.flatnonzero(np.isin(pair_p, limited))
        b.add_terms(
            rows.start + row_of.reindex(pair_p[pairs]).to_numpy(),
            back.start + pairs * n_t + n_t - 1,
            1.0,
        )
        if elastic:
            slack = b.add_columns("end_backlog_gap", pd.DataFrame({"p": limited}), 1.0)
            b.add_terms(
                rows.start + np.arange(limited.size), slack.start + np.arange(limited.size), -1.0
            )


def _fence_rows(
    b: _Builder, problem: SupplyProblem, sets: _Sets, make: Block, elastic: bool
) -> None:
    """Elastic mode only: published production as a row with slack both ways."""
    if not elastic:
        return
    positions, quantity = _frozen_positions(problem, sets, make.keys)
    if positions.size == 0:
        return
    keys = make.keys.iloc[positions]
    rows = b.add_rows("fence", keys, quantity, quantity)
    row_of = rows.start + np.arange(rows.size)
    b.add_terms(row_of, make.start + positions, 1.0)
    over = b.add_columns("fence_over", keys, 1.0)
    under = b.add_columns("fence_under", keys, 1.0)
    b.add_terms(row_of, over.start + np.arange(over.size), -1.0)
    b.add_terms(row_of, under.start + np.arange(under.size), 1.0)


def _level_rows(b: _Builder, sets: _Sets, make: Block) -> None:
    """Level: every change of a product's production from one month to the next is penalised.

    Each unit of change costs half a lowest-priority backorder: a one-month dip (down and
    back up) costs as much as one such backorder, so the plan builds stock ahead for
    months rather than change its rate, yet dips where capacity forces it (a holiday month)
    rather than make customers wait.
    """
    mk = make.keys.reset_index(drop=True)
    follows = (mk["p"].shift(1) == mk["p"]).to_numpy()
    cur = np.flatnonzero(follows)
    keys = mk.iloc[cur]
    backorder = sets.products["backorder_cost"].to_numpy(dtype=float)[keys["p"].to_numpy()]
    penalty = np.maximum(_LEVEL_SHARE * backorder, 1e-3)
    up = b.add_columns("up", keys, penalty, penalty=penalty)
    down = b.add_columns("down", keys, penalty, penalty=penalty)
    rows = b.add_rows("level", keys, 0.0, 0.0)
    row_of = rows.start + np.arange(rows.size)
    b.add_terms(row_of, make.start + cur, 1.0)
    b.add_terms(row_of, make.start + cur - 1, -1.0)
    b.add_terms(row_of, up.start + np.arange(up.size), -1.0)
    b.add_terms(row_of, down.start + np.arange(down.size), 1.0)


def _chase_rows(b: _Builder, sets: _Sets, inv: Block) -> None:
    """Chase: stock above safety stock (or the end target) costs almost a backorder a month."""
    keys = _grid(sets, "p")
    p = keys["p"].to_numpy()
    products = sets.products
    target = sets.safety_stock.ravel().copy()
    last = keys["t"].to_numpy() == sets.n_periods - 1
    target[last] = np.maximum(
        target[last], products["end_inventory"].to_numpy(dtype=float)[p[last]]
    )
    penalty = _CHASE_SHARE * products["backorder_cost"].to_numpy(dtype=float)[p]
    excess = b.add_columns("excess", keys, penalty, penalty=penalty)
    rows = b.add_rows("chase", keys, -INF, target)
    row_of = rows.start + np.arange(rows.size)
    b.add_terms(row_of, inv.start + np.arange(inv.size), 1.0)
    b.add_terms(row_of, excess.start + np.arange(excess.size), -1.0)
