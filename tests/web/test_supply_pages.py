"""The supply page and the S&OP family sheets over the demo company (TestClient).

The page's numbers are checked against the services' own (the plan grid, the resources'
load, the plan's sentences, the meeting pack's family sheets); running the plan is checked
for who may and when.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from snop.report import format as fmt
from snop.report.pack import build
from snop.services import cycle, report, supply, users
from snop.services.database import Database
from web_tools import ClientFor

HX = {"HX-Request": "true"}


@dataclass
class Row:
    """A table row: its own and its tbody's attributes, and its cells' texts."""

    attrs: dict[str, str]
    group: dict[str, str]
    cells: list[str] = field(default_factory=list)


class _Table(HTMLParser):
    """The rows of the table with a given data-testid."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.depth = 0
        self.rows: list[Row] = []
        self.group: dict[str, str] = {}
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "table" and (self.depth or found.get("data-testid") == self.testid):
            self.depth += 1
        if not self.depth:
            return
        if tag == "tbody":
            self.group = found
        elif tag == "tr":
            self.rows.append(Row(found, self.group))
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].cells.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and self.cell is not None:
            self.cell.append(data)


def table(page: str, testid: str) -> list[Row]:
    parser = _Table(testid)
    parser.feed(page)
    assert parser.rows, f"no table {testid} on the page"
    return parser.rows


def chart(page: str, element_id: str) -> dict[str, Any]:
    found = re.search(
        rf'<script type="application/json" data-chart-for="{element_id}">(.*?)</script>',
        page,
        re.S,
    )
    assert found, f"no chart {element_id}"
    figure: dict[str, Any] = json.loads(found.group(1))
    return figure


def sentences(page: str) -> list[str]:
    found = re.search(r'<ul class="sentences" data-testid="bottlenecks">(.*?)</ul>', page, re.S)
    assert found
    return [html.unescape(s).strip() for s in re.findall(r"<li[^>]*>(.*?)</li>", found.group(1))]


def error_text(response: Any) -> str:
    found = re.search(r'data-testid="error">\s*<strong>(.*?)</strong>', response.text, re.S)
    assert found, response.text[:500]
    return html.unescape(found.group(1))


def database_of(client: TestClient) -> Database:
    db: Database = client.app.state.database  # type: ignore[attr-defined]
    return db


def to_supply_review(db: Database) -> None:
    """The demand planner looks at the data health and signs off two stages."""
    demand = users.authenticate(db, "demand", "demo")
    cycle.data_health(db, actor=demand)
    cycle.advance(db, actor=demand, note="data looked at")
    cycle.advance(db, actor=demand, note="consensus agreed")
    assert cycle.status(db).stage == "supply_review"


def grid_numbers(rows: list[Row]) -> dict[tuple[str, str], list[str]]:
    """(family or product, measure) -> the month cells' texts."""
    return {
        (r.group["data-key"], r.attrs["data-measure"]): r.cells[1:]
        for r in rows
        if r.attrs.get("data-measure")
    }


def test_the_plan_grid_shows_the_services_numbers(client: ClientFor) -> None:
    reader = client("viewer")
    db = database_of(reader)
    stored = supply.stored_plan(db)
    page = reader.get("/supply").text
    shown = grid_numbers(table(page, "plan-grid"))
    expected = supply.plan_grid(stored, level="family")
    families = sorted(expected["key"].unique())
    assert {key for key, _ in shown} == {"all", *families}
    for family in families:
        rows = expected[expected["key"] == family].sort_values("period")
        for measure in (
            "demand",
            "production",
            "subcontract",
            "inventory",
            "safety_stock",
            "backlog",
        ):
            assert shown[(family, measure)] == [fmt.units(v) for v in rows[measure]], (
                family,
                measure,
            )
    total = supply.plan_grid(stored, level="total")
    assert shown[("all", "production")] == [fmt.units(v) for v in total["production"]]
    header = table(page, "plan-grid")[0].cells[1:]
    assert header == sorted(expected["period"].unique())

    # One family: its total and each of its products.
    tents = reader.get("/supply", params={"family": "Tents"}).text
    shown = grid_numbers(table(tents, "plan-grid"))
    products = stored.tables["products"]
    ids = sorted(products.loc[products["family"] == "Tents", "product_id"].unique())
    assert {key for key, _ in shown} == {"Tents", *ids}
    for product in ids:
        rows = supply.plan_grid(stored, level="product", key=product)
        assert shown[(product, "inventory")] == [fmt.units(v) for v in rows["inventory"]]
        assert shown[(product, "demand")] == [fmt.units(v) for v in rows["demand"]]
    assert reader.get("/supply", params={"family": "Nope"}).status_code == 404


