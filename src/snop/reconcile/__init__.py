"""Integrated reconciliation: money, the strategy scorecard, KPIs, exceptions, scenarios.

Pure computation on data frames: the plan of record turned into money and held against the
business's targets, what needs attention ranked by money at stake, and the changes a
scenario makes on top of the cycle's data.
"""
