"""The plan's explanation one rule at a time, on small hand-built plan frames (no solver).

Written from a mutation run (bench/RESULTS.md, "Mutation run on the reconcile rules and the
plan's explanation"): which resource is the bottleneck and for how long, which order is late
and why, and the wording of each reason a planner reads. Two products, two resources and
three months: P1 is made on M1 (Sewing), P2 on M2 (Cutting).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pytest

from snop.frames import period_range
from snop.supply.explain import (
    Explanation,
    diagnose_infeasible,
    explain,
    find_bottlenecks,
    late_demand,
)
from snop.supply.model import SupplyLp, build_lp
from snop.supply.problem import SupplyProblem, prepare
from snop.supply.solve import LpSolution, SolveStatus

JAN, FEB, MAR = MONTHS = ["2027-01", "2027-02", "2027-03"]
NAMES = {"M1": "Sewing", "M2": "Cutting"}
FREE = "capacity was free, but being late cost less than making it in time"
FENCE = (
    "every month whose production could arrive in time is inside the frozen fence, "
    "where production stays as published"
)


def _problem(
    segments: Iterable[tuple[str, int]] = (("Key", 1), ("Spot", 2)), **products: object
) -> SupplyProblem:
    """Product columns are given for [P1, P2]; subcontracting is allowed without limit."""
    product_frame = pd.DataFrame(
        {
            "product_id": ["P1", "P2"],
            "family": ["Tents", "Bags"],
            "unit_cost": 10.0,
            "holding_cost": 1.0,
            "backorder_cost": 4.0,
            "subcontract_cost": 15.0,
            **products,
        }
    )
    segment_frame = pd.DataFrame(list(segments), columns=["segment", "priority"])
    demand = pd.DataFrame(
        [(p, s, m, 10.0) for p in ("P1", "P2") for s in segment_frame["segment"] for m in MONTHS],
        columns=["product_id", "segment", "period", "quantity"],
    )
    return prepare(
        SupplyProblem(
            periods=MONTHS,
            products=product_frame,
            segments=segment_frame,
            demand=demand,
            resources=pd.DataFrame(
                {"resource_id": ["M1", "M2"], "name": ["Sewing", "Cutting"], "capacity": 100.0}
            ),
            routings=pd.DataFrame(
                {"product_id": ["P1", "P2"], "resource_id": ["M1", "M2"], "hours_per_unit": 1.0}
            ),
            inventory=pd.DataFrame({"product_id": ["P1", "P2"], "on_hand": 0.0}),
        )
    )


def _frozen(problem: SupplyProblem, *cells: tuple[str, str, float]) -> SupplyProblem:
    frozen = pd.DataFrame(list(cells), columns=["product_id", "period", "quantity"])
    return dataclasses.replace(problem, frozen=frozen)


def _month(
    resource: str,
    period: str,
    *,
    full: bool = False,
    worth: float = 0.0,
    overtime: float = 0.0,
    load: float = 40.0,
    regular: float = 100.0,
) -> dict[str, object]:
    return {
        "resource_id": resource,
        "name": NAMES.get(resource, resource),
        "site": "Plant",
        "period": period,
        "full": full,
        "shadow_price": worth,
        "overtime": overtime,
        "load": load,
        "regular_capacity": regular,
    }


def _resources(*changed: dict[str, object]) -> pd.DataFrame:
    """Every resource-month, idle (40 of 100 regular hours) unless listed in ``changed``."""
    given = {(str(row["resource_id"]), str(row["period"])): row for row in changed}
    rows = [given.get((r, m), _month(r, m)) for r in NAMES for m in MONTHS]
    return pd.DataFrame(rows)


def _frames(
    owed: Iterable[tuple[str, str, str, float]],
    resources: pd.DataFrame | None = None,
    *,
    served: Iterable[tuple[str, str, str, float, float]] = (),
    subcontract: dict[tuple[str, str], float] | None = None,
) -> dict[str, pd.DataFrame]:
    """Plan frames: ``owed`` rows (product, segment, month, backlog) with demand 10;
    ``served`` rows (product, segment, month, demand, backlog) as given."""
    rows = [(p, s, m, 10.0, b) for p, s, m, b in owed] + list(served)
    segments = pd.DataFrame(rows, columns=["product_id", "segment", "period", "demand", "backlog"])
    segments.insert(1, "family", segments["product_id"].map({"P1": "Tents", "P2": "Bags"}))
    bought = subcontract or {}
    products = pd.DataFrame(
        [(p, m, bought.get((p, m), 0.0)) for p in ("P1", "P2") for m in MONTHS],
        columns=["product_id", "period", "subcontract"],
    )
    return {
        "segments": segments,
        "resources": _resources() if resources is None else resources,
        "products": products,
    }


def _late(problem: SupplyProblem, frames: dict[str, pd.DataFrame]) -> dict[tuple[str, str], str]:
    """(product, month) -> 'cause: detail' for each late row."""
    late = late_demand(problem, frames)
    return {
        (row.product_id, row.period): f"{row.cause}: {row.detail}"
        for row in late.itertuples(index=False)
    }


def _runs(bottlenecks: pd.DataFrame) -> list[tuple[object, ...]]:
    return list(bottlenecks[["resource_id", "first", "last", "months", "full"]].itertuples(False))


# --- find_bottlenecks ------------------------------------------------------------------------


def test_a_resource_binds_when_full_or_when_one_more_hour_is_worth_something() -> None:
    """Full without a dual (nothing cheaper to replace), or a positive dual without being full
    (all regular hours worked): either binds; an idle resource with no worth does not."""
    resources = _resources(
        _month("M1", JAN, full=True, worth=0.0),
        _month("M2", FEB, worth=0.5, load=100.0),
    )
    bottlenecks = find_bottlenecks(resources)
    assert _runs(bottlenecks) == [("M2", FEB, FEB, 1, False), ("M1", JAN, JAN, 1, True)]
    assert bottlenecks.columns.to_list() == [
        "resource_id",
        "name",
        "site",
        "first",
        "last",
        "months",
        "worth_per_hour",
        "overtime_hours",
        "full",
    ]


def test_no_binding_resource_gives_an_empty_table_with_its_columns() -> None:
    bottlenecks = find_bottlenecks(_resources(_month("M1", JAN, worth=1e-7)))
    assert bottlenecks.empty
    assert "worth_per_hour" in bottlenecks.columns and "full" in bottlenecks.columns


def test_a_stretch_is_consecutive_months_of_one_resource_in_one_state() -> None:
    """Broken by a gap month, by another resource (even in the next month), and by the
    change from full to working all regular hours."""
    gap = _resources(_month("M1", JAN, full=True), _month("M1", MAR, full=True))
    assert _runs(find_bottlenecks(gap)) == [("M1", JAN, JAN, 1, True), ("M1", MAR, MAR, 1, True)]
    handover = _resources(
        _month("M1", JAN, full=True),
        _month("M1", FEB, full=True),
        _month("M2", MAR, full=True),
    )
    assert _runs(find_bottlenecks(handover)) == [
        ("M1", JAN, FEB, 2, True),
        ("M2", MAR, MAR, 1, True),
    ]
    easing = _resources(
        _month("M1", JAN, full=True, worth=3.0),
        _month("M1", FEB, full=True, worth=2.0),
        _month("M1", MAR, worth=1.0, load=100.0),
    )
    assert _runs(find_bottlenecks(easing)) == [
        ("M1", JAN, FEB, 2, True),
        ("M1", MAR, MAR, 1, False),
    ]


def test_a_stretch_is_worth_its_dearest_month_and_adds_up_its_overtime() -> None:
    resources = _resources(
        _month("M2", JAN, full=True, worth=2.0, overtime=5.0),
        _month("M2", FEB, full=True, worth=6.0, overtime=7.0),
    )
    (run,) = find_bottlenecks(resources).to_dict("records")
    assert run == {
        "resource_id": "M2",
        "name": "Cutting",
        "site": "Plant",
        "first": JAN,
        "last": FEB,
        "months": 2,
        "worth_per_hour": 6.0,
        "overtime_hours": 12.0,
        "full": True,
    }


def test_months_are_put_in_calendar_order_whatever_the_frame_order() -> None:
    resources = _resources(_month("M1", FEB, full=True), _month("M1", MAR, full=True))
    backwards = resources.iloc[::-1].reset_index(drop=True)
    assert _runs(find_bottlenecks(backwards)) == [("M1", FEB, MAR, 2, True)]


def test_the_most_valuable_resource_comes_first_and_its_stretches_in_time_order() -> None:
    """M1's best month is worth 4, M2's 9: M2 first. M1's later stretch is worth more than
    its earlier one, yet the earlier is told first. Resources of equal worth: by id."""
    resources = _resources(
        _month("M1", JAN, full=True, worth=1.0),
        _month("M1", MAR, full=True, worth=4.0),
        _month("M2", FEB, full=True, worth=9.0),
    )
    assert _runs(find_bottlenecks(resources)) == [
        ("M2", FEB, FEB, 1, True),
        ("M1", JAN, JAN, 1, True),
        ("M1", MAR, MAR, 1, True),
    ]
    tied = _resources(_month("M2", JAN, full=True), _month("M1", FEB, full=True))
    assert _runs(find_bottlenecks(tied)) == [("M1", FEB, FEB, 1, True), ("M2", JAN, JAN, 1, True)]


# --- late_demand: which order is late ----------------------------------------------------------

LATE_COLUMNS = ["product_id", "family", "segment", "period", "backlog", "cause", "detail"]


def test_backlog_of_half_a_unit_is_rounding_not_a_late_order() -> None:
    frames = _frames([("P1", "Key", JAN, 0.5), ("P1", "Spot", JAN, 0.6)])
    late = late_demand(_problem(), frames)
    assert late[["product_id", "family", "segment", "period"]].values.tolist() == [
        ["P1", "Tents", "Spot", JAN]
    ]
    assert late["backlog"].to_list() == [0.6]
    assert late.columns.to_list() == LATE_COLUMNS


def test_nothing_late_gives_an_empty_table_with_its_columns() -> None:
    late = late_demand(_problem(), _frames([("P1", "Key", JAN, 0.0)]))
    assert late.empty
    assert late.columns.to_list() == LATE_COLUMNS


# --- late_demand: why -------------------------------------------------------------------------


def test_demand_before_the_lead_time_can_only_ship_from_stock() -> None:
    problem = _problem(lead_time=[1, 2])
    frames = _frames([("P1", "Key", JAN, 5.0), ("P1", "Key", FEB, 5.0), ("P2", "Key", FEB, 5.0)])
    assert _late(problem, frames) == {
        ("P1", JAN): (
            "lead_time: lead time of 1 month: what is started in 2027-01 arrives in 2027-02 at "
            "the earliest, so only stock on hand and scheduled receipts could ship in 2027-01"
        ),
        ("P1", FEB): f"cost: {FREE}",
        ("P2", FEB): (
            "lead_time: lead time of 2 months: what is started in 2027-01 arrives in 2027-03 at "
            "the earliest, so only stock on hand and scheduled receipts could ship in 2027-02"
        ),
    }


def test_demand_whose_every_possible_start_is_frozen_is_late_for_the_fence() -> None:
    """Fence over January and February. Lead time wins over the fence, the fence over a
    full resource."""
    problem = _frozen(_problem(lead_time=[0, 1]), ("P1", JAN, 5.0), ("P1", FEB, 5.0))
    resources = _resources(_month("M1", JAN, full=True))
    owed = [(p, "Key", m, 5.0) for p in ("P1", "P2") for m in MONTHS]
    assert _late(problem, _frames(owed, resources)) == {
        ("P1", JAN): f"frozen_fence: {FENCE}",
        ("P1", FEB): f"frozen_fence: {FENCE}",
        ("P1", MAR): f"cost: {FREE}",
        ("P2", JAN): (
            "lead_time: lead time of 1 month: what is started in 2027-01 arrives in 2027-02 at "
            "the earliest, so only stock on hand and scheduled receipts could ship in 2027-01"
        ),
        ("P2", FEB): f"frozen_fence: {FENCE}",
        ("P2", MAR): f"frozen_fence: {FENCE}",
    }


def test_a_full_routing_resource_in_the_last_month_to_start_is_the_cause() -> None:
    """The text gives the whole full stretch; a stretch ends at a gap or another resource."""
    resources = _resources(
        _month("M1", JAN, full=True), _month("M1", FEB, full=True), _month("M2", MAR, full=True)
    )
    owed = [(p, "Key", m, 5.0) for p in ("P1", "P2") for m in (FEB, MAR)]
    assert _late(_problem(), _frames(owed, resources)) == {
        ("P1", FEB): "capacity: resources ran out: M1 (full 2027-01 to 2027-02)",
        ("P1", MAR): f"cost: {FREE}",
        ("P2", FEB): f"cost: {FREE}",
        ("P2", MAR): "capacity: resources ran out: M2 (full in 2027-03)",
    }
    gap = _resources(_month("M1", JAN, full=True), _month("M1", MAR, full=True))
    assert _late(_problem(), _frames([("P1", "Key", MAR, 5.0)], gap)) == {
        ("P1", MAR): "capacity: resources ran out: M1 (full in 2027-03)"
    }


def test_a_product_on_two_full_resources_names_both() -> None:
    problem = dataclasses.replace(
        _problem(),
        routings=pd.DataFrame(
            {"product_id": ["P1", "P1"], "resource_id": ["M1", "M2"], "hours_per_unit": 1.0}
        ),
    )
    resources = _resources(_month("M1", FEB, full=True), _month("M2", FEB, full=True))
    assert _late(problem, _frames([("P1", "Key", FEB, 5.0)], resources)) == {
        ("P1", FEB): "capacity: resources ran out: M1 (full in 2027-02), M2 (full in 2027-02)"
    }


def test_late_for_cost_names_a_routing_resource_working_all_its_regular_hours() -> None:
    """At its regular hours exactly counts; a resource without regular hours never does. With
    a lead time of a month, the month that counts is the one before."""
    resources = _resources(
        _month("M1", FEB, load=100.0),
        _month("M2", FEB, load=0.0, regular=0.0),
    )
    problem = _problem(lead_time=[1, 0])
    owed = [("P1", "Key", FEB, 5.0), ("P1", "Key", MAR, 5.0), ("P2", "Key", FEB, 5.0)]
    busy = "M1 worked all regular hours, and overtime or building ahead cost more than being late"
    assert _late(problem, _frames(owed, resources)) == {
        ("P1", FEB): f"cost: {FREE}",
        ("P1", MAR): f"cost: {busy}",
        ("P2", FEB): f"cost: {FREE}",
    }


def test_late_for_cost_names_every_routing_resource_at_its_regular_hours() -> None:
    """Even a resource of a single regular hour, all of it used."""
    problem = dataclasses.replace(
        _problem(),
        routings=pd.DataFrame(
            {"product_id": ["P1", "P1"], "resource_id": ["M1", "M2"], "hours_per_unit": 1.0}
        ),
    )
    resources = _resources(_month("M1", FEB, load=100.0), _month("M2", FEB, load=1.0, regular=1.0))
    assert _late(problem, _frames([("P1", "Key", FEB, 5.0)], resources)) == {
        ("P1", FEB): "cost: M1, M2 worked all regular hours, and overtime or building ahead "
        "cost more than being late"
    }


# --- late_demand: notes on subcontracting and priority ---------------------------------------


def test_the_detail_says_when_no_subcontractor_could_help() -> None:
    """P1 has no subcontractor; P2's is capped at 10 a month and bought up to it in February."""
    problem = _problem(subcontract_cost=[np.nan, 15.0], max_subcontract=[np.nan, 10.0])
    owed = [("P1", "Key", FEB, 5.0), ("P2", "Key", FEB, 5.0), ("P2", "Key", MAR, 5.0)]
    frames = _frames(owed, subcontract={("P2", FEB): 10.0, ("P2", MAR): 9.0})
    assert _late(problem, frames) == {
        ("P1", FEB): f"cost: {FREE}; no subcontractor is set up",
        ("P2", FEB): f"cost: {FREE}; the subcontractor is at its limit of 10 a month",
        ("P2", MAR): f"cost: {FREE}",
    }


