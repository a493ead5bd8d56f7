"""The demand plan's streams: a product sold to one segment is forecast once, not twice."""

from __future__ import annotations

import pandas as pd

from simulate_cases import customers, history, products, segments
from snop.demand.forecast import ForecastSettings
from snop.demand.plan import CONSENSUS, OVERRIDE_COLUMNS, DemandInputs, plan_demand

QUICK = ForecastSettings(
    horizon=3,
    backtest_windows=1,
    backtest_horizon=3,
    models={"continuous": ["AutoETS"], "intermittent": ["CrostonOptimized"]},
    method="select",
)


def test_a_product_of_one_segment_is_forecast_once_and_reads_the_same() -> None:
    orders = history()
    orders = orders[~((orders["product_id"] == "B") & (orders["customer_id"] == "W"))]
    inputs = DemandInputs(
        history=orders,
        products=products(),
        customers=customers(),
        segments=segments(),
        events=pd.DataFrame(columns=["product_id", "family", "period_from", "period_to"]),
        overrides=pd.DataFrame(columns=list(OVERRIDE_COLUMNS)),
    )
    said: list[str] = []
    plan = plan_demand(inputs, QUICK, progress=lambda stage, _done, _total: said.append(stage))
    models = plan.models.set_index("unique_id")
    # A: A|Key, A|Web and product A; B: B|Key only, so product B is its copy.
    # total, family F, 2 segments, products A and B, 3 bottom: 9 nodes, B forecast once.
    assert "forecasting 8 series" in said
    product_b = models[(models["level"] == "product") & (models["product_id"] == "B")]
    bottom_b = models[(models["level"] == "product_segment") & (models["product_id"] == "B")]
    assert len(product_b) == 1 and product_b["model"].iloc[0] == bottom_b["model"].iloc[0]
    consensus = plan.values[plan.values["stream"] == CONSENSUS]
    assert set(consensus[consensus["product_id"] == "B"]["segment"]) == {"Key"}
    assert (consensus["quantity"] > 0).all()
