"""Where a benchmark ran and on which code: the lines every RESULTS.md section starts with."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine(libraries: str = "") -> str:
    """One line describing the machine; ``libraries`` (", statsforecast 2.1.1") is appended."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}{libraries}; shared machine (other jobs were running)"
    )


def code_version() -> str:
    """The commit, and a hash of forecast.py (it may differ from the commit while worked on)."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "src")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    text = (ROOT / "src/snop/demand/forecast.py").read_bytes()
    digest = hashlib.sha256(text).hexdigest()[:10]
    state = "with uncommitted changes under src/" if dirty else "clean"
    return f"commit {head} ({state}); src/snop/demand/forecast.py sha256 {digest}"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()
