"""The demand review page: the forecast numbers and chart the services give, the override
grid and form with reason codes, refusals shown on the page, conflicts withdrawn by the
demand planner, and the HTMX partials."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from snop.report import format as fmt
from snop.services import demand
from snop.services.cycle import current
from snop.services.database import Database

ClientFor = Callable[[str], TestClient]
HTMX = {"HX-Request": "true"}
TENTS = "/demand?level=family&key=Tents"


def _db(client: TestClient) -> Database:
    db: Database = client.app.state.database  # type: ignore[attr-defined]
    return db


def _stage(client: TestClient, stage: str) -> None:
    """Put the open cycle in a stage (set-up, as if the stages before were signed off)."""
    with _db(client).sessions.begin() as s:
        current(s).stage = stage


def _section(page: str, testid: str) -> str:
    """The element with that data-testid, up to the end of its table or section."""
    start = page.index(f'data-testid="{testid}"')
    ends = [page.find(tag, start) for tag in ("</table>", "</section>")]
    return page[start : min(e for e in ends if e != -1)]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _table(page: str) -> tuple[list[str], dict[str, list[str]]]:
    """The forecast table: its months, and each stream's cells (stream -> texts)."""
    table = _section(page, "forecast-table")
    head = table[: table.index("</thead>")]
    months = re.findall(r'<th scope="col" class="num[^"]*">([^<]+)</th>', head)
    rows = {}
    for stream, body in re.findall(r'<tr data-stream="([^"]+)"[^>]*>(.*?)</tr>', table, re.S):
        rows[stream] = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
    return months, rows


def _figure(page: str) -> dict[str, object]:
    raw = re.search(
        r'<script type="application/json" data-chart-for="demand-chart">(.*?)</script>',
        page,
        re.S,
    )
    assert raw is not None, "the chart's figure is embedded"
    figure: dict[str, object] = json.loads(raw.group(1))
    return figure


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash ok">(.*?)</p>', page, re.S)
    return _text(found.group(1)) if found else ""


def test_the_page_shows_the_forecast_the_service_gives(client: ClientFor) -> None:
    browser = client("demand")
    page = browser.get(TENTS)
    assert page.status_code == 200
    service = demand.forecast_table(_db(browser), level="family", key="Tents")
    by_month = service.set_index("period")
    months, rows = _table(page.text)
    assert months and set(months) <= set(by_month.index)
    first = demand.forecast_view(_db(browser), level="family", key="Tents").first_period
    assert first in months
    for stream in ("actual", "naive", "statistical", "consensus"):
        expected = [fmt.units(by_month.loc[m, stream]) for m in months]
        assert rows[stream] == expected, stream
    assert "override:sales.tom" in rows, "the demo's override on Tents is its own row"
    assert "override:sales.maria" not in rows, "an override elsewhere changes nothing here"

    figure = _figure(page.text)
    traces = {t["name"]: t for t in figure["data"]}  # type: ignore[attr-defined]
    assert list(traces) == [
        "95% interval",
        "80% interval",
        "actual",
        "naive (same month last year)",
        "statistical",
        "consensus",
    ]
    future = service[service["period"] >= first]
    consensus = traces["consensus"]
    assert consensus["x"] == list(future["period"])
    assert consensus["y"] == pytest.approx(list(future["consensus"]), abs=0.06)
    assert consensus["line"]["dash"] == "solid"
    actual = traces["actual"]
    assert actual["line"]["dash"] == "solid" and traces["statistical"]["line"]["dash"] == "dash"
    history = [m for m, y in zip(actual["x"], actual["y"], strict=True) if y is not None]
    assert max(history) < first <= min(consensus["x"])
    for name in ("80% interval", "95% interval"):
        band = traces[name]
        assert band["fill"] == "toself"
        n = len(future)
        high, low = band["y"][:n], band["y"][n:][::-1]
        assert all(lo <= c <= hi for lo, c, hi in zip(low, consensus["y"], high, strict=True))
    assert traces["80% interval"]["y"][0] <= traces["95% interval"]["y"][0]


