"""Write docs/workbook-columns.md from the contract in snop.contract.sheets.

Run ``python scripts/contract_doc.py`` after changing the contract; a test checks the file
is up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from snop.contract.sheets import SHEETS

TARGET = Path(__file__).resolve().parents[1] / "docs" / "workbook-columns.md"


def render() -> str:
    """The Markdown reference of every sheet and column."""
    lines = [
        "# Planning workbook: every sheet and column",
        "",
        "Generated from `src/snop/contract/sheets.py` by `scripts/contract_doc.py`; "
        "the same text is in the instructions sheet of `snop template`.",
        "",
    ]
    for sheet in SHEETS:
        needed = "required" if sheet.required else "optional"
        lines += [
            f"## `{sheet.name}` ({needed})",
            "",
            sheet.description,
            "",
            f"Key (unique per row): {' + '.join(f'`{k}`' for k in sheet.key)}.",
            "",
            "| column | needed | type | unit | what to enter |",
            "|---|---|---|---|---|",
        ]
        for c in sheet.columns:
            needed_col = "yes" if c.required and not c.nullable else "no"
            notes = [c.description]
            if c.choices:
                notes.append("One of: " + ", ".join(f"`{x}`" for x in c.choices) + ".")
            if c.bounds_text:
                notes.append(c.bounds_text)
            if c.references:
                notes.append(f"Must exist in `{c.references}`.")
            if c.default is not None:
                notes.append(f"Empty means `{c.default_text}`.")
            lines.append(f"| `{c.name}` | {needed_col} | {c.kind} | {c.unit} | {' '.join(notes)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    TARGET.write_text(render())
    sys.stdout.write(f"wrote {TARGET}\n")
