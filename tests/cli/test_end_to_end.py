"""The installed command in its own process says and exits exactly as the in-process runs do.

Every other CLI test runs `snop` in the test's process (tests/clitools.py) because a new
Python per command cost seconds. These run the real ``python -m snop``, so what only a
process has is covered too: the entry point, exit codes, stdout and stderr kept apart,
the database URL from the environment, and JSON with nothing else on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clitools import snop, snop_process
from factories import small_workbook, write_small_csv
from supply_cases import sailco_without_overtime

pytestmark = pytest.mark.slow


def _after_usage(text: str) -> list[str]:
    return [line for line in text.splitlines() if "Usage:" not in line]


def test_help_names_every_command_the_same_way() -> None:
    real = snop_process("--help")
    assert real.returncode == 0
    # Only the usage line differs: it names the program as it was started.
    assert _after_usage(real.stdout) == _after_usage(snop("--help").stdout)
    for command in ("init", "import", "export", "demo", "forecast", "plan", "kpis", "serve"):
        assert command in real.stdout


@pytest.mark.parametrize("command", ["status", "kpis", "scorecard", "capacity"])
def test_json_on_the_demo_is_the_same_in_both_runs(demo_db: Path, command: str) -> None:
    real = snop_process("--db", str(demo_db), command, "--json")
    assert real.returncode == 0, real.stderr
    assert json.loads(real.stdout) == json.loads(
        snop("--db", str(demo_db), command, "--json").stdout
    )


def test_a_broken_workbook_exits_2_with_errors_on_stderr(tmp_path: Path) -> None:
    sheets = small_workbook()
    sheets["products"].loc[0, "price"] = "cheap"
    folder = write_small_csv(tmp_path / "broken", sheets)
    real = snop_process("--db", str(tmp_path / "x.db"), "import", str(folder))
    assert real.returncode == 2 and real.stdout == ""
    assert "'cheap' is not a number" in real.stderr and "Traceback" not in real.stderr
    as_json = snop_process("--db", str(tmp_path / "x.db"), "import", str(folder), "--json")
    assert as_json.returncode == 2
    errors = json.loads(as_json.stdout)["errors"]
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [("products", 2, "price")]


def test_a_missing_database_exits_1_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.db")
    real = snop_process("--db", missing, "status")
    assert real.returncode == 1 and "there is no snop database" in real.stderr
    assert "Traceback" not in real.stderr
    assert snop("--db", missing, "status").stderr == real.stderr
    debug = snop_process("--debug", "--db", missing, "status")
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_an_impossible_plan_exits_3_in_a_real_process(tmp_path: Path) -> None:
    folder = sailco_without_overtime(tmp_path / "tight")
    real = snop_process("plan", str(folder), "--json")
    assert real.returncode == 3
    assert json.loads(real.stdout)["status"] == "infeasible"


def test_the_database_url_comes_from_the_process_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    env = {"SNOP_DATABASE_URL": url}
    assert snop_process("init", env=env).returncode == 0
    folder = write_small_csv(tmp_path / "wb")
    imported = snop_process("import", str(folder), "--json", env=env)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["ok"]
    status = json.loads(snop_process("status", "--json", env=env).stdout)
    assert status["rows"]["products"] == 2
    assert json.loads(snop("status", "--json", env=env).stdout) == status
