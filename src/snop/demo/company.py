"""Northwind Outdoor: a generated outdoor-gear manufacturer to try snop with.

The company makes tents, sleeping bags, backpacks, cooking gear and spare parts in two
plants and sells them to key accounts, retailers and online shops. Its three years of
demand history hold every Syntetos-Boylan demand class (smooth, erratic, intermittent and
lumpy), summer and winter seasons, rising and falling trends, a product launch and a
phase-out. Regular capacity is sized from the expected demand of the next twelve months so
that the yearly load is 80-87 % of it while the peak season overloads the sewing line and
the assembly area.

Everything is drawn from one seeded random generator: the same ``seed`` and
``last_history_month`` always give the same workbook. The module is pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.contract.sheets import SHEETS_BY_NAME
from snop.frames import PERIOD_PATTERN, period_range, shift_period

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEMO_NAME = "Northwind Outdoor"
"""The demo company's name."""

HISTORY_MONTHS = 36
"""Months of demand history, ending at the last history month."""

PLAN_MONTHS = 12
"""Months after the history that targets, events and capacity overrides cover."""

NEW_PRODUCT_AGE = 4
"""The new product's first sale is this many months before the last history month."""

PHASE_OUT_LEAD = 4
"""The phase-out product's last month of sales is this many months after the history."""

_LAST = HISTORY_MONTHS - 1
_LAUNCH = _LAST - NEW_PRODUCT_AGE
_END = _LAST + PHASE_OUT_LEAD

SMOOTH = "smooth"
ERRATIC = "erratic"
INTERMITTENT = "intermittent"
LUMPY = "lumpy"
NEW = "new"
PHASE_OUT = "phase_out"

TENTS = "Tents"
BAGS = "Sleeping Bags"
PACKS = "Backpacks"
COOKING = "Cooking"
SPARES = "Spares & Accessories"
FAMILIES = (TENTS, BAGS, PACKS, COOKING, SPARES)

_SMOOTH_CV = 0.12  # month-to-month noise of smooth demand
_INTERMITTENT_CV = 0.30  # spread of intermittent order sizes
_ERRATIC_SIGMA = 0.95  # log-normal spread of erratic order sizes
_LUMPY_SIGMA = 1.10  # log-normal spread of lumpy order sizes
_SPLIT_CONCENTRATION = 40.0  # how closely customers keep their share month to month
_PEAK_SHORTAGE = 0.12  # extra chance of a short shipment in a product's peak month


@dataclass(frozen=True, slots=True)
class _Spec:
    """How one product's demand is generated.

    ``level`` is the mean monthly demand at the end of the history (for intermittent and
    lumpy products: the mean size of a non-zero month), ``amplitude`` the seasonal swing
    around it peaking in calendar month ``peak``, ``growth`` the yearly trend, ``work`` the
    scale of the family's routing hours and ``occurrence`` the chance of a non-zero month.
    """

    product_id: str
    name: str
    family: str
    route: str
    price: float
    pattern: str
    level: float
    amplitude: float = 0.0
    peak: int = 6
    growth: float = 0.0
    work: float = 1.0
    occurrence: float = 1.0
    like: str | None = None