def test_the_detail_names_higher_priority_segments_served_in_full_that_month() -> None:
    """Web (1) and Key (2) served in full, by priority; Spot (3) is late. Equal priority
    (Club), no demand (Gold) or served another month (Web in March) does not count; backlog
    within rounding (Key, 0.5) is served in full."""
    problem = _problem(segments=[("Key", 2), ("Web", 1), ("Gold", 1), ("Spot", 3), ("Club", 3)])
    served = [
        ("P1", "Key", FEB, 10.0, 0.5),
        ("P1", "Web", FEB, 1.0, 0.0),
        ("P1", "Gold", FEB, 0.0, 0.0),
        ("P1", "Club", FEB, 10.0, 0.0),
        ("P1", "Web", MAR, 10.0, 0.0),
    ]
    frames = _frames([("P1", "Spot", FEB, 5.0), ("P1", "Key", MAR, 5.0)], served=served)
    late = late_demand(problem, frames).set_index(["segment", "period"])["detail"]
    assert late[("Spot", FEB)] == f"{FREE}; Web, Key (higher priority) served in full first"
    assert late[("Key", MAR)] == f"{FREE}; Web (higher priority) served in full first"
    alone = _frames([("P1", "Spot", FEB, 5.0)], served=[("P1", "Club", FEB, 10.0, 0.0)])
    assert late_demand(problem, alone)["detail"].to_list() == [FREE]


