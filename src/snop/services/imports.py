"""Import a planning workbook: validate everything, then write it all in one transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.contract.validate import CheckedWorkbook, KnownKeys, check_workbook
from snop.errors import Conflict, InvalidInput, Issue
from snop.services import audit
from snop.services.auth import Actor, name_of, require
from snop.services.database import Database
from snop.store import frames as store_frames
from snop.store.tables import DataImport, Setting
from snop.team.roles import Action
from snop.workbook.read import RawWorkbook, read_workbook


@dataclass(frozen=True, slots=True)
class SheetReport:
    """What an import did (or would do) to one sheet's data."""

    sheet: str
    rows: int
    inserted: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of an import: per-sheet counts and the warnings worth reading."""

    source: str
    dry_run: bool
    sheets: list[SheetReport] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    import_id: int | None = None

    @property
    def changed(self) -> int:
        """Rows inserted or updated in all."""
        return sum(r.inserted + r.updated for r in self.sheets)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "import_id": self.import_id,
            "changed": self.changed,
            "sheets": [asdict(r) for r in self.sheets],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def import_workbook(
    db: Database,
    path: Path,
    *,
    actor: Actor,
    dry_run: bool = False,
    required: frozenset[str] | None = None,
) -> ImportReport:
    """Import an .xlsx workbook or a folder of .csv files into the database.

    Every sheet is checked first; any error raises ``InvalidInput`` listing them all, and
    the database is left exactly as it was. Otherwise all sheets are upserted by key in one
    transaction with its audit event. ``dry_run`` validates and counts, then rolls back.
    ``required`` names the sheets that must be there (default: the contract's required
    sheets; `snop.contract.validate.PLANNING_SHEETS` for a planning problem on its own).
    """
    raw = read_workbook(path)
    return import_raw(db, raw, source=str(path), actor=actor, dry_run=dry_run, required=required)


def import_frames(
    db: Database,
    sheets: dict[str, pd.DataFrame],
    *,
    source: str,
    actor: Actor,
    replace: bool = False,
    force: bool = False,
    is_demo: bool = False,
    settings: dict[str, str] | None = None,
) -> ImportReport:
    """Import sheets given as frames (contract columns), through the same checks as files.

    ``replace`` empties the workbook's tables first, in the same transaction; a database
    holding data a user imported is only emptied with ``force``. ``settings`` (company name,
    ...) are written in the same transaction.
    """
    raw = RawWorkbook(sheets={name: _as_raw(frame) for name, frame in sheets.items()})
    return import_raw(
        db,
        raw,
        source=source,
        actor=actor,
        replace=replace,
        force=force,
        is_demo=is_demo,
        settings=settings,
    )


def _as_raw(frame: pd.DataFrame) -> pd.DataFrame:
    raw = frame.astype(object).reset_index(drop=True)
    raw["_row"] = range(2, len(raw) + 2)
    return raw


def import_raw(
    db: Database,
    raw: RawWorkbook,
    *,
    source: str,
    actor: Actor,
    dry_run: bool = False,
    replace: bool = False,
    force: bool = False,
    is_demo: bool = False,
    settings: dict[str, str] | None = None,
    required: frozenset[str] | None = None,
) -> ImportReport:
    """Validate and write raw sheets; the shared path of every import."""
    with db.sessions() as s:
        s.begin()
        try:
            if replace:
                if not force:
                    _refuse_replacing_user_data(s)
                store_frames.delete_all_sheets(s)
            for key, value in (settings or {}).items():
                s.merge(Setting(key=key, value=value))
            known = KnownKeys() if replace else None
            report = import_into(
                s,
                raw,
                source=source,
                actor=actor,
                dry_run=dry_run,
                is_demo=is_demo,
                required=required,
                known=known,
            )
            if dry_run:
                s.rollback()
            else:
                s.commit()
            return report
        except BaseException:
            s.rollback()
            raise


def import_into(
    s: Session,
    raw: RawWorkbook,
    *,
    source: str,
    actor: Actor,
    dry_run: bool = False,
    is_demo: bool = False,
    required: frozenset[str] | None = None,
    known: KnownKeys | None = None,
) -> ImportReport:
    """Check and upsert raw sheets inside the caller's transaction (it commits or not).

    Raises ``InvalidInput`` with every issue found before anything is written.
    """
    require(s, actor, Action.IMPORT_DATA)
    known = known if known is not None else store_frames.read_known_keys(s)
    checked = check_workbook(raw.sheets, known, required=required)
    issues = raw.issues + checked.issues
    if any(i.severity == "error" for i in issues):
        raise InvalidInput(issues)
    return _write(
        s,
        checked,
        source=source,
        actor=actor,
        dry_run=dry_run,
        is_demo=is_demo,
        warnings=[i for i in issues if i.severity != "error"],
    )


def _refuse_replacing_user_data(s: Session) -> None:
    user_import = s.scalars(
        select(DataImport).where(DataImport.is_demo.is_(False)).order_by(DataImport.id.desc())
    ).first()
    if user_import is not None:
        raise Conflict(
            f"this database holds data you imported ({user_import.source}, "
            f"{user_import.at:%Y-%m-%d}); use another database (--db demo.db) or --force to "
            "replace it"
        )


def _write(
    s: Session,
    checked: CheckedWorkbook,
    *,
    source: str,
    actor: Actor,
    dry_run: bool,
    is_demo: bool,
    warnings: list[Issue],
) -> ImportReport:
    reports = []
    for name in store_frames.write_order(checked.sheets):
        frame = checked.sheets[name]
        count = store_frames.upsert_sheet(s, name, frame)
        reports.append(
            SheetReport(name, len(frame), count.inserted, count.updated, count.unchanged)
        )
    counts = {
        r.sheet: {"inserted": r.inserted, "updated": r.updated, "unchanged": r.unchanged}
        for r in reports
    }
    entry = DataImport(actor=name_of(actor), source=source, is_demo=is_demo, counts=counts)
    s.add(entry)
    s.flush()
    audit.record(
        s,
        name_of(actor),
        "data.import",
        entity="workbook",
        entity_key=source,
        details={"counts": counts, "dry_run": dry_run},
        data_import_id=entry.id,
    )
    return ImportReport(source, dry_run, reports, warnings, None if dry_run else entry.id)
