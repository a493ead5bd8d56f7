"""Run the `snop` command: in this process (fast, the default) or as a real process.

`snop(...)` goes through the same entry point as the installed command (`cli.main.run`:
argument parsing, error messages, exit codes), inside Click's isolation of stdin, stdout,
stderr and the environment, so a test reads what a planner would see. Starting a Python
process per command cost ~3 s of imports each and dominated the suite; the few
end-to-end tests in tests/cli/test_end_to_end.py still run `snop_process`, the real
``python -m snop``, and check it prints the same.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import traceback

from typer.testing import CliRunner

from snop.cli import common
from snop.cli.main import run
from snop.cli.render import console, err_console

WIDTH = 200
"""Wide enough that no table folds, in both runners."""


def _settings(env: dict[str, str] | None) -> dict[str, str]:
    return {"COLUMNS": str(WIDTH), "SNOP_USER": "tester", **(env or {})}


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k != "SNOP_DATABASE_URL"}
    return {**inherited, **_settings(env)}


def snop(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``snop *args`` in this process; ``timeout`` is kept for `snop_process` parity."""
    del timeout  # an in-process run cannot be stopped from outside; pytest's own limits apply
    isolated: dict[str, str | None] = {"SNOP_DATABASE_URL": None, **_settings(env)}
    _reset_state()
    saved = (sys.argv, console.width, err_console.width)
    code = 0
    with CliRunner().isolation(env=isolated) as (out, err, _):
        sys.argv = ["snop", *args]
        console.width = err_console.width = WIDTH
        try:
            run()
        except SystemExit as stop:
            code = _exit_code(stop.code)
        except Exception:  # --debug re-raises: print it as the interpreter would, exit 1
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()  # print_json writes to the text wrapper, which buffers
            sys.stderr.flush()
            sys.argv, console.width, err_console.width = saved
            _close_opened()
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return subprocess.CompletedProcess(["snop", *args], code, stdout, stderr)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _reset_state() -> None:
    """The command's global options start as in a new process (modules hold STATE itself)."""
    fresh = common.State()
    for field in dataclasses.fields(common.State):
        setattr(common.STATE, field.name, getattr(fresh, field.name))


def _close_opened() -> None:
    """Release the database the command opened, as the end of a process would."""
    opened = common.STATE.opened
    _reset_state()
    if opened is not None:
        opened.close()


def snop_process(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real ``python -m snop *args`` in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "snop", *args],
        capture_output=True,
        text=True,
        env=_environment(env),
        timeout=timeout,
    )
