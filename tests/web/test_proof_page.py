"""The Proof page and its API over the demo company: before and after a simulation.

The simulation here replays two months under the naive and min/max rules (seconds); the
page's numbers are checked against the stored run the services return.
"""

from __future__ import annotations

import json
import re

from snop.services import simulate
from snop.web.charts.simulate import position_figure
from web_tools import ClientFor, database_of


def test_before_any_simulation_the_page_says_how_to_run_one(client: ClientFor) -> None:
    page = client("viewer").get("/proof")
    assert page.status_code == 200
    assert 'data-testid="no-simulation"' in page.text and "snop simulate" in page.text
    assert 'href="/proof" aria-current="page"' in page.text


def test_the_page_shows_the_stored_run_every_role_reads(client: ClientFor) -> None:
    supply = client("supply")
    options = simulate.SimulationOptions(months=2, warm_up=0, policies=("naive", "minmax"))
    summary = simulate.run_simulation(database_of(supply), actor="supply", options=options)
    stored = simulate.latest_simulation(database_of(supply))
    for role in ("viewer", "exec", "sales"):
        page = client(role).get("/proof")
        assert page.status_code == 200
        assert f"Simulation {summary.run_id} by supply" in page.text
        for sentence in stored["sentences"]:
            assert sentence.replace("'", "&#39;") in page.text
    text = page.text
    head = {row["policy"]: row for row in stored["headline"]}
    measures = text[text.index('data-testid="measures"') :]
    row = re.search(r"Fill rate \(units on time\)</th>(.*?)</tr>", measures, re.S)
    assert row is not None
    assert [c.strip() for c in re.findall(r'class="num">([^<]*)<', row.group(1))] == [
        f"{head['naive']['fill_rate']:.1%}",
        f"{head['minmax']['fill_rate']:.1%}",
    ]
    for line in stored["service"]:
        assert f'data-segment="{line["segment"]}"' in text
    figure = re.search(r'data-chart-for="position-chart">(.*?)</script>', text, re.S)
    assert figure is not None
    assert json.loads(figure.group(1)) == json.loads(json.dumps(position_figure(stored)))

    session = supply.post("/api/session", json={"username": "viewer", "password": "demo"})
    bearer = {"Authorization": f"Bearer {session.json()['token']}"}
    api = supply.get("/api/simulations/latest", headers=bearer)
    assert api.status_code == 200 and api.json()["run"] == summary.run_id
    listing = supply.get("/api/simulations", headers=bearer).json()["rows"]
    assert [r["id"] for r in listing] == [summary.run_id]


def test_the_position_chart_draws_each_rules_cover_curve() -> None:
    point = {"days_of_supply": 20.0, "otif": 0.9}
    stored = {
        "headline": [
            {"policy": "snop", "inventory_value": 800.0, "fill_rate": 0.92, **point},
            {"policy": "naive", "inventory_value": 100.0, "fill_rate": 0.77, **point},
        ],
        "service": [{"target": 0.9}],
        "frontier": [
            {"policy": "naive", "safety_months": m, "fill_rate": f, "inventory_value": v}
            for m, f, v in ((0.0, 0.77, 100.0), (1.0, 0.94, 700.0), (2.0, 0.97, 1400.0))
        ],
    }
    figure = position_figure(stored)
    curve = figure["data"][0]
    assert curve["name"] == "naive with more cover" and curve["line"]["dash"] == "dash"
    assert curve["x"] == [100.0, 700.0, 1400.0] and curve["y"] == [0.77, 0.94, 0.97]
    assert curve["line"]["color"] == figure["data"][2]["marker"]["color"]  # naive's own colour
    assert [trace["name"] for trace in figure["data"][1:]] == ["snop", "naive"]
    assert position_figure({**stored, "frontier": []})["data"][0]["name"] == "snop"
