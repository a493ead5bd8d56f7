"""Demand profile: how much each product is worth and how its demand behaves.

For every product, and every product x customer segment that bought it, the profile
classifies monthly demand the ways a demand planner reads it:

- **ABC** by revenue (ordered units x price): A while the items ranked before an item (by
  revenue, largest first) hold less than 80 % of the revenue, B while they hold less than
  95 %, C after that. So the item that crosses 80 % is still A and the one that crosses 95 %
  still B. Ties in revenue are ranked by product id.
- **XYZ** by the coefficient of variation of monthly demand, zero months included:
  X when cv <= 0.5, Y when 0.5 < cv <= 1.0, Z when cv > 1.0 (empty without demand).
- **Syntetos-Boylan class** from ADI (months counted / months with demand) and CV² (squared
  coefficient of variation of the non-zero monthly quantities): smooth (ADI < 1.32,
  CV² < 0.49), erratic (ADI < 1.32, CV² >= 0.49), intermittent (ADI >= 1.32, CV² < 0.49),
  lumpy (ADI >= 1.32, CV² >= 0.49), or "no demand".
- **Trend and seasonality** from a robust STL decomposition (statsmodels, period =
  ``season_length``, set up as R's ``stl(robust = TRUE)``) with Hyndman's strengths
  F_T = max(0, 1 - Var(R) / Var(T + R)) and F_S = max(0, 1 - Var(R) / Var(S + R)), computed
  for smooth and erratic series with at least two full seasons (NaN otherwise). ``trend``
  is "up" ("down") when the Theil-Sen slope changes demand by more than +5 % (-5 %) of its
  mean monthly level per year, and the trend is real: F_T >= 0.3 where STL was run, or,
  where it was not (short, intermittent or lumpy series), the slope's 95 % confidence
  interval (Sen 1968, as ``scipy.stats.theilslopes`` gives it) excludes zero. Series with
  fewer than three months counted are "flat".
  ``seasonal`` is F_S >= 0.4.

Which months count: every month of the window from the product's launch_period (or, for a
new product without one, its first demand) to its end_period. Months outside that life are
not demand of zero, they are months the product was not sold. A month with demand is
always counted, so no ordered unit is ever left out.

Standard deviations are population ones (ddof = 0), as in the Syntetos-Boylan literature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import (
    PERIOD_PATTERN,
    issues_where,
    period_range,
    period_to_index,
    periods_to_index,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
_Decompositions = dict[bytes, tuple[float, float]]
"""Trend and seasonal strength of each series decomposed so far, keyed by its values."""

SB_ADI_CUTOFF: Final = 1.32
"""Syntetos-Boylan cut-off on the average inter-demand interval (months)."""
SB_CV2_CUTOFF: Final = 0.49
"""Syntetos-Boylan cut-off on the squared coefficient of variation of demand sizes."""
ABC_A_SHARE: Final = 0.80
"""An item is A while the items ranked before it hold less than this share of revenue."""
ABC_B_SHARE: Final = 0.95
"""An item is B while the items ranked before it hold less than this share of revenue."""
XYZ_X_CV: Final = 0.5
"""Highest coefficient of variation of an X item."""
XYZ_Y_CV: Final = 1.0
"""Highest coefficient of variation of a Y item."""
TREND_MIN_STRENGTH: Final = 0.3
"""Least trend strength F_T for a trend to be called up or down."""
TREND_MIN_CHANGE: Final = 0.05
"""Least yearly change, as a share of the mean monthly level, for a trend to be called."""
SEASONAL_MIN_STRENGTH: Final = 0.4
"""Least seasonal strength F_S for a series to be called seasonal."""

SMOOTH: Final = "smooth"
ERRATIC: Final = "erratic"
INTERMITTENT: Final = "intermittent"
LUMPY: Final = "lumpy"
NO_DEMAND: Final = "no demand"
DEMAND_CLASSES: Final = (SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NO_DEMAND)
ABC_CLASSES: Final = ("A", "B", "C")
UP: Final = "up"
DOWN: Final = "down"
FLAT: Final = "flat"

_MONTHS_PER_YEAR = 12
# STL as R's stl() runs it (Cleveland et al. 1990): a locally constant seasonal smoother and,
# when robust, 1 inner x 15 outer passes. statsmodels' defaults (degree 1, 2 inner passes)
# let the seasonal soak up noise when each calendar month has only 3 values: on 36 months
# of pure noise F_S >= 0.4 two times in three, against one in ten with degree 0. They
# also take twice the time.
_STL_SEASONAL_DEG = 0
_STL_INNER_ITER = 1
_STL_OUTER_ITER = 15
_TREND_MIN_MONTHS = 3
_TREND_CONFIDENCE = 0.95
_THEIL_SEN_BLOCK = 2_000_000  # pairwise slopes held in memory at once

_REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "history": ("period", "product_id", "customer_id", "ordered", "shipped"),
    "products": ("product_id", "family", "price"),
    "customers": ("customer_id", "segment"),
    "segments": ("segment", "service_target", "priority"),
}


@dataclass(frozen=True, slots=True)
class DemandProfile:
    """The demand profile of every product and every product x segment.

    Attributes
    ----------
    by_product
        One row per product of the products frame, sorted by product_id. Columns:

        - ``product_id``, ``family``, ``status`` (active | new | phase_out);
        - ``segments``: number of customer segments that ordered it in the window;
        - ``months``: months counted (its life within the window);
        - ``total_ordered``, ``total_shipped``: units over the months counted;
        - ``revenue``: total_ordered x price (money); ``revenue_share``: of all products'
          revenue (0-1, sums to 1 when there is any revenue); ``abc``: A | B | C;
        - ``cv``: coefficient of variation of monthly ordered units, zero months included
          (NaN without demand); ``xyz``: X | Y | Z (None without demand);
        - ``adi``: months counted / months with demand (inf without demand); ``cv2``:
          squared coefficient of variation of the non-zero months (0 with at most one);
          ``demand_class``: smooth | erratic | intermittent | lumpy | no demand;
        - ``trend_strength``, ``seasonal_strength``: Hyndman's F_T and F_S from a robust
          STL (0-1; NaN when not computed); ``trend``: up | down | flat; ``seasonal``: bool;
        - ``fill_rate``: total_shipped / total_ordered (0-1; NaN without orders).
    by_product_segment
        One row per product x segment with ordered units in the window, sorted by
        product_id then segment priority. Columns: ``product_id``, ``family``, ``segment``,
        ``service_target`` (0-1), ``priority`` (1 = highest), then the columns of
        ``by_product`` from ``months`` on, for the segment's orders. The months counted are
        the product's. ``revenue_share`` and ``abc`` rank the products within each segment,
        so a product can be A for one segment and C for another.
    """

    by_product: pd.DataFrame
    by_product_segment: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Count products per ABC class and demand class.

        Returns
        -------
        pandas.DataFrame
            One row per ABC class (A, B, C) and a last row ``all``. Columns: ``abc``; one
            column per demand class (smooth, erratic, intermittent, lumpy, no demand) with
            the number of products; ``products`` (their total); ``seasonal`` (how many are
            seasonal); ``revenue_share`` (their share of revenue, 0-1).
        """
        frame = self.by_product
        counts = pd.crosstab(frame["abc"], frame["demand_class"])
        counts = counts.reindex(index=list(ABC_CLASSES), columns=list(DEMAND_CLASSES))
        counts = counts.fillna(0).astype(np.int64)
        counts["products"] = counts.sum(axis=1)
        grouped = frame.groupby("abc")
        counts["seasonal"] = grouped["seasonal"].sum().reindex(counts.index).fillna(0)
        counts["seasonal"] = counts["seasonal"].astype(np.int64)
        counts["revenue_share"] = grouped["revenue_share"].sum().reindex(counts.index)
        counts["revenue_share"] = counts["revenue_share"].fillna(0.0)
        counts.loc["all"] = counts.sum(axis=0)
        counts.index.name = "abc"
        counts.columns.name = None
        out = counts.reset_index()
        int_columns = [*DEMAND_CLASSES, "products", "seasonal"]
        out[int_columns] = out[int_columns].astype(np.int64)
        return out