# --- a plan that could not be made ------------------------------------------------------------


def _elastic(problem: SupplyProblem) -> SupplyLp:
    return build_lp(problem, elastic=True)


def _solution(lp: SupplyLp, slack: dict[tuple[str, int], float]) -> LpSolution:
    """An optimal elastic solution: zero everywhere but the given (block, position) slack."""
    values = np.zeros(lp.shape[1])
    for (name, i), value in slack.items():
        values[lp.columns[name].start + i] = value
    return LpSolution(SolveStatus.OPTIMAL, 0.0, values, np.zeros(lp.shape[0]), "simplex", 0.0, 0)


def _promises() -> SupplyProblem:
    """P2 must end with 20 in stock and owe nothing; P1 and P2 are fenced in Jan and Feb."""
    problem = _problem(end_inventory=[0.0, 20.0], end_backlog=[np.nan, 0.0])
    return _frozen(problem, ("P1", JAN, 130.0), ("P2", FEB, 50.0))


def test_each_broken_promise_is_named_with_what_can_be_kept() -> None:
    problem = _promises()
    lp = _elastic(problem)
    # Every product is fenced in January and February, product by product.
    fence = lp.columns["fence_under"].keys[["p", "t"]].values.tolist()
    assert fence == [[0, 0], [0, 1], [1, 0], [1, 1]]
    solution = _solution(
        lp,
        {
            ("end_inventory_gap", 0): 5.0,
            ("end_backlog_gap", 0): 30.0,
            ("fence_under", 0): 30.0,
            ("fence_over", 3): 10.0,
        },
    )
    explanation = diagnose_infeasible(problem, lp, solution)
    assert explanation.reasons == [
        "P2 cannot end 2027-03 with the 20 units its end_inventory asks for: at most 15 can "
        "be on hand. Lower end_inventory, or add capacity or subcontracting.",
        "P2 would still owe 30 units at the end of 2027-03, over its end_backlog limit of 0: "
        "the resources cannot make its demand in time.",
        "Inside the frozen fence, P1's published production of 130 in 2027-01 cannot be kept: "
        "30 less is needed, because the resources cannot make it (capacity changed since "
        "publishing).",
        "Inside the frozen fence, P2's published production of 50 in 2027-02 cannot be kept: "
        "10 more is needed, because the end-of-horizon targets need more than was published.",
    ]
    assert explanation.sentences == [
        "No plan can keep every promise; the smallest set that must give way:",
        *explanation.reasons,
    ]
    assert explanation.bottlenecks.empty and explanation.late.empty


