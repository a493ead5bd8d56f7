"""Scenarios: named what-ifs kept as a list of changes applied on top of the cycle's data.

A scenario stores only its changes (as plain dicts, see :meth:`to_dict` and
:func:`parse_change`), never a copy of the data, so it stays right when the base data is
corrected. :func:`apply_changes` turns the cycle's :class:`PlanningData` into the
scenario's, in the order the changes were given, and :func:`describe` writes each change
as the sentence a planner reads in the S&OP meeting.

Conventions:

- ``pct`` is a percentage change: 20 means +20 %, -100 means none left;
- periods are 'YYYY-MM'; a change's ``period_from``/``period_to`` of None means from the
  start / to the end of the horizon, and a window only has to overlap the horizon (a
  scenario saved last cycle keeps working when the horizon rolls forward);
- demand changes move the forecast interval columns (lo_80, hi_80, lo_95, hi_95) by the
  same number of units as the quantity, clipped at 0, as consensus overrides do.

The module is pure: frames in, frames out; no I/O.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeAlias

import numpy as np
import pandas as pd

from snop.demand.lifecycle import like_item_forecast
from snop.errors import InvalidInput, Issue
from snop.frames import PERIOD_PATTERN, display, period_to_index
from snop.supply.problem import NO_SEGMENT, Strategy, SupplyProblem

BoundName = Literal["lo_80", "hi_80", "lo_95", "hi_95"]
CostField = Literal["price", "unit_cost", "holding_cost", "backorder_cost", "subcontract_cost"]
ResourceCostField = Literal["regular_cost", "overtime_cost"]

BOUNDS: tuple[BoundName, ...] = ("lo_80", "hi_80", "lo_95", "hi_95")
"""Forecast interval columns a demand frame may carry."""
COST_FIELDS: tuple[CostField, ...] = (
    "price",
    "unit_cost",
    "holding_cost",
    "backorder_cost",
    "subcontract_cost",
)
RESOURCE_COST_FIELDS: tuple[ResourceCostField, ...] = ("regular_cost", "overtime_cost")
CAPACITY_COLUMNS = ("resource_id", "period", "capacity", "overtime_capacity")


@dataclass(frozen=True, slots=True)
class PlanningData:
    """What a supply plan is built from, as a scenario may change it.

    Frames
    ------
    demand: product_id, segment, period, quantity (units per month); optionally lo_80,
        hi_80, lo_95, hi_95 (the forecast interval).
    products: the products master (product_id, name, family, price, unit_cost, ...).
    segments: segment, service_target (0-1), priority.
    resources: resource_id, name, site, capacity, overtime_capacity, regular_cost,
        overtime_cost.
    capacity: resource_id, period, capacity, overtime_capacity - per-month overrides of
        the resources' hours (NaN = the usual figure); may be empty.
    routings: product_id, resource_id, hours_per_unit.
    """

    periods: list[str]
    demand: pd.DataFrame
    products: pd.DataFrame
    segments: pd.DataFrame
    resources: pd.DataFrame
    capacity: pd.DataFrame
    routings: pd.DataFrame
    strategy: str = Strategy.COST.value


class _ChangeBase:
    """What every change kind shares: its ``kind`` name and its dict form."""

    __slots__ = ()
    kind: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON-ready plain values; :func:`parse_change` reads it back."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        return {"kind": self.kind, **values}


@dataclass(frozen=True, slots=True)
class DemandChange(_ChangeBase):
    """Demand up or down by a percentage or by units a month, for a slice of the plan.

    ``qty`` units per month are spread over the matching product x segment cells in
    proportion to their quantity (evenly when they are all zero). Filters left None match
    everything; the result is clipped at 0.
    """

    kind: ClassVar[str] = "demand"
    pct: float | None = None
    qty: float | None = None
    product_id: str | None = None
    family: str | None = None
    segment: str | None = None
    period_from: str | None = None
    period_to: str | None = None


@dataclass(frozen=True, slots=True)
class DemandBound(_ChangeBase):
    """Demand becomes one bound of the forecast interval (pessimistic or optimistic case).

    Every cell takes its own bound, so the total is more extreme than the same
    probability at the total would be: a stress case, not a forecast.
    """

    kind: ClassVar[str] = "demand_bound"
    bound: BoundName


@dataclass(frozen=True, slots=True)
class NewProduct(_ChangeBase):
    """A product launched like an existing one: its demand, product row and routings.

    Demand is the like item's x ``share``, ramping linearly from the launch month
    (1/ramp_months, 2/ramp_months, ... 1); ``cannibalisation`` is the fraction of the new
    product's units taken off the like item.
    """

    kind: ClassVar[str] = "new_product"
    product_id: str
    like_product_id: str
    launch_period: str
    share: float = 1.0
    ramp_months: int = 3
    price: float | None = None
    unit_cost: float | None = None
    name: str | None = None
    cannibalisation: float = 0.0


@dataclass(frozen=True, slots=True)
class CapacityChange(_ChangeBase):
    """A resource's hours changed for some months: by ``pct`` or set to ``hours``.

    ``pct`` scales regular and overtime hours (-100 = the resource is lost); ``hours`` sets
    the regular hours a month and leaves overtime as it was.
    """

    kind: ClassVar[str] = "capacity"
    resource_id: str
    period_from: str | None = None
    period_to: str | None = None
    pct: float | None = None
    hours: float | None = None


@dataclass(frozen=True, slots=True)
class CostChange(_ChangeBase):
    """A product cost or the price changed by ``pct``, for a product, a family or all."""

    kind: ClassVar[str] = "cost"
    field: CostField
    pct: float
    product_id: str | None = None
    family: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceCostChange(_ChangeBase):
    """The regular or overtime rate of a resource (None = every resource) changed by ``pct``."""

    kind: ClassVar[str] = "resource_cost"
    field: ResourceCostField
    pct: float
    resource_id: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceTargetChange(_ChangeBase):
    """A segment's (None = every segment's) fill-rate target set to ``service_target``."""

    kind: ClassVar[str] = "service_target"
    service_target: float
    segment: str | None = None


@dataclass(frozen=True, slots=True)
class StrategyChange(_ChangeBase):
    """The plan's strategy: cost, level or chase."""

    kind: ClassVar[str] = "strategy"
    strategy: str


