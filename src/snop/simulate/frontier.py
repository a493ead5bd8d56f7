"""The price of service under the simple rules: each rule's service-stock curve.

A rule that keeps little stock serves badly, and with more stock it serves better, so one
point per policy does not say which is better when they land at different service
levels: the seasonal naive rule keeps no buffer and serves less, snop holds safety stock
for its service targets and serves more. Each rule is therefore replayed again with more
and more cover - `BUFFERS` months of its own forecast on top of what it would make - which
traces the stock it needs for each fill rate. Read at snop's fill rate, the curve says how
much stock the rule needs to serve as well; read at snop's stock, how well it serves with
as much. That is the comparison a finance director asks for: the same service for less
money, or better service for the same money.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from snop.simulate.engine import PolicyRun, Progress, SimulationResult, SimulationSettings, simulate
from snop.simulate.policies import MinMaxPolicy, NaivePolicy, Policy
from snop.simulate.world import Company

BUFFERS: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
"""Months of cover added to a rule, from none to a quarter of a year."""
TUNABLE: dict[str, Callable[[float], Policy]] = {
    "naive": lambda months: NaivePolicy(safety_months=months),
    "minmax": lambda months: MinMaxPolicy(safety_months=months),
}
"""The built-in rules whose buffer can be turned up, by name."""
CURVE_COLUMNS = (
    "policy",
    "safety_months",
    "fill_rate",
    "value_fill_rate",
    "inventory_value",
    "total_cost",
)
EQUAL_COLUMNS = (
    "policy",
    "fill_rate",
    "inventory_value",
    "stock_needed",
    "stock_ratio",
    "cover_needed",
    "fill_at_stock",
    "best_fill",
    "reach",
)
"""``reach``: 'below' (the rule with no buffer already serves as well), 'on' (the curve
passes the fill rate) or 'above' (even the largest buffer does not serve as well)."""


def run_name(policy: str, months: float) -> str:
    """The name of a rule's run with ``months`` of cover: naive+0.5."""
    return f"{policy}+{months:g}"


def trace(
    world: Company,
    settings: SimulationSettings,
    policies: Sequence[str],
    *,
    buffers: Sequence[float] = BUFFERS,
    progress: Progress | None = None,
) -> dict[str, PolicyRun]:
    """Replay each tunable rule of ``policies`` with every buffer (other names are skipped)."""
    runs = {
        run_name(name, months): TUNABLE[name](months)
        for name in policies
        if name in TUNABLE
        for months in buffers
    }
    if not runs:
        return {}
    return simulate(world, runs, settings, progress=progress).runs


def curves(result: SimulationResult, headline: pd.DataFrame) -> pd.DataFrame:
    """``CURVE_COLUMNS`` from the scored headline of the traced runs (names from `run_name`)."""
    rows = headline[headline["policy"].isin(list(result.runs))]
    if rows.empty:
        return pd.DataFrame(columns=list(CURVE_COLUMNS))
    split = rows["policy"].str.rsplit("+", n=1, expand=True)
    out = rows.assign(policy=split[0], safety_months=split[1].astype(float))
    return out[list(CURVE_COLUMNS)].sort_values(["policy", "safety_months"]).reset_index(drop=True)


def equal_service(curve: pd.DataFrame, fill_rate: float, stock: float) -> pd.DataFrame:
    """Each rule at ``fill_rate`` and at ``stock`` (the lead policy's), from its curve.

    More cover should not serve worse nor hold less; where noise says otherwise by a
    hair, the running maximum keeps the curve monotone so it can be read both ways.
    Between two traced buffers the curve is read linearly.
    """
    rows = []
    for policy, points in curve.groupby("policy", sort=False):
        points = points.sort_values("safety_months")
        fills = np.maximum.accumulate(points["fill_rate"].to_numpy(np.float64))
        stocks = np.maximum.accumulate(points["inventory_value"].to_numpy(np.float64))
        cover = points["safety_months"].to_numpy(np.float64)
        if fill_rate <= fills[0]:
            reach, needed, months = "below", float(stocks[0]), float(cover[0])
        elif fill_rate > fills[-1]:
            reach, needed, months = "above", float("nan"), float("nan")
        else:
            reach = "on"
            needed = float(np.interp(fill_rate, fills, stocks))
            months = float(np.interp(fill_rate, fills, cover))
        at_stock = float(np.interp(stock, stocks, fills)) if stocks[0] <= stock else float("nan")
        if stock > stocks[-1]:
            at_stock = float("nan")
        rows.append(
            {
                "policy": policy,
                "fill_rate": fill_rate,
                "inventory_value": stock,
                "stock_needed": needed,
                "stock_ratio": needed / stock if stock > 0 else float("nan"),
                "cover_needed": months,
                "fill_at_stock": at_stock,
                "best_fill": float(fills[-1]),
                "reach": reach,
            }
        )
    return pd.DataFrame(rows, columns=list(EQUAL_COLUMNS))


@dataclass(frozen=True, slots=True)
class Comparison:
    """The rules' curves and where they stand at the lead policy's service and stock."""

    curves: pd.DataFrame
    equal: pd.DataFrame

    def wins(self, policy: str) -> bool | None:
        """True when ``policy`` needs more stock than the lead to serve as well.

        None when the curves cannot tell: no curve, or the rule's lowest point already
        serves better than the lead but with more stock (nothing to read it against).
        """
        row = self.equal[self.equal["policy"] == policy]
        if row.empty:
            return None
        reach, ratio = str(row["reach"].iloc[0]), float(row["stock_ratio"].iloc[0])
        if reach == "below":
            return None if ratio > 1.0 else False
        return reach == "above" or ratio > 1.0