def test_a_demand_plan_left_owed_says_it_must_be_served_by_its_last_month() -> None:
    problem = dataclasses.replace(_promises(), demand_given=True)
    lp = _elastic(problem)
    solution = _solution(lp, {("end_backlog_gap", 0): 3.0})
    (reason,) = diagnose_infeasible(problem, lp, solution).reasons
    assert reason.endswith(
        "cannot make its demand in time. A demand_plan is served in full by its last month "
        "unless the products sheet's end_backlog allows some to stay owed."
    )


def test_slack_of_half_a_unit_is_named_and_solver_noise_is_not() -> None:
    """A plan refused for half a unit owed says so (found by tests/property); 1e-9 is noise."""
    problem = dataclasses.replace(_promises(), demand_given=True)
    lp = _elastic(problem)
    (reason,) = diagnose_infeasible(
        problem, lp, _solution(lp, {("end_backlog_gap", 0): 0.5})
    ).reasons
    assert "would still owe 0.5 units" in reason
    noise = _solution(
        lp,
        {("end_inventory_gap", 0): 1e-9, ("fence_under", 3): 1e-9, ("fence_over", 0): 1e-9},
    )
    bug = "No plan exists, but no single promise explains it; this is a bug to report."
    assert diagnose_infeasible(problem, lp, noise).reasons == [bug]
    plain = _problem()
    bare = _elastic(plain)
    assert not {"end_inventory_gap", "end_backlog_gap", "fence_under"} & set(bare.columns)
    assert diagnose_infeasible(plain, bare, _solution(bare, {})).sentences[1:] == [bug]


