"""What needs attention in the plan of record, ranked by the money at stake.

The monthly S&OP review has no time to read every table. This module scans the plan and
the numbers around it (forecast bias, overrides that hurt accuracy, the strategy
scorecard) and returns one row per *exception*: a sentence saying what, where and how
much, the role that owns it and what they should do. Rows are ranked by money at stake so
the meeting starts with what matters most.

Money at stake, by kind (always a positive amount; the sentence says which way):

- ``forecast_bias``: ``|bias| x forecast_next x price``, the value of the forecast that is
  wrong if the bias persists over the next plan months;
- ``below_safety_stock``: the largest shortfall of the run x standard cost, the stock
  missing (a shortfall lasting three months is the same units missing, not three times);
- ``over_max_stock``: the largest excess of the run x standard cost, the cash tied up;
- ``over_capacity``: hours over the limit x the resource's overtime rate;
- ``under_utilised``: idle hours below the utilisation floor x its regular rate;
- ``service_below_target``: units not shipped on time x price, the revenue delayed;
- ``<metric>_gap`` (``revenue_gap``, ``margin_gap``, ...): the scorecard's ``gap_money``;
- ``override_hurt_accuracy``: extra error units x price.

Amounts of different kinds overlap (late units can show up in the service exception and
in a revenue gap), so the ``money`` column ranks exceptions but is not meant to be summed.

The package is pure: frames in, a frame out; no I/O, no clock. ``inputs`` holds what it
reads and the thresholds, ``context`` the lookups every kind shares, one module per area
finds its kinds (``forecast``, ``stock``, ``capacity``, ``service``, ``scorecard``) and
``find`` ranks them all.
"""

from __future__ import annotations

from snop.reconcile.exceptions.find import find_exceptions
from snop.reconcile.exceptions.inputs import (
    COLUMNS,
    KINDS,
    NEXT_MONTHS,
    OWNERS,
    ExceptionInputs,
    Thresholds,
)

__all__ = [
    "COLUMNS",
    "KINDS",
    "NEXT_MONTHS",
    "OWNERS",
    "ExceptionInputs",
    "Thresholds",
    "find_exceptions",
]
