"""Step 1: forecasts, overrides, the demand profile and forecast accuracy."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from snop.api.deps import PERIOD
from snop.api.schemas.common import Number, Read, WideRow


class OverrideIn(BaseModel):
    """A person's change to the forecast."""

    level: Literal["product", "family", "segment"]
    key: str = Field(min_length=1, max_length=200)
    period_from: str = Field(pattern=PERIOD)
    period_to: str = Field(pattern=PERIOD)
    reason_code: str = Field(min_length=1, max_length=100)
    change_pct: float | None = Field(default=None, ge=-100, le=10_000)
    change_qty: float | None = Field(default=None, ge=-1e9, le=1e9)
    comment: str | None = Field(default=None, max_length=2000)


class ReasonIn(BaseModel):
    """Why."""

    reason: str = Field(min_length=1, max_length=2000)


class ForecastIn(BaseModel):
    """A forecast run."""

    horizon: int = Field(default=18, ge=1, le=36)
    cutoff: str | None = Field(default=None, pattern=PERIOD)


class ForecastRow(WideRow):
    """One key and month: the actual orders, then one column per forecast stream.

    The streams are ``statistical``, ``naive``, ``events``, ``consensus`` and one
    ``override:<user>`` per person who changed the forecast (units; null where a stream
    has no value for the month).
    """

    key: str
    period: str
    actual: Number = None


class ForecastTableRead(Read):
    """The forecast streams by month beside recent actuals."""

    rows: list[ForecastRow]


class OverrideRead(Read):
    """An active override."""

    override_id: int
    author: str
    reason_code: str
    comment: str | None
    level: str
    key: str
    period_from: str
    period_to: str
    change_pct: Number
    change_qty: Number
    version: int
    created_at: str | None


class OverridesRead(Read):
    """Active overrides, oldest first."""

    rows: list[OverrideRead]


class CreatedRead(Read):
    """The id of what was created."""

    id: int


class ConflictRead(Read):
    """Two overrides by different people on the same key and overlapping months."""

    first: int
    second: int
    level: str
    key: str
    months: str
    first_author: str
    second_author: str
    first_change: str
    second_change: str


class ConflictsRead(Read):
    """Every pair of conflicting overrides."""

    rows: list[ConflictRead]


class WithdrawnRead(Read):
    """The override withdrawn."""

    withdrawn: int


class ForecastRunRead(Read):
    """What a forecast run made: its version, months, models and totals per stream."""

    version_id: int
    cutoff: str
    first_period: str
    last_period: str
    series: int
    reconciliation: str
    models: dict[str, int]
    outliers: int
    seconds: float
    totals: dict[str, float]


class ProductProfileRead(Read):
    """One product's demand pattern."""

    product_id: str
    family: str | None
    status: str | None
    segments: int
    months: int
    total_ordered: Number
    total_shipped: Number
    revenue: Number
    revenue_share: Number
    abc: str | None
    cv: Number
    xyz: str | None
    adi: Number
    cv2: Number
    demand_class: str | None
    trend_strength: Number
    seasonal_strength: Number
    trend: str | None
    seasonal: bool | None
    fill_rate: Number


class ProfileRead(Read):
    """ABC/XYZ, demand class, trend and seasonality of every product."""

    products: list[ProductProfileRead]


class HeadlineRow(WideRow):
    """One stream: ``wape_lag<N>``, ``fva_lag<N>`` and ``bias_lag<N>`` for each lag."""

    stream: str


class AccuracySummaryRow(Read):
    """Pooled accuracy of one level, stream and lag."""

    level: str
    stream: str
    lag: int
    keys: int
    actual: Number
    forecast: Number
    wape: Number
    bias: Number


class AccuracyRead(Read):
    """WAPE and bias by stream and lag, and the value each stream adds."""

    headline: list[HeadlineRow]
    summary: list[AccuracySummaryRow]