def test_a_diagnosis_that_could_not_run_says_what_to_check() -> None:
    problem = _promises()
    lp = _elastic(problem)
    stopped = dataclasses.replace(_solution(lp, {}), status=SolveStatus.TIME_LIMIT)
    explanation = diagnose_infeasible(problem, lp, stopped)
    text = (
        "No plan exists, and the diagnosis could not run (time_limit); check the end targets "
        "and the frozen fence."
    )
    assert explanation.sentences == [text]
    assert explanation.reasons == [text]


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (
            SolveStatus.TIME_LIMIT,
            "The optimiser hit its time limit of 61 s before finding the best plan; give it "
            "more time or use the interior-point solver.",
        ),
        (
            SolveStatus.UNBOUNDED,
            "The optimiser stopped without a plan (unbounded); this is a bug to report.",
        ),
    ],
)
def test_a_solve_without_a_plan_says_why(status: SolveStatus, text: str) -> None:
    failure = Explanation.failure(status, 60.6)
    assert failure.sentences == [text]
    assert failure.reasons == [text]
    assert failure.bottlenecks.empty and failure.late.empty


def test_an_explanation_is_plain_json_values() -> None:
    bottlenecks = find_bottlenecks(_resources(_month("M1", JAN, full=True, worth=2.5)))
    explanation = Explanation(sentences=["s"], bottlenecks=bottlenecks, reasons=["r"])
    assert explanation.to_dict() == {
        "sentences": ["s"],
        "reasons": ["r"],
        "bottlenecks": [
            {
                "resource_id": "M1",
                "name": "Sewing",
                "site": "Plant",
                "first": JAN,
                "last": JAN,
                "months": 1,
                "worth_per_hour": 2.5,
                "overtime_hours": 0.0,
                "full": True,
            }
        ],
        "late": [],
    }


