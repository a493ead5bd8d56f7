"""Frames in and out of the store, shaped as the planning workbook's sheets.

Every function takes an open ``Session`` and never commits: the calling service owns the
transaction, so an import either lands whole or not at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from snop.contract.sheets import SHEETS, SHEETS_BY_NAME, Kind, Sheet
from snop.contract.validate import KnownKeys
from snop.store.tables import (
    ActualProduction,
    Base,
    Customer,
    DemandHistory,
    DemandPlanLine,
    InventoryPosition,
    MarketEvent,
    Product,
    Resource,
    ResourceCapacity,
    ResourceLabour,
    Routing,
    ScheduledReceipt,
    Segment,
    StrategyTarget,
)

SHEET_TABLES: dict[str, type[Base]] = {
    "products": Product,
    "segments": Segment,
    "customers": Customer,
    "resources": Resource,
    "capacity": ResourceCapacity,
    "labour": ResourceLabour,
    "routings": Routing,
    "demand_history": DemandHistory,
    "inventory": InventoryPosition,
    "receipts": ScheduledReceipt,
    "production": ActualProduction,
    "targets": StrategyTarget,
    "events": MarketEvent,
    "demand_plan": DemandPlanLine,
}
SURROGATE_KEY = "id"
"""Tables whose contract key has optional parts (events, demand_plan) use a row id."""

# Parents before children: the order rows are inserted in, and the reverse of deletion.
WRITE_ORDER = (
    "segments",
    "customers",
    "products",
    "resources",
    "capacity",
    "labour",
    "routings",
    "demand_history",
    "inventory",
    "receipts",
    "production",
    "targets",
    "events",
    "demand_plan",
)


@dataclass(frozen=True, slots=True)
class UpsertCount:
    """What an upsert did to one sheet's table."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def read_sheet(s: Session, sheet_name: str) -> pd.DataFrame:
    """Read one sheet's table as a frame with the contract's columns, sorted by key."""
    sheet = SHEETS_BY_NAME[sheet_name]
    return _read_table(s, sheet)[sheet.column_names]


def read_all_sheets(s: Session) -> dict[str, pd.DataFrame]:
    """Every sheet's table as frames, in contract order."""
    return {sheet.name: read_sheet(s, sheet.name) for sheet in SHEETS}


def _read_table(s: Session, sheet: Sheet) -> pd.DataFrame:
    table = SHEET_TABLES[sheet.name].__table__
    names = list(sheet.column_names) + ["version"]
    if SURROGATE_KEY in table.c:
        names.append(SURROGATE_KEY)
    rows = s.execute(select(*[table.c[n] for n in names])).all()
    frame = pd.DataFrame.from_records(rows, columns=names)
    for column in sheet.columns:
        if column.kind in (Kind.NUMBER, Kind.INTEGER):
            frame[column.name] = frame[column.name].astype(float)
        else:
            frame[column.name] = frame[column.name].astype(object)
    return _sort_by_key(frame, sheet).reset_index(drop=True)


def _sort_by_key(frame: pd.DataFrame, sheet: Sheet) -> pd.DataFrame:
    keys = list(sheet.key)
    return frame.sort_values(keys, na_position="first", kind="stable")


def count_rows(s: Session) -> dict[str, int]:
    """Rows held per sheet's table."""
    return {
        name: int(s.scalar(select(func.count()).select_from(table.__table__)) or 0)
        for name, table in SHEET_TABLES.items()
    }


def read_known_keys(s: Session) -> KnownKeys:
    """Keys already in the store, for the validator's reference checks."""
    counts = count_rows(s)
    return KnownKeys(
        products=frozenset(s.scalars(select(Product.product_id))),
        families=frozenset(s.scalars(select(Product.family).distinct())),
        segments=frozenset(s.scalars(select(Segment.segment))),
        customers=frozenset(s.scalars(select(Customer.customer_id))),
        resources=frozenset(s.scalars(select(Resource.resource_id))),
        filled_sheets=frozenset(name for name, n in counts.items() if n),
    )


