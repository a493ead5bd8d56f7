"""Write planning workbooks: data exports, CSV folders and the empty template."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from snop.contract.sheets import (
    INSTRUCTIONS_SHEET,
    SHEETS,
    SHEETS_BY_NAME,
    Column,
    Kind,
    Sheet,
)

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")


def write_workbook(path: Path, sheets: Mapping[str, pd.DataFrame]) -> None:
    """Write every contract sheet (in contract order) to an .xlsx file.

    ``sheets`` maps sheet name to a frame with the contract's columns; missing sheets are
    written with their header only, so the file always shows the whole contract.
    """
    book = Workbook(write_only=True)
    for sheet in SHEETS:
        frame = sheets.get(sheet.name, pd.DataFrame(columns=sheet.column_names))
        _write_sheet(book.create_sheet(sheet.name), sheet, frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write_csv_folder(folder: Path, sheets: Mapping[str, pd.DataFrame]) -> None:
    """Write one ``<sheet>.csv`` per contract sheet into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for sheet in SHEETS:
        frame = sheets.get(sheet.name, pd.DataFrame(columns=sheet.column_names))
        with (folder / f"{sheet.name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            columns = _present(sheet, frame)
            writer.writerow(c.name for c in columns)
            for record in frame[[c.name for c in columns]].itertuples(index=False):
                writer.writerow(
                    _csv_text(_cell(v, c.kind)) for v, c in zip(record, columns, strict=True)
                )


def _csv_text(value: object) -> str:
    """Shortest text that reads back to the same number; whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def write_template(path: Path) -> None:
    """Write an empty workbook: an instructions sheet, then every sheet with its header."""
    book = Workbook(write_only=True)
    _write_instructions(book.create_sheet(INSTRUCTIONS_SHEET))
    for sheet in SHEETS:
        _write_sheet(book.create_sheet(sheet.name), sheet, pd.DataFrame(columns=sheet.column_names))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _write_sheet(ws: WriteOnlyWorksheet, sheet: Sheet, frame: pd.DataFrame) -> None:
    ws.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns):
        letter = _column_letter(index)
        _set_width(ws, letter, max(12, len(column.name) + 4))
    columns = _present(sheet, frame)
    ws.append([_header_cell(ws, c.name) for c in columns])
    for record in frame[[c.name for c in columns]].itertuples(index=False):
        ws.append([_cell(v, c.kind) for v, c in zip(record, columns, strict=True)])


def _present(sheet: Sheet, frame: pd.DataFrame) -> list[Column]:
    """The contract's columns that the frame has, in contract order."""
    return [c for c in sheet.columns if c.name in frame.columns]


def _write_instructions(ws: WriteOnlyWorksheet) -> None:
    widths = {"A": 18, "B": 22, "C": 12, "D": 14, "E": 10, "F": 100}
    for letter, width in widths.items():
        _set_width(ws, letter, width)
    title = WriteOnlyCell(ws, "snop planning workbook")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.append(
        [
            "Fill in one sheet per tab (or save each tab as <sheet>.csv in one folder), then run "
            "`snop import <file>`. Months are written YYYY-MM. Money is in one currency. "
            "Required sheets: " + ", ".join(s.name for s in SHEETS if s.required) + "."
        ]
    )
    ws.append([])
    header = ["sheet", "column", "required", "type", "unit", "what to enter"]
    ws.append([_header_cell(ws, h) for h in header])
    for sheet in SHEETS:
        label = WriteOnlyCell(ws, sheet.name)
        label.font = Font(bold=True)
        note = WriteOnlyCell(ws, sheet.description)
        note.font = Font(italic=True)
        ws.append([label, "", "yes" if sheet.required else "no", "", "", note])
        for column in sheet.columns:
            text = WriteOnlyCell(ws, _describe(sheet, column.name))
            text.alignment = Alignment(wrap_text=True)
            ws.append(
                [
                    sheet.name,
                    column.name,
                    "yes" if column.required and not column.nullable else "no",
                    str(column.kind),
                    column.unit,
                    text,
                ]
            )


def _describe(sheet: Sheet, name: str) -> str:
    column = SHEETS_BY_NAME[sheet.name].column(name)
    parts = [column.description]
    if column.choices:
        parts.append("One of: " + ", ".join(column.choices) + ".")
    if column.bounds_text:
        parts.append(column.bounds_text)
    if column.references:
        parts.append(f"Must exist in the {column.references} sheet.")
    if column.default is not None:
        parts.append(f"Empty means {column.default_text}.")
    if name in sheet.key:
        parts.append("Part of the row's key: " + " + ".join(sheet.key) + " must be unique.")
    return " ".join(parts)


def _header_cell(ws: WriteOnlyWorksheet, name: str) -> Cell:
    cell = WriteOnlyCell(ws, name)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    return cell


def _cell(value: object, kind: Kind) -> object:
    """Plain Python values for openpyxl: no NaN, no numpy scalars, whole numbers as int."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if kind == Kind.INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _set_width(ws: WriteOnlyWorksheet, letter: str, width: float) -> None:
    # Write-only sheets do keep column dimensions; the type stubs do not declare them.
    ws.column_dimensions[letter].width = width  # type: ignore[attr-defined]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