Change: TypeAlias = (
    DemandChange
    | DemandBound
    | NewProduct
    | CapacityChange
    | CostChange
    | ResourceCostChange
    | ServiceTargetChange
    | StrategyChange
)

CHANGE_KINDS: dict[str, type[Change]] = {
    cls.kind: cls
    for cls in (
        DemandChange,
        DemandBound,
        NewProduct,
        CapacityChange,
        CostChange,
        ResourceCostChange,
        ServiceTargetChange,
        StrategyChange,
    )
}
"""Change classes by the ``kind`` their dicts carry."""


# --- parsing -----------------------------------------------------------------------------


def parse_change(data: Mapping[str, Any], *, position: int | None = None) -> Change:
    """Read a change from its dict form (as :meth:`to_dict` writes it).

    ``position`` (1-based) is the change's place in its scenario, named in the messages.
    Missing optional fields take their defaults. Raises `InvalidInput` with one issue per
    wrong field (``column`` = the field): unknown kind or field, missing required field,
    wrong type, value out of range.
    """
    where = _where(position)
    if not isinstance(data, Mapping):
        raise InvalidInput([Issue("bad_change", f"{where}must be an object with a kind")])
    kind = data.get("kind")
    cls = CHANGE_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = ", ".join(CHANGE_KINDS)
        message = f"{where}kind {display(kind)!r} is not one of {known}"
        raise InvalidInput([Issue("unknown_kind", message, column="kind", value=kind)])
    fields = {f.name: f for f in dataclasses.fields(cls)}
    issues = [
        Issue("unknown_field", f"{where}{cls.kind} has no field {key!r}", column=str(key))
        for key in data
        if key != "kind" and key not in fields
    ]
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        required = (
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        )
        if name not in data:
            if required:
                issues.append(
                    Issue("missing_field", f"{where}{cls.kind} needs {name!r}", column=name)
                )
            continue
        value, problem = _convert(data[name], str(spec.type))
        if problem:
            issues.append(
                Issue("bad_value", f"{where}{name} {problem}", column=name, value=data[name])
            )
        else:
            values[name] = value
    if issues:
        raise InvalidInput(issues)
    change = cls(**values)
    issues = check_change(change, position=position)
    if issues:
        raise InvalidInput(issues)
    return change


