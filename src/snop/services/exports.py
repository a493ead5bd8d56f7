"""Get the planning data back out: as frames, as a workbook, as a CSV folder, as a template."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from snop.services.database import Database
from snop.store import frames as store_frames
from snop.workbook.write import write_csv_folder, write_template, write_workbook


@dataclass(frozen=True, slots=True)
class ExportReport:
    """Where the export went and how many rows each sheet got."""

    path: str
    rows: dict[str, int]


def read_planning_data(db: Database) -> dict[str, pd.DataFrame]:
    """Every sheet of the planning workbook as a frame (contract columns, sorted by key).

    The Python API for analysts: ``read_planning_data(open_database())["demand_history"]``.
    """
    with db.sessions.begin() as s:
        return store_frames.read_all_sheets(s)


def export_workbook(db: Database, path: Path) -> ExportReport:
    """Write the data to ``path``: an .xlsx workbook, or a folder of .csv files otherwise."""
    sheets = read_planning_data(db)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        write_workbook(path, sheets)
    else:
        write_csv_folder(path, sheets)
    return ExportReport(str(path), {name: len(frame) for name, frame in sheets.items()})


def export_template(path: Path) -> Path:
    """Write the empty workbook with its instructions sheet."""
    write_template(path)
    return path
