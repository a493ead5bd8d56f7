"""Policy lab: replay variants of snop's cycle side by side in one run, in seconds a variant.

The closed-loop simulation (`bench/simulate.py`) spends nearly all its time forecasting,
and the forecast of a month depends only on the orders known then - the same for every
planning variant. This lab forecasts each simulated month once per case (cached under
``bench/out/lab/<case>/``), then replays any number of variants of snop's policy that
differ in how they plan from that forecast (safety stock, allocation, quantiles, LP
settings), together with the naive and min/max rules and their curves with more cover,
and prints one table: fill rate, stock, cost, segments, and where each variant stands
against each rule's curve (stock the rule needs to serve as well).

Usage::

    .venv/bin/python bench/sim_lab.py --case demo                      # every variant
    .venv/bin/python bench/sim_lab.py --case m3 --variants snop,target
    .venv/bin/python bench/sim_lab.py --case demo --record "Lever: ..."  # append to RESULTS.md

Cases: ``demo`` (Northwind Outdoor), ``m3`` (808 M3 monthly MICRO and INDUSTRY series),
``m1`` (386 M1 monthly MICRO and INDUST series), built as `bench/simulate.py` builds them.
The variants are `snop.simulate.policies.SnopPolicy` with different `PlanningRules`; the
cached forecasts are those of the default forecast settings (FAST_MODELS on m3 and m1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import m3_company  # noqa: E402
from lab_variants import VARIANTS  # noqa: E402
from provenance import code_version, machine  # noqa: E402

from snop.demand.forecast import FAST_MODELS, ForecastSettings  # noqa: E402
from snop.demand.plan import DemandPlan  # noqa: E402
from snop.demo.company import build_demo_company  # noqa: E402
from snop.frames import shift_period  # noqa: E402
from snop.services.simulate import company_from_sheets  # noqa: E402
from snop.simulate import policies as built_in  # noqa: E402
from snop.simulate.engine import SimulationResult, SimulationSettings, simulate  # noqa: E402
from snop.simulate.frontier import equal_service, trace  # noqa: E402
from snop.simulate.policies import PolicyContext, SnopPolicy  # noqa: E402
from snop.simulate.report import score  # noqa: E402
from snop.simulate.world import Company  # noqa: E402

OUT = HERE / "out" / "lab"
END_MONTH = "2026-11"
CASES = ("demo", "m3", "m1")


def company_sheets(case: str, end_month: str) -> dict[str, pd.DataFrame]:
    """The planning workbook of a case, as frames."""
    if case == "demo":
        return build_demo_company(last_history_month=end_month)
    args = m3_company.parse_args(["--out", "unused", "--end", end_month, "--source", case])
    sheets = m3_company.build(args)
    return {"labour": pd.DataFrame(), "capacity": pd.DataFrame()} | sheets


def forecast_settings(case: str) -> ForecastSettings:
    """The forecast the simulation benchmark uses: the full pool on the demo, fast on M1/M3."""
    return ForecastSettings(n_jobs=-1, models=None if case == "demo" else FAST_MODELS)


@dataclass
class DemandCache:
    """Each month's demand plan, computed once per case and kept on disk."""

    folder: Path
    plans: dict[str, DemandPlan] = field(default_factory=dict)

    def get(self, month: str, make: Callable[[], DemandPlan]) -> DemandPlan:
        """The cached plan of ``month``, made (and saved) when there is none."""
        if month not in self.plans:
            path = self.folder / f"demand-{month}.pkl"
            if path.exists():
                self.plans[month] = pickle.loads(path.read_bytes())
            else:
                started = time.perf_counter()
                plan = make()
                self.folder.mkdir(parents=True, exist_ok=True)
                path.write_bytes(pickle.dumps(plan))
                self.plans[month] = plan
                print(f"  forecast {month}: {time.perf_counter() - started:.0f} s", flush=True)
        return self.plans[month]


def cached(policy: SnopPolicy, cache: DemandCache) -> Callable[[PolicyContext], Any]:
    """``policy`` with its monthly demand plan read from ``cache``."""

    @dataclass(frozen=True, slots=True)
    class Cached(type(policy)):  # type: ignore[misc]
        def demand_plan(self, context: PolicyContext) -> DemandPlan:
            return cache.get(context.month, lambda: SnopPolicy.demand_plan(self, context))

    fields = {name: getattr(policy, name) for name in policy.__dataclass_fields__}
    return Cached(**fields)


