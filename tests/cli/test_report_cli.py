"""`snop report`: the executive meeting pack, written and printed through the real command.

The HTML is checked for every section and family, for scorecard values equal to
`snop scorecard --json`, and for being self-contained (nothing fetched from the web);
the PDF is printed by headless Chromium and must have several pages.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from clitools import snop
from snop.errors import NotFound
from snop.report import format as fmt
from snop.services import report
from snop.services.database import open_database

SECTIONS = (
    'id="cover"',
    'id="headline"',
    'id="scorecard"',
    'id="scenarios"',
    'id="exceptions"',
    'id="decisions"',
    "Strategy scorecard",
    "S&amp;OP family sheet",
    "Scenarios compared",
    "Exceptions: where to look first",
    "Decisions needed",
)
FAMILIES = ("Backpacks", "Cooking", "Sleeping Bags", "Spares & Accessories", "Tents")


def _json(*args: str) -> dict[str, object]:
    result = snop(*args, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def _scorecard_row(page: str, period: str, metric: str, scope: str) -> str:
    """The HTML of one scorecard row, found by its data attributes."""
    attrs = (
        f'data-period="{html.escape(period)}" data-metric="{html.escape(metric)}" '
        f'data-scope="{html.escape(scope)}"'
    )
    start = page.index(attrs)
    return page[start : page.index("</tr>", start)]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_report_writes_a_self_contained_pack_and_pdf(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack" / "meeting.html"
    files = _json("--db", str(demo_db), "report", "--out", str(out), "--pdf")
    assert Path(str(files["html"])) == out.resolve()
    page = out.read_text(encoding="utf-8")

    for section in SECTIONS:
        assert section in page, section
    assert "Northwind Outdoor" in page
    for family in FAMILIES:
        assert f"S&amp;OP family sheet: {html.escape(family)}" in page, family
    for row in ("Sales", "Operations", "Inventory", "Backlog", "Capacity", "Money"):
        assert page.count(f'<tr class="group"><td colspan="19">{row}') == len(FAMILIES), row
    assert "New forecast (plan demand)" in page and "Days of supply" in page
    for name in ("peak-surge", "sewing-line-down", "new-tent"):
        assert name in page

    # The scorecard shows the same values as `snop scorecard --json` (two rows).
    card = _json("--db", str(demo_db), "scorecard")["scorecard"]
    assert isinstance(card, list)
    first = min(str(r["period"]) for r in card if len(str(r["period"])) == 7)
    revenue = next(
        r for r in card if (r["metric"], r["scope"], r["period"]) == ("revenue", "all", first)
    )
    fill = next(r for r in card if r["metric"] == "fill_rate")
    for row, text in (
        (revenue, fmt.money(revenue["value"])),
        (fill, fmt.percent(fill["value"])),
    ):
        cells = _scorecard_row(page, str(row["period"]), str(row["metric"]), str(row["scope"]))
        assert f'<td class="num value">{text}</td>' in cells, (row, cells)
        assert f"status {row['status']}" in cells

    # Self-contained: no web address anywhere, no script, no linked stylesheet.
    assert not re.search(r"https?://", page)
    assert "<script" not in page and "<link" not in page

    pdf = Path(str(files["pdf"]))
    assert pdf == out.with_suffix(".pdf").resolve()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    assert pages > 1


def test_report_text_output_and_bad_name(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack.html"
    result = snop("--db", str(demo_db), "report", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Wrote the meeting pack for plan version" in result.stdout
    assert out.exists() and not out.with_suffix(".pdf").exists()
    wrong = snop("--db", str(demo_db), "report", "--out", str(tmp_path / "pack.pdf"))
    assert wrong.returncode != 0


def test_report_without_chromium_says_what_to_install(demo_db: Path, tmp_path: Path) -> None:
    # The service is called directly: the command itself always looks at /usr/bin/chromium.
    db = open_database(str(demo_db))
    try:
        with pytest.raises(NotFound, match="install the chromium package"):
            report.write_report(
                db, tmp_path / "x.html", pdf=True, chromium=tmp_path / "no-chromium"
            )
    finally:
        db.close()