# --- the sentences of a solved plan ------------------------------------------------------------


def _plan(
    resources: pd.DataFrame | None = None,
    *,
    owed: Iterable[tuple[str, str, str, float]] = (),
    products: Iterable[tuple[str, str, float, float, float]] = (),
    costs: dict[str, float] | None = None,
    problem: SupplyProblem | None = None,
) -> list[str]:
    """The sentences of `explain` on hand-built plan frames.

    ``owed``: (product, segment, month, backlog) for demand of 10 shipped but for the
    backlog; every other product, segment and month has demand 10, all shipped.
    ``products``: (product, month, safety_stock, below_safety_stock, subcontract); a month
    past the horizon adds that month to the products frame.
    """
    problem = problem or _problem()
    owes = {(p, s, m): b for p, s, m, b in owed}
    segments = pd.DataFrame(
        [
            (p, s, m, 10.0, 10.0 - owes.get((p, s, m), 0.0), owes.get((p, s, m), 0.0))
            for p in ("P1", "P2")
            for s in problem.segments["segment"]
            for m in MONTHS
        ],
        columns=["product_id", "segment", "period", "demand", "shipped", "backlog"],
    )
    segments.insert(1, "family", segments["product_id"].map({"P1": "Tents", "P2": "Bags"}))
    given = {(p, m): (ss, below, sub) for p, m, ss, below, sub in products}
    months = sorted({*MONTHS, *(m for _, m in given)})
    product_frame = pd.DataFrame(
        [(p, m, *given.get((p, m), (0.0, 0.0, 0.0))) for p in ("P1", "P2") for m in months],
        columns=["product_id", "period", "safety_stock", "below_safety_stock", "subcontract"],
    )
    frames = {
        "segments": segments,
        "resources": _resources() if resources is None else resources,
        "products": product_frame,
    }
    amounts = costs if costs is not None else {"material": 100.0}
    cost_frame = pd.DataFrame(
        [(c, JAN, a) for c, a in amounts.items()], columns=["component", "period", "amount"]
    )
    return explain(problem, frames, cost_frame).sentences


def _starting(sentences: list[str], *starts: str) -> list[str]:
    return [s for s in sentences if s.startswith(starts)]


def test_the_cost_sentence_splits_the_money_by_component_dearest_first() -> None:
    """The strategy penalty is not money; a component of 0.5 % or less is left out."""
    costs = {
        "holding": 100.0,
        "material": 600.0,
        "regular_hours": 295.0,
        "backorder": 5.0,
        "strategy_penalty": 5_000.0,
    }
    (first, *_) = _plan(costs=costs)
    assert first == (
        "The plan costs $1,000 from 2027-01 to 2027-03: material $600 (60%); "
        "regular hours $295 (30%); holding $100 (10%)."
    )
    assert _plan(costs={"strategy_penalty": 50.0})[0] == (
        "The plan costs nothing: there is no demand to serve."
    )
    assert _plan(costs={"material": 0.8})[0] == (
        "The plan costs $0.80 from 2027-01 to 2027-03: material $0.80 (100%)."
    )