def test_the_capacity_chart_has_each_resources_load_and_capacity(client: ClientFor) -> None:
    reader = client("supply")
    db = database_of(reader)
    resources = supply.stored_plan(db).tables["resources"]
    page = reader.get("/supply").text
    assert 'data-testid="capacity-chart"' in page
    figure = chart(page, "capacity-chart")
    loads = [t for t in figure["data"] if t["name"] == "Load (hours)"]
    assert sorted(t["meta"] for t in loads) == sorted(resources["resource_id"].unique())
    for trace in figure["data"]:
        rows = resources[resources["resource_id"] == trace["meta"]].sort_values("period")
        assert trace["x"] == list(rows["period"])
        column = {
            "Load (hours)": rows["load"],
            "Regular capacity": rows["regular_capacity"],
            "Regular + overtime": rows["regular_capacity"] + rows["overtime_capacity"],
        }[trace["name"]]
        assert trace["y"] == pytest.approx(list(column), abs=0.01), trace["name"]
    assert len(figure["data"]) == 3 * len(loads)
    # Overtime months are red: the tightest resource (Packing) works overtime in the demo.
    packing = next(t for t in loads if t["meta"] == "S-PCK")
    over = resources[(resources["resource_id"] == "S-PCK")].sort_values("period")
    reds = [c == "#b3261e" for c in packing["marker"]["color"]]
    assert reds == list(over["utilisation"] > 1.0005) and any(reds)
    # The table beside it: Packing's utilisation month by month.
    rows = table(page, "capacity-table")
    use = next(
        r for r in rows if r.group.get("data-resource") == "S-PCK" and r.cells[0] == "Utilisation"
    )
    assert use.cells[1:] == [f"{u:.0%}" for u in over["utilisation"]]


def test_the_inventory_chart_projects_stock_against_safety_stock(client: ClientFor) -> None:
    reader = client("viewer")
    db = database_of(reader)
    grid = supply.plan_grid(supply.stored_plan(db), level="family")
    figure = chart(reader.get("/supply").text, "inventory-chart")
    for name, column in (("Projected inventory", "inventory"), ("Safety stock", "safety_stock")):
        traces = {t["meta"]: t for t in figure["data"] if t["name"] == name}
        assert sorted(traces) == sorted(grid["key"].unique())
        for family, trace in traces.items():
            rows = grid[grid["key"] == family].sort_values("period")
            assert trace["y"] == pytest.approx(list(rows[column]), abs=0.01)


def test_the_plan_explains_its_bottlenecks_in_words(client: ClientFor) -> None:
    reader = client("finance")
    db = database_of(reader)
    explanation = supply.stored_plan(db).version["explanation"]
    page = reader.get("/supply").text
    assert sentences(page) == explanation["sentences"]
    assert any("one more hour there is worth" in s for s in sentences(page))
    assert "Packing (S-PCK)" in page and 'data-testid="bottleneck-table"' in page


def test_the_version_and_family_pickers_swap_only_the_body(client: ClientFor) -> None:
    reader = client("supply")
    part = reader.get(
        "/supply", params={"family": "Cooking"}, headers=HX | {"HX-Target": "supply-body"}
    )
    assert part.status_code == 200
    assert "<html" not in part.text and 'data-testid="plan-grid"' in part.text
    assert 'data-chart-for="capacity-chart"' in part.text
    # Any other HTMX request (HX-Redirect after a form, history restore) gets the page.
    assert "<html" in reader.get("/supply", headers=HX).text
    versions = supply.plan_versions(database_of(reader))
    scenario = int(versions.loc[versions["scenario_id"].notna(), "id"].iloc[0])
    page = reader.get("/supply", params={"version": scenario}).text
    assert f"Plan version {scenario}</strong> (scenario)" in page
    assert reader.get("/supply", params={"version": 999}).status_code == 404
    assert reader.get("/supply", params={"version": "x"}).status_code == 422