def test_profile_and_accuracy_are_the_services_numbers(client: ClientFor) -> None:
    browser = client("sales")
    first = browser.get("/demand").text
    assert 'hx-get="/demand/profile?page=1" hx-trigger="load"' in first, "left for later"
    assert 'hx-get="/demand/accuracy" hx-trigger="load"' in first
    assert 'data-testid="profile"' not in first and 'data-testid="accuracy"' not in first
    later = browser.get("/demand/profile", headers=HTMX).text
    assert "<html" not in later and 'data-testid="profile-products"' in later
    later = browser.get("/demand/accuracy", headers=HTMX).text
    assert "<html" not in later and 'data-testid="accuracy-table"' in later
    page = browser.get("/demand").text  # now kept: in the page itself
    profile = demand.profile(_db(browser))
    summary = _text(_section(page, "profile-summary"))
    assert f"all {len(profile.by_product)} 100.0%" in summary
    products = _section(page, "profile-products")
    biggest = profile.by_product.sort_values("revenue", ascending=False).iloc[0]
    first_row = re.search(r'<tr data-product="([^"]+)">', products)
    assert first_row is not None and first_row.group(1) == biggest["product_id"]
    assert 'data-testid="profile"' in page

    report = demand.accuracy(_db(browser))
    headline = report.headline("product").set_index("stream")
    table = _section(page, "accuracy-table")
    product = table[table.index('data-level="product"') :]
    row = re.search(r'<tr data-stream="consensus"[^>]*>(.*?)</tr>', product, re.S)
    assert row is not None
    cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)][1:]
    wanted = headline.loc["consensus"]
    assert cells[:2] == [fmt.percent(wanted["wape_lag1"]), fmt.percent(wanted["wape_lag3"])]
    assert cells[4:] == [fmt.points(wanted["fva_lag1"]), fmt.points(wanted["fva_lag3"])]
    findings = _text(_section(page, "fva-findings"))
    assert "sales.tom's overrides against statistical: worse" in findings


def test_htmx_gets_only_the_part_it_swaps(client: ClientFor) -> None:
    browser = client("demand")
    part = browser.get("/demand?level=segment&key=Retail", headers=HTMX)
    assert part.status_code == 200
    assert "<html" not in part.text and 'data-testid="profile"' not in part.text
    assert 'data-testid="demand-chart"' in part.text and "Segment Retail" in part.text
    assert 'data-testid="override-form"' in part.text and 'data-testid="conflicts"' in part.text
    whole = browser.get("/demand?level=segment&key=Retail")
    assert "<html" in whole.text and 'id="accuracy"' in whole.text
    products = browser.get("/demand/products?page=1", headers=HTMX)
    assert products.status_code == 200 and "<html" not in products.text
    assert 'data-testid="profile-products"' in products.text
    by_product = browser.get("/demand?product=BP-200", headers=HTMX)
    assert "Product BP-200" in by_product.text and '<option value="BP-200" selected>' in (
        by_product.text
    )


