"""Render what the CLI prints into SVG pictures for the README (docs/img/*.svg).

Runs the real commands in a scratch folder: ``snop demo``, ``snop plan``, ``snop capacity``,
``snop exceptions``, ``snop scenario compare`` and an import of a broken workbook. Run
``python scripts/cli_screenshots.py`` from the repository root.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook
from rich.console import Console
from rich.text import Text

IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def run(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "COLUMNS": "110", "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    env.pop("SNOP_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "snop", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    lines = (done.stdout + done.stderr).splitlines()
    # Drop the progress spinner's frames: a picture shows where the command ends up.
    return "\n".join(line for line in lines if not any("\u2800" <= ch <= "\u28ff" for ch in line))


def save(title: str, command: str, output: str, name: str) -> None:
    console = Console(
        record=True, width=110, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    console.print(Text(f"$ {command}", style="bold"))
    console.print(Text.from_ansi(output))
    IMG.mkdir(parents=True, exist_ok=True)
    console.save_svg(str(IMG / name), title=title)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        save(
            "snop demo", "snop demo", run(["demo", "--end-month", "2026-10"], work), "snop-demo.svg"
        )
        save("snop plan", "snop plan", run(["plan"], work), "snop-plan.svg")
        save("snop capacity", "snop capacity", run(["capacity"], work), "snop-capacity.svg")
        save(
            "snop exceptions",
            "snop exceptions --top 6",
            run(["exceptions", "--top", "6"], work),
            "snop-exceptions.svg",
        )
        compare = ["scenario", "compare", "base", "peak-surge", "new-tent"]
        save(
            "snop scenario compare",
            "snop " + " ".join(compare),
            run(compare, work),
            "snop-compare.svg",
        )
        run(["export", "demo.xlsx"], work)
        book = load_workbook(work / "demo.xlsx")
        book["products"]["D3"] = "n/a"
        book["customers"]["C4"] = None
        book["demand_history"]["C12"] = "CUST-999"
        book["demand_history"]["E20"] = 1_000_000
        book.save(work / "broken.xlsx")
        output = run(["--db", "new.db", "import", "broken.xlsx"], work)
        save(
            "snop import (refused)",
            "snop --db new.db import broken.xlsx",
            output,
            "snop-import-errors.svg",
        )


if __name__ == "__main__":
    main()