def demand_profile(
    history: pd.DataFrame,
    products: pd.DataFrame,
    customers: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    periods: list[str] | None = None,
    season_length: int = 12,
) -> DemandProfile:
    """Classify every product's demand: ABC, XYZ, Syntetos-Boylan class, trend, seasonality.

    Parameters
    ----------
    history
        Orders, one row per period x product x customer; missing rows are zero demand.
        Columns: ``period`` (``YYYY-MM``), ``product_id``, ``customer_id``, ``ordered``
        (units), ``shipped`` (units). Rows outside the window are ignored.
    products
        Columns: ``product_id`` (unique), ``family``, ``price`` (money per unit), and
        optionally ``status`` (active | new | phase_out; empty = active), ``launch_period``
        and ``end_period`` (``YYYY-MM`` or empty). Other columns are ignored.
    customers
        Columns: ``customer_id`` (unique), ``segment``.
    segments
        Columns: ``segment`` (unique), ``service_target`` (fill rate 0-1), ``priority``
        (1 = highest).
    periods
        The months to profile, consecutive ``YYYY-MM``; default every month from the first
        to the last month of ``history``.
    season_length
        Months in a seasonal cycle (12 for a yearly season).

    Returns
    -------
    DemandProfile
        ``by_product`` and ``by_product_segment`` frames; see :class:`DemandProfile`
        for their columns and the module docstring for the exact class rules.

    Raises
    ------
    InvalidInput
        If a frame lacks a required column (code ``missing_column``), a period is not
        ``YYYY-MM`` or ``periods`` has a gap (``bad_period``), a quantity or price is not a
        number or is negative (``wrong_type``, ``out_of_range``), a key is repeated
        (``duplicate_key``), or history or customers name an unknown product, customer or
        segment (``unknown_reference``). Every issue found is reported.
    ValueError
        If ``season_length`` is less than 2.
    """
    if season_length < 2:
        raise ValueError(f"season_length must be at least 2, got {season_length}")
    frames = {
        "history": history,
        "products": products,
        "customers": customers,
        "segments": segments,
    }
    _check_columns(frames)
    _check_values(history, products, customers, segments, periods)

    window = _window(history, periods)
    products = products.sort_values("product_id", kind="mergesort", ignore_index=True)
    orders = _orders_in_window(history, customers, pd.Index(products["product_id"]), window)
    n_rows, n_months = len(products), len(window)
    ordered = _matrix(orders["row"], orders["month"], orders["ordered"], n_rows, n_months)
    shipped = _matrix(orders["row"], orders["month"], orders["shipped"], n_rows, n_months)
    counted = _months_counted(products, ordered, window)
    seen: _Decompositions = {}
    by_product = _profile_products(products, ordered, shipped, counted, season_length, seen)
    by_segment = _profile_segments(products, segments, orders, counted, season_length, seen)
    by_product.insert(3, "segments", np.bincount(by_segment["_product"], minlength=len(products)))
    return DemandProfile(
        by_product=_add_abc(by_product, group=None),
        by_product_segment=_add_abc(by_segment.drop(columns="_product"), group="segment"),
    )


