"""A small valid planning workbook, written inline so every expected number can be checked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from snop.contract.sheets import SHEETS_BY_NAME
from snop.workbook.write import write_csv_folder, write_workbook


def small_workbook() -> dict[str, pd.DataFrame]:
    """Two products, two segments, two customers, two resources, three months of history."""
    sheets = {
        "products": [
            {
                "product_id": "P1",
                "name": "Tent 2p",
                "family": "Tents",
                "price": 200.0,
                "unit_cost": 110.0,
                "holding_cost": 2.2,
                "backorder_cost": 30.0,
                "lead_time": 1,
                "status": "active",
                "subcontract_cost": 150.0,
                "max_subcontract": 50.0,
                "end_inventory": 0.0,
            },
            {
                "product_id": "P2",
                "name": "Tent 4p",
                "family": "Tents",
                "price": 320.0,
                "unit_cost": 180.0,
                "holding_cost": 3.6,
                "backorder_cost": 50.0,
                "lead_time": 0,
                "status": "new",
                "launch_period": "2026-08",
                "like_product_id": "P1",
                "end_inventory": 0.0,
            },
        ],
        "segments": [
            {"segment": "Key", "service_target": 0.98, "priority": 1},
            {"segment": "Retail", "service_target": 0.95, "priority": 2},
        ],
        "customers": [
            {"customer_id": "C1", "name": "Big Outdoor", "segment": "Key"},
            {"customer_id": "C2", "name": "Corner Shop", "segment": "Retail"},
        ],
        "resources": [
            {
                "resource_id": "SEW",
                "name": "Sewing",
                "site": "North",
                "capacity": 400.0,
                "overtime_capacity": 60.0,
                "regular_cost": 30.0,
                "overtime_cost": 45.0,
            },
            {
                "resource_id": "PACK",
                "name": "Packing",
                "site": "North",
                "capacity": 200.0,
                "overtime_capacity": 0.0,
                "regular_cost": 20.0,
                "overtime_cost": 30.0,
            },
        ],
        "capacity": [{"resource_id": "SEW", "period": "2026-12", "capacity": 300.0}],
        "routings": [
            {"product_id": "P1", "resource_id": "SEW", "hours_per_unit": 1.5},
            {"product_id": "P1", "resource_id": "PACK", "hours_per_unit": 0.2},
            {"product_id": "P2", "resource_id": "SEW", "hours_per_unit": 2.0},
        ],
        "demand_history": [
            {
                "period": "2026-08",
                "product_id": "P1",
                "customer_id": "C1",
                "ordered": 100.0,
                "shipped": 100.0,
            },
            {
                "period": "2026-08",
                "product_id": "P2",
                "customer_id": "C2",
                "ordered": 10.0,
                "shipped": 8.0,
            },
            {
                "period": "2026-09",
                "product_id": "P1",
                "customer_id": "C1",
                "ordered": 120.0,
                "shipped": 118.0,
            },
            {
                "period": "2026-10",
                "product_id": "P1",
                "customer_id": "C2",
                "ordered": 30.0,
                "shipped": 30.0,
            },
        ],
        "inventory": [
            {"product_id": "P1", "on_hand": 80.0, "backlog": 2.0},
            {"product_id": "P2", "on_hand": 5.0, "backlog": 0.0},
        ],
        "targets": [
            {"period": "2027", "metric": "revenue", "scope": "all", "value": 500000.0},
            {"period": "2027", "metric": "fill_rate", "scope": "Key", "value": 0.98},
        ],
        "events": [
            {
                "product_id": "P1",
                "period_from": "2027-05",
                "period_to": "2027-06",
                "change_pct": 25.0,
                "reason": "Spring promotion",
            },
            {
                "family": "Tents",
                "period_from": "2027-01",
                "period_to": "2027-12",
                "change_qty": -5.0,
                "reason": "Lost a small retailer",
            },
        ],
    }
    return {
        name: pd.DataFrame(rows, columns=SHEETS_BY_NAME[name].column_names).astype(object)
        for name, rows in sheets.items()
    }


def write_small_csv(folder: Path, sheets: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the small workbook as a folder of CSV files."""
    write_csv_folder(folder, sheets or small_workbook())
    return folder


def write_small_xlsx(path: Path, sheets: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the small workbook as an .xlsx file."""
    write_workbook(path, sheets or small_workbook())
    return path
