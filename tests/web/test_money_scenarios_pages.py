"""The Money & strategy page and the Scenarios pages over the demo company (TestClient).

The scorecard, the revenue chart, the KPIs and the exceptions on the page are checked
against the plan's evaluation; scenarios are created through the form, run, compared and
promoted by the roles and in the stages that may, and refused (with the message shown)
otherwise.
"""

from __future__ import annotations

import html
import inspect
import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from snop.reconcile.scenario import describe, parse_change
from snop.report import format as fmt
from snop.services import cycle, reconcile, scenarios, users
from snop.services.database import Database
from snop.web import format as wfmt
from snop.web.app import create_app
from snop.web.routes.money import EXCEPTIONS_SHOWN
from web_tools import HX, ClientFor, database_of, error_text, sign_in

READERS = ("finance", "supply", "viewer", "exec")


@pytest.fixture(scope="module")
def reader(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientFor]:
    """Clients that only read, over one copy of the demo for the whole module.

    The plan's evaluation (and any comparison) is then computed once for all the tests
    that read it, as the web app keeps it between requests.
    """
    path = tmp_path_factory.mktemp("money") / "demo.db"
    shutil.copy(demo_file, path)
    app = create_app(f"sqlite:///{path}")
    # Everyone signs in first: a sign-in is recorded, and anything kept is recomputed.
    made = {name: sign_in(TestClient(app), name) for name in READERS}

    def for_user(username: str) -> TestClient:
        return made[username]

    yield for_user
    for test_client in made.values():
        test_client.close()
    app.state.database.close()