# fmt: off
_CATALOGUE: tuple[_Spec, ...] = (
    _Spec("TN-100", "Trailhead 1P Tent", TENTS, "tent", 149, SMOOTH, 380, .60, 6, .03, .8),
    _Spec("TN-200", "Trailhead 2P Tent", TENTS, "tent", 199, SMOOTH, 620, .60, 6, .08, 1.0),
    _Spec("TN-300", "Basecamp 3P Tent", TENTS, "tent", 279, SMOOTH, 340, .65, 6, .02, 1.3),
    _Spec("TN-400", "Basecamp 4P Tent", TENTS, "tent", 389, SMOOTH, 220, .70, 7, 0, 1.6),
    _Spec("TN-410", "Family Cabin 6P Tent", TENTS, "tent", 549, SMOOTH, 110, .75, 7, -.04, 2.2),
    _Spec("TN-500", "Summit 2P Expedition Tent", TENTS, "tent", 649, ERRATIC, 45, .30, 6, .05,
          1.8),
    _Spec("TN-700", "Festival Pop-up Tent", TENTS, "tent", 69, PHASE_OUT, 150, .50, 7, -.30, .5),
    _Spec("SB-100", "Summer Lite Bag +10C", BAGS, "bag", 79, SMOOTH, 300, .50, 6, .02, .7),
    _Spec("SB-200", "Three-Season Bag 0C", BAGS, "bag", 129, SMOOTH, 520, .45, 10, .05, 1.0),
    _Spec("SB-300", "Winter Down Bag -10C", BAGS, "bag", 289, SMOOTH, 260, .70, 11, .03, 1.4),
    _Spec("SB-310", "Extreme Down Bag -25C", BAGS, "bag", 449, ERRATIC, 40, .50, 12, 0, 1.8),
    _Spec("SB-400", "Kids Sleeping Bag", BAGS, "bag", 59, SMOOTH, 240, .40, 8, -.03, .6),
    _Spec("SB-500", "Sleeping Bag Liner", BAGS, "bag", 29, SMOOTH, 420, .20, 7, .06, .3),
    _Spec("SB-600", "Double Comfort Bag", BAGS, "bag", 169, SMOOTH, 130, .55, 11, .10, 1.5),
    _Spec("SB-700", "Insulated Sleeping Mat", BAGS, "bag", 89, SMOOTH, 310, .35, 10, .12, .6),
    _Spec("BP-100", "Daypack 20L", PACKS, "pack", 59, SMOOTH, 700, .15, 5, .15, .6),
    _Spec("BP-200", "Hiking Pack 35L", PACKS, "pack", 119, SMOOTH, 480, .20, 6, .06, 1.0),
    _Spec("BP-300", "Trekking Pack 50L", PACKS, "pack", 169, SMOOTH, 300, .25, 6, .02, 1.3),
    _Spec("BP-400", "Expedition Pack 70L", PACKS, "pack", 249, SMOOTH, 110, .30, 6, -.12, 1.7),
    _Spec("BP-500", "Kids Daypack 12L", PACKS, "pack", 39, SMOOTH, 360, .40, 8, -.06, .5),
    _Spec("BP-600", "Hydration Pack 10L", PACKS, "pack", 69, SMOOTH, 250, .30, 6, .20, .6),
    _Spec("BP-650", "Ultralight Daypack 18L", PACKS, "pack", 89, NEW, 260, .15, 5, 0, .6,
          like="BP-100"),
    _Spec("BP-700", "Travel Pack 40L", PACKS, "pack", 149, SMOOTH, 270, .20, 7, .04, 1.1),
    _Spec("BP-800", "Camera Pack 25L", PACKS, "pack", 189, ERRATIC, 60, .10, 11, 0, 1.2),
    _Spec("BP-900", "Pack Rain Cover", PACKS, "pack", 19, SMOOTH, 520, .25, 10, .02, .2),
    _Spec("BP-910", "Hip Belt Pouch", PACKS, "pack", 24, INTERMITTENT, 80, 0, 6, 0, .3,
          occurrence=.50),
    _Spec("CK-100", "Compact Gas Stove", COOKING, "cook", 49, SMOOTH, 650, .35, 6, .04, .5),
    _Spec("CK-200", "Multi-fuel Expedition Stove", COOKING, "cook", 139, INTERMITTENT, 60, .20,
          6, 0, 1.0, occurrence=.50),
    _Spec("CK-300", "Titanium Pot Set", COOKING, "cook", 79, SMOOTH, 340, .30, 6, .05, .6),
    _Spec("CK-400", "Camp Kitchen Table", COOKING, "cook", 129, INTERMITTENT, 70, 0, 6, 0, 1.4,
          occurrence=.45),
    _Spec("CK-500", "Group Cook System", COOKING, "cook", 229, LUMPY, 90, 0, 6, 0, 1.5,
          occurrence=.35),
    _Spec("CK-600", "Stove Windshield", COOKING, "cook", 19, SMOOTH, 300, .30, 6, 0, .2),
    _Spec("CK-700", "Water Filter Pump", COOKING, "cook", 89, ERRATIC, 120, .20, 7, .08, .8),
    _Spec("CK-800", "Portable Gas Grill", COOKING, "cook", 119, LUMPY, 80, .40, 6, 0, 1.2,
          occurrence=.30),
    _Spec("SP-100", "Pole Repair Kit", SPARES, "metal", 12, INTERMITTENT, 60, 0, 6, 0, 1.0,
          occurrence=.45),
    _Spec("SP-110", "Replacement Pole Set 2P", SPARES, "metal", 39, INTERMITTENT, 40, 0, 6, 0,
          2.0, occurrence=.40),
    _Spec("SP-120", "Aluminium Peg Set (10)", SPARES, "metal", 15, SMOOTH, 900, .30, 6, .03, .5),
    _Spec("SP-200", "Tent Footprint 2P", SPARES, "soft", 35, INTERMITTENT, 50, 0, 6, 0, 3.0,
          occurrence=.50),
    _Spec("SP-300", "Stove Burner Head", SPARES, "metal", 22, LUMPY, 70, 0, 6, 0, 1.0,
          occurrence=.30),
    _Spec("SP-310", "Stove Pump Seal Kit", SPARES, "metal", 14, INTERMITTENT, 45, 0, 6, 0, .5,
          occurrence=.45),
    _Spec("SP-400", "Buckle & Strap Kit", SPARES, "soft", 9, LUMPY, 120, 0, 6, 0, 1.0,
          occurrence=.35),
    _Spec("SP-500", "Zip Slider Kit", SPARES, "soft", 7, INTERMITTENT, 80, 0, 6, 0, .5,
          occurrence=.50),
    _Spec("SP-600", "Guy Line Set", SPARES, "soft", 11, LUMPY, 150, 0, 6, 0, 1.0,
          occurrence=.30),
    _Spec("SP-700", "Seam Sealer 50ml", SPARES, "bought", 9, ERRATIC, 200, .20, 5, 0, 1.0),
)
# fmt: on

