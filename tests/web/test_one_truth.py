"""One figure, one number: the KPI page, the home tiles, the pack, the API and the CLI agree.

Each surface is read as its user reads it (the page's text, the pack's HTML, the API's
JSON, `snop kpis --json`) for the demo company's plan of record, and the figures are
compared with the API's: fill rate, planned fill rate, revenue, inventory value and
forecast accuracy (WAPE, bias) from the same KPI table, and the scorecard's revenue tiles.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from snop.cli.main import app as cli
from snop.report import format as fmt
from web_tools import ClientFor

FIGURES = (
    ("fill_rate", "actual"),
    ("fill_rate", "plan"),
    ("otif", "actual"),
    ("revenue", "actual"),
    ("revenue", "plan"),
    ("inventory_value", "plan"),
    ("forecast_wape_lag1", "actual"),
    ("forecast_bias_lag1", "actual"),
)


def _text(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def _shown(value: float, unit: str) -> str:
    """How a page shows a KPI value of this unit (the report's formatter)."""
    return fmt.by_unit(value, unit) or "–"


@pytest.fixture
def api_kpis(client: ClientFor) -> dict[tuple[str, str], tuple[float, str]]:
    api = client("viewer")
    token = api.post("/api/session", json={"username": "viewer", "password": "demo"})
    rows = api.get(
        "/api/kpis", headers={"Authorization": f"Bearer {token.json()['token']}"}
    ).json()["rows"]
    return {
        (r["kpi"], r["basis"]): (float(r["value"]), str(r["unit"]))
        for r in rows
        if r["scope_kind"] == "all" and r["value"] is not None
    }


def test_the_cli_prints_the_apis_kpis(
    api_kpis: dict[tuple[str, str], tuple[float, str]], demo_copy: Path
) -> None:
    result = CliRunner().invoke(cli, ["kpis", "--json", "--db", str(demo_copy)])
    assert result.exit_code == 0, result.output
    printed = {
        (r["kpi"], r["basis"]): float(r["value"])
        for r in json.loads(result.output)["kpis"]
        if r["scope_kind"] == "all" and r["value"] is not None
    }
    for key in FIGURES:
        assert printed[key] == pytest.approx(api_kpis[key][0], rel=1e-12), key


def test_the_kpi_page_shows_the_apis_kpis(
    api_kpis: dict[tuple[str, str], tuple[float, str]], client: ClientFor
) -> None:
    page = client("finance").get("/money").text
    for kpi, basis in FIGURES:
        row = re.search(rf'<tr data-kpi="{kpi}">(.*?)</tr>', page, flags=re.S)
        assert row is not None, kpi
        cells = [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
        value, unit = api_kpis[(kpi, basis)]
        assert cells[1 if basis == "actual" else 2] == _shown(value, unit), (kpi, basis, cells)


def test_the_pack_and_the_home_tiles_show_the_apis_figures(
    api_kpis: dict[tuple[str, str], tuple[float, str]], client: ClientFor
) -> None:
    finance = client("finance")
    pack = _text(finance.get("/cycle/report").text)
    revenue = api_kpis[("revenue", "plan")][0]
    planned_fill = api_kpis[("fill_rate", "plan")][0]
    assert re.search(
        rf"Revenue, \d{{4}}-\d\d to \d{{4}}-\d\d {re.escape(fmt.money(revenue))}", pack
    )
    assert f"Demand served on time {fmt.percent(planned_fill)}" in pack
    token = finance.post("/api/session", json={"username": "finance", "password": "demo"})
    auth = {"Authorization": f"Bearer {token.json()['token']}"}
    card = finance.get("/api/scorecard", headers=auth).json()["rows"]
    monthly = [
        r
        for r in card
        if r["metric"] == "revenue" and r["scope_kind"] == "all" and r["months"] == 1
    ]
    home = _text(finance.get("/").text)
    tile = re.search(r"Revenue, next (\d+) months (\S+) target (\S+)", home)
    assert tile is not None, home[:2000]
    months = int(tile.group(1))
    assert tile.group(2) == fmt.money(sum(r["value"] for r in monthly[:months]))
    assert tile.group(3) == fmt.money(sum(r["target"] for r in monthly[:months]))
