"""Inventory policy of a monthly plan: safety stock, service targets and days of supply.

The plan is reviewed once a month and what is ordered today arrives after the product's
lead time, so the stock must absorb the forecast error over the lead time *plus* the
one-month review period (the protection interval). That error is measured, not assumed:
the rolling-origin backtest gives the standard deviation of the monthly forecast error
per month ahead (``error_std`` per ``step``), and :func:`protection_sigma` adds it up
over the protection interval.

Two service measures turn that sigma into stock, both assuming normally distributed
forecast errors:

- cycle service level (CSL): the probability of not running out during a replenishment
  cycle, ``k = Phi^-1(CSL)``;
- fill rate: the fraction of demand served from stock. The expected shortage per
  replenishment cycle is ``ESC = sigma * G(k)``, with ``G`` the standard normal loss
  function, and the fill rate is ``1 - ESC / cycle demand`` (Chopra & Meindl, *Supply
  Chain Management*, chapter "Managing Uncertainty in a Supply Chain: Safety
  Inventory"). The replenishment cycle of a monthly plan is one month, so the cycle
  demand is the month's demand.

The safety stock is ``max(k * sigma, 0)``. A negative ``k`` is legitimate under a fill-rate
target (a large month with little uncertainty reaches the fill rate with the cycle stock
alone); stock below zero is not, hence the floor.

Units and conventions used throughout this package:

- quantities and sigmas are in the product's unit per month;
- lead times are whole months; service targets are fractions (0.95 = 95 %);
- periods are 'YYYY-MM' strings; days of supply are calendar days.

The package is pure: frames in, frames out; no I/O, no clock. ``safety_factors`` holds the
normal-error maths, ``safety_stock`` the protection sigma and the stocks, ``coverage`` the
days of supply and stock targets, ``checks`` the frame contracts and input checks.
"""

from __future__ import annotations

from snop.supply.policy.checks import (
    BY_PRODUCT_COLUMNS,
    BY_SEGMENT_COLUMNS,
    DEMAND_COLUMNS,
    ERROR_COLUMNS,
    INVENTORY_COLUMNS,
    MEASURES,
    PRODUCT_DEMAND_COLUMNS,
    SIGMA_COLUMNS,
    TARGET_COLUMNS,
    FloatArray,
    Measure,
)
from snop.supply.policy.coverage import TAIL_MONTHS, days_of_supply, inventory_targets
from snop.supply.policy.safety_factors import (
    fill_rate_of,
    normal_loss,
    safety_factor_cycle_service,
    safety_factor_fill_rate,
)
from snop.supply.policy.safety_stock import (
    backtest_safety_stocks,
    protection_sigma,
    safety_stocks,
)

__all__ = [
    "BY_PRODUCT_COLUMNS",
    "BY_SEGMENT_COLUMNS",
    "DEMAND_COLUMNS",
    "ERROR_COLUMNS",
    "INVENTORY_COLUMNS",
    "MEASURES",
    "PRODUCT_DEMAND_COLUMNS",
    "SIGMA_COLUMNS",
    "TAIL_MONTHS",
    "TARGET_COLUMNS",
    "FloatArray",
    "Measure",
    "backtest_safety_stocks",
    "days_of_supply",
    "fill_rate_of",
    "inventory_targets",
    "normal_loss",
    "protection_sigma",
    "safety_factor_cycle_service",
    "safety_factor_fill_rate",
    "safety_stocks",
]