_LEAD_TIME = {TENTS: 1, BAGS: 2, PACKS: 1, COOKING: 0, SPARES: 0}
_SUBCONTRACTED = frozenset(
    {"TN-100", "TN-200", "TN-300", "SB-200", "SB-500", "BP-100", "BP-200", "CK-100", "SP-120"}
)

_ROUTES: dict[str, tuple[tuple[str, float], ...]] = {
    "tent": (("N-CUT", 0.45), ("N-SEW1", 1.20), ("S-ASM", 0.35)),
    "bag": (("N-CUT", 0.35), ("N-SEW2", 1.10), ("S-PCK", 0.25)),
    "pack": (("N-CUT", 0.30), ("N-SEW2", 0.70), ("S-PCK", 0.20)),
    "cook": (("S-MET", 0.60), ("S-ASM", 0.40), ("S-PCK", 0.20)),
    "metal": (("S-MET", 0.15), ("S-PCK", 0.05)),
    "soft": (("N-SEW2", 0.10), ("S-PCK", 0.05)),
    "bought": (("S-PCK", 0.06),),
}


@dataclass(frozen=True, slots=True)
class _Resource:
    """A resource and how hard it is loaded: ``utilisation`` is yearly load / capacity."""

    resource_id: str
    name: str
    site: str
    utilisation: float
    rate: float  # regular cost per hour


_RESOURCES = (
    _Resource("N-CUT", "Cutting", "Plant North", 0.82, 34.0),
    _Resource("N-SEW1", "Sewing line 1", "Plant North", 0.86, 31.0),
    _Resource("N-SEW2", "Sewing line 2", "Plant North", 0.87, 31.0),
    _Resource("S-ASM", "Assembly", "Plant South", 0.84, 33.0),
    _Resource("S-MET", "Metal works", "Plant South", 0.82, 42.0),
    _Resource("S-PCK", "Packing", "Plant South", 0.80, 3.0),
)
_RESOURCE_IDS = tuple(r.resource_id for r in _RESOURCES)
_OVERTIME_PREMIUM = 1.5

# Packing is people-driven: its capacity is workers x hours per worker. Its regular_cost only
# covers materials and energy per hour; the workers' pay is cost_per_worker.
_CREW_RESOURCE = "S-PCK"
_CREW_HOURS = 150.0
_CREW_OVERTIME_HOURS = 24.0
_CREW_COST = 3900.0
_CREW_HIRE = 2500.0
_CREW_LAYOFF = 4500.0

_SEGMENTS = (("Key Accounts", 0.98, 1), ("Retail", 0.95, 2), ("Online", 0.90, 3))
# segment -> (typical customer size, chance of buying a product, chance of a short shipment)
_SEGMENT_PROFILE = {
    "Key Accounts": (3.0, 0.95, 0.04),
    "Retail": (0.8, 0.55, 0.12),
    "Online": (1.5, 0.70, 0.22),
}