def upsert_sheet(s: Session, sheet_name: str, incoming: pd.DataFrame) -> UpsertCount:
    """Insert new rows and update changed ones, matching on the sheet's key.

    Rows of the store that the workbook does not mention stay as they are (an import adds
    and corrects; it does not delete). Unchanged rows are not touched, so importing the same
    workbook twice changes nothing, not even row versions.
    """
    sheet = SHEETS_BY_NAME[sheet_name]
    table = cast(Table, SHEET_TABLES[sheet_name].__table__)
    if incoming.empty:
        return UpsertCount()
    existing = _read_table(s, sheet)
    incoming = incoming[sheet.column_names].reset_index(drop=True)
    key_in = _key_strings(incoming, sheet)
    key_old = _key_strings(existing, sheet)
    position = pd.Series(np.arange(len(existing)), index=key_old)
    match = key_in.map(position)
    new = match.isna().to_numpy()
    inserts = incoming.loc[new]
    matched = incoming.loc[~new]
    old = existing.iloc[match[~new].astype(int).to_numpy()].reset_index(drop=True)
    changed = _changed_rows(matched.reset_index(drop=True), old, sheet)
    updates = matched.reset_index(drop=True).loc[changed]
    if len(inserts):
        s.execute(insert(table), _records(inserts, sheet))
    if len(updates):
        records = _records(updates, sheet)
        old_changed = old.loc[changed]
        for record, version, row_id in zip(
            records,
            old_changed["version"],
            old_changed.get(SURROGATE_KEY, pd.Series([None] * len(old_changed))),
            strict=True,
        ):
            record["version"] = int(version) + 1
            if row_id is not None and not _missing(row_id):
                record[SURROGATE_KEY] = int(row_id)
        _update_by_key(s, table, sheet, records)
    return UpsertCount(int(new.sum()), int(changed.sum()), int((~changed).sum()))


def _update_by_key(s: Session, table: Table, sheet: Sheet, records: list[dict[str, Any]]) -> None:
    """One executemany UPDATE matching on the key (bound as ``k_<column>``)."""
    keys = [SURROGATE_KEY] if SURROGATE_KEY in table.c else list(sheet.key)
    values = [name for name in records[0] if name not in keys]
    statement = (
        update(table)
        .where(*[table.c[k] == bindparam(f"k_{k}") for k in keys])
        .values({**{v: bindparam(f"v_{v}") for v in values}, "updated_at": func.now()})
    )
    params = [
        {**{f"k_{k}": r[k] for k in keys}, **{f"v_{v}": r[v] for v in values}} for r in records
    ]
    s.connection().execute(statement, params)


def _key_strings(frame: pd.DataFrame, sheet: Sheet) -> pd.Series:
    if frame.empty:
        return pd.Series([], dtype=object)
    parts = frame[list(sheet.key)].astype(object).where(frame[list(sheet.key)].notna(), "")
    return parts.astype(str).agg("\x1f".join, axis=1)


def _changed_rows(new: pd.DataFrame, old: pd.DataFrame, sheet: Sheet) -> np.ndarray:
    changed = np.zeros(len(new), dtype=bool)
    for column in sheet.columns:
        a, b = new[column.name], old[column.name]
        if column.kind in (Kind.NUMBER, Kind.INTEGER):
            x, y = a.astype(float).to_numpy(), b.astype(float).to_numpy()
            same = (x == y) | (np.isnan(x) & np.isnan(y))
        else:
            same = (a.isna() & b.isna()).to_numpy() | (a.astype(str) == b.astype(str)).to_numpy()
        changed |= ~same
    return changed


def _records(frame: pd.DataFrame, sheet: Sheet) -> list[dict[str, Any]]:
    """Plain Python values for the driver: None for empty cells, int for whole-number kinds."""
    columns: dict[str, list[Any]] = {}
    for column in sheet.columns:
        values = frame[column.name].tolist()
        if column.kind == Kind.INTEGER:
            columns[column.name] = [None if _missing(v) else int(v) for v in values]
        elif column.kind == Kind.NUMBER:
            columns[column.name] = [None if _missing(v) else float(v) for v in values]
        else:
            columns[column.name] = [None if _missing(v) else str(v) for v in values]
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def delete_all_sheets(s: Session) -> None:
    """Delete the company's data: every table but the audit trail, import log and settings.

    Forecasts, overrides and (later) plans refer to products, so they go too; children
    before parents, in the order the foreign keys require.
    """
    kept = {"audit_event", "data_import", "setting"}
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in kept:
            s.execute(delete(table))


def write_order(names: Iterable[str]) -> list[str]:
    """The given sheet names in an order that satisfies foreign keys."""
    wanted = set(names)
    return [name for name in WRITE_ORDER if name in wanted]
