"""The planning workbook contract: every sheet, every column, what it means.

This module is the single source of truth for the contract: the importer parses and
validates against it, the exporter writes in its column order, and ``snop template``
explains each column to the person filling the workbook in with its descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column's cells are read."""

    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    PERIOD = "period"  # YYYY-MM
    PERIOD_OR_YEAR = "period or year"  # YYYY-MM or YYYY


CEILINGS: dict[str, float] = {
    "money": 1e9,
    "units": 1e12,
    "hours": 1e9,
    "people": 1e7,
    "months": 120,
    "%": 10_000,
}
"""The largest value a number of each unit may take when its column sets no maximum.

They are far above any real company's figure (a billion per unit or per hour, a million
million units or hours in a month, ten million people, ten years of lead time, a change of
100 times) and refuse what cannot be true: a typo of extra zeros, 1e308, an overflow.
"""
CEILING = 1e15
"""The largest magnitude of any other number (a target, a priority)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet.

    ``required``: the column must be in the sheet. ``nullable``: a cell may be empty (it then
    takes ``default``). ``minimum``/``maximum`` bound numbers (``exclusive_minimum`` for > 0,
    ``exclusive_maximum`` for < maximum); without a maximum a number is bounded by its
    unit's ceiling (`CEILINGS`), without a minimum by minus it.
    ``choices`` restricts text to a set of lower-case words. ``references`` names the sheet
    whose key the value must be.
    """

    name: str
    kind: Kind
    description: str
    required: bool = True
    nullable: bool = False
    default: object = None
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    exclusive_maximum: bool = False
    choices: tuple[str, ...] = ()
    references: str | None = None
    unit: str = ""

    @property
    def upper_bound(self) -> float:
        """The largest value a number may take (its maximum, else its unit's ceiling)."""
        if self.maximum is not None:
            return self.maximum
        return CEILINGS.get(self.unit, CEILING)

    @property
    def lower_bound(self) -> float:
        """The smallest value a number may take (its minimum, else minus the ceiling)."""
        return self.minimum if self.minimum is not None else -self.upper_bound

    @property
    def range_text(self) -> str:
        """'at least 0 and at most 1,000,000,000' ('' for text and periods)."""
        if self.kind not in (Kind.NUMBER, Kind.INTEGER):
            return ""
        low, high = _plain(self.lower_bound), _plain(self.upper_bound)
        low = f"more than {low}" if self.exclusive_minimum else f"at least {low}"
        high = f"less than {high}" if self.exclusive_maximum else f"at most {high}"
        return f"{low} and {high}"

    @property
    def bounds_text(self) -> str:
        """The range as a sentence for the template and the docs ('' for text)."""
        text = self.range_text
        return f"{text[:1].upper()}{text[1:]}." if text else ""

    @property
    def default_text(self) -> str:
        """The default as a planner would write it (0, not 0.0); '' when there is none."""
        if self.default is None:
            return ""
        if isinstance(self.default, float):
            return f"{self.default:g}"
        return str(self.default)


def _plain(number: float) -> str:
    """1e12 -> '1,000,000,000,000'; 0.5 -> '0.5'."""
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:g}"


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet of the workbook (or one CSV file of the same name)."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        """The contract's column names, in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _id(name: str, description: str, references: str | None = None, **kw: object) -> Column:
    return Column(name, Kind.TEXT, description, references=references, **kw)  # type: ignore[arg-type]


def _money(name: str, description: str, **kw: object) -> Column:
    return Column(name, Kind.NUMBER, description, minimum=0, unit="money", **kw)  # type: ignore[arg-type]


def _qty(name: str, description: str, **kw: object) -> Column:
    return Column(name, Kind.NUMBER, description, minimum=0, unit="units", **kw)  # type: ignore[arg-type]


PRODUCT_STATUSES = ("active", "new", "phase_out")

