"""Results kept between requests: one computation at a time, stale on the right changes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from snop.services import audit, memo
from snop.services.database import Database, open_database


def _database(tmp_path: Path) -> Database:
    return open_database(f"sqlite:///{tmp_path / 'memo.db'}", create=True)


def _change(db: Database) -> None:
    with db.sessions.begin() as s:
        audit.record(s, "tester", "comment.added", entity="family", entity_key="Tents")


def test_two_readers_at_once_compute_a_result_once(tmp_path: Path) -> None:
    db = _database(tmp_path)
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.3)
        return 42

    got: list[int] = []
    readers = [
        threading.Thread(target=lambda: got.append(memo.kept(db, ("slow",), slow)))
        for _ in range(3)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert got == [42, 42, 42] and len(calls) == 1
    db.close()


def test_a_change_makes_a_result_stale_unless_it_reads_the_imports_only(tmp_path: Path) -> None:
    db = _database(tmp_path)
    counter = iter(range(100))
    assert memo.kept(db, ("any",), lambda: next(counter)) == 0
    assert memo.kept(db, ("imports",), lambda: next(counter), since="imports") == 1
    assert memo.peek(db, ("any",)) == 0
    _change(db)
    assert memo.peek(db, ("any",)) is None  # stale: never served after a change
    assert memo.kept(db, ("any",), lambda: next(counter)) == 2
    # A comment changes no imported data: the profile-like result stays.
    assert memo.kept(db, ("imports",), lambda: next(counter), since="imports") == 1
    assert memo.peek(db, ("imports",), since="imports") == 1
    db.close()
