"""Forecast versions and overrides in and out of the store (no commits here)."""

from __future__ import annotations

import math
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from snop.store.tables import (
    Base,
    Customer,
    DemandOverride,
    ForecastError,
    ForecastModel,
    ForecastOutlier,
    ForecastValue,
    ForecastVersion,
    Product,
)

VALUE_COLUMNS = [
    "product_id",
    "segment",
    "period",
    "stream",
    "quantity",
    "lo_80",
    "hi_80",
    "lo_95",
    "hi_95",
]
OVERRIDE_COLUMNS = [
    "override_id",
    "author",
    "reason_code",
    "comment",
    "level",
    "key",
    "period_from",
    "period_to",
    "change_pct",
    "change_qty",
    "version",
    "created_at",
]


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [
        {c: _plain(v) for c, v in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False)
    ]


def add_version(s: Session, **fields: Any) -> int:
    """Insert a forecast version row; return its id."""
    version = ForecastVersion(**fields)
    s.add(version)
    s.flush()
    return int(version.id)


def write_rows(s: Session, table: type[Base], frame: pd.DataFrame, version_id: int) -> None:
    """Bulk-insert ``frame`` into ``table`` with the version id set on every row."""
    if frame.empty:
        return
    columns = [c for c in frame.columns if c in table.__table__.c]
    rows = _records(frame, columns)
    for row in rows:
        row["version_id"] = version_id
    target = cast(Table, table.__table__)
    s.execute(insert(target), rows)


def write_forecast(
    s: Session,
    version_id: int,
    *,
    values: pd.DataFrame,
    models: pd.DataFrame,
    outliers: pd.DataFrame,
    errors: pd.DataFrame,
) -> None:
    """Store everything a forecast version holds."""
    write_rows(s, ForecastValue, values, version_id)
    write_rows(s, ForecastModel, models.rename(columns={"unique_id": "node"}), version_id)
    write_rows(s, ForecastOutlier, outliers, version_id)
    write_rows(s, ForecastError, errors, version_id)


ROW_KEY = ["product_id", "segment", "period", "stream"]
"""What names one row of a version's values (with the version id)."""


def replace_streams(
    s: Session,
    version_id: int,
    values: pd.DataFrame,
    streams: list[str],
    *,
    stored: pd.DataFrame | None = None,
) -> None:
    """Replace the rows of the given streams (e.g. after an override) in a version.

    ``stored``, the version's rows as read in this transaction (any streams), lets only
    the rows that differ be deleted and written: an override of one family changes a few
    dozen of the consensus's thousands of rows, and rewriting them all was most of a save.
    """
    new = values[values["stream"].isin(streams)]
    if stored is None:
        s.execute(
            delete(ForecastValue).where(
                ForecastValue.version_id == version_id, ForecastValue.stream.in_(streams)
            )
        )
        write_rows(s, ForecastValue, new, version_id)
        return
    gone, changed = _row_changes(stored[stored["stream"].isin(streams)], new)
    if not gone.empty:
        target = cast(Table, ForecastValue.__table__)
        matching = [target.c[c] == bindparam(f"k_{c}") for c in ROW_KEY]
        s.execute(
            target.delete().where(target.c.version_id == version_id, *matching),
            [{f"k_{c}": v for c, v in row.items()} for row in _records(gone, ROW_KEY)],
        )
    write_rows(s, ForecastValue, changed, version_id)


def _row_changes(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(keys of stored rows to delete, new rows to insert) to turn ``old`` into ``new``."""
    numbers = [c for c in VALUE_COLUMNS if c not in ROW_KEY]
    both = old[ROW_KEY + numbers].merge(
        new[ROW_KEY + numbers], on=ROW_KEY, how="outer", suffixes=("_old", ""), indicator=True
    )
    differs = pd.Series(False, index=both.index)
    for column in numbers:
        before, after = both[f"{column}_old"], both[column]
        differs |= (before != after) & ~(before.isna() & after.isna())
    gone = both[(both["_merge"] == "left_only") | ((both["_merge"] == "both") & differs)]
    changed = both[(both["_merge"] == "right_only") | ((both["_merge"] == "both") & differs)]
    return gone[ROW_KEY], changed[ROW_KEY + numbers]


def latest_version(s: Session) -> ForecastVersion | None:
    """The newest forecast version, or None."""
    return s.scalars(select(ForecastVersion).order_by(ForecastVersion.id.desc()).limit(1)).first()


def versions(s: Session) -> pd.DataFrame:
    """Every version: id, created_at, actor, cutoff, first_period, horizon, reconciliation."""
    rows = s.execute(
        select(
            ForecastVersion.id,
            ForecastVersion.created_at,
            ForecastVersion.actor,
            ForecastVersion.cutoff,
            ForecastVersion.first_period,
            ForecastVersion.horizon,
            ForecastVersion.reconciliation,
            ForecastVersion.seconds,
        ).order_by(ForecastVersion.id)
    ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "created_at",
            "actor",
            "cutoff",
            "first_period",
            "horizon",
            "reconciliation",
            "seconds",
        ],
    )


def read_values(
    s: Session,
    version_ids: list[int] | None = None,
    streams: list[str] | None = None,
    *,
    family: str | None = None,
) -> pd.DataFrame:
    """Forecast values with family and the version's cutoff; all versions by default.

    ``family`` keeps the rows of that family's products only.
    """
    query = (
        select(
            ForecastValue.version_id,
            ForecastVersion.cutoff,
            *[getattr(ForecastValue, c) for c in VALUE_COLUMNS],
            Product.family,
        )
        .join(ForecastVersion)
        .join(Product, Product.product_id == ForecastValue.product_id)
    )
    if version_ids is not None:
        query = query.where(ForecastValue.version_id.in_(version_ids))
    if streams is not None:
        query = query.where(ForecastValue.stream.in_(streams))
    if family is not None:
        query = query.where(Product.family == family)
    # Core rows, not ORM ones: a version holds tens of thousands and each is read per save.
    s.flush()  # what the ORM's execute would have flushed first
    rows = s.connection().execute(query).all()
    return pd.DataFrame(rows, columns=["version_id", "cutoff", *VALUE_COLUMNS, "family"])


def read_table(s: Session, table: type[Base], version_id: int) -> pd.DataFrame:
    """All rows of a per-version table (models, outliers, errors) for one version."""
    target = cast(Table, table.__table__)
    rows = s.execute(select(target).where(target.c.version_id == version_id)).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in target.c])


def read_overrides(s: Session, *, active_only: bool = True) -> pd.DataFrame:
    """People's overrides, oldest first."""
    query = select(DemandOverride).order_by(DemandOverride.id)
    if active_only:
        query = query.where(DemandOverride.active.is_(True))
    rows = [
        (
            o.id,
            o.author,
            o.reason_code,
            o.comment,
            o.level,
            o.key,
            o.period_from,
            o.period_to,
            o.change_pct,
            o.change_qty,
            o.version,
            o.created_at,
        )
        for o in s.scalars(query)
    ]
    return pd.DataFrame(rows, columns=OVERRIDE_COLUMNS)


def add_override(s: Session, **fields: Any) -> int:
    """Insert an override; return its id."""
    override = DemandOverride(**fields)
    s.add(override)
    s.flush()
    return int(override.id)


def segments_of_customers(s: Session) -> dict[str, str]:
    """customer_id -> segment."""
    rows = s.execute(select(Customer.customer_id, Customer.segment))
    return {customer: segment for customer, segment in rows}


__all__ = [
    "ForecastError",
    "ForecastModel",
    "ForecastOutlier",
    "ForecastValue",
]