def test_sales_overrides_with_a_reason_and_the_consensus_follows(client: ClientFor) -> None:
    sales = client("sales")
    _stage(sales, "demand_review")
    before = demand.forecast_table(_db(sales), level="family", key="Tents").set_index("period")
    form = {
        "level": "family",
        "key": "Tents",
        "period_from": "2027-01",
        "period_to": "2027-02",
        "change_pct": "",
        "change_qty": "120",
        "reason_code": "promotion",
        "comment": "Spring tent promotion",
    }
    saved = sales.post("/demand/overrides", data=form, headers=HTMX)
    assert saved.status_code == 200, saved.text
    assert "<html" not in saved.text and saved.headers["HX-Push-Url"] == TENTS
    assert "recorded: +120 units/month on family Tents" in _flash(saved.text)
    overrides = _text(_section(saved.text, "overrides"))
    assert "sales sales family Tents 2027-01 – 2027-02 +120 units/month promotion" in overrides
    assert "Spring tent promotion" in overrides
    after = demand.forecast_table(_db(sales), level="family", key="Tents").set_index("period")
    assert after.loc["2027-01", "consensus"] == pytest.approx(
        before.loc["2027-01", "consensus"] + 120, abs=0.01
    )
    _, rows = _table(saved.text)
    assert fmt.units(after.loc["2027-01", "consensus"]) in rows["consensus"]

    # The grid: one override per changed month, the consensus becomes what was typed.
    grid = {
        "qty-2027-03": "1,900",
        "pct-2027-05": "-5",
        "qty-2027-06": "",
        "grid_reason_code": "customer_plan",
        "grid_comment": "Key account plan",
    }
    saved = sales.post("/demand/grid?level=family&key=Tents", data=grid, headers=HTMX)
    assert saved.status_code == 200, saved.text
    assert _flash(saved.text).startswith("2 overrides recorded on family Tents (2027-03, 2027-05)")
    after = demand.forecast_table(_db(sales), level="family", key="Tents").set_index("period")
    assert after.loc["2027-03", "consensus"] == pytest.approx(1900, abs=0.01)
    assert 'data-period="2027-03">1,900<' in saved.text, "the grid is re-rendered in place"
    mine = demand.overrides_with_roles(_db(sales))
    mine = mine[mine["author"] == "sales"]
    assert list(mine["role"]) == ["sales"] * 3
    assert list(mine["reason_code"]) == ["promotion", "customer_plan", "customer_plan"]
    assert list(mine["change_pct"].dropna()) == [-5.0]

    # A plain form post (no JavaScript) is redirected back to the same key.
    plain = sales.post("/demand/overrides", data=form, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith(TENTS + "&ok=")


def test_refusals_are_shown_on_the_page_and_change_nothing(client: ClientFor) -> None:
    viewer = client("viewer")
    _stage(viewer, "demand_review")
    assert 'data-testid="override-form"' not in viewer.get(TENTS).text
    form = {
        "level": "family",
        "key": "Tents",
        "period_from": "2027-01",
        "period_to": "2027-01",
        "change_pct": "10",
        "reason_code": "promotion",
    }
    refused = viewer.post("/demand/overrides", data=form, headers=HTMX)
    assert refused.status_code == 403 and refused.headers["HX-Retarget"] == "#messages"
    assert "viewer may not override the forecast" in _text(refused.text)
    page = viewer.post("/demand/overrides", data=form)
    assert page.status_code == 403 and "viewer may not override the forecast" in page.text

    sales = client("sales")
    _stage(sales, "supply_review")
    late = sales.post("/demand/overrides", data=form, headers=HTMX)
    assert late.status_code == 403 and "is in the supply review" in _text(late.text)
    assert "a change now will be refused" in sales.get(TENTS).text
    _stage(sales, "demand_review")
    both = sales.post(
        "/demand/grid?level=family&key=Tents",
        data={"qty-2027-01": "900", "pct-2027-01": "5", "qty-2027-02": "abc"},
        headers=HTMX,
    )
    assert both.status_code == 422
    assert "2027-01: give a new quantity or a percentage, not both" in _text(both.text)
    assert "the quantity for 2027-02 is a number, not 'abc'" in _text(both.text)
    no_reason = sales.post("/demand/overrides", data={**form, "reason_code": ""}, headers=HTMX)
    assert no_reason.status_code == 422 and "reason code" in _text(no_reason.text)
    authors = set(demand.list_overrides(_db(sales))["author"])
    assert authors == {"sales.maria", "sales.tom"}, "nothing refused was recorded"


def test_the_demand_planner_withdraws_one_of_a_conflict(client: ClientFor) -> None:
    sales, planner = client("sales"), client("demand")
    _stage(sales, "demand_review")
    form = {
        "level": "product",
        "key": "TN-100",
        "period_from": "2027-04",
        "period_to": "2027-06",
        "reason_code": "promotion",
    }
    assert sales.post("/demand/overrides", data={**form, "change_pct": "20"}).status_code == 200
    assert (
        planner.post(
            "/demand/overrides", data={**form, "change_pct": "-10", "reason_code": "correction"}
        ).status_code
        == 200
    )
    ids = sorted(demand.list_overrides(_db(sales))["override_id"])[-2:]
    page = planner.get("/demand?level=product&key=TN-100").text
    conflicts = _section(page, "conflicts")
    text = _text(conflicts)
    assert "product TN-100 2027-04 – 2027-06" in text
    assert f"#{ids[0]} by sales (sales) +20% promotion" in text
    assert f"#{ids[1]} by demand (demand planner) -10% correction" in text
    assert f'action="/demand/overrides/{ids[0]}/withdraw"' in conflicts
    assert "/withdraw" not in _section(sales.get("/demand?product=TN-100").text, "conflicts")

    by_sales = sales.post(
        f"/demand/overrides/{ids[0]}/withdraw", data={"reason": "mine"}, headers=HTMX
    )
    assert by_sales.status_code == 403 and "resolve override conflicts" in _text(by_sales.text)
    done = planner.post(
        f"/demand/overrides/{ids[0]}/withdraw",
        data={"reason": "the promotion moved", "view_level": "product", "view_key": "TN-100"},
        headers=HTMX,
    )
    assert done.status_code == 200
    assert _flash(done.text) == (
        f"Override {ids[0]} withdrawn (the promotion moved). The consensus is updated."
    )
    assert "No conflicting overrides." in _text(_section(done.text, "conflicts"))
    assert ids[0] not in set(demand.list_overrides(_db(sales))["override_id"])
    assert demand.override_conflicts(_db(sales)).empty