def variants(case: str) -> dict[str, SnopPolicy]:
    """The planning variants to compare, by name (all forecast the same way)."""
    forecast = forecast_settings(case)
    return {name: make(forecast) for name, make in VARIANTS.items()}


def frontier_runs(
    world: Company, settings: SimulationSettings, folder: Path
) -> dict[str, Any]:
    """The rules replayed with more cover (cached: they depend on the company alone)."""
    path = folder / "frontier.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())  # type: ignore[no-any-return]
    runs = trace(world, settings, ["naive", "minmax"])
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(runs))
    return runs


def run(case: str, names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Replay ``names`` (variants) and the rules on ``case``; the table and segment table."""
    sheets = company_sheets(case, END_MONTH)
    world, _ = company_from_sheets(sheets)
    first = shift_period(world.months[-1], -11)
    settings = SimulationSettings(first_month=first, months=12, warm_up=3)
    folder = OUT / case
    cache = DemandCache(folder)
    every = variants(case)
    unknown = sorted(set(names) - set(every))
    if unknown:
        raise SystemExit(f"unknown variants: {', '.join(unknown)} (known: {', '.join(every)})")
    policies: dict[str, Any] = {name: cached(every[name], cache) for name in names}
    policies |= {"naive": built_in.NaivePolicy(), "minmax": built_in.MinMaxPolicy()}
    started = time.perf_counter()
    result = simulate(world, policies, settings)
    traced = frontier_runs(world, settings, folder)
    report = score(SimulationResult(settings, result.runs), world, baseline=names[0], traced=traced)
    head = report.headline.set_index("policy")
    rows = []
    for name in [*names, "naive", "minmax"]:
        row = head.loc[name]
        out: dict[str, Any] = {
            "policy": name,
            "fill": row["fill_rate"],
            "by value": row["value_fill_rate"],
            "stock $": row["inventory_value"],
            "days": row["days_of_supply"],
            "total cost $": row["total_cost"],
            "segments met": f"{int(row['segments_met'])}/{int(row['segments'])}",
            "seconds": result.runs[name].seconds,
        }
        if name in names:
            read = equal_service(report.frontier, row["fill_rate"], row["inventory_value"])
            for rule in read.itertuples(index=False):
                out[f"{rule.policy} needs $"] = rule.stock_needed
                out[f"{rule.policy} reach"] = rule.reach
        rows.append(out)
    table = pd.DataFrame(rows)
    service = report.service.pivot_table(
        index=["priority", "segment", "target"], columns="policy", values="fill_rate"
    )[[*names, "naive", "minmax"]]
    timing = f"{time.perf_counter() - started:.0f} s"
    return table, service, timing


def markdown(table: pd.DataFrame, service: pd.DataFrame) -> list[str]:
    """Both tables as Markdown, percentages and money written out."""

    def cell(value: Any, column: str) -> str:
        if isinstance(value, float):
            if pd.isna(value):
                return ""
            if column in ("fill", "by value"):
                return f"{value:.1%}"
            if column.endswith("$"):
                return f"${value:,.0f}"
            return f"{value:,.1f}"
        return str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.to_dict("records"):
        lines.append("| " + " | ".join(cell(row[c], c) for c in table.columns) + " |")
    lines += ["", "| segment | target | " + " | ".join(service.columns) + " |"]
    lines.append("|---|---:|" + "---:|" * len(service.columns))
    for (_, segment, target), row in service.iterrows():
        lines.append(
            f"| {segment} | {target:.1%} | " + " | ".join(f"{v:.1%}" for v in row) + " |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    """Run the lab on one case and print (or record) its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=CASES, default="demo")
    parser.add_argument("--variants", default=None, help="comma-separated (default: all)")
    parser.add_argument("--record", default=None, help="append to RESULTS.md under this title")
    args = parser.parse_args(argv)
    names = args.variants.split(",") if args.variants else list(VARIANTS)
    table, service, timing = run(args.case, names)
    lines = markdown(table, service)
    print("\n".join(lines))
    print(f"({timing})")
    if args.record:
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        command = "python bench/sim_lab.py " + " ".join(argv or sys.argv[1:])
        section = [
            "",
            f"## {args.record} — {args.case}, {stamp}",
            "",
            f"Command: `.venv/bin/{command}` (code commit {code_version()}).",
            f"Machine: {machine()}.",
            "",
            *lines,
            "",
        ]
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write("\n".join(section))


if __name__ == "__main__":
    main()
