"""A small hand-computable plan shared by the money, KPI and scorecard tests.

The plan: products A (family Tents,
price 10, material 4, holding 1, subcontract 8) and B (Bags, price 20, material 6, holding
2, no subcontracting); one resource R (regular 2/h, overtime 5/h, so a premium of 3/h);
A takes 1 h a unit, B 2 h. Standard costs: A = 4 + 1 x 2 = 6, B = 6 + 2 x 2 = 10.
Segments Retail and Online, months 2027-01 (31 days), 2027-02 (28), 2027-03 (31).

    demand / shipped / backlog    2027-01     2027-02     2027-03
    A Retail                      10/10/0     10/8/2      10/12/0
    A Online                       5/5/0       0/0/0       5/5/0
    B Retail                       4/4/0       4/4/0       4/3/1
    B Online                       6/6/0       6/6/0       6/6/0

    production / subcontract / inventory
    A                             20/0/5      10/0/7      10/5/5
    B                             10/0/0      12/0/2       9/0/2

    R: load 40 (20 x 1 + 10 x 2), 34, 28 h; regular capacity 36, 100, 100 h;
       overtime 4, 0, 0 h.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from snop.reconcile.money import (
    plan_money,
    standard_costs,
)

MONTHS = ["2027-01", "2027-02", "2027-03"]


def products() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product_id": ["A", "B"],
            "name": ["Tent", "Bag"],
            "family": ["Tents", "Bags"],
            "price": [10.0, 20.0],
            "unit_cost": [4.0, 6.0],
            "holding_cost": [1.0, 2.0],
            "backorder_cost": [5.0, 5.0],
            "lead_time": [0, 0],
            "subcontract_cost": [8.0, np.nan],
        }
    )


def routings() -> pd.DataFrame:
    return pd.DataFrame(
        {"product_id": ["A", "B"], "resource_id": "R", "hours_per_unit": [1.0, 2.0]}
    )


def resources() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resource_id": ["R"],
            "name": ["Line"],
            "site": ["Plant"],
            "capacity": [100.0],
            "overtime_capacity": [20.0],
            "regular_cost": [2.0],
            "overtime_cost": [5.0],
        }
    )


def plan_segments() -> pd.DataFrame:
    rows = [
        ("A", "Retail", [10, 10, 10], [10, 8, 12], [0, 2, 0]),
        ("A", "Online", [5, 0, 5], [5, 0, 5], [0, 0, 0]),
        ("B", "Retail", [4, 4, 4], [4, 4, 3], [0, 0, 1]),
        ("B", "Online", [6, 6, 6], [6, 6, 6], [0, 0, 0]),
    ]
    family = {"A": "Tents", "B": "Bags"}
    return pd.DataFrame(
        [
            {
                "product_id": p,
                "family": family[p],
                "segment": s,
                "period": m,
                "demand": float(d[i]),
                "shipped": float(sh[i]),
                "backlog": float(b[i]),
            }
            for p, s, d, sh, b in rows
            for i, m in enumerate(MONTHS)
        ]
    )


def plan_products() -> pd.DataFrame:
    rows = [
        ("A", "Tents", [20, 10, 10], [0, 0, 5], [5, 7, 5], [15, 8, 17], [0, 2, 0]),
        ("B", "Bags", [10, 12, 9], [0, 0, 0], [0, 2, 2], [10, 10, 9], [0, 0, 1]),
    ]
    return pd.DataFrame(
        [
            {
                "product_id": p,
                "family": f,
                "period": m,
                "production": float(pr[i]),
                "subcontract": float(sc[i]),
                "inventory": float(inv[i]),
                "shipped": float(sh[i]),
                "backlog": float(bl[i]),
            }
            for p, f, pr, sc, inv, sh, bl in rows
            for i, m in enumerate(MONTHS)
        ]
    )


def plan_resources() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resource_id": "R",
            "name": "Line",
            "site": "Plant",
            "period": MONTHS,
            "load": [40.0, 34.0, 28.0],
            "regular_capacity": [36.0, 100.0, 100.0],
            "overtime": [4.0, 0.0, 0.0],
            "overtime_capacity": 20.0,
        }
    )


def plan_costs() -> pd.DataFrame:
    """Jan spend 100 + 72 + 12 + 5 = 189 (backorder and strategy_penalty are not spend)."""
    return pd.DataFrame(
        {
            "component": ["material", "regular_hours", "overtime", "holding", "backorder"]
            + ["strategy_penalty", "material"],
            "period": ["2027-01"] * 6 + ["2027-02"],
            "amount": [100.0, 72.0, 12.0, 5.0, 50.0, 7.0, 50.0],
        }
    )


def standard() -> pd.Series:
    return standard_costs(products(), routings(), resources())


def money() -> pd.DataFrame:
    return plan_money(
        plan_products(), plan_segments(), plan_resources(), products(), routings(), resources()
    )


def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": ["c1", "c2", "c3"], "name": "x", "segment": ["Retail", "Online", None]}
    )


def history() -> pd.DataFrame:
    """One month: c1 gets all of A, c2 3 of 5 A, c3 (no segment) 4 B against 2 ordered."""
    return pd.DataFrame(
        {
            "period": "2026-12",
            "product_id": ["A", "A", "B"],
            "customer_id": ["c1", "c2", "c3"],
            "ordered": [10.0, 5.0, 2.0],
            "shipped": [10.0, 3.0, 4.0],
        }
    )


def cells(frame: pd.DataFrame, row: Hashable, *columns: str) -> list[float]:
    """The values of ``columns`` in the frame's row labelled ``row``, as floats."""
    record = frame.to_dict("index")[row]
    return [float(record[column]) for column in columns]


def amount(frame: pd.DataFrame, measure: str, **where: str | None) -> float:
    rows = frame[frame["measure"] == measure]
    for column, value in where.items():
        rows = rows[rows[column].isna()] if value is None else rows[rows[column] == value]
    return float(rows["amount"].sum(min_count=1))


# --- standard cost -------------------------------------------------------------------------