_CUSTOMERS = (
    ("Summit Sports Group", "Key Accounts"),
    ("Alpine Outfitters", "Key Accounts"),
    ("Great Outdoors Megastores", "Key Accounts"),
    ("Trail & Peak Stores", "Key Accounts"),
    ("Northern Leisure Co-op", "Key Accounts"),
    ("Bergen Camping Shop", "Retail"),
    ("Lakeside Adventure Store", "Retail"),
    ("Highland Hiker", "Retail"),
    ("Riverside Outdoor", "Retail"),
    ("Pine Ridge Sports", "Retail"),
    ("Coastal Camping Centre", "Retail"),
    ("Moorland Gear", "Retail"),
    ("Valley Trek Supplies", "Retail"),
    ("Fjord & Fell", "Retail"),
    ("Urban Explorer", "Retail"),
    ("Basecamp Corner", "Retail"),
    ("WildCart Online", "Online"),
    ("GearHub Direct", "Online"),
    ("Outdoor Marketplace EU", "Online"),
    ("CampDeals", "Online"),
    ("Nordic Distribution", "Online"),
    ("Alpen Wholesale", "Online"),
    ("Iberia Outdoor Distribution", "Online"),
    ("Baltic Trade Partners", "Online"),
)


@dataclass(frozen=True, slots=True)
class _Calendar:
    """The history months, the plan months after them, and each one's calendar month."""

    history: tuple[str, ...]
    plan: tuple[str, ...]
    month: IntArray

    @classmethod
    def ending(cls, last_history_month: str) -> _Calendar:
        """Build the calendar whose history ends at ``last_history_month``."""
        first = shift_period(last_history_month, 1 - HISTORY_MONTHS)
        periods = period_range(first, shift_period(last_history_month, PLAN_MONTHS))
        month = np.array([int(p[5:7]) for p in periods], dtype=np.int64)
        return cls(tuple(periods[:HISTORY_MONTHS]), tuple(periods[HISTORY_MONTHS:]), month)

    def plan_month(self, calendar_month: int) -> str:
        """The plan period falling in ``calendar_month`` (1-12)."""
        return next(p for p in self.plan if int(p[5:7]) == calendar_month)


@dataclass(frozen=True, slots=True)
class _Customers:
    """The customers sheet plus what drives their orders."""

    frame: pd.DataFrame
    weight: FloatArray
    carry: FloatArray
    shortage: FloatArray


def build_demo_company(*, last_history_month: str, seed: int = 42) -> dict[str, pd.DataFrame]:
    """Generate the Northwind Outdoor planning workbook.

    Parameters
    ----------
    last_history_month
        The last month of demand history, ``YYYY-MM``; the plan starts the month after.
    seed
        Seed of the random generator; the same seed and month give the same workbook.

    Returns
    -------
    dict[str, pandas.DataFrame]
        One frame per sheet (every sheet of the contract but ``demand_plan``), keyed by
        sheet name, with exactly the contract's columns in its order, sorted by its key.

    Raises
    ------
    ValueError
        If ``last_history_month`` is not a ``YYYY-MM`` period.
    """
    if not PERIOD_PATTERN.match(last_history_month):
        raise ValueError(f"last_history_month must be YYYY-MM, got {last_history_month!r}")
    rng = np.random.default_rng(seed)
    calendar = _Calendar.ending(last_history_month)
    expected = np.vstack([_expected(spec, calendar.month) for spec in _CATALOGUE])
    plan_expected = expected[:, HISTORY_MONTHS:]
    customers = _customers(rng)
    history = _demand_history(rng, calendar, expected[:, :HISTORY_MONTHS], customers)
    products = _products(rng, calendar, plan_expected)
    resources, labour = _resources(rng, plan_expected)
    frames = {
        "products": products,
        "segments": _segments(),
        "customers": customers.frame,
        "resources": resources,
        "capacity": _capacity_overrides(calendar, resources),
        "labour": labour,
        "routings": _routings(),
        "demand_history": history,
        "inventory": _inventory(rng, plan_expected[:, 0]),
        "receipts": _receipts(calendar, plan_expected),
        "targets": _targets(calendar, products, plan_expected, resources, labour),
        "events": _events(calendar),
    }
    return {name: _conform(name, frame) for name, frame in frames.items()}