def _profile_products(
    products: pd.DataFrame,
    ordered: FloatArray,
    shipped: FloatArray,
    counted: BoolArray,
    season_length: int,
    seen: _Decompositions,
) -> pd.DataFrame:
    """The by_product frame without segments, revenue_share and abc."""
    price = pd.to_numeric(products["price"]).to_numpy(dtype=np.float64)
    frame = _stats_frame(ordered, shipped, counted, price, season_length, seen)
    frame.insert(0, "product_id", products["product_id"].to_numpy())
    frame.insert(1, "family", products["family"].to_numpy())
    frame.insert(2, "status", _status(products).to_numpy())
    return frame


def _profile_segments(
    products: pd.DataFrame,
    segments: pd.DataFrame,
    orders: pd.DataFrame,
    counted: BoolArray,
    season_length: int,
    seen: _Decompositions,
) -> pd.DataFrame:
    """The by_product_segment frame without revenue_share and abc.

    Has an extra ``_product`` column: the row of each product x segment's product.
    """
    pair_of_order, pairs, names = _segment_pairs(orders, segments)
    n_segments = max(names.size, 1)
    product = pairs // n_segments
    # Orders of a product x segment without any ordered unit (shipped only) have no row.
    row = pd.Index(pairs).get_indexer(pd.Index(pair_of_order))
    keep = row >= 0
    rows = pd.Series(row[keep])
    months = orders["month"].loc[keep]
    n_months = counted.shape[1]
    ordered = _matrix(rows, months, orders["ordered"].loc[keep], pairs.size, n_months)
    shipped = _matrix(rows, months, orders["shipped"].loc[keep], pairs.size, n_months)
    price = pd.to_numeric(products["price"]).to_numpy(dtype=np.float64)
    frame = _stats_frame(ordered, shipped, counted[product], price[product], season_length, seen)

    segment = names[pairs % n_segments]
    targets = segments.set_index("segment")
    frame.insert(0, "product_id", products["product_id"].to_numpy()[product])
    frame.insert(1, "family", products["family"].to_numpy()[product])
    frame.insert(2, "segment", segment)
    frame.insert(3, "service_target", targets["service_target"].reindex(segment).to_numpy())
    frame.insert(4, "priority", targets["priority"].reindex(segment).to_numpy())
    frame["_product"] = product
    return frame.sort_values(
        ["product_id", "priority", "segment"], kind="mergesort", ignore_index=True
    )


