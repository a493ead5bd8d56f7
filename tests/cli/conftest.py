"""The demo company, built once through the real command, for every CLI test."""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import snop


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    result = snop("--db", str(path), "demo", "--end-month", "2026-10")
    assert result.returncode == 0, result.stderr
    assert "Built the demo company Northwind Outdoor" in result.stdout
    assert "Next:" in result.stdout
    return path
