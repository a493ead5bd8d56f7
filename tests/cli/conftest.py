"""The demo company for every CLI test: a copy of the one `snop demo` built for the run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def demo_db(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    shutil.copy(demo_file, path)
    return path
