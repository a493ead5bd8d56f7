"""Property: whatever a corrupted CSV folder holds, the import either refuses it with
located errors and writes nothing, or imports it correctly. Never a traceback."""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from factories import write_small_csv
from snop.errors import InvalidInput
from snop.services.database import Database, open_database
from snop.services.exports import export_workbook, read_planning_data
from snop.services.imports import import_workbook
from snop.store import schema
from snop.store.db import make_engine
from snop.store.tables import AuditEvent, DataImport

CELLS = st.one_of(
    st.just(""),
    st.just("-1"),
    st.just("abc"),
    st.just("1e999"),
    st.just("2026-13"),
    st.just("P9"),
    st.just("nan"),
    st.just("=SUM(A1:A2)"),
    st.just('quote"inside'),
    st.integers(-1000, 10**9).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)


@st.composite
def corruption(draw: st.DrawFn) -> dict[str, object]:
    kind = draw(
        st.sampled_from(
            [
                "cell",
                "cell",
                "cell",
                "drop_row",
                "dup_row",
                "drop_column",
                "truncate",
                "garbage",
                "header",
            ]
        )
    )
    return {
        "kind": kind,
        "file": draw(st.sampled_from(sorted(p.stem for p in TEMPLATE_CSV.glob("*.csv")))),
        "row": draw(st.integers(0, 10)),
        "column": draw(st.integers(0, 15)),
        "value": draw(CELLS),
        "cut": draw(st.integers(0, 400)),
        "bytes": draw(st.binary(min_size=1, max_size=20)),
    }


def corrupt(folder: Path, c: dict[str, object]) -> None:
    path = folder / f"{c['file']}.csv"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return  # already garbage: nothing more to corrupt
    rows = list(csv.reader(text.splitlines()))
    if not rows or not rows[0]:
        return
    header = rows[0]
    # Earlier corruptions (a truncated line) can leave short rows: pad them to edit safely.
    body = [row + [""] * (len(header) - len(row)) for row in rows[1:]]
    kind = c["kind"]
    if kind == "truncate":
        path.write_text(text[: int(c["cut"])], encoding="utf-8")  # type: ignore[call-overload]
        return
    if kind == "garbage":
        path.write_bytes(text.encode() + bytes(c["bytes"]))  # type: ignore[arg-type]
        return
    col = int(c["column"]) % len(header)  # type: ignore[call-overload]
    if kind == "header":
        header[col] = str(c["value"])
    elif body:
        r = int(c["row"]) % len(body)  # type: ignore[call-overload]
        if kind == "cell":
            body[r][col] = str(c["value"])
        elif kind == "drop_row":
            del body[r]
        elif kind == "dup_row":
            body.append(list(body[r]))
        elif kind == "drop_column":
            header.pop(col)
            for row in body:
                row.pop(col)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *body])


TEMPLATE_CSV = write_small_csv(Path(tempfile.mkdtemp(prefix="snop-prop-")) / "csv")


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prop") / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


def row_counts(db: Database) -> dict[str, int]:
    data = {name: len(frame) for name, frame in read_planning_data(db).items()}
    with db.sessions.begin() as s:
        data["_imports"] = s.scalar(select(func.count()).select_from(DataImport)) or 0
        data["_audit"] = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return data


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.slow
@given(changes=st.lists(corruption(), min_size=1, max_size=3))
def test_corrupted_csv_is_refused_cleanly_or_imported_correctly(
    migrated_file: Path, changes: list[dict[str, object]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(migrated_file, work / "snop.db")
        folder = work / "csv"
        shutil.copytree(TEMPLATE_CSV, folder)
        for change in changes:
            corrupt(folder, change)
        db = open_database(str(work / "snop.db"))
        try:
            empty = row_counts(db)
            try:
                report = import_workbook(db, folder, actor="prop")
            except InvalidInput as exc:
                assert exc.issues, "a refusal names at least one error"
                for issue in exc.issues:
                    assert issue.message
                    assert issue.sheet or issue.code in {"empty_folder", "unreadable_file"}
                assert row_counts(db) == empty, "a refused import wrote something"
                return
            # Accepted: what is stored is what the files say, and it round-trips.
            stored = row_counts(db)
            for sheet in report.sheets:
                assert stored[sheet.sheet] == sheet.rows == sheet.inserted
            export_workbook(db, work / "again")
            again = import_workbook(db, work / "again", actor="prop")
            assert again.changed == 0
        finally:
            db.close()