def parse_changes(items: Sequence[Mapping[str, Any]]) -> list[Change]:
    """Read a scenario's list of changes; every wrong field of every change is reported."""
    changes: list[Change] = []
    issues: list[Issue] = []
    for position, item in enumerate(items, start=1):
        try:
            changes.append(parse_change(item, position=position))
        except InvalidInput as error:
            issues.extend(error.issues)
    if issues:
        raise InvalidInput(issues)
    return changes


def _convert(value: Any, type_text: str) -> tuple[Any, str | None]:
    """The value in the field's type, or the reason it is not (types are annotation text)."""
    if value is None:
        return None, None if "None" in type_text else "is required"
    if type_text.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, "must be a number"
        if not math.isfinite(value):
            return None, "must be a finite number"
        return float(value), None
    if type_text.startswith("int"):
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            return None, "must be a whole number"
        return int(value), None
    if not isinstance(value, str) or not value.strip():
        return None, "must be a non-empty text"
    return value, None


def check_change(change: Change, *, position: int | None = None) -> list[Issue]:
    """Issues with a change on its own (ranges, periods, choices), before any data is seen."""
    where = _where(position)
    problems: list[tuple[str, str]] = []
    for name in ("period_from", "period_to", "launch_period"):
        value = getattr(change, name, None)
        if value is not None and not PERIOD_PATTERN.match(str(value)):
            problems.append((name, f"{value!r} is not a month 'YYYY-MM'"))
    start, end = getattr(change, "period_from", None), getattr(change, "period_to", None)
    if (
        start is not None
        and end is not None
        and PERIOD_PATTERN.match(str(start))
        and PERIOD_PATTERN.match(str(end))
        and start > end
    ):
        problems.append(("period_to", f"{end} is before period_from {start}"))
    for name in ("pct",):
        value = getattr(change, name, None)
        if value is not None and value < -100:
            problems.append((name, f"{display(value)} would leave less than nothing (min -100)"))
    problems.extend(_kind_problems(change))
    return [
        Issue("bad_value", f"{where}{name} {message}", column=name, value=getattr(change, name))
        for name, message in problems
    ]


def _kind_problems(change: Change) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if isinstance(change, DemandChange):
        if (change.pct is None) == (change.qty is None):
            problems.append(("pct", "give either pct or qty, not both or neither"))
    elif isinstance(change, DemandBound):
        if change.bound not in BOUNDS:
            problems.append(("bound", f"must be one of {', '.join(BOUNDS)}"))
    elif isinstance(change, NewProduct):
        problems.extend(_new_product_problems(change))
    elif isinstance(change, CapacityChange):
        if (change.pct is None) == (change.hours is None):
            problems.append(("pct", "give either pct or hours, not both or neither"))
        if change.hours is not None and change.hours < 0:
            problems.append(("hours", "must not be negative"))
    elif isinstance(change, CostChange):
        if change.field not in COST_FIELDS:
            problems.append(("field", f"must be one of {', '.join(COST_FIELDS)}"))
    elif isinstance(change, ResourceCostChange):
        if change.field not in RESOURCE_COST_FIELDS:
            problems.append(("field", f"must be one of {', '.join(RESOURCE_COST_FIELDS)}"))
    elif isinstance(change, ServiceTargetChange):
        if not 0 < change.service_target < 1:
            problems.append(("service_target", "must be a fill rate between 0 and 1, e.g. 0.95"))
    elif change.strategy not in {s.value for s in Strategy}:
        problems.append(("strategy", f"must be one of {', '.join(s.value for s in Strategy)}"))
    return problems