def test_each_bottleneck_stretch_is_a_sentence_with_what_an_hour_is_worth() -> None:
    resources = _resources(
        _month("M1", JAN, full=True, worth=2.0),
        _month("M1", FEB, full=True, worth=3.0),
        _month("M2", MAR, worth=2.5, load=100.0),
        _month("M2", JAN, full=True),
    )
    assert _starting(_plan(resources), "Sewing", "Cutting") == [
        "Sewing (M1) at Plant is full from 2027-01 to 2027-02; one more hour there is worth "
        "up to $3.",
        "Cutting (M2) at Plant is full in 2027-01; one more hour there would not lower the cost.",
        "Cutting (M2) at Plant works all its regular hours in 2027-03; one more hour there is "
        "worth $2.50.",
    ]
    assert "No resource is full in any month: capacity does not limit this plan." in _plan()


@pytest.mark.parametrize(("stretches", "more"), [(8, []), (9, ["... and 1 more"])])
def test_bottleneck_sentences_stop_at_eight_stretches(stretches: int, more: list[str]) -> None:
    """One resource full every other month: one stretch per full month."""
    months = period_range("2027-01", "2029-12")[: 2 * stretches]
    resources = pd.DataFrame([_month("M1", m, full=i % 2 == 0) for i, m in enumerate(months)])
    sentences = _plan(resources)
    assert len(_starting(sentences, "Sewing (M1) at Plant is full in ")) == 8
    assert [s[:14] for s in _starting(sentences, "... and")] == more
    if more:
        assert "... and 1 more binding stretches (see the bottleneck table)." in sentences


def test_overtime_on_a_resource_that_is_not_full_is_told_most_hours_first() -> None:
    """Overtime of half an hour or less is rounding; a full resource's overtime is told with
    its bottleneck."""
    resources = _resources(
        _month("M1", JAN, overtime=1.0),
        _month("M1", MAR, overtime=8.0),
        _month("M2", JAN, overtime=0.5),
        _month("M2", FEB, overtime=20.0, full=True),
    )
    assert _starting(_plan(resources), "Sewing (M1) works", "Cutting (M2) works") == [
        "Sewing (M1) works 9 overtime hours from 2027-01 to 2027-03 without being full."
    ]
    both = _resources(_month("M1", JAN, overtime=4.0), _month("M2", FEB, overtime=5.0))
    assert _starting(_plan(both), "Sewing (M1) works", "Cutting (M2) works") == [
        "Cutting (M2) works 5 overtime hours in 2027-02 without being full.",
        "Sewing (M1) works 4 overtime hours in 2027-01 without being full.",
    ]


def test_overtime_sentences_stop_at_eight_resources() -> None:
    """Nine resources on overtime (R1 an hour ... R9 nine hours): the one with least is left
    out, without a '... and more' line (the resource table has them all)."""
    resources = pd.DataFrame([_month(f"R{i}", JAN, overtime=float(i)) for i in range(1, 10)])
    told = _starting(_plan(resources), "R")
    assert len(told) == 8
    assert told[0] == "R9 (R9) works 9 overtime hours in 2027-01 without being full."
    assert not [s for s in told if s.startswith("R1 ")]


def test_backlog_is_told_by_family_segment_and_month_largest_first_with_its_cause() -> None:
    resources = _resources(_month("M2", FEB, full=True))
    owed = [("P1", "Key", JAN, 2.0), ("P2", "Spot", FEB, 7.0)]
    assert _starting(_plan(resources, owed=owed), "7 units", "2 units") == [
        "7 units of Bags are owed to Spot at the end of 2027-02 (cause: capacity).",
        "2 units of Tents are owed to Key at the end of 2027-01 (cause: cost).",
    ]
    fenced = _frozen(_problem(lead_time=[1, 0]), ("P2", JAN, 10.0))
    owed = [("P1", "Key", JAN, 3.0), ("P2", "Key", JAN, 2.0)]
    assert _starting(_plan(owed=owed, problem=fenced), "3 units", "2 units") == [
        "3 units of Tents are owed to Key at the end of 2027-01 (cause: lead time).",
        "2 units of Bags are owed to Key at the end of 2027-01 (cause: the frozen fence).",
    ]


def test_backlog_without_segments_is_owed_to_customers() -> None:
    problem = _problem(segments=[("all", 1)])
    sentences = _plan(owed=[("P1", "all", FEB, 4.0)], problem=problem)
    assert "4 units of Tents are owed to customers at the end of 2027-02 (cause: cost)." in (
        sentences
    )
    assert "All demand is shipped on time." in _plan(problem=problem)
    assert "Every segment's demand is shipped on time." in _plan()