def _conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the contract's columns in its order and sort the rows by the sheet's key."""
    sheet = SHEETS_BY_NAME[name]
    out = frame.loc[:, sheet.column_names]
    return out.sort_values(list(sheet.key), kind="mergesort", ignore_index=True)


# --- demand --------------------------------------------------------------------------------


def _season(spec: _Spec, month: IntArray) -> FloatArray:
    """Seasonal factor (mean 1 over a year) of ``spec`` in each calendar month."""
    angle = 2.0 * np.pi * (month - spec.peak) / 12.0
    return np.asarray(1.0 + spec.amplitude * np.cos(angle), dtype=np.float64)


def _expected(spec: _Spec, month: IntArray) -> FloatArray:
    """Expected monthly demand of ``spec`` over history and plan (index 0 = first month)."""
    t = np.arange(month.size, dtype=np.float64)
    trend = (1.0 + spec.growth) ** ((t - _LAST) / 12.0)
    mean = spec.level * spec.occurrence * trend * _season(spec, month)
    if spec.pattern == NEW:
        age = t - _LAUNCH
        ramp = 1.0 - 0.7 * 0.6 ** np.maximum(age, 0.0)
        mean = np.where(age >= 0, mean * ramp, 0.0)
    elif spec.pattern == PHASE_OUT:
        mean = np.where(t <= _END, mean, 0.0)
    return np.asarray(mean, dtype=np.float64)


def _draw_totals(rng: np.random.Generator, spec: _Spec, mean: FloatArray) -> IntArray:
    """Draw one product's monthly demand (summed over customers) around ``mean``."""
    n = mean.size
    if spec.pattern in (SMOOTH, NEW, PHASE_OUT):
        shape = 1.0 / _SMOOTH_CV**2
        draws = mean * rng.gamma(shape, 1.0 / shape, n)
    elif spec.pattern == ERRATIC:
        noise = rng.lognormal(-(_ERRATIC_SIGMA**2) / 2.0, _ERRATIC_SIGMA, n)
        draws = np.maximum(mean * noise, 1.0)
    else:
        hit = rng.random(n) < spec.occurrence
        if spec.pattern == INTERMITTENT:
            shape = 1.0 / _INTERMITTENT_CV**2
            size = rng.gamma(shape, 1.0 / shape, n)
        else:
            size = rng.lognormal(-(_LUMPY_SIGMA**2) / 2.0, _LUMPY_SIGMA, n)
        draws = np.where(hit, np.maximum(mean / spec.occurrence * size, 1.0), 0.0)
    return np.rint(draws).astype(np.int64)


def _customers(rng: np.random.Generator) -> _Customers:
    """The customers sheet, each customer's size, buying chance and shortage chance."""
    segment = [seg for _, seg in _CUSTOMERS]
    profile = np.array([_SEGMENT_PROFILE[seg] for seg in segment], dtype=np.float64)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i + 1:03d}" for i in range(len(_CUSTOMERS))],
            "name": [name for name, _ in _CUSTOMERS],
            "segment": segment,
        }
    )
    weight = profile[:, 0] * rng.uniform(0.6, 1.4, len(_CUSTOMERS))
    return _Customers(frame, weight, profile[:, 1], profile[:, 2])


def _buyers(rng: np.random.Generator, spec: _Spec, customers: _Customers) -> IntArray:
    """Indices of the customers who order ``spec``: few for sporadic items, many otherwise."""
    weight = customers.weight
    if spec.pattern in (INTERMITTENT, LUMPY):
        count = int(rng.integers(1, 4))
        chosen = rng.choice(weight.size, size=count, replace=False, p=weight / weight.sum())
    else:
        chosen = np.flatnonzero(rng.random(weight.size) < customers.carry)
        chosen = np.union1d(chosen, np.argsort(-weight)[:3])
    return np.sort(chosen).astype(np.int64)


def _split(rng: np.random.Generator, totals: IntArray, weight: FloatArray) -> IntArray:
    """Split monthly totals over customers in proportion to ``weight``, with noise."""
    if weight.size == 1:
        return totals[:, None]
    alpha = _SPLIT_CONCENTRATION * weight / weight.sum()
    shares = rng.dirichlet(alpha, size=totals.size)
    return np.asarray(rng.multinomial(totals, shares), dtype=np.int64)