# --- validation ----------------------------------------------------------------------------


def _check_columns(frames: dict[str, pd.DataFrame]) -> None:
    """Raise InvalidInput naming every required column that is missing, in every frame."""
    issues = [
        Issue(
            code="missing_column",
            message=f"{name} needs a column '{column}'",
            sheet=None,
            column=column,
        )
        for name, frame in frames.items()
        for column in _REQUIRED[name]
        if column not in frame.columns
    ]
    if issues:
        raise InvalidInput(issues)


def _check_values(
    history: pd.DataFrame,
    products: pd.DataFrame,
    customers: pd.DataFrame,
    segments: pd.DataFrame,
    periods: list[str] | None,
) -> None:
    """Raise InvalidInput with every bad value the profile cannot work with."""
    issues: list[Issue] = []
    issues += _period_issues(history, "history", "period", nullable=False)
    for column in ("launch_period", "end_period"):
        if column in products.columns:
            issues += _period_issues(products, "products", column, nullable=True)
    for frame, name, column in (
        (history, "history", "ordered"),
        (history, "history", "shipped"),
        (products, "products", "price"),
    ):
        issues += _number_issues(frame, name, column)
    for frame, name, column in (
        (products, "products", "product_id"),
        (customers, "customers", "customer_id"),
        (segments, "segments", "segment"),
    ):
        issues += issues_where(
            frame[column].duplicated(keep="first"),
            frame,
            sheet=None,
            column=column,
            code="duplicate_key",
            message=f"{name}: {{value}} appears more than once",
        )
    for frame, name, column, target, key in (
        (history, "history", "product_id", products, "product_id"),
        (history, "history", "customer_id", customers, "customer_id"),
        (customers, "customers", "segment", segments, "segment"),
    ):
        issues += issues_where(
            ~frame[column].isin(target[key]),
            frame,
            sheet=None,
            column=column,
            code="unknown_reference",
            message=f"{name}: {{value}} is not a known {key}",
        )
    if periods is not None:
        issues += _window_issues(periods)
    if issues:
        raise InvalidInput(issues)


def _period_issues(frame: pd.DataFrame, name: str, column: str, *, nullable: bool) -> list[Issue]:
    values = frame[column]
    # A history holds few distinct months, so each is checked once.
    distinct = pd.unique(values.dropna()) if nullable else pd.unique(values)
    good = [v for v in distinct if isinstance(v, str) and PERIOD_PATTERN.match(v)]
    bad = ~values.isin(good) & (values.notna() if nullable else True)
    return issues_where(
        bad,
        frame,
        sheet=None,
        column=column,
        code="bad_period",
        message=f"{name}: {column} {{value}} is not a month written YYYY-MM",
    )


