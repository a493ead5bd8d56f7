"""`snop report`: the executive meeting pack as one HTML file, and a PDF with --pdf."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snop.cli.common import DbOption, JsonOption, open_db
from snop.cli.render import console, err_console, print_json
from snop.services import report as report_service


def report(
    out: Annotated[
        Path,
        typer.Option("--out", help="The HTML file to write (the PDF goes next to it, as .pdf)."),
    ] = Path("snop-pack.html"),
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print a PDF with headless Chromium.")
    ] = False,
    version: Annotated[
        int | None,
        typer.Option(
            "--version", help="Plan version (default: the plan of record, else the latest)."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the executive S&OP meeting pack: one self-contained HTML file (and a PDF).

    Cover, headlines, strategy scorecard, an S&OP family sheet per family, the scenarios
    compared, the top exceptions and the decisions needed.
    """
    if out.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter(f"--out names an .html file, not '{out.name}'")
    with err_console.status("Writing the meeting pack ..."):
        files = report_service.write_report(open_db(db), out, pdf=pdf, version_id=version)
    if as_json:
        print_json(files.to_dict())
        return
    status = "plan of record" if files.plan_of_record else "draft, not yet the plan of record"
    console.print(
        f"Wrote the meeting pack for plan version {files.version} ({status}): {files.html}",
        highlight=False,
        soft_wrap=True,
    )
    if files.pdf is not None:
        console.print(f"PDF: {files.pdf}", highlight=False, soft_wrap=True)
    console.print(
        f"Family sheets: {', '.join(files.families)}. Open the HTML in any browser; it needs "
        "nothing else.",
        style="dim",
        soft_wrap=True,
    )