def _new_product_problems(change: NewProduct) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if change.product_id == change.like_product_id:
        problems.append(("like_product_id", "must be another product than the new one"))
    if change.share < 0:
        problems.append(("share", "must not be negative"))
    if change.ramp_months < 1:
        problems.append(("ramp_months", "must be at least 1"))
    if not 0 <= change.cannibalisation <= 1:
        problems.append(("cannibalisation", "must be a fraction between 0 and 1"))
    for name in ("price", "unit_cost"):
        value = getattr(change, name)
        if value is not None and value < 0:
            problems.append((name, "must not be negative"))
    return problems


def _where(position: int | None) -> str:
    return "" if position is None else f"change {position}: "


# --- applying ----------------------------------------------------------------------------


def apply_changes(data: PlanningData, changes: Sequence[Change]) -> PlanningData:
    """Apply a scenario's changes in order and return the changed data (inputs untouched).

    Each change is checked against the data as the changes before it left it (so a new
    product can be referred to by a later change). Raises `InvalidInput` naming, for every
    wrong change, its 1-based position, the field (``column``) and the value.

    Parameters
    ----------
    data
        The cycle's planning data; see :class:`PlanningData` for its frames.
    changes
        The scenario's changes, applied first to last.
    """
    issues: list[Issue] = []
    for position, change in enumerate(changes, start=1):
        found = check_change(change, position=position) + _reference_issues(data, change, position)
        if found:
            issues.extend(found)
            continue
        try:
            data = _apply(data, change)
        except InvalidInput as error:
            issues.extend(
                dataclasses.replace(i, message=f"{_where(position)}{i.message}")
                for i in error.issues
            )
    if issues:
        raise InvalidInput(issues)
    return data


def _apply(data: PlanningData, change: Change) -> PlanningData:
    if isinstance(change, DemandChange):
        return dataclasses.replace(data, demand=_changed_demand(data, change))
    if isinstance(change, DemandBound):
        return dataclasses.replace(data, demand=_demand_at_bound(data.demand, change.bound))
    if isinstance(change, NewProduct):
        return _with_new_product(data, change)
    if isinstance(change, CapacityChange):
        return dataclasses.replace(data, capacity=_changed_capacity(data, change))
    if isinstance(change, CostChange):
        products = data.products.copy()
        rows = _product_mask(products, change.product_id, change.family)
        products.loc[rows, change.field] = products.loc[rows, change.field] * _factor(change.pct)
        return dataclasses.replace(data, products=products)
    if isinstance(change, ResourceCostChange):
        resources = data.resources.copy()
        rows = _equals(resources["resource_id"], change.resource_id)
        resources.loc[rows, change.field] = resources.loc[rows, change.field] * _factor(change.pct)
        return dataclasses.replace(data, resources=resources)
    if isinstance(change, ServiceTargetChange):
        segments = data.segments.copy()
        if "service_target" not in segments:
            segments["service_target"] = np.nan
        rows = _equals(segments["segment"], change.segment)
        segments.loc[rows, "service_target"] = change.service_target
        return dataclasses.replace(data, segments=segments)
    return dataclasses.replace(data, strategy=change.strategy)


def _reference_issues(data: PlanningData, change: Change, position: int) -> list[Issue]:
    """Issues for products, families, segments, resources and months the data lacks."""
    refs: list[tuple[str, object, set[Any], str]] = []
    products = set(data.products["product_id"])
    families = set(data.products["family"]) if "family" in data.products else set()
    segments = set(data.segments["segment"]) | set(data.demand["segment"]) | {NO_SEGMENT}
    resources = set(data.resources["resource_id"])
    if isinstance(change, (DemandChange, CostChange)):
        refs += [
            ("product_id", change.product_id, products, "product"),
            ("family", change.family, families, "family"),
        ]
    if isinstance(change, (DemandChange, ServiceTargetChange)):
        known = segments if isinstance(change, DemandChange) else set(data.segments["segment"])
        refs.append(("segment", change.segment, known, "segment"))
    if isinstance(change, (CapacityChange, ResourceCostChange)):
        refs.append(("resource_id", change.resource_id, resources, "resource"))
    if isinstance(change, NewProduct):
        refs.append(("like_product_id", change.like_product_id, products, "product"))
    issues = [
        Issue(
            "unknown_key",
            f"{_where(position)}{value} is not a known {noun}",
            column=name,
            value=value,
        )
        for name, value, known, noun in refs
        if value is not None and value not in known
    ]
    issues += _other_reference_issues(data, change, position, products)
    return issues


