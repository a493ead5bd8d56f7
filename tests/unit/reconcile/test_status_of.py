"""One colour rule for a figure against its target: the scorecard's."""

from __future__ import annotations

from snop.reconcile.scorecard import status_of


def test_a_small_miss_is_amber_a_big_one_red_and_a_ceiling_reads_the_other_way() -> None:
    assert status_of("revenue", 97.0, 100.0, 0.05) == "amber"
    assert status_of("revenue", 90.0, 100.0, 0.05) == "red"
    assert status_of("revenue", 100.0, 100.0, 0.05) == "green"
    assert status_of("budget", 103.0, 100.0, 0.05) == "amber"  # spend above budget
    assert status_of("budget", 90.0, 100.0, 0.05) == "green"
    assert status_of("no such metric", 1.0, 2.0, 0.05) == "not measured"