def test_backlog_sentences_stop_at_eight_family_segment_months() -> None:
    problem = _problem(segments=[(s, 1) for s in ("A", "B", "C")])
    owed = [(p, s, m, 1.0) for p in ("P1",) for s in ("A", "B", "C") for m in MONTHS]
    sentences = _plan(owed=owed, problem=problem)
    assert len(_starting(sentences, "1 units of Tents")) == 8
    assert "... and 1 more family-segment-months with backlog (see the late-demand table)." in (
        sentences
    )
    assert not _starting(_plan(owed=owed[:8], problem=problem), "... and")


def test_service_is_told_per_segment_in_priority_order_against_its_target() -> None:
    problem = _problem(segments=[("Key", 2), ("Web", 1)])
    problem = dataclasses.replace(
        problem, segments=problem.segments.assign(service_target=[np.nan, 0.98])
    )
    sentences = _plan(owed=[("P1", "Key", MAR, 6.0)], problem=problem)
    assert _starting(sentences, "Key (", "Web (") == [
        "Web (priority 1) gets 100.0% of its demand on time against a target of 98.0%.",
        "Key (priority 2) gets 90.0% of its demand on time.",
    ]
    alone = _plan(owed=[("P1", "all", MAR, 3.0)], problem=_problem(segments=[("all", 1)]))
    assert "Customers get 95.0% of their demand on time." in alone
    # Demand rows without a segment (filled with "all" by the service) next to named ones:
    # every segment is still told, whatever sorts after "all".
    mixed = _plan(problem=_problem(segments=[("Key", 1), ("all", 2), ("web", 2)]))
    assert _starting(mixed, "Key (", "Customers", "web (") == [
        "Key (priority 1) gets 100.0% of its demand on time.",
        "Customers get 100.0% of their demand on time.",
        "web (priority 2) gets 100.0% of its demand on time.",
    ]


def test_safety_stock_sentence_counts_products_months_and_units_below() -> None:
    below = [
        ("P1", JAN, 10.0, 3.0, 0.0),
        ("P1", FEB, 10.0, 6.0, 0.0),
        ("P2", FEB, 10.0, 1.0, 0.0),
        ("P2", MAR, 10.0, 0.5, 0.0),
    ]
    assert _starting(_plan(products=below), "Safety stock", "2 products") == [
        "2 products dip below safety stock in 3 product-months, 10 units in all; most in "
        "2027-02, 2027-01."
    ]
    kept = [("P1", JAN, 1.0, 0.5, 0.0)]
    assert "Safety stock is kept in full in every month." in _plan(products=kept)
    assert not _starting(_plan(), "Safety stock")
    four = [(p, m, 10.0, 1.0, 0.0) for p in ("P1", "P2") for m in (*MONTHS, "2027-04")]
    four[1] = ("P1", FEB, 10.0, 5.0, 0.0)
    four[6] = ("P2", MAR, 10.0, 3.0, 0.0)
    four[7] = ("P2", "2027-04", 10.0, 0.6, 0.0)  # April 1.6 below, January 2: no tie
    assert _starting(_plan(products=four), "2 products") == [
        "2 products dip below safety stock in 8 product-months, 14 units in all; most in "
        "2027-02, 2027-03, 2027-01."
    ]


def test_subcontracting_is_told_in_units_products_and_months() -> None:
    bought = [("P1", FEB, 0.0, 0.0, 1.0), ("P2", MAR, 0.0, 0.0, 20.0), ("P2", JAN, 0.0, 0.0, 0.5)]
    assert _starting(_plan(products=bought), "21 units") == [
        "21 units of 2 products are bought from subcontractors from 2027-02 to 2027-03."
    ]
    assert not [s for s in _plan() if "subcontractors" in s]


def test_the_explanation_carries_the_bottleneck_and_late_tables_behind_its_sentences() -> None:
    problem = _problem()
    resources = _resources(_month("M1", FEB, full=True, worth=2.0))
    frames = _frames([("P1", "Key", FEB, 5.0)], resources)
    frames["segments"]["shipped"] = frames["segments"]["demand"] - frames["segments"]["backlog"]
    frames["products"] = frames["products"].assign(safety_stock=0.0, below_safety_stock=0.0)
    costs = pd.DataFrame({"component": ["material"], "period": [JAN], "amount": [100.0]})
    explanation = explain(problem, frames, costs)
    pd.testing.assert_frame_equal(explanation.bottlenecks, find_bottlenecks(resources))
    pd.testing.assert_frame_equal(explanation.late, late_demand(problem, frames))
    assert explanation.late["cause"].to_list() == ["capacity"]
    assert explanation.reasons == []