def _number_issues(frame: pd.DataFrame, name: str, column: str) -> list[Issue]:
    number = pd.to_numeric(frame[column], errors="coerce")
    issues = issues_where(
        number.isna(),
        frame,
        sheet=None,
        column=column,
        code="wrong_type",
        message=f"{name}: {column} '{{value}}' is not a number",
    )
    issues += issues_where(
        number < 0,
        frame,
        sheet=None,
        column=column,
        code="out_of_range",
        message=f"{name}: {column} {{value}} is negative",
    )
    return issues


def _window_issues(periods: list[str]) -> list[Issue]:
    bad = [p for p in periods if not (isinstance(p, str) and PERIOD_PATTERN.match(p))]
    issues = [
        Issue(
            code="bad_period",
            message=f"periods: {p!r} is not a month written YYYY-MM",
            sheet=None,
            value=p,
        )
        for p in bad
    ]
    if not bad and periods:
        ordered = sorted(set(periods))
        if ordered != period_range(ordered[0], ordered[-1]):
            issues.append(
                Issue(
                    code="bad_period",
                    message="periods must be consecutive months, without gaps",
                    sheet=None,
                )
            )
    return issues


# --- building the monthly series -----------------------------------------------------------


def _window(history: pd.DataFrame, periods: list[str] | None) -> list[str]:
    """The months profiled, in order."""
    if periods is not None:
        return sorted(set(periods))
    if history.empty:
        return []
    return period_range(str(history["period"].min()), str(history["period"].max()))


def _orders_in_window(
    history: pd.DataFrame,
    customers: pd.DataFrame,
    product_ids: pd.Index,
    window: list[str],
) -> pd.DataFrame:
    """History rows in the window: product row, month column, segment, ordered, shipped."""
    if not window:
        columns: dict[str, list[object]] = {
            "row": [],
            "month": [],
            "segment": [],
            "ordered": [],
            "shipped": [],
        }
        return pd.DataFrame(columns).astype(
            {"row": np.int64, "month": np.int64, "ordered": float, "shipped": float}
        )
    month = periods_to_index(history["period"]).to_numpy() - period_to_index(window[0])
    inside = (month >= 0) & (month < len(window))
    rows = history.loc[inside]
    segment_of = customers.set_index("customer_id")["segment"]
    return pd.DataFrame(
        {
            "row": product_ids.get_indexer(pd.Index(rows["product_id"])).astype(np.int64),
            "month": month[inside],
            "segment": rows["customer_id"].map(segment_of).to_numpy(),
            "ordered": pd.to_numeric(rows["ordered"]).to_numpy(dtype=np.float64),
            "shipped": pd.to_numeric(rows["shipped"]).to_numpy(dtype=np.float64),
        }
    )


def _matrix(
    row: pd.Series, month: pd.Series, value: pd.Series, n_rows: int, n_months: int
) -> FloatArray:
    """Sum ``value`` into a rows x months array (zeros where nothing was ordered)."""
    flat = row.to_numpy(dtype=np.int64) * n_months + month.to_numpy(dtype=np.int64)
    summed = np.bincount(
        flat, weights=value.to_numpy(dtype=np.float64), minlength=n_rows * n_months
    )
    return np.asarray(summed.reshape(n_rows, n_months), dtype=np.float64)


def _status(products: pd.DataFrame) -> pd.Series:
    if "status" not in products.columns:
        return pd.Series(["active"] * len(products), index=products.index, dtype=object)
    return products["status"].where(products["status"].notna(), "active").astype(object)