def test_only_the_supply_planner_runs_the_plan_and_only_in_the_supply_review(
    client: ClientFor,
) -> None:
    sales, planner = client("sales"), client("supply")
    db = database_of(planner)
    before = len(supply.plan_versions(db))
    assert 'data-testid="run-plan"' not in sales.get("/supply").text
    refused = sales.post("/supply/plan", data={"strategy": "cost"}, headers=HX)
    assert refused.status_code == 403
    assert refused.headers["HX-Retarget"] == "#messages"
    assert "sales may not plan supply" in error_text(refused)
    plain = sales.post("/supply/plan", data={"strategy": "cost"})
    assert plain.status_code == 403 and "sales may not plan supply" in error_text(plain)

    page = planner.get("/supply").text
    assert 'data-testid="run-plan"' in page and "running it now is refused" in page
    early = planner.post("/supply/plan", data={"strategy": "level"}, headers=HX)
    assert early.status_code == 403
    assert "to plan supply it must be in Supply review" in error_text(early)
    bad = planner.post("/supply/plan", data={"strategy": "fastest"}, headers=HX)
    assert bad.status_code == 422 and "the strategy is one of" in error_text(bad)
    assert len(supply.plan_versions(db)) == before

    to_supply_review(db)
    ran = planner.post("/supply/plan", data={"strategy": "level"}, follow_redirects=False)
    assert ran.status_code == 303
    latest = supply.stored_plan(db)
    assert latest.version["strategy"] == "level" and latest.version["actor"] == "supply"
    assert ran.headers["location"].startswith(f"/supply?version={latest.version['id']}&ok=")
    page = planner.get(ran.headers["location"]).text
    assert f"Plan version {latest.version['id']}: level strategy, optimal" in page
    assert sentences(page) == latest.version["explanation"]["sentences"]
    assert len(supply.plan_versions(db)) == before + 1
    # From HTMX the page is reloaded where the new version is.
    again = planner.post("/supply/plan", data={"strategy": "chase"}, headers=HX)
    assert again.status_code == 204
    assert again.headers["HX-Redirect"].startswith(f"/supply?version={latest.version['id'] + 1}")


@pytest.mark.slow
def test_the_family_sheet_is_the_meeting_packs(client: ClientFor) -> None:
    reader = client("exec")
    db = database_of(reader)
    index = reader.get("/family").text
    pack = build(report.pack_inputs(db))
    for sheet in pack["families"]:
        assert f'href="/family/{sheet["name"].replace(" ", "%20").replace("&", "%26")}"' in index
    for sheet in pack["families"]:
        page = reader.get(f"/family/{sheet['name']}").text
        rows = table(page, "family-sheet")
        assert rows[1].cells[1:] == [m["period"] for m in pack["months"]]
        shown = [(r.cells[0], r.cells[1:]) for r in rows[2:] if len(r.cells) > 1]
        expected = [
            (row["label"], [c["text"] for c in row["cells"]])
            for group in sheet["groups"]
            for row in group["rows"]
            if row["cls"] != "resource"
        ]
        assert shown == expected, sheet["name"]
        assert f"S&amp;OP family sheet: {html.escape(sheet['name'])}" in page
    page = reader.get("/family/Tents").text
    # Closed months shaded, the first plan month marked.
    first = next(m["period"] for m in pack["months"] if not m["past"])
    assert f'<th class="num first-future" scope="col">{first}</th>' in page
    assert page.count('class="num past" scope="col"') == sum(m["past"] for m in pack["months"])
    figure = chart(page, "family-chart")
    names = [t["name"] for t in figure["data"]]
    assert "Actual orders" in names and "Demand plan (forecast)" in names
    missing = reader.get("/family/Nope")
    assert missing.status_code == 404 and "there is no family 'Nope'" in error_text(missing)