class _Rows(HTMLParser):
    """Every table row carrying an attribute: its value and its cells' texts."""

    def __init__(self, attribute: str) -> None:
        super().__init__()
        self.attribute = attribute
        self.rows: list[tuple[str, list[str]]] = []
        self.inside = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr":
            self.inside = self.attribute in found
            if self.inside:
                self.rows.append((found[self.attribute] or "", []))
        elif tag in ("td", "th") and self.inside:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1][1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def rows_with(page: str, attribute: str) -> list[tuple[str, list[str]]]:
    """(attribute value, cell texts) of each table row with that attribute."""
    parser = _Rows(attribute)
    parser.feed(page)
    return parser.rows


def figure(page: str, chart_id: str) -> dict[str, Any]:
    """The Plotly figure embedded for a chart."""
    found = re.search(
        rf'<script type="application/json" data-chart-for="{chart_id}">(.*?)</script>',
        page,
        re.S,
    )
    assert found, f"no figure for {chart_id}"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def trace(fig: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in fig["data"] if t["name"] == name)


def advance_to(db: Database, stage: str) -> None:
    """Walk the open cycle to ``stage``, each stage signed off by its owner."""
    owners = {
        "data_gathering": "demand",
        "demand_review": "demand",
        "supply_review": "supply",
        "pre_sop": "finance",
    }
    while (now := cycle.status(db).stage) != stage:
        who = users.authenticate(db, owners[now], "demo")
        if now == "data_gathering":
            cycle.data_health(db, actor=who)
        cycle.advance(db, actor=who)


# --- Money & strategy -----------------------------------------------------------------


def test_scorecard_rows_are_the_evaluations(reader: ClientFor) -> None:
    finance = reader("finance")
    response = finance.get("/money")
    assert response.status_code == 200
    page = response.text
    assert 'data-testid="scorecard"' in page
    card = reconcile.evaluate_kept(database_of(finance)).scorecard
    years = card[card["months"] != 1].to_dict("records")
    months = card[card["months"] == 1].to_dict("records")
    rows = rows_with(page, "data-target")
    expected = [f"{r['period']}|{r['metric']}|{r['scope']}" for r in [*years, *months]]
    assert [key for key, _ in rows] == expected
    assert len(rows) == len(card)
    for (_, cells), row in zip(rows, [*years, *months], strict=True):
        unit = row["unit"]
        assert cells[-1] == row["status"]
        assert cells[-2] == (fmt.money(row["gap_money"], sign=True) or "–")
        assert cells[-5] == wfmt.measure(row["value"], unit)
        assert cells[-6] == wfmt.measure(row["target"], unit)
        assert cells[0].startswith(wfmt.label(row["metric"], row["scope"]))
    counts = card["status"].value_counts()
    for status in ("green", "amber", "red"):
        assert f'data-status="{status}">{int(counts.get(status, 0))} {status}<' in page
    grid = dict(rows_with(page, "data-grid"))
    month_count = len({r["period"] for r in months})
    assert grid["revenue|all"][0] == "Revenue" and len(grid["revenue|all"]) == 1 + month_count


def test_revenue_chart_is_the_plans_money(reader: ClientFor) -> None:
    finance = reader("finance")
    page = finance.get("/money").text
    assert 'data-testid="revenue-chart"' in page
    evaluation = reconcile.evaluate_kept(database_of(finance))
    plan = evaluation.money_table(["period"])
    fig = figure(page, "revenue-chart")
    revenue = trace(fig, "Plan revenue")
    assert revenue["x"] == plan["period"].tolist()
    assert revenue["y"] == pytest.approx(plan["revenue"].tolist())
    card = evaluation.scorecard
    monthly = card[
        (card["metric"] == "revenue") & (card["scope_kind"] == "all") & (card["months"] == 1)
    ]
    target = trace(fig, "Revenue target")
    assert target["x"] == monthly["period"].tolist()
    assert target["y"] == pytest.approx(monthly["target"].tolist())
    margin = trace(fig, "Gross margin")
    assert margin["y"][-len(plan) :] == pytest.approx(plan["gross_margin"].tolist())
    assert "NaN" not in json.dumps(fig)


def test_kpis_are_history_against_plan(reader: ClientFor) -> None:
    finance = reader("finance")
    page = finance.get("/money").text
    assert 'data-testid="kpis"' in page
    kpis = reconcile.evaluate_kept(database_of(finance)).kpis
    total = kpis[(kpis["scope_kind"] == "all") & (kpis["kpi"] == "revenue")]
    values = dict(zip(total["basis"], total["value"], strict=True))
    rows = dict(rows_with(page, "data-kpi"))
    assert rows["revenue"][1:3] == [fmt.money(values["actual"]), fmt.money(values["plan"])]
    fill = kpis[(kpis["scope_kind"] == "all") & (kpis["kpi"] == "fill_rate")]
    plan_fill = float(fill[fill["basis"] == "plan"]["value"].iloc[0])
    assert rows["fill_rate"][2] == fmt.percent(plan_fill)


def test_exceptions_in_rank_order_and_by_owner(reader: ClientFor) -> None:
    supply = reader("supply")
    page = supply.get("/money").text
    assert 'id="exceptions"' in page and 'data-testid="exceptions"' in page
    every = reconcile.evaluate_kept(database_of(supply)).exceptions
    exceptions = every.head(EXCEPTIONS_SHOWN)
    rows = rows_with(page, "data-rank")
    assert [int(rank) for rank, _ in rows] == exceptions["rank"].tolist()
    assert [cells[4] for _, cells in rows] == [fmt.money(m) for m in exceptions["money"]]
    assert [cells[5] for _, cells in rows] == exceptions["owner"].tolist()
    if len(every) > EXCEPTIONS_SHOWN:
        assert 'data-testid="more-exceptions"' in page
    # All of them, as "Show more" asks for them.
    whole = supply.get("/money", params={"shown": len(every) + 1}, headers=HX).text
    assert [int(rank) for rank, _ in rows_with(whole, "data-rank")] == every["rank"].tolist()
    assert 'data-testid="more-exceptions"' not in whole
    # One owner's exceptions, as the tabs ask for them (HTMX gets the section only).
    part = supply.get("/money", params={"owner": "supply planner"}, headers=HX)
    assert part.status_code == 200 and "<html" not in part.text
    assert 'id="exceptions"' in part.text
    mine = every[every["owner"] == "supply planner"].head(EXCEPTIONS_SHOWN)
    ranks = [int(rank) for rank, _ in rows_with(part.text, "data-rank")]
    assert ranks == mine["rank"].tolist() and ranks


def test_another_plan_version(reader: ClientFor) -> None:
    finance = reader("finance")
    db = database_of(finance)
    surge = scenarios.show(db, "peak-surge").plan_version_id
    page = finance.get("/money", params={"version": surge}).text
    assert f"Plan version {surge} " in page
    evaluation = reconcile.evaluate_kept(db, version_id=surge)
    revenue = trace(figure(page, "revenue-chart"), "Plan revenue")
    assert revenue["y"] == pytest.approx(evaluation.money_table(["period"])["revenue"].tolist())
    missing = finance.get("/money", params={"version": 9999}, headers=HX)
    assert missing.status_code == 404 and "no plan version 9999" in missing.text


# --- Scenarios ----------------------------------------------------------------------------

SURGE_FORM = {
    "name": "tents-surge",
    "description": "A retailer promotion on tents, and sewing line 2 down.",
    "demand_pct": "20",
    "demand_family": "Tents",
    "demand_segment": "",
    "demand_from": "2027-05",
    "demand_to": "2027-07",
    "capacity_resource": "N-SEW2",
    "capacity_pct": "-100",
    "capacity_from": "2027-01",
    "capacity_to": "2027-02",
    "strategy": "",
    "changes_text": "demand pct=-10 segment=Online\n",
}


def test_the_list_shows_every_scenario_with_its_headline(reader: ClientFor) -> None:
    viewer = reader("viewer")
    page = viewer.get("/scenarios").text
    assert 'data-testid="scenarios"' in page
    listed = [name for name, _ in rows_with(page, "data-scenario")]
    stored = [s.name for s in scenarios.list_scenarios(database_of(viewer))]
    assert listed == [scenarios.BASE, *stored]
    surge = next(s for s in scenarios.list_scenarios(database_of(viewer)) if s.name == "peak-surge")
    cells = dict(rows_with(page, "data-scenario"))["peak-surge"]
    assert fmt.money(surge.summary["money"]["revenue"]) in cells
    # A viewer reads: no form, no buttons.
    assert 'data-testid="scenario-form"' not in page
    assert ">Run</button>" not in page and ">Promote</button>" not in page


@pytest.mark.slow
def test_supply_creates_runs_and_deletes_a_scenario_in_the_supply_review(
    client: ClientFor,
) -> None:
    supply = client("supply")
    db = database_of(supply)
    # In data gathering scenarios wait: the message says when they may be made.
    early = supply.post("/scenarios", data=SURGE_FORM, headers=HX)
    assert early.status_code == 403
    assert "Supply review" in error_text(early)
    assert early.headers["HX-Retarget"] == "#messages"

    advance_to(db, "supply_review")
    page = supply.get("/scenarios").text
    assert 'data-testid="scenario-form"' in page and ">Run</button>" in page
    created = supply.post("/scenarios", data=SURGE_FORM, follow_redirects=False)
    assert created.status_code == 303
    assert created.headers["location"].startswith("/scenarios?ok=")
    stored = scenarios.show(db, "tents-surge")
    expected = [
        {
            "kind": "demand",
            "pct": 20.0,
            "family": "Tents",
            "period_from": "2027-05",
            "period_to": "2027-07",
        },
        {
            "kind": "capacity",
            "resource_id": "N-SEW2",
            "pct": -100.0,
            "period_from": "2027-01",
            "period_to": "2027-02",
        },
        {"kind": "demand", "pct": -10.0, "segment": "Online"},
    ]
    assert stored.changes == [describe(parse_change(c)) for c in expected]
    assert stored.description == SURGE_FORM["description"]
    assert stored.plan_version_id is None

    # A wrong number is refused with the field named.
    wrong = supply.post("/scenarios", data={"name": "x", "demand_pct": "lots"}, headers=HX)
    assert wrong.status_code == 422 and "pct must be a number" in error_text(wrong)
    taken = supply.post("/scenarios", data=SURGE_FORM, headers=HX)
    assert taken.status_code == 409 and "already a scenario named" in error_text(taken)

    ran = supply.post("/scenarios/tents-surge/run", headers=HX)
    assert ran.status_code == 204 and "ok=" in ran.headers["HX-Redirect"]
    stored = scenarios.show(db, "tents-surge")
    assert stored.plan_version_id is not None and stored.status == "optimal"
    cells = dict(rows_with(supply.get("/scenarios").text, "data-scenario"))["tents-surge"]
    assert fmt.money(stored.summary["money"]["revenue"]) in cells

    gone = supply.post("/scenarios/tents-surge/delete", follow_redirects=False)
    assert gone.status_code == 303
    assert "tents-surge" not in [s.name for s in scenarios.list_scenarios(db)]


def test_a_new_product_and_a_strategy_from_the_form(client: ClientFor) -> None:
    finance = client("finance")
    db = database_of(finance)
    advance_to(db, "pre_sop")
    form = {
        "name": "ultralight",
        "product_id": "TN-260",
        "product_name": "Trailhead 2P Ultralight",
        "product_like": "TN-200",
        "product_launch": "2027-03",
        "product_share": "50",
        "product_price": "279",
        "product_cannibalisation": "25",
        "strategy": "level",
    }
    assert finance.post("/scenarios", data=form, follow_redirects=False).status_code == 303
    expected = [
        {
            "kind": "new_product",
            "product_id": "TN-260",
            "name": "Trailhead 2P Ultralight",
            "like_product_id": "TN-200",
            "launch_period": "2027-03",
            "share": 0.5,
            "price": 279.0,
            "cannibalisation": 0.25,
        },
        {"kind": "strategy", "strategy": "level"},
    ]
    assert scenarios.show(db, "ultralight").changes == [describe(parse_change(c)) for c in expected]


def test_sales_is_refused_with_the_message_shown(client: ClientFor) -> None:
    sales = client("sales")
    db = database_of(sales)
    advance_to(db, "supply_review")
    refused = sales.post("/scenarios", data=SURGE_FORM, headers=HX)
    assert refused.status_code == 403
    assert "sales may not create and run scenarios" in error_text(refused)
    plain = sales.post("/scenarios/peak-surge/run", follow_redirects=False)
    assert plain.status_code == 403
    assert "sales may not create and run scenarios" in error_text(plain)
    promote = sales.post("/scenarios/peak-surge/promote", headers=HX)
    assert promote.status_code == 403 and "may not promote a scenario" in error_text(promote)
    assert "tents-surge" not in [s.name for s in scenarios.list_scenarios(db)]


def test_compare_two_demo_scenarios(reader: ClientFor) -> None:
    executive = reader("exec")
    db = database_of(executive)
    page = executive.get("/scenarios").text
    assert 'data-testid="compare-form"' in page and 'name="names"' in page
    names = [("names", "base"), ("names", "sewing-line-down")]
    response = executive.get("/scenarios/compare", params=names)
    assert response.status_code == 200
    page = response.text
    assert 'data-testid="comparison"' in page and 'data-testid="compare-chart"' in page
    result = scenarios.compare(db, ["base", "sewing-line-down"])
    measures = result.measures
    rows = dict(rows_with(page, "data-measure"))
    assert list(rows) == measures.index.tolist()
    delta = "sewing-line-down - base"
    revenue = rows["revenue"]
    assert revenue[1:3] == [fmt.money(measures.at["revenue", n]) for n in result.scenarios]
    assert revenue[3] == fmt.money(measures.at["revenue", delta], sign=True)
    cost = rows["plan cost"]
    assert cost[3] == fmt.money(measures.at["plan cost", delta], sign=True)
    late = rows["late units (month-end backlog)"]
    assert late[3] == fmt.units(measures.at["late units (month-end backlog)", delta], sign=True)
    fig = figure(page, "compare-chart")
    assert [t["name"] for t in fig["data"]] == ["base", "sewing-line-down"]
    down = trace(fig, "sewing-line-down")
    assert down["y"][0] == pytest.approx(measures.at["revenue", "sewing-line-down"])
    top = result.families["family"].iloc[0]
    assert f'<th scope="row">{html.escape(top)}</th>' in page
    # The form's HTMX request gets the comparison only (kept since the first request).
    part = executive.get("/scenarios/compare", params=names, headers=HX)
    assert part.status_code == 200 and "<html" not in part.text
    assert 'data-testid="comparison"' in part.text
    assert dict(rows_with(part.text, "data-measure")) == rows
    # Fewer than two, or one not run: the message is shown.
    one = executive.get("/scenarios/compare", params=names[:1], headers=HX)
    assert one.status_code == 422 and "compare needs two scenarios or more" in error_text(one)
    unknown = executive.get("/scenarios/compare", params=[*names, ("names", "nope")], headers=HX)
    assert unknown.status_code == 404 and "no scenario 'nope'" in error_text(unknown)


def test_promote_as_executive_in_the_executive_review(client: ClientFor) -> None:
    executive = client("exec")
    db = database_of(executive)
    early = executive.post("/scenarios/peak-surge/promote", headers=HX)
    assert early.status_code == 403 and "Executive review" in error_text(early)
    supply = client("supply")
    advance_to(db, "executive_review")
    refused = supply.post("/scenarios/peak-surge/promote", headers=HX)
    assert refused.status_code == 403 and "may not promote a scenario" in error_text(refused)
    assert ">Promote</button>" in executive.get("/scenarios").text
    done = executive.post("/scenarios/peak-surge/promote", follow_redirects=False)
    assert done.status_code == 303, done.text
    version = scenarios.show(db, "peak-surge").plan_version_id
    status = cycle.status(db)
    assert status.plan_version_id == version and status.stage == "published"
    followed = executive.get(done.headers["location"]).text
    assert "promoted" in html.unescape(followed)
    cells = dict(rows_with(followed, "data-scenario"))["peak-surge"]
    assert "promoted" in " ".join(cells)
    # The money page now scores the promoted plan.
    assert f"Plan version {version} " in executive.get("/money").text


def test_the_service_inventory_curve_on_request(reader: ClientFor) -> None:
    finance = reader("finance")
    page = finance.get("/scenarios").text
    assert 'data-testid="tradeoff-chart"' not in page  # computed only when asked for
    part = finance.get("/scenarios/tradeoff", headers=HX)
    assert part.status_code == 200 and "<html" not in part.text
    levels = inspect.signature(scenarios.tradeoff).parameters["levels"].default
    fig = figure(part.text, "tradeoff-chart")
    curve = fig["data"][0]
    assert curve["y"] == pytest.approx(sorted(levels))
    stock = curve["x"]
    assert stock == sorted(stock) and stock[0] > 0  # more service needs more stock
    shown = [cells[2] for _, cells in rows_with(part.text, "data-level")]
    assert shown == [fmt.money(x) for x in stock]
    # Kept: the next view of the list shows it without asking.
    assert 'data-testid="tradeoff-chart"' in finance.get("/scenarios").text
