"""Published aggregate-planning cases as `SupplyProblem`s, with their sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from snop.supply.problem import PlanSettings, SupplyProblem, horizon

NO_SEGMENTS = pd.DataFrame(columns=["segment", "priority"])


def red_tomato(settings: PlanSettings | None = None) -> SupplyProblem:
    """Chopra & Meindl, Supply Chain Management (5th ed., 2013), ch. 8, Red Tomato Tools.

    Tables 8-1 and 8-2: demand 1,600 / 3,000 / 3,200 / 3,800 / 2,200 / 2,200; 80 workers
    and 1,000 units at the start; at least 500 units and no stockout at the end of June;
    material $10/unit; holding $2 and stockout $5 per unit per month; hiring $300 and
    layoff $500 per worker; 4 labour hours per unit; regular time $4/hour for 8 h x 20
    days; overtime $6/hour, at most 10 h per worker per month; subcontracting $30/unit.
    """
    periods = horizon("2027-01", 6)
    products = pd.DataFrame(
        {
            "product_id": ["TOOL"],
            "family": ["Garden tools"],
            "price": [40.0],
            "unit_cost": [10.0],
            "holding_cost": [2.0],
            "backorder_cost": [5.0],
            "lead_time": [0],
            "subcontract_cost": [30.0],
            "end_inventory": [500.0],
            "end_backlog": [0.0],
        }
    )
    demand = pd.DataFrame(
        {
            "product_id": "TOOL",
            "period": periods,
            "quantity": [1600.0, 3000.0, 3200.0, 3800.0, 2200.0, 2200.0],
        }
    )
    resources = pd.DataFrame(
        {
            "resource_id": ["CREW"],
            "name": ["Assembly crew"],
            "site": ["Red Tomato"],
            "capacity": [0.0],
            "overtime_cost": [6.0],
        }
    )
    labour = pd.DataFrame(
        {
            "resource_id": ["CREW"],
            "workers": [80.0],
            "hours_per_worker": [160.0],
            "cost_per_worker": [640.0],
            "hire_cost": [300.0],
            "layoff_cost": [500.0],
            "overtime_hours_per_worker": [10.0],
        }
    )
    return SupplyProblem(
        periods=periods,
        products=products,
        segments=NO_SEGMENTS,
        demand=demand,
        resources=resources,
        routings=pd.DataFrame(
            {"product_id": ["TOOL"], "resource_id": ["CREW"], "hours_per_unit": [4.0]}
        ),
        inventory=pd.DataFrame({"product_id": ["TOOL"], "on_hand": [1000.0], "backlog": [0.0]}),
        labour=labour,
        settings=settings or PlanSettings(),
    )


def sailco(settings: PlanSettings | None = None) -> SupplyProblem:
    """Winston, Operations Research: Applications and Algorithms (4th ed.), s. 3.10, Sailco.

    Demand 40 / 60 / 75 / 25 sailboats in four quarters, 10 in stock at the start;
    regular time makes up to 40 boats a quarter at $400, overtime any number at $450;
    $20 per boat held at the end of a quarter; demand must be met on time. One boat =
    one hour of the yard, so overtime costs $50 an hour above regular; a backorder cost
    above that premium makes being late never pay, as the case requires.
    """
    periods = horizon("2027-01", 4)
    products = pd.DataFrame(
        {
            "product_id": ["BOAT"],
            "family": ["Sailboats"],
            "price": [0.0],
            "unit_cost": [400.0],
            "holding_cost": [20.0],
            "backorder_cost": [1000.0],
            "end_backlog": [0.0],
        }
    )
    return SupplyProblem(
        periods=periods,
        products=products,
        segments=NO_SEGMENTS,
        demand=pd.DataFrame(
            {"product_id": "BOAT", "period": periods, "quantity": [40.0, 60.0, 75.0, 25.0]}
        ),
        resources=pd.DataFrame(
            {
                "resource_id": ["YARD"],
                "name": ["Boat yard"],
                "site": ["Sailco"],
                "capacity": [40.0],
                "overtime_capacity": [1000.0],
                "overtime_cost": [50.0],
            }
        ),
        routings=pd.DataFrame(
            {"product_id": ["BOAT"], "resource_id": ["YARD"], "hours_per_unit": [1.0]}
        ),
        inventory=pd.DataFrame({"product_id": ["BOAT"], "on_hand": [10.0]}),
        settings=settings or PlanSettings(),
    )


def two_segments(capacity: float = 100.0, settings: PlanSettings | None = None) -> SupplyProblem:
    """One product, one machine, two segments of different priority, a tight month."""
    periods = horizon("2027-01", 3)
    demand = pd.DataFrame(
        {
            "product_id": "P1",
            "segment": ["Key", "Key", "Key", "Spot", "Spot", "Spot"],
            "period": periods * 2,
            "quantity": [60.0, 60.0, 60.0, 40.0, 90.0, 40.0],
        }
    )
    return SupplyProblem(
        periods=periods,
        products=pd.DataFrame(
            {
                "product_id": ["P1"],
                "family": ["F"],
                "unit_cost": [10.0],
                "holding_cost": [1.0],
                "backorder_cost": [4.0],
            }
        ),
        segments=pd.DataFrame(
            {"segment": ["Key", "Spot"], "priority": [1, 2], "service_target": [0.98, 0.9]}
        ),
        demand=demand,
        resources=pd.DataFrame(
            {
                "resource_id": ["M1"],
                "name": ["Machine 1"],
                "site": ["Plant"],
                "capacity": [capacity],
                "regular_cost": [2.0],
            }
        ),
        routings=pd.DataFrame(
            {"product_id": ["P1"], "resource_id": ["M1"], "hours_per_unit": [1.0]}
        ),
        inventory=pd.DataFrame({"product_id": ["P1"], "on_hand": [0.0]}),
        settings=settings or PlanSettings(),
    )


GOLDEN = Path(__file__).parent / "golden" / "supply"


def sailco_without_overtime(folder: Path, case: str = "sailco") -> Path:
    """A copy of a golden Sailco workbook whose yard has no overtime: demand cannot be met."""
    shutil.copytree(GOLDEN / case / "input", folder)
    resources = folder / "resources.csv"
    resources.write_text(resources.read_text().replace(",40,1000,", ",40,0,"))
    return folder
