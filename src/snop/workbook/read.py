"""Read a planning workbook (.xlsx) or a folder of .csv files into raw sheets.

Raw means as typed by the user: no conversion yet, so the validator can report a bad cell
with its exact row and value. Each raw sheet gets a ``_row`` column (header = row 1).
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from snop.contract.parse import normalise_header
from snop.contract.sheets import SHEETS_BY_NAME
from snop.errors import Issue
from snop.frames import ROW


@dataclass(slots=True)
class RawWorkbook:
    """Raw sheets by (lower-case) name, and the problems met while reading the files."""

    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def read_workbook(path: Path) -> RawWorkbook:
    """Read ``path``: an .xlsx workbook, a folder of .csv files, or a single .csv file."""
    if not path.exists():
        return RawWorkbook(issues=[Issue("file_not_found", f"{path} does not exist")])
    if path.is_dir():
        return _read_csv_folder(path)
    if path.suffix.lower() == ".csv":
        raw = RawWorkbook()
        _read_csv(path, raw)
        return raw
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    return RawWorkbook(
        issues=[
            Issue(
                "unsupported_file",
                f"{path.name} is neither an .xlsx workbook nor a folder of .csv files",
            )
        ]
    )


def _read_xlsx(path: Path) -> RawWorkbook:
    raw = RawWorkbook()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raw.issues.append(Issue("unreadable_file", f"{path.name} cannot be read as .xlsx: {exc}"))
        return raw
    try:
        for worksheet in book.worksheets:
            name = worksheet.title.strip().lower()
            if name not in SHEETS_BY_NAME:
                # Notes and pivot tabs may live beside the data; list them, do not read them.
                raw.sheets[name] = pd.DataFrame({ROW: pd.Series([], dtype=int)})
                continue
            _add_sheet(raw, name, worksheet.iter_rows(values_only=True), first_data_row=2)
    finally:
        book.close()
    return raw


def _read_csv_folder(folder: Path) -> RawWorkbook:
    raw = RawWorkbook()
    files = sorted(folder.glob("*.csv"))
    if not files:
        raw.issues.append(Issue("empty_folder", f"{folder} holds no .csv files"))
    for file in files:
        _read_csv(file, raw)
    return raw


def _read_csv(file: Path, raw: RawWorkbook) -> None:
    name = file.stem.strip().lower()
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            rows: list[tuple[object, ...]] = []
            line_numbers: list[int] = []
            for record in reader:
                rows.append(tuple(record))
                line_numbers.append(reader.line_num)
    except UnicodeDecodeError as exc:
        raw.issues.append(
            Issue("unreadable_file", f"{file.name} is not UTF-8 text ({exc.reason})", name)
        )
        return
    except csv.Error as exc:
        raw.issues.append(Issue("unreadable_file", f"{file.name}: {exc}", name))
        return
    _add_sheet(raw, name, rows, first_data_row=2, row_numbers=line_numbers[1:])


def _add_sheet(
    raw: RawWorkbook,
    name: str,
    rows: Iterable[Sequence[object]],
    *,
    first_data_row: int,
    row_numbers: list[int] | None = None,
) -> None:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None or all(_blank(c) for c in header):
        raw.sheets[name] = pd.DataFrame({ROW: pd.Series([], dtype=int)})
        return
    width = _header_width(header)
    columns = [
        normalise_header(c) if not _blank(c) else f"unnamed_{i + 1}"
        for i, c in enumerate(header[:width])
    ]
    records, numbers = [], []
    for offset, row in enumerate(iterator):
        number = row_numbers[offset] if row_numbers else first_data_row + offset
        if all(_blank(c) for c in row):
            continue
        if len(row) > width and any(not _blank(c) for c in row[width:]):
            raw.issues.append(
                Issue(
                    "extra_cells",
                    f"row has values beyond the last named column ({columns[-1]}); "
                    "they are not imported",
                    name,
                    number,
                    severity="warning",
                )
            )
        cells = list(row[:width]) + [None] * max(0, width - len(row))
        records.append(cells)
        numbers.append(number)
    frame = pd.DataFrame.from_records(records, columns=range(width)).astype(object)
    frame.columns = pd.Index(columns)
    frame[ROW] = pd.Series(numbers, dtype=int, index=frame.index)
    raw.sheets[name] = frame


def _header_width(header: Sequence[object]) -> int:
    """Count the columns up to the last named header cell (Excel pads rows with empties)."""
    width = len(header)
    while width and _blank(header[width - 1]):
        width -= 1
    return width


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
