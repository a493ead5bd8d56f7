"""The demo company for every CLI test: its own copy of the one `snop demo` built for the run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def demo_db(demo_file: Path, tmp_path: Path) -> Path:
    """A copy this test may change: no CLI test sees another's writes, in any order."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_file, path)
    return path