def _demand_history(
    rng: np.random.Generator,
    calendar: _Calendar,
    expected: FloatArray,
    customers: _Customers,
) -> pd.DataFrame:
    """Ordered and shipped units per month, product and customer (non-zero orders only)."""
    month = calendar.month[:HISTORY_MONTHS]
    pieces = []
    for p, spec in enumerate(_CATALOGUE):
        totals = _draw_totals(rng, spec, expected[p])
        buyers = _buyers(rng, spec, customers)
        orders = _split(rng, totals, customers.weight[buyers])
        peak = np.clip((_season(spec, month) - 1.0) / 0.5, 0.0, 1.0)
        period = np.repeat(np.arange(HISTORY_MONTHS), buyers.size)
        pieces.append(
            pd.DataFrame(
                {
                    "period": period,
                    "product": p,
                    "customer": np.tile(buyers, HISTORY_MONTHS),
                    "ordered": orders.ravel(),
                    "peak": peak[period],
                }
            )
        )
    rows = pd.concat(pieces, ignore_index=True)
    rows = rows.loc[rows["ordered"] > 0]
    customer = rows["customer"].to_numpy(dtype=np.int64)
    ordered = rows["ordered"].to_numpy(dtype=np.int64)
    shortage = customers.shortage[customer] + _PEAK_SHORTAGE * rows["peak"].to_numpy()
    product_ids = np.array([s.product_id for s in _CATALOGUE], dtype=object)
    return pd.DataFrame(
        {
            "period": np.array(calendar.history, dtype=object)[rows["period"].to_numpy()],
            "product_id": product_ids[rows["product"].to_numpy()],
            "customer_id": customers.frame["customer_id"].to_numpy(dtype=object)[customer],
            "ordered": ordered.astype(np.float64),
            "shipped": _shipped(rng, ordered, shortage),
        }
    )


def _shipped(rng: np.random.Generator, ordered: IntArray, shortage: FloatArray) -> FloatArray:
    """Units shipped: all of the order, except a random share when the row ran short."""
    short = rng.random(ordered.size) < shortage
    share = rng.uniform(0.5, 0.95, ordered.size)
    return np.where(short, np.floor(ordered * share), ordered).astype(np.float64)


# --- master data ---------------------------------------------------------------------------


def _products(
    rng: np.random.Generator, calendar: _Calendar, plan_expected: FloatArray
) -> pd.DataFrame:
    """The products sheet: prices, costs, lead times, life cycle and subcontracting."""
    count = len(_CATALOGUE)
    price = np.array([s.price for s in _CATALOGUE], dtype=np.float64)
    unit_cost = np.round(price * rng.uniform(0.45, 0.65, count), 2)
    backorder = np.round(price * rng.uniform(0.10, 0.25, count), 2)
    subcontracted = np.array([s.product_id in _SUBCONTRACTED for s in _CATALOGUE])
    max_sub = np.ceil(0.25 * plan_expected.mean(axis=1) / 10.0) * 10.0
    return pd.DataFrame(
        {
            "product_id": [s.product_id for s in _CATALOGUE],
            "name": [s.name for s in _CATALOGUE],
            "family": [s.family for s in _CATALOGUE],
            "price": price,
            "unit_cost": unit_cost,
            "holding_cost": np.round(0.02 * unit_cost, 2),
            "backorder_cost": backorder,
            "lead_time": np.array([_LEAD_TIME[s.family] for s in _CATALOGUE], dtype=np.int64),
            "status": [
                s.pattern if s.pattern in (NEW, PHASE_OUT) else "active" for s in _CATALOGUE
            ],
            "launch_period": [
                calendar.history[_LAUNCH] if s.pattern == NEW else None for s in _CATALOGUE
            ],
            "end_period": [
                calendar.plan[PHASE_OUT_LEAD - 1] if s.pattern == PHASE_OUT else None
                for s in _CATALOGUE
            ],
            "like_product_id": [s.like for s in _CATALOGUE],
            "subcontract_cost": np.where(subcontracted, np.round(unit_cost * 1.3, 2), np.nan),
            "max_subcontract": np.where(subcontracted, max_sub, np.nan),
            "end_inventory": np.zeros(count),
            "end_backlog": np.full(count, np.nan),
        }
    )