def _months_counted(products: pd.DataFrame, ordered: FloatArray, window: list[str]) -> BoolArray:
    """Which months of the window belong to each product's life (rows as in ``products``)."""
    n_products, n_months = ordered.shape
    if n_months == 0:
        return np.zeros((n_products, 0), dtype=bool)
    first = period_to_index(window[0])
    has_demand = (ordered > 0).any(axis=1)
    first_demand = np.where(has_demand, np.argmax(ordered > 0, axis=1), n_months)
    last_demand = np.where(has_demand, n_months - 1 - np.argmax(ordered[:, ::-1] > 0, axis=1), -1)

    start = np.zeros(n_products, dtype=np.int64)
    launch = _optional_month(products, "launch_period")
    start = np.where(launch.notna(), launch.fillna(0).to_numpy(dtype=np.int64) - first, start)
    # A new product with no launch month starts at its first order.
    is_new = (_status(products) == "new").to_numpy() & launch.isna().to_numpy()
    start = np.where(is_new, first_demand, start)
    start = np.minimum(start, first_demand)

    end = np.full(n_products, n_months - 1, dtype=np.int64)
    stop = _optional_month(products, "end_period")
    end = np.where(stop.notna(), stop.fillna(0).to_numpy(dtype=np.int64) - first, end)
    end = np.maximum(end, last_demand)

    column = np.arange(n_months)
    return np.asarray((column >= start[:, None]) & (column <= end[:, None]), dtype=np.bool_)


def _optional_month(products: pd.DataFrame, column: str) -> pd.Series:
    """Months since year 0 of an optional period column (NA where empty or absent)."""
    if column not in products.columns:
        return pd.Series(pd.NA, index=products.index, dtype="Int64")
    values = products[column]
    out = pd.Series(pd.NA, index=products.index, dtype="Int64")
    present = values.notna()
    if present.any():
        out.loc[present] = periods_to_index(values.loc[present]).to_numpy()
    return out


def _segment_pairs(
    orders: pd.DataFrame, segments: pd.DataFrame
) -> tuple[IntArray, IntArray, npt.NDArray[np.object_]]:
    """Number each order's product x segment as product row x segment count + segment code.

    Returns the number of each order, the sorted numbers that have ordered units, and the
    segment names in code order.
    """
    names = np.array(sorted(segments["segment"]), dtype=object)
    code = pd.Index(names).get_indexer(pd.Index(orders["segment"]))
    pair_of_order = orders["row"].to_numpy(dtype=np.int64) * max(names.size, 1) + code
    with_demand = orders["ordered"].to_numpy() > 0
    pairs = np.unique(pair_of_order[with_demand]).astype(np.int64)
    return pair_of_order.astype(np.int64), pairs, names


# --- statistics per series -----------------------------------------------------------------


def _stats_frame(
    ordered: FloatArray,
    shipped: FloatArray,
    counted: BoolArray,
    price: FloatArray,
    season_length: int,
    seen: _Decompositions,
) -> pd.DataFrame:
    """Every statistic of each row of ``ordered`` over its counted months (no ABC yet)."""
    demand = np.where(counted, ordered, np.nan)
    months = counted.sum(axis=1).astype(np.int64)
    filled = np.where(counted, ordered, 0.0)
    total_ordered = filled.sum(axis=1)
    total_shipped = np.where(counted, shipped, 0.0).sum(axis=1)

    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total_ordered / months
        variance = np.where(counted, (filled - mean[:, None]) ** 2, 0.0).sum(axis=1) / months
        cv = np.where(total_ordered > 0, np.sqrt(variance) / mean, np.nan)

        nonzero = counted & (filled > 0)
        hits = nonzero.sum(axis=1)
        adi = np.where(hits > 0, months / hits, np.inf)
        size_mean = filled.sum(axis=1) / hits
        size_var = np.where(nonzero, (filled - size_mean[:, None]) ** 2, 0.0).sum(axis=1) / hits
        cv2 = np.where(hits > 1, size_var / size_mean**2, 0.0)
        fill_rate = np.where(total_ordered > 0, total_shipped / total_ordered, np.nan)

    demand_class = np.select(
        [
            hits == 0,
            (adi < SB_ADI_CUTOFF) & (cv2 < SB_CV2_CUTOFF),
            adi < SB_ADI_CUTOFF,
            cv2 < SB_CV2_CUTOFF,
        ],
        [NO_DEMAND, SMOOTH, ERRATIC, INTERMITTENT],
        default=LUMPY,
    ).astype(object)
    xyz = np.full(months.size, None, dtype=object)
    xyz[cv > XYZ_Y_CV] = "Z"
    xyz[cv <= XYZ_Y_CV] = "Y"
    xyz[cv <= XYZ_X_CV] = "X"

    decomposable = (months >= 2 * season_length) & np.isin(demand_class, [SMOOTH, ERRATIC])
    trend_strength, seasonal_strength = _stl_strengths(demand, decomposable, season_length, seen)
    slope = _theil_sen_slopes(demand)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(mean > 0, slope * _MONTHS_PER_YEAR / mean, np.nan)
    # Where STL could not judge the trend, the slope must at least be significant: on
    # sporadic demand a median slope of a few percent a year is often just noise.
    strong = np.where(
        np.isnan(trend_strength),
        _significant_slopes(demand, ~decomposable & (months >= _TREND_MIN_MONTHS)),
        trend_strength >= TREND_MIN_STRENGTH,
    )
    trend = np.select(
        [strong & (change > TREND_MIN_CHANGE), strong & (change < -TREND_MIN_CHANGE)],
        [UP, DOWN],
        default=FLAT,
    ).astype(object)

    return pd.DataFrame(
        {
            "months": months,
            "total_ordered": total_ordered,
            "total_shipped": total_shipped,
            "revenue": total_ordered * price,
            "cv": cv,
            "xyz": xyz,
            "adi": adi,
            "cv2": cv2,
            "demand_class": demand_class,
            "trend_strength": trend_strength,
            "seasonal_strength": seasonal_strength,
            "trend": trend,
            "seasonal": seasonal_strength >= SEASONAL_MIN_STRENGTH,
            "fill_rate": fill_rate,
        }
    )


