"""A tiny company for the simulation tests: two products, two segments, one resource.

Product A (lead time 0) and B (lead time 1) are made on one line of 100 hours a month
(+20 overtime), 1 hour a unit. Key (priority 1, target 0.98) buys through customer K,
Web (priority 2, target 0.90) through W. History: 2025-01 .. 2026-12, orders
``ORDERS`` units a month of each product for each customer unless a test sets others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from snop.frames import period_range
from snop.simulate.world import Company, company

MONTHS = period_range("2025-01", "2026-12")
ORDERS = 10.0


def products(**overrides: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "product_id": ["A", "B"],
            "family": ["F", "F"],
            "price": [10.0, 20.0],
            "unit_cost": [4.0, 8.0],
            "holding_cost": [0.1, 0.2],
            "backorder_cost": [1.0, 2.0],
            "lead_time": [0, 1],
            "subcontract_cost": [np.nan, 9.0],
            "max_subcontract": [np.nan, 5.0],
            "status": ["active", "active"],
        }
    )
    for column, value in overrides.items():
        frame[column] = value
    return frame


def segments() -> pd.DataFrame:
    return pd.DataFrame(
        {"segment": ["Key", "Web"], "service_target": [0.98, 0.90], "priority": [1, 2]}
    )


def customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["K", "W"], "segment": ["Key", "Web"]})


def resources(capacity: float = 100.0, overtime: float = 20.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resource_id": ["LINE"],
            "capacity": [capacity],
            "overtime_capacity": [overtime],
            "regular_cost": [2.0],
            "overtime_cost": [3.0],
        }
    )


def routings() -> pd.DataFrame:
    return pd.DataFrame(
        {"product_id": ["A", "B"], "resource_id": ["LINE", "LINE"], "hours_per_unit": [1.0, 1.0]}
    )


def history(orders: dict[tuple[str, str, str], float] | None = None) -> pd.DataFrame:
    """Every month x product x customer at ``ORDERS``, with ``orders`` replacing some."""
    rows = [
        (month, product, customer, ORDERS)
        for month in MONTHS
        for product in ("A", "B")
        for customer in ("K", "W")
    ]
    frame = pd.DataFrame(rows, columns=["period", "product_id", "customer_id", "ordered"])
    for (month, product, customer), quantity in (orders or {}).items():
        mask = (
            (frame["period"] == month)
            & (frame["product_id"] == product)
            & (frame["customer_id"] == customer)
        )
        frame.loc[mask, "ordered"] = quantity
    frame["shipped"] = frame["ordered"]
    return frame


def world(
    *,
    orders: dict[tuple[str, str, str], float] | None = None,
    capacity: float = 100.0,
    overtime: float = 20.0,
    **product_overrides: object,
) -> Company:
    return company(
        products=products(**product_overrides),
        segments=segments(),
        customers=customers(),
        resources=resources(capacity, overtime),
        routings=routings(),
        history=history(orders),
    )