def _other_reference_issues(
    data: PlanningData, change: Change, position: int, products: set[Any]
) -> list[Issue]:
    where = _where(position)
    issues: list[Issue] = []
    if isinstance(change, (DemandChange, CapacityChange)) and data.periods:
        if not _window(data.periods, change.period_from, change.period_to):
            issues.append(
                Issue(
                    "outside_horizon",
                    f"{where}{change.period_from or '...'}..{change.period_to or '...'} is "
                    f"outside the horizon {data.periods[0]}..{data.periods[-1]}",
                    column="period_from",
                    value=change.period_from,
                )
            )
    if isinstance(change, NewProduct) and change.product_id in products:
        issues.append(
            Issue(
                "duplicate_key",
                f"{where}{change.product_id} is already a product",
                column="product_id",
                value=change.product_id,
            )
        )
    if isinstance(change, DemandBound):
        column = data.demand.get(change.bound)
        if column is None or column.isna().all():
            issues.append(
                Issue(
                    "no_interval",
                    f"{where}the demand has no {change.bound} forecast interval",
                    column="bound",
                    value=change.bound,
                )
            )
    if isinstance(change, CostChange) and change.field not in data.products:
        issues.append(
            Issue(
                "missing_column",
                f"{where}the products have no {change.field}",
                column="field",
                value=change.field,
            )
        )
    return issues


def _window(periods: Sequence[str], first: str | None, last: str | None) -> list[str]:
    """The plan periods inside first..last (None = open end)."""
    return [p for p in periods if (first is None or p >= first) and (last is None or p <= last)]


def _equals(column: pd.Series, value: object) -> pd.Series:
    """Rows equal to ``value``; every row when the value is None."""
    if value is None:
        return pd.Series(True, index=column.index)
    return column == value


def _product_mask(products: pd.DataFrame, product_id: str | None, family: str | None) -> pd.Series:
    rows = _equals(products["product_id"], product_id)
    if family is not None:
        rows &= products["family"] == family
    return rows


def _factor(pct: float) -> float:
    return 1.0 + pct / 100.0


def _bound_columns(demand: pd.DataFrame) -> list[str]:
    return [c for c in BOUNDS if c in demand]


def _changed_demand(data: PlanningData, change: DemandChange) -> pd.DataFrame:
    periods = _window(data.periods, change.period_from, change.period_to)
    demand = data.demand.copy().reset_index(drop=True)
    family = demand["product_id"].map(data.products.set_index("product_id")["family"])
    pair_rows = (
        _equals(demand["product_id"], change.product_id)
        & _equals(family, change.family)
        & _equals(demand["segment"], change.segment)
    )
    if change.pct is not None:
        rows = pair_rows & demand["period"].isin(periods)
        new = demand.loc[rows, "quantity"] * _factor(change.pct)
    else:
        demand = _with_missing_cells(demand, pair_rows, periods, change)
        rows = demand["period"].isin(periods) & demand["_pair"]
        demand = demand.drop(columns="_pair")
        new = _spread(demand.loc[rows], float(change.qty or 0.0))
    return _set_quantity(demand, rows, new.clip(lower=0.0))


