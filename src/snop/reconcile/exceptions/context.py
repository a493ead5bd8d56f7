"""The lookups every kind of exception needs, and the helpers they share.

Prices, standard costs, product names and families and the plan's months
(:class:`Context`); consecutive months grouped into runs (:func:`run_ids`); the sentence
columns added to a kind's rows (:func:`with_sentences`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from snop.reconcile.exceptions.inputs import ExceptionInputs
from snop.wording import Money


class Context:
    """The inputs plus the lookups every kind needs: prices, costs, names, plan months."""

    def __init__(self, inputs: ExceptionInputs, money: Money) -> None:
        self.inputs = inputs
        self.money = money
        products = inputs.products
        master = (
            products.drop_duplicates("product_id").set_index("product_id")
            if "product_id" in products.columns
            else pd.DataFrame()
        )
        price = inputs.price
        if price.empty and "price" in master.columns:
            price = master["price"]
        self.price = pd.to_numeric(price, errors="coerce").astype(float)
        self.standard = pd.to_numeric(inputs.standard, errors="coerce").astype(float)
        self.names: dict[str, str] = {}
        if "name" in master.columns:
            named = master["name"].dropna().astype(str)
            self.names = {str(k): v for k, v in named.items() if v and v != str(k)}
        self.family = self._families(master)
        periods = set()
        for frame in (inputs.plan_products, inputs.plan_segments, inputs.plan_resources):
            if "period" in frame.columns:
                periods |= set(frame["period"].dropna().astype(str))
        self.periods = sorted(periods)

    def _families(self, master: pd.DataFrame) -> pd.Series:
        found = [master["family"]] if "family" in master.columns else []
        for frame in (self.inputs.plan_products, self.inputs.plan_segments):
            if {"product_id", "family"} <= set(frame.columns):
                found.append(frame.drop_duplicates("product_id").set_index("product_id")["family"])
        if not found:
            return pd.Series(dtype=object)
        families: pd.Series = pd.concat(found)
        return families[~families.index.duplicated()]

    def product(self, product_id: Any) -> str:
        """'Tent 2p (P1, Tents)': name, id and family as far as known."""
        key = str(product_id)
        inner = [key]
        family = self.family.get(product_id)
        if family is not None and pd.notna(family):
            inner.append(str(family))
        name = self.names.get(key)
        if name:
            return f"{name} ({', '.join(inner)})"
        return f"{key} ({inner[1]})" if len(inner) > 1 else key

    def key_prices(self, levels: pd.Series, keys: pd.Series) -> np.ndarray:
        """Price of a forecast key: the product's, or a family's or segment's average.

        Averages are weighted by planned demand (a family's price is what its mix sells
        at); a group with no planned demand takes the plain mean of its prices.
        """
        table = pd.DataFrame({"product_id": self.price.index, "price": self.price.to_numpy()})
        table = table[table["price"].notna()]
        demand = self._planned_demand()
        table["weight"] = table["product_id"].map(demand).fillna(0.0).astype(float)
        table["family"] = table["product_id"].map(self.family)
        lookup = [
            pd.DataFrame({"level": "product", "key": table["product_id"], "price": table["price"]}),
            _weighted_prices(table, "family").assign(level="family"),
            _weighted_prices(table.assign(_all="all"), "_all").assign(level="total"),
        ]
        segments = self.inputs.plan_segments
        if not segments.empty:
            by_segment = segments.groupby(["product_id", "segment"], as_index=False)["demand"].sum()
            by_segment["price"] = by_segment["product_id"].map(self.price)
            by_segment = by_segment[by_segment["price"].notna()]
            lookup.append(
                _weighted_prices(by_segment.rename(columns={"demand": "weight"}), "segment").assign(
                    level="segment"
                )
            )
        prices = pd.concat(lookup, ignore_index=True)
        prices["key"] = prices["key"].astype(str)
        wanted = pd.DataFrame({"level": levels.astype(str).to_numpy(), "key": keys.astype(str)})
        # The total level has one key whatever it is called ('all', 'total').
        total = wanted["level"].isin(["total", "all"])
        wanted.loc[total, ["level", "key"]] = ["total", "all"]
        found = wanted.merge(
            prices.drop_duplicates(["level", "key"]), on=["level", "key"], how="left"
        )
        return found["price"].to_numpy(dtype=float)

    def _planned_demand(self) -> pd.Series:
        for frame in (self.inputs.plan_products, self.inputs.plan_segments):
            if {"product_id", "demand"} <= set(frame.columns) and not frame.empty:
                return frame.groupby("product_id")["demand"].sum()
        return pd.Series(dtype=float)

    def amount(self, value: float) -> str:
        """Money for a sentence, '' when it is unknown or nothing."""
        return self.money(value) if pd.notna(value) and value > 0 else ""


def _weighted_prices(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Demand-weighted mean price per ``by``, the plain mean where nothing is planned."""
    grouped = table.assign(_value=table["price"] * table["weight"]).groupby(by)
    sums = grouped[["_value", "weight"]].sum()
    plain = grouped["price"].mean()
    price = (sums["_value"] / sums["weight"].where(sums["weight"] > 0)).fillna(plain)
    return pd.DataFrame({"key": price.index.astype(str), "price": price.to_numpy()})


def run_ids(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """Number the runs of consecutive months; a new run when a key changes or a month is skipped.

    ``frame`` must be sorted by ``keys`` then period and have a month index ``t``.
    """
    new: pd.Series = frame["t"].diff() != 1
    for key in keys:
        new = new | (frame[key] != frame[key].shift())
    return pd.Series(new.cumsum(), index=frame.index)


def with_sentences(rows: pd.DataFrame, what: list[str], action: list[str]) -> pd.DataFrame:
    """A kind's rows with their sentences: ``what`` happens and the ``action`` to take."""
    return rows.assign(what=what, action=action)
