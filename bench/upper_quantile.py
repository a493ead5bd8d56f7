"""Experiment policy: snop's cycle planning against an upper quantile of its forecast.

The idea tested: when peak capacity binds, planning for more than the point forecast makes
the plan pre-build in idle winter months. Each product x segment x month is planned at the
forecast plus ``z`` standard deviations, the deviation read from the 80% interval. Run::

    snop --db demo.db simulate --policy snop --no-frontier \
        --add bench/upper_quantile.py:upper_p75 --add bench/upper_quantile.py:upper_p62

Figures in bench/RESULTS.md ("Why snop does not win on the demo company").
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from snop.demand.plan import CONSENSUS
from snop.simulate.policies import PolicyContext, SnopPolicy

Z_80 = 1.2816
"""Standard normal quantile of the 80% interval's upper bound."""


@dataclass(frozen=True, slots=True)
class UpperQuantilePolicy(SnopPolicy):
    """snop's cycle with the consensus raised to the forecast's mean + ``z`` sigma."""

    z: float = 0.674

    def _demand(self, context: PolicyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
        demand = self.demand_plan(context)
        values = demand.values[demand.values["stream"] == CONSENSUS]
        sigma = (values["hi_80"] - values["quantity"]).clip(lower=0).fillna(0) / Z_80
        raised = values.assign(quantity=values["quantity"] + self.z * sigma)
        columns = ["product_id", "segment", "period", "quantity"]
        return raised[columns].reset_index(drop=True), demand.backtest_errors


upper_p75 = UpperQuantilePolicy(z=0.674)
"""Planned at the 75th percentile of the forecast."""
upper_p62 = UpperQuantilePolicy(z=0.319)
"""Planned at the 62.5th percentile of the forecast."""