def _stl_strengths(
    demand: FloatArray, rows: BoolArray, season_length: int, seen: _Decompositions
) -> tuple[FloatArray, FloatArray]:
    """Hyndman's trend and seasonal strengths of the selected rows (NaN elsewhere).

    Each row's counted months are consecutive, so dropping the NaN leaves the series. A
    series met before (a product bought by one segment has the same series in both frames)
    is looked up in ``seen`` rather than decomposed again; new ones are added to it.
    """
    # Imported here: statsmodels takes half a second to load.
    from statsmodels.tsa.seasonal import STL  # type: ignore[import-untyped]

    trend_strength = np.full(demand.shape[0], np.nan)
    seasonal_strength = np.full(demand.shape[0], np.nan)
    resid = np.full(demand.shape, np.nan)
    trend = np.full(demand.shape, np.nan)
    season = np.full(demand.shape, np.nan)
    fitted: list[int] = []
    keys: list[bytes] = []
    for i in np.flatnonzero(rows).tolist():
        counted = ~np.isnan(demand[i])
        series = demand[i, counted]
        key = series.tobytes()
        if key in seen:
            trend_strength[i], seasonal_strength[i] = seen[key]
            continue
        fit = STL(series, period=season_length, seasonal_deg=_STL_SEASONAL_DEG, robust=True).fit(
            inner_iter=_STL_INNER_ITER, outer_iter=_STL_OUTER_ITER
        )
        resid[i, counted] = fit.resid
        trend[i, counted] = fit.trend
        season[i, counted] = fit.seasonal
        fitted.append(i)
        keys.append(key)
    if fitted:
        # The variances are taken for all decomposed rows at once: per row they cost
        # a fifth of the STL fit itself.
        level = np.nanmean(np.abs(demand[fitted]), axis=1)
        trend_strength[fitted] = _strength(resid[fitted], trend[fitted], level)
        seasonal_strength[fitted] = _strength(resid[fitted], season[fitted], level)
        for i, key in zip(fitted, keys, strict=True):
            seen[key] = (float(trend_strength[i]), float(seasonal_strength[i]))
    return trend_strength, seasonal_strength


def _strength(resid: FloatArray, component: FloatArray, level: FloatArray) -> FloatArray:
    """max(0, 1 - Var(R) / Var(C + R)) per row; 0 where C + R does not vary at all."""
    total = np.nanvar(component + resid, axis=1)
    varies = total > 1e-12 * np.maximum(level, 1.0) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = 1.0 - np.nanvar(resid, axis=1) / total
    return np.where(varies, np.maximum(strength, 0.0), 0.0)


