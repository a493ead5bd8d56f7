"""The home tiles are coloured by the scorecard's rule, never by one of their own."""

from __future__ import annotations

import pandas as pd

from snop.web.routes.home import headline_tiles


def test_home_tiles_take_the_scorecard_colour_for_the_next_months_revenue() -> None:
    months = [f"2027-{m:02d}" for m in range(1, 4)]
    scorecard = pd.DataFrame(
        {
            "metric": "revenue",
            "scope_kind": "all",
            "scope": "all",
            "months": 1,
            "period": months,
            "value": [97.0, 97.0, 97.0],  # 3 % below target: within a 5 % tolerance
            "target": [100.0, 100.0, 100.0],
            "unit": "money",
            "status": "amber",
        }
    )
    tiles = headline_tiles(scorecard, 0.05)
    assert [t["status"] for t in tiles] == ["amber"]
    assert [t["status"] for t in headline_tiles(scorecard, 0.01)] == ["red"]