PRODUCTS = Sheet(
    "products",
    "One row per product (SKU) you sell and plan.",
    (
        _id("product_id", "Your code for the product, unique in the sheet."),
        Column("name", Kind.TEXT, "Product name as planners know it."),
        Column("family", Kind.TEXT, "Product family: the level the S&OP meeting talks about."),
        _money("price", "Average selling price per unit."),
        _money("unit_cost", "Cost to make one unit (material and conversion)."),
        _money("holding_cost", "Cost of holding one unit on hand at the end of a month."),
        _money("backorder_cost", "Cost of one unit owed to customers at the end of a month."),
        Column(
            "lead_time",
            Kind.INTEGER,
            "Months from starting production to having the units available (0 = same month).",
            required=False,
            nullable=True,
            default=0,
            minimum=0,
            unit="months",
        ),
        Column(
            "status",
            Kind.TEXT,
            "active, new (launching) or phase_out (being discontinued).",
            required=False,
            nullable=True,
            default="active",
            choices=PRODUCT_STATUSES,
        ),
        Column(
            "launch_period",
            Kind.PERIOD,
            "First month of sales of a new product (YYYY-MM); needed when status is new.",
            required=False,
            nullable=True,
        ),
        Column(
            "end_period",
            Kind.PERIOD,
            "Last month of sales of a phase-out product (YYYY-MM); needed when status is "
            "phase_out.",
            required=False,
            nullable=True,
        ),
        _id(
            "like_product_id",
            "An existing product whose history a new product's forecast starts from.",
            references="products",
            required=False,
            nullable=True,
        ),
        _money(
            "subcontract_cost",
            "Cost per unit bought in from a subcontractor; empty = subcontracting not allowed.",
            required=False,
            nullable=True,
        ),
        _qty(
            "max_subcontract",
            "Most units a subcontractor can supply per month; empty = no limit.",
            required=False,
            nullable=True,
        ),
        _qty(
            "end_inventory",
            "Minimum units on hand at the end of the planning horizon.",
            required=False,
            nullable=True,
            default=0.0,
        ),
        _qty(
            "end_backlog",
            "Most units still owed to customers at the end of the planning horizon. "
            "Empty: 0 when a demand_plan is planned (it is served in full by its end), "
            "no limit when a forecast is (what is still owed is priced above making it).",
            required=False,
            nullable=True,
        ),
    ),
    key=("product_id",),
)

SEGMENTS = Sheet(
    "segments",
    "Customer segments, each with the service it expects and its priority when supply is short.",
    (
        _id("segment", "Segment name, unique in the sheet."),
        Column(
            "service_target",
            Kind.NUMBER,
            "Fill rate the segment expects: share of ordered units shipped on time (0 to 1).",
            minimum=0,
            exclusive_minimum=True,
            maximum=1,
            exclusive_maximum=True,
            unit="fraction",
        ),
        Column(
            "priority",
            Kind.INTEGER,
            "Who is served first when supply is short: 1 is the highest priority.",
            minimum=1,
        ),
    ),
    key=("segment",),
)

CUSTOMERS = Sheet(
    "customers",
    "Customers (ship-to accounts or groups of them) and the segment each belongs to.",
    (
        _id("customer_id", "Your code for the customer, unique in the sheet."),
        Column("name", Kind.TEXT, "Customer name."),
        _id("segment", "The customer's segment (from the segments sheet).", references="segments"),
    ),
    key=("customer_id",),
)

RESOURCES = Sheet(
    "resources",
    "Production resources (lines, work centres, crews) whose hours limit what can be made.",
    (
        _id("resource_id", "Your code for the resource, unique in the sheet."),
        Column("name", Kind.TEXT, "Resource name."),
        Column("site", Kind.TEXT, "Plant or site the resource is at."),
        Column(
            "capacity", Kind.NUMBER, "Regular hours available per month.", minimum=0, unit="hours"
        ),
        Column(
            "overtime_capacity",
            Kind.NUMBER,
            "Extra overtime hours available per month.",
            required=False,
            nullable=True,
            default=0.0,
            minimum=0,
            unit="hours",
        ),
        _money(
            "regular_cost",
            "Cost per regular hour used.",
            required=False,
            nullable=True,
            default=0.0,
        ),
        _money(
            "overtime_cost",
            "Cost per overtime hour used.",
            required=False,
            nullable=True,
            default=0.0,
        ),
    ),
    key=("resource_id",),
)