def _with_missing_cells(
    demand: pd.DataFrame, pair_rows: pd.Series, periods: list[str], change: DemandChange
) -> pd.DataFrame:
    """Demand with a zero row for every matching product x segment in every window month.

    Units added to a month without demand rows still need cells to land in. A product with
    no demand at all has none to copy, so it needs both product_id and segment named.
    """
    pairs = demand.loc[pair_rows, ["product_id", "segment"]].drop_duplicates()
    if pairs.empty:
        if change.product_id is None or change.segment is None:
            raise InvalidInput(
                [
                    Issue(
                        "no_demand",
                        "no demand matches this change; name product_id and segment to add "
                        "demand where there is none",
                        column="product_id",
                    )
                ]
            )
        pairs = pd.DataFrame({"product_id": [change.product_id], "segment": [change.segment]})
    grid = pairs.merge(pd.DataFrame({"period": periods}), how="cross")
    demand = demand.assign(_pair=pair_rows)
    missing = grid.merge(demand[["product_id", "segment", "period"]], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge")
    added = missing.assign(quantity=0.0, _pair=True)
    return pd.concat([demand, added], ignore_index=True)


def _spread(cells: pd.DataFrame, qty: float) -> pd.Series:
    """``qty`` units a month shared over the cells by their quantity (evenly if all zero)."""
    by_month = cells.groupby("period")["quantity"]
    total = by_month.transform("sum")
    count = by_month.transform("size")
    share = np.where(total > 0, cells["quantity"] / total.where(total > 0, 1.0), 1.0 / count)
    return cells["quantity"] + qty * share


def _set_quantity(demand: pd.DataFrame, rows: pd.Series, new: pd.Series) -> pd.DataFrame:
    """Set the quantity of ``rows``; the interval columns move by the same units."""
    shift = new - demand.loc[rows, "quantity"]
    for column in _bound_columns(demand):
        demand.loc[rows, column] = (demand.loc[rows, column] + shift).clip(lower=0.0)
    demand.loc[rows, "quantity"] = new
    return demand


def _demand_at_bound(demand: pd.DataFrame, bound: str) -> pd.DataFrame:
    """Quantity replaced by the bound where the forecast has one (elsewhere kept)."""
    out = demand.copy()
    out["quantity"] = out[bound].fillna(out["quantity"]).astype(float)
    return out


def _with_new_product(data: PlanningData, change: NewProduct) -> PlanningData:
    demand = data.demand.reset_index(drop=True)
    like_rows = demand["product_id"] == change.like_product_id
    like = demand.loc[like_rows]
    value_columns = ["quantity", *_bound_columns(demand)]
    # Reuse the lifecycle ramp: it works on integer steps and a 'forecast' column.
    steps = like.assign(ds=like["period"].map(period_to_index)).rename(
        columns={"quantity": "forecast"}
    )
    ramped, _ = like_item_forecast(
        steps, launch=period_to_index(change.launch_period), ramp_months=change.ramp_months
    )
    ramped = ramped.rename(columns={"forecast": "quantity"})
    new = ramped.loc[ramped["period"] >= change.launch_period, demand.columns].copy()
    new[value_columns] = new[value_columns] * change.share
    new["product_id"] = change.product_id
    taken = change.cannibalisation * ramped["quantity"].to_numpy() * change.share
    demand = _set_quantity(
        demand.copy(),
        like_rows,
        pd.Series(np.maximum(like["quantity"].to_numpy() - taken, 0.0), index=like.index),
    )
    return dataclasses.replace(
        data,
        demand=pd.concat([demand, new], ignore_index=True),
        products=_new_product_row(data.products, change),
        routings=pd.concat(
            [
                data.routings,
                data.routings[data.routings["product_id"] == change.like_product_id].assign(
                    product_id=change.product_id
                ),
            ],
            ignore_index=True,
        ),
    )


def _new_product_row(products: pd.DataFrame, change: NewProduct) -> pd.DataFrame:
    row = products[products["product_id"] == change.like_product_id].copy()
    row["product_id"] = change.product_id
    overrides: dict[str, Any] = {
        "name": change.name or change.product_id,
        "like_product_id": change.like_product_id,
        "launch_period": change.launch_period,
        # The like item may be phasing out (often why a product replaces it); the new one is not.
        "end_period": None,
        "price": change.price,
        "unit_cost": change.unit_cost,
    }
    for column, value in overrides.items():
        if column in row and (value is not None or column == "end_period"):
            row[column] = value
    return pd.concat([products, row], ignore_index=True)


def _changed_capacity(data: PlanningData, change: CapacityChange) -> pd.DataFrame:
    """Overrides for the resource's months in the window, from its current hours."""
    periods = _window(data.periods, change.period_from, change.period_to)
    current = SupplyProblem(
        periods=periods,
        products=data.products,
        segments=data.segments,
        demand=data.demand,
        resources=data.resources[data.resources["resource_id"] == change.resource_id],
        routings=data.routings,
        inventory=pd.DataFrame(),
        capacity=data.capacity,
    ).capacity_table()[list(CAPACITY_COLUMNS)]
    if change.pct is not None:
        for column in ("capacity", "overtime_capacity"):
            current[column] = current[column].astype(float) * _factor(change.pct)
    else:
        current["capacity"] = float(change.hours or 0.0)
    kept = data.capacity
    if not kept.empty:
        replaced = (kept["resource_id"] == change.resource_id) & kept["period"].isin(periods)
        kept = kept[~replaced]
        return pd.concat([kept, current], ignore_index=True)
    return current.reset_index(drop=True)


# --- describing --------------------------------------------------------------------------


def describe(change: Change) -> str:
    """The change as a sentence: 'Demand +20% for family Tents in 2027-05..2027-08'."""
    if isinstance(change, DemandChange):
        how = _pct(change.pct) if change.pct is not None else f"{_units(change.qty)} a month"
        scope = _scope(
            [("product", change.product_id), ("family", change.family), ("segment", change.segment)]
        )
        return f"Demand {how} for {scope or 'all products'}{_months(change)}"
    if isinstance(change, DemandBound):
        side = "low" if change.bound.startswith("lo") else "high"
        level = change.bound[3:]
        return f"Demand at the {side} end of the {level}% forecast interval ({change.bound})"
    if isinstance(change, NewProduct):
        return _describe_new_product(change)
    if isinstance(change, CapacityChange):
        if change.pct is not None and change.pct <= -100:
            return f"Resource {change.resource_id} lost{_months(change)}"
        if change.pct is not None:
            return f"Capacity of {change.resource_id} {_pct(change.pct)}{_months(change)}"
        hours = display(change.hours)
        return f"Capacity of {change.resource_id} set to {hours} hours a month{_months(change)}"
    if isinstance(change, CostChange):
        scope = _scope([("product", change.product_id), ("family", change.family)])
        what = change.field.replace("_", " ").capitalize()
        return f"{what} {_pct(change.pct)} for {scope or 'all products'}"
    if isinstance(change, ResourceCostChange):
        what = "Regular hour rate" if change.field == "regular_cost" else "Overtime rate"
        where = f"resource {change.resource_id}" if change.resource_id else "all resources"
        return f"{what} {_pct(change.pct)} for {where}"
    if isinstance(change, ServiceTargetChange):
        where = f"segment {change.segment}" if change.segment else "all segments"
        return f"Service target {change.service_target:.1%} for {where}"
    return f"Strategy {change.strategy}"


def _describe_new_product(change: NewProduct) -> str:
    name = f" ({change.name})" if change.name and change.name != change.product_id else ""
    text = (
        f"New product {change.product_id}{name} launched {change.launch_period} like "
        f"{change.like_product_id} at {change.share:.0%} of its demand, ramping up over "
        f"{change.ramp_months} month{'s' if change.ramp_months != 1 else ''}"
    )
    if change.cannibalisation > 0:
        text += f", taking {change.cannibalisation:.0%} of its units from {change.like_product_id}"
    prices = [
        f"{label} {display(value)}"
        for label, value in (("price", change.price), ("unit cost", change.unit_cost))
        if value is not None
    ]
    return text + (f"; {' and '.join(prices)}" if prices else "")


def _pct(pct: float | None) -> str:
    return f"{pct:+.10g}%"


def _units(qty: float | None) -> str:
    value = float(qty or 0.0)
    sign = "+" if value >= 0 else "-"
    return f"{sign}{display(abs(value))} units"


def _scope(parts: list[tuple[str, str | None]]) -> str:
    return ", ".join(f"{noun} {value}" for noun, value in parts if value is not None)


def _months(change: DemandChange | CapacityChange) -> str:
    first, last = change.period_from, change.period_to
    if first and last:
        return f" in {first}" if first == last else f" in {first}..{last}"
    if first:
        return f" from {first}"
    if last:
        return f" until {last}"
    return " over the whole horizon"
