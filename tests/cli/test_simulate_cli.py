"""`snop simulate` on the demo company through the real command (on a copy of the demo)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clitools import snop

MINE = '''
import pandas as pd


def make_the_mean(context):
    """Start each month the mean of the last three months' orders."""
    months = sorted(context.history["period"].unique())[-3:]
    recent = context.history[context.history["period"].isin(months)]
    mean = recent.groupby("product_id")["ordered"].sum() / 3
    return pd.DataFrame(
        [(p, m, q) for m in context.months_to_decide for p, q in mean.items()],
        columns=["product_id", "period", "quantity"],
    )
'''


@pytest.mark.slow
def test_a_year_replayed_under_the_simple_policies_and_an_analysts_own(
    demo_db: Path, tmp_path: Path
) -> None:
    policy_file = tmp_path / "mine.py"
    policy_file.write_text(MINE)
    chart = tmp_path / "proof.html"
    result = snop(
        "--db", str(demo_db), "simulate", "--policy", "naive", "--policy", "minmax",
        "--add", f"{policy_file}:make_the_mean", "--chart", str(chart), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stored = json.loads(result.stdout)
    assert (stored["first_month"], stored["last_month"]) == ("2025-11", "2026-10")
    policies = [row["policy"] for row in stored["headline"]]
    assert policies == ["naive", "minmax", "make_the_mean"]
    assert stored["frontier"] == []  # no snop to compare the rules' curves with
    assert stored["settings"]["warm_up"] == 3
    for row in stored["headline"]:
        assert 0.0 < row["fill_rate"] < 1.0 and row["inventory_value"] > 0
        assert row["segments"] == 3
    segments = {(r["policy"], r["segment"]) for r in stored["service"]}
    assert len(segments) == 9
    naive = stored["headline"][0]
    assert f"naive served {naive['fill_rate']:.1%} of units on time" in stored["sentences"][0]
    page = chart.read_text()
    assert "Plotly.newPlot" in page and "Service and stock of each policy" in page

    shown = snop("--db", str(demo_db), "simulate", "--last")
    assert shown.returncode == 0, shown.stderr
    for title in ("Fill rate by segment", "Cost over the scored months", "Capacity use"):
        assert title in shown.stdout
    assert f"{naive['fill_rate']:.1%}" in shown.stdout

    pack = tmp_path / "pack.html"
    written = snop("--db", str(demo_db), "report", "--out", str(pack))
    assert written.returncode == 0, written.stderr
    text = pack.read_text()
    assert "Proof: the plans against demand they had not seen" in text
    assert '<svg class="proof"' in text and "make_the_mean" in text
    assert stored["sentences"][0] in text


@pytest.mark.slow
def test_snops_own_cycle_runs_month_by_month(demo_db: Path) -> None:
    result = snop(
        "--db", str(demo_db), "simulate", "--months", "1", "--warm-up", "0",
        "--policy", "snop", "--policy", "naive", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stored = json.loads(result.stdout)
    snop_row = stored["headline"][0]
    assert snop_row["policy"] == "snop" and stored["first_month"] == "2026-10"
    assert snop_row["forecast_wape"] is not None and snop_row["forecast_wape"] < 1.0
    assert snop_row["capacity_cut"] == pytest.approx(0.0, abs=1.0)  # the plan fits capacity
    # naive was replayed with more cover too, and read at snop's fill rate and stock.
    curve = [row for row in stored["frontier"] if row["policy"] == "naive"]
    assert [row["safety_months"] for row in curve] == [0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
    assert curve[-1]["inventory_value"] > curve[0]["inventory_value"]
    (equal,) = stored["equal_service"]
    assert equal["policy"] == "naive" and equal["fill_rate"] == snop_row["fill_rate"]
    assert any(s.startswith("At equal service") for s in stored["sentences"])
    shown = snop("--db", str(demo_db), "simulate", "--last")
    assert "The simple rules with more cover" in shown.stdout
    assert "Fill rate by value" in shown.stdout


def test_wrong_options_are_named(demo_db: Path) -> None:
    result = snop("--db", str(demo_db), "simulate", "--from", "2019-01", "--policy", "oracle")
    assert result.returncode == 2
    assert "oracle" in result.stderr
    result = snop("--db", str(demo_db), "simulate", "--from", "2019-01", "--policy", "naive")
    assert result.returncode == 2
    assert "needs at least 12 months of history" in result.stderr