CAPACITY = Sheet(
    "capacity",
    "Optional month-by-month overrides of a resource's capacity (holidays, maintenance, "
    "added shifts).",
    (
        _id("resource_id", "The resource (from the resources sheet).", references="resources"),
        Column("period", Kind.PERIOD, "Month the override applies to (YYYY-MM)."),
        Column(
            "capacity",
            Kind.NUMBER,
            "Regular hours that month; empty = the resource's usual capacity.",
            nullable=True,
            minimum=0,
            unit="hours",
        ),
        Column(
            "overtime_capacity",
            Kind.NUMBER,
            "Overtime hours that month; empty = the resource's usual overtime capacity.",
            required=False,
            nullable=True,
            minimum=0,
            unit="hours",
        ),
    ),
    key=("resource_id", "period"),
    required=False,
)

LABOUR = Sheet(
    "labour",
    "Optional: makes a resource people-driven. Its capacity becomes workers x hours per worker "
    "and the workforce becomes a decision of the plan.",
    (
        _id("resource_id", "The resource (from the resources sheet).", references="resources"),
        Column(
            "workers", Kind.NUMBER, "Workers at the start of the plan.", minimum=0, unit="people"
        ),
        Column(
            "hours_per_worker",
            Kind.NUMBER,
            "Regular hours one worker gives per month.",
            minimum=0,
            exclusive_minimum=True,
            unit="hours",
        ),
        _money("cost_per_worker", "Cost of one worker per month, busy or not."),
        _money("hire_cost", "Cost of hiring one worker."),
        _money("layoff_cost", "Cost of laying off one worker."),
        Column(
            "overtime_hours_per_worker",
            Kind.NUMBER,
            "Most overtime hours one worker may work per month.",
            required=False,
            nullable=True,
            default=0.0,
            minimum=0,
            unit="hours",
        ),
    ),
    key=("resource_id",),
    required=False,
)

ROUTINGS = Sheet(
    "routings",
    "Which resources a product uses and for how long per unit.",
    (
        _id("product_id", "The product (from the products sheet).", references="products"),
        _id("resource_id", "The resource (from the resources sheet).", references="resources"),
        Column(
            "hours_per_unit",
            Kind.NUMBER,
            "Hours of the resource one unit takes.",
            minimum=0,
            exclusive_minimum=True,
            unit="hours",
        ),
    ),
    key=("product_id", "resource_id"),
)

DEMAND_HISTORY = Sheet(
    "demand_history",
    "What each customer ordered of each product each month, and how much of it was shipped.",
    (
        Column("period", Kind.PERIOD, "Month the orders were due (YYYY-MM)."),
        _id("product_id", "The product (from the products sheet).", references="products"),
        _id("customer_id", "The customer (from the customers sheet).", references="customers"),
        _qty("ordered", "Units ordered for the month: the true demand."),
        _qty("shipped", "Units of those orders shipped; never more than ordered."),
    ),
    key=("period", "product_id", "customer_id"),
)

INVENTORY = Sheet(
    "inventory",
    "Stock position at the start of the first planning month.",
    (
        _id("product_id", "The product (from the products sheet).", references="products"),
        _qty("on_hand", "Units on hand, available to ship."),
        _qty(
            "backlog",
            "Units already owed to customers (ordered, not yet shipped).",
            required=False,
            nullable=True,
            default=0.0,
        ),
    ),
    key=("product_id",),
)

RECEIPTS = Sheet(
    "receipts",
    "Optional: production or purchases already started that arrive in a given month "
    "(scheduled receipts), so the first months of a product with a lead time are not empty.",
    (
        _id("product_id", "The product (from the products sheet).", references="products"),
        Column("period", Kind.PERIOD, "Month the units become available (YYYY-MM)."),
        _qty("quantity", "Units arriving that month."),
    ),
    key=("product_id", "period"),
    required=False,
)

