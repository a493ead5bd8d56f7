"""Run the real `snop` command in a process, and the demo company built once for all."""

from __future__ import annotations

import os
import subprocess
import sys


def snop(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "SNOP_DATABASE_URL"}
    full_env = {**inherited, "COLUMNS": "200", "SNOP_USER": "tester", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "snop", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
