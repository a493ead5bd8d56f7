"""The cycle on the demo company through the real command, by its demo users of every role.

Each step runs as the user who owns it (``$SNOP_USER`` and ``$SNOP_PASSWORD``): the stages
advance only by their owners, a sales user's override is refused once the demand review is
over, and the audit trail names who did what. On a copy of the demo database.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clitools import snop


def _as(user: str, db: Path, *args: str) -> tuple[int, str]:
    result = snop("--db", str(db), *args, env={"SNOP_USER": user, "SNOP_PASSWORD": "demo"})
    return result.returncode, result.stdout + result.stderr


@pytest.mark.slow
def test_the_demo_cycle_walked_by_every_role(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    shutil.copy(demo_db, db)
    users = json.loads(snop("--db", str(db), "user", "list", "--json").stdout)
    assert {u["username"] for u in users} == {
        "admin",
        "demand",
        "sales",
        "supply",
        "finance",
        "exec",
        "viewer",
    }
    code, out = _as("demand", db, "cycle", "advance")
    assert code != 0 and "data-health report" in out
    assert _as("demand", db, "cycle", "health")[0] == 0
    assert _as("sales", db, "cycle", "advance")[0] != 0
    assert _as("demand", db, "cycle", "advance")[0] == 0
    override = (
        "demand",
        "override",
        "add",
        "family",
        "Tents",
        "--from",
        "2027-03",
        "--to",
        "2027-03",
        "--pct",
        "10",
        "--reason",
        "trade_fair",
    )
    code, out = _as("viewer", db, *override)
    assert code != 0 and "viewer may not override" in out
    assert _as("sales", db, *override)[0] == 0
    code, out = _as("supply", db, "plan")
    assert code != 0 and "Supply review" in out
    assert _as("demand", db, "cycle", "advance")[0] == 0
    assert _as("supply", db, "plan")[0] == 0
    assert _as("supply", db, "cycle", "advance")[0] == 0
    assert _as("finance", db, "scorecard")[0] == 0
    assert _as("finance", db, "cycle", "advance")[0] == 0
    assert _as("exec", db, "scenario", "compare", "base", "peak-surge")[0] == 0
    decided = _as(
        "exec",
        db,
        "decision",
        "add",
        "Fund a Saturday packing shift",
        "--owner",
        "supply",
        "--scenario",
        "peak-surge",
    )
    assert decided[0] == 0, decided[1]
    assert _as("exec", db, "publish")[0] == 0
    code, out = _as("sales", db, *override)
    assert code != 0 and "published" in out
    status = json.loads(snop("--db", str(db), "cycle", "status", "--json").stdout)
    assert status["stage"] == "published"
    assert [s["signed_off_by"] for s in status["stages"][:4]] == [
        "demand",
        "demand",
        "supply",
        "finance",
    ]
    trail = json.loads(snop("--db", str(db), "audit", "--json", "--limit", "500").stdout)
    done = {(row["actor"], row["action"]) for row in trail}
    assert {
        ("sales", "demand.override_added"),
        ("supply", "supply.plan_run"),
        ("exec", "cycle.publish"),
    } <= done
    inbox = json.loads(snop("--db", str(db), "inbox", "--json", env={"SNOP_USER": "supply"}).stdout)
    assert "Saturday" in json.dumps(inbox)