def _segments() -> pd.DataFrame:
    """The segments sheet: service target and priority of each segment."""
    return pd.DataFrame(
        {
            "segment": [s for s, _, _ in _SEGMENTS],
            "service_target": np.array([t for _, t, _ in _SEGMENTS], dtype=np.float64),
            "priority": np.array([p for _, _, p in _SEGMENTS], dtype=np.int64),
        }
    )


def _hours() -> FloatArray:
    """Hours per unit, one row per product and one column per resource (0 = not routed)."""
    hours = np.zeros((len(_CATALOGUE), len(_RESOURCE_IDS)))
    for p, spec in enumerate(_CATALOGUE):
        for resource_id, base in _ROUTES[spec.route]:
            hours[p, _RESOURCE_IDS.index(resource_id)] = round(base * spec.work, 3)
    return hours


def _routings() -> pd.DataFrame:
    """The routings sheet: the resources each product goes through, in hours per unit."""
    hours = _hours()
    product, resource = np.nonzero(hours)
    return pd.DataFrame(
        {
            "product_id": [_CATALOGUE[p].product_id for p in product],
            "resource_id": [_RESOURCE_IDS[r] for r in resource],
            "hours_per_unit": hours[product, resource],
        }
    )


def _resources(
    rng: np.random.Generator, plan_expected: FloatArray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The resources and labour sheets, capacity sized from the plan year's expected load."""
    load = _hours().T @ plan_expected
    utilisation = np.array([r.utilisation for r in _RESOURCES])
    capacity = np.ceil(load.mean(axis=1) / utilisation / 10.0) * 10.0
    overtime = np.round(capacity * rng.uniform(0.10, 0.20, capacity.size) / 10.0) * 10.0
    rate = np.array([r.rate for r in _RESOURCES])
    overtime_cost = rate * _OVERTIME_PREMIUM
    crew = _RESOURCE_IDS.index(_CREW_RESOURCE)
    workers = math.ceil(capacity[crew] / _CREW_HOURS)
    capacity[crew] = workers * _CREW_HOURS
    overtime[crew] = workers * _CREW_OVERTIME_HOURS
    overtime_cost[crew] = _CREW_COST / _CREW_HOURS * _OVERTIME_PREMIUM
    resources = pd.DataFrame(
        {
            "resource_id": list(_RESOURCE_IDS),
            "name": [r.name for r in _RESOURCES],
            "site": [r.site for r in _RESOURCES],
            "capacity": capacity,
            "overtime_capacity": overtime,
            "regular_cost": rate,
            "overtime_cost": np.round(overtime_cost, 2),
        }
    )
    labour = pd.DataFrame(
        {
            "resource_id": [_CREW_RESOURCE],
            "workers": [float(workers)],
            "hours_per_worker": [_CREW_HOURS],
            "cost_per_worker": [_CREW_COST],
            "hire_cost": [_CREW_HIRE],
            "layoff_cost": [_CREW_LAYOFF],
            "overtime_hours_per_worker": [_CREW_OVERTIME_HOURS],
        }
    )
    return resources, labour


def _capacity_overrides(calendar: _Calendar, resources: pd.DataFrame) -> pd.DataFrame:
    """August holiday in Plant North, a maintenance stop and a short Christmas week."""
    capacity = dict(zip(resources["resource_id"], resources["capacity"], strict=True))
    august, february, december = (calendar.plan_month(m) for m in (8, 2, 12))
    rows: list[tuple[str, str, float, float]] = [
        (rid, august, round(capacity[rid] * 0.6, -1), math.nan)
        for rid in ("N-CUT", "N-SEW1", "N-SEW2")
    ]
    rows.append(("S-MET", february, round(capacity["S-MET"] * 0.5, -1), 0.0))
    rows.append(("S-ASM", december, round(capacity["S-ASM"] * 0.8, -1), math.nan))
    return pd.DataFrame(rows, columns=["resource_id", "period", "capacity", "overtime_capacity"])


def _inventory(rng: np.random.Generator, next_month: FloatArray) -> pd.DataFrame:
    """Opening stock of 1-2 months of demand (half a month for the phase-out) and a few backlogs."""
    count = len(_CATALOGUE)
    cover = rng.uniform(1.0, 2.0, count)
    cover[[s.pattern == PHASE_OUT for s in _CATALOGUE]] = 0.5
    smooth = np.flatnonzero([s.pattern == SMOOTH for s in _CATALOGUE])
    owing = rng.choice(smooth, size=4, replace=False)
    backlog = np.zeros(count)
    backlog[owing] = np.rint(next_month[owing] * rng.uniform(0.05, 0.15, owing.size))
    return pd.DataFrame(
        {
            "product_id": [s.product_id for s in _CATALOGUE],
            "on_hand": np.rint(next_month * cover),
            "backlog": backlog,
        }
    )


def _receipts(calendar: _Calendar, plan_expected: FloatArray) -> pd.DataFrame:
    """Production started last cycle: 80% of expected demand in each lead-time month."""
    rows = []
    for index, spec in enumerate(_CATALOGUE):
        for month in range(_LEAD_TIME[spec.family]):
            quantity = float(np.rint(0.8 * plan_expected[index, month]))
            if quantity > 0:
                rows.append((spec.product_id, calendar.plan[month], quantity))
    return pd.DataFrame(rows, columns=["product_id", "period", "quantity"])


# --- strategy and market intelligence ------------------------------------------------------


def _plan_year(calendar: _Calendar) -> str:
    """The year holding most plan months (the later one on a tie)."""
    counts = Counter(p[:4] for p in calendar.plan)
    return max(counts, key=lambda year: (counts[year], year))


def _targets(
    calendar: _Calendar,
    products: pd.DataFrame,
    plan_expected: FloatArray,
    resources: pd.DataFrame,
    labour: pd.DataFrame,
) -> pd.DataFrame:
    """Monthly revenue (total and per family) and budget; yearly rates and service levels.

    Costs are at standard (materials and the routed hours at their regular rate); the
    budget also pays the packing crew. The business asks for 3% more revenue than expected
    demand brings, within 5% over standard spend, the margin expected demand gives.
    """
    revenue = products["price"].to_numpy(dtype=np.float64)[:, None] * plan_expected
    rate = resources["regular_cost"].to_numpy(dtype=np.float64)
    standard = products["unit_cost"].to_numpy(dtype=np.float64) + _hours() @ rate
    cost = standard[:, None] * plan_expected
    crew = float((labour["workers"] * labour["cost_per_worker"]).sum())
    family = products["family"].to_numpy(dtype=object)
    rows: list[tuple[str, str, str, float]] = []
    for j, period in enumerate(calendar.plan):
        rows.append((period, "revenue", "all", round(revenue[:, j].sum() * 1.03, -2)))
        rows.append((period, "budget", "all", round(cost[:, j].sum() * 1.05 + crew, -2)))
        rows.extend(
            (period, "revenue", fam, round(revenue[family == fam, j].sum() * 1.03, -2))
            for fam in FAMILIES
        )
    year = _plan_year(calendar)
    margin = round(1.0 - cost.sum() / revenue.sum(), 2)
    rows.append((year, "gross_margin", "all", margin))
    rows.append((year, "days_of_supply", "all", 45.0))
    rows.append((year, "utilisation_max", "all", 0.9))
    rows.append((year, "utilisation_min", "all", 0.6))
    rows.extend((year, "fill_rate", seg, target) for seg, target, _ in _SEGMENTS)
    return pd.DataFrame(rows, columns=["period", "metric", "scope", "value"])


def _events(calendar: _Calendar) -> pd.DataFrame:
    """Market intelligence for the plan months: promotions, won and lost business."""
    plan = calendar.plan
    nan = math.nan
    rows: list[tuple[str | None, str | None, str, str, float, float, str]] = [
        ("TN-200", None, plan[3], plan[4], 25.0, nan, "Spring promotion in the catalogue"),
        ("BP-200", None, plan[1], plan[6], nan, 150.0, "Won contract: national scouts association"),
        (
            None,
            BAGS,
            plan[0],
            plan[11],
            -15.0,
            nan,
            "Lost customer: Alpine Outfitters delists bags",
        ),
        ("CK-100", None, plan[4], plan[5], 30.0, nan, "Trade fair bundle with the pot set"),
        ("BP-400", None, plan[5], plan[11], -20.0, nan, "Competitor launches a cheaper 70L pack"),
        (None, SPARES, plan[0], plan[11], 10.0, nan, "New repair service programme"),
    ]
    columns = [
        "product_id",
        "family",
        "period_from",
        "period_to",
        "change_pct",
        "change_qty",
        "reason",
    ]
    return pd.DataFrame(rows, columns=columns)