def _significant_slopes(demand: FloatArray, rows: BoolArray) -> BoolArray:
    """Whether the selected rows' Theil-Sen slope is significantly different from zero.

    scipy corrects the confidence interval for tied values, which sporadic demand is full
    of (every zero month ties with the others).
    """
    # Imported here: scipy.stats takes a quarter of a second to load.
    from scipy.stats import theilslopes  # type: ignore[import-untyped]

    significant = np.zeros(demand.shape[0], dtype=np.bool_)
    for i in np.flatnonzero(rows):
        series = demand[i][~np.isnan(demand[i])]
        fit = theilslopes(series, np.arange(series.size, dtype=np.float64), _TREND_CONFIDENCE)
        significant[i] = fit.low_slope > 0 or fit.high_slope < 0
    return significant


def _theil_sen_slopes(demand: FloatArray) -> FloatArray:
    """Theil-Sen slope (units per month) of each row over its counted (non-NaN) months.

    The median of the slopes between every pair of counted months, as
    ``scipy.stats.theilslopes`` computes it, but for all rows at once. NaN for rows with
    fewer than two counted months.
    """
    n_rows, n_months = demand.shape
    slopes = np.full(n_rows, np.nan)
    rows = np.flatnonzero((~np.isnan(demand)).sum(axis=1) >= 2)
    if rows.size == 0:
        return slopes
    left, right = np.triu_indices(n_months, k=1)
    step = (right - left).astype(np.float64)
    block = max(1, _THEIL_SEN_BLOCK // left.size)
    for begin in range(0, rows.size, block):
        chunk = rows[begin : begin + block]
        values = demand[chunk]
        pair_slopes = np.sort((values[:, right] - values[:, left]) / step, axis=1)  # NaN last
        valid = (~np.isnan(pair_slopes)).sum(axis=1)
        low = np.take_along_axis(pair_slopes, ((valid - 1) // 2)[:, None], axis=1)[:, 0]
        high = np.take_along_axis(pair_slopes, (valid // 2)[:, None], axis=1)[:, 0]
        slopes[chunk] = (low + high) / 2.0
    return slopes


# --- ABC -----------------------------------------------------------------------------------


def _add_abc(frame: pd.DataFrame, *, group: str | None) -> pd.DataFrame:
    """Add ``revenue_share`` and ``abc`` (within each ``group`` value, or over all rows)."""
    share = np.zeros(len(frame))
    abc = np.full(len(frame), "C", dtype=object)
    groups = (
        [np.arange(len(frame))] if group is None else list(frame.groupby(group).indices.values())
    )
    revenue = frame["revenue"].to_numpy(dtype=np.float64)
    product_id = frame["product_id"].to_numpy()
    for positions in groups:
        share[positions], abc[positions] = _abc(revenue[positions], product_id[positions])
    out = frame.copy()
    at = list(out.columns).index("revenue") + 1
    out.insert(at, "revenue_share", share)
    out.insert(at + 1, "abc", abc)
    return out


def _abc(
    revenue: FloatArray, product_id: npt.NDArray[np.object_]
) -> tuple[FloatArray, npt.NDArray[np.object_]]:
    """Revenue shares and ABC classes of one ranking (the module docstring has the rule)."""
    total = float(revenue.sum())
    abc = np.full(revenue.size, "C", dtype=object)
    if total <= 0:
        return np.zeros(revenue.size), abc
    rank = np.lexsort((product_id.astype(str), -revenue))
    before = np.concatenate([[0.0], np.cumsum(revenue[rank])[:-1]])
    # Compare money, not rounded shares, and let a share that reaches a cut-off up to
    # rounding count as reaching it: 50 + 30 of 100 is 80 %, so the next item is B.
    tolerance = 1e-9 * total
    ranked = np.where(
        before < ABC_A_SHARE * total - tolerance,
        "A",
        np.where(before < ABC_B_SHARE * total - tolerance, "B", "C"),
    )
    abc[rank] = ranked
    return revenue / total, abc