PRODUCTION = Sheet(
    "production",
    "Optional: units actually produced (completed) per product and month, for plan adherence.",
    (
        _id("product_id", "The product (from the products sheet).", references="products"),
        Column("period", Kind.PERIOD, "Month the units were produced (YYYY-MM)."),
        _qty("quantity", "Units produced that month."),
    ),
    key=("product_id", "period"),
    required=False,
)

TARGET_SCOPE_ALL = "all"
KNOWN_METRICS = {
    "revenue": "Revenue in the period (money).",
    "gross_margin": "Gross margin in the period (money), or as a share of revenue if <= 1.",
    "fill_rate": "Share of ordered units shipped on time (0 to 1), usually per segment.",
    "days_of_supply": "Inventory in days of future demand.",
    "inventory_turns": "Cost of goods sold over average inventory value, per year.",
    "utilisation_min": "Lowest acceptable capacity utilisation (0 to 1).",
    "utilisation_max": "Highest acceptable capacity utilisation (0 to 1).",
    "budget": "Spending budget for the period (money).",
}

TARGETS = Sheet(
    "targets",
    "The business strategy's targets every plan is scored against.",
    (
        Column(
            "period",
            Kind.PERIOD_OR_YEAR,
            "The month (YYYY-MM) or the year (YYYY) the target is for.",
        ),
        Column(
            "metric",
            Kind.TEXT,
            "What is targeted: " + ", ".join(KNOWN_METRICS) + " (others are kept as named).",
        ),
        Column(
            "scope",
            Kind.TEXT,
            "all, a family or a segment.",
        ),
        Column("value", Kind.NUMBER, "The target value, in the metric's unit."),
    ),
    key=("period", "metric", "scope"),
    required=False,
)

EVENTS = Sheet(
    "events",
    "Market intelligence: promotions, won or lost business, anything that changes demand.",
    (
        _id(
            "product_id",
            "The product affected; leave empty when the event is for a family.",
            references="products",
            nullable=True,
        ),
        Column(
            "family",
            Kind.TEXT,
            "The family affected; leave empty when the event is for a product.",
            nullable=True,
        ),
        Column("period_from", Kind.PERIOD, "First month affected (YYYY-MM)."),
        Column("period_to", Kind.PERIOD, "Last month affected (YYYY-MM)."),
        Column(
            "change_pct",
            Kind.NUMBER,
            "Demand change in percent (20 = +20%, -15 = -15%); or use change_qty.",
            nullable=True,
            minimum=-100,
            unit="%",
        ),
        Column(
            "change_qty",
            Kind.NUMBER,
            "Demand change in units per month (may be negative); or use change_pct.",
            nullable=True,
            unit="units",
        ),
        Column("reason", Kind.TEXT, "Why: the promotion, the contract won or lost, ..."),
    ),
    key=("product_id", "family", "period_from", "period_to", "reason"),
    required=False,
)

DEMAND_PLAN = Sheet(
    "demand_plan",
    "Optional: a given demand to plan against instead of the statistical forecast.",
    (
        _id("product_id", "The product (from the products sheet).", references="products"),
        Column("period", Kind.PERIOD, "Month (YYYY-MM)."),
        _qty("quantity", "Units demanded in the month."),
        _id(
            "segment",
            "Segment the demand is for (optional; from the segments sheet).",
            references="segments",
            required=False,
            nullable=True,
        ),
    ),
    key=("product_id", "period", "segment"),
    required=False,
)

SHEETS: tuple[Sheet, ...] = (
    PRODUCTS,
    SEGMENTS,
    CUSTOMERS,
    RESOURCES,
    CAPACITY,
    LABOUR,
    ROUTINGS,
    DEMAND_HISTORY,
    INVENTORY,
    RECEIPTS,
    PRODUCTION,
    TARGETS,
    EVENTS,
    DEMAND_PLAN,
)
SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}

INSTRUCTIONS_SHEET = "instructions"
"""Name of the explanatory first sheet of ``snop template``; the importer skips it."""
