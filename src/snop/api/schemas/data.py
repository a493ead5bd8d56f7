"""What the database holds, and workbooks brought in."""

from __future__ import annotations

from snop.api.schemas.common import IssueRead, Read


class LastImportRead(Read):
    """The latest import."""

    source: str
    actor: str
    at: str
    demo: bool


class ForecastHeadRead(Read):
    """The latest forecast version."""

    version: int
    cutoff: str | None
    first_period: str | None
    horizon: int | None


class PlanHeadRead(Read):
    """The latest plan version."""

    version: int
    strategy: str | None
    status: str | None
    total_cost: float | None


class OpenCycleRead(Read):
    """The open cycle and its plan of record."""

    period: str
    plan_of_record: int | None


class StatusRead(Read):
    """What the database holds: rows per sheet, families, sites, latest versions."""

    database: str
    company: str | None
    rows: dict[str, int]
    families: list[str]
    sites: list[str]
    history_from: str | None
    history_to: str | None
    last_import: LastImportRead | None
    forecast: ForecastHeadRead | None
    plan: PlanHeadRead | None
    cycle: OpenCycleRead | None
    scenarios: int


class SheetCountRead(Read):
    """What an import did to one sheet."""

    sheet: str
    rows: int
    inserted: int
    updated: int
    unchanged: int


class ImportRead(Read):
    """An import (or its dry run): counts per sheet and the warnings."""

    source: str
    dry_run: bool
    import_id: int | None
    changed: int
    sheets: list[SheetCountRead]
    warnings: list[IssueRead]
