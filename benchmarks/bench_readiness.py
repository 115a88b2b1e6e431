"""Readiness evaluation speed: the example plan, and a large generated plan (60 agencies, 40 sites, 300 resources).

Run: `.venv/bin/python benchmarks/bench_readiness.py [--seconds S]`. Writes benchmarks/results/readiness.json
and readiness.md. Goal: under 5 ms per evaluation of the large plan. Only `evaluate` is timed (the plan is
parsed once, as the web page and the CLI do).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from haven.plans.export import plan_to_dict
from haven.plans.formats import Plan
from haven.plans.parsing import load_plan_file
from haven.readiness.report import evaluate

RESULTS = ROOT / "benchmarks" / "results"
EXAMPLE = ROOT / "tests" / "plans" / "fixtures" / "plan-northern-light.yaml"
GOAL_MS = 5.0

SERVICE_TYPES = [
    "victim_service_provider",
    "shelter",
    "medical",
    "interpreter_service",
    "child_welfare",
    "other",
]
RESOURCE_KINDS = ["shelter", "medical", "food", "clothing", "interpreter", "child_welfare", "transportation"]
LANGUAGES = ["es", "zh", "vi", "ru", "uk", "fr", "ar", "tl"]


def large_plan(agencies: int = 60, sites: int = 40, resources: int = 300) -> Plan:
    """The example plan grown to many agencies, sites and resources; it stays ready."""
    data: dict[str, Any] = plan_to_dict(load_plan_file(EXAMPLE))
    extra = [f"partner-{i:02d}" for i in range(agencies - len(data["agencies"]))]
    for i, agency_id in enumerate(extra):
        data["agencies"].append(
            {
                "id": agency_id,
                "name": f"Partner agency {i}",
                "type": SERVICE_TYPES[i % len(SERVICE_TYPES)],
                "responsibilities": ["Support on the day"],
                "contact": {"name": f"Contact {i}", "phone": f"+1 555 {1000 + i}"},
            }
        )
    data["mou"]["parties"] += extra
    data["communications"]["channels"][2]["parties"] += extra
    data["distribution"]["service_briefing"] += extra
    data["sites"] += [
        {
            "id": f"site-{i:02d}",
            "name": f"Site {i}",
            "address": f"{i} Harbor Rd, Metro City",
            "kind": "business",
        }
        for i in range(sites - len(data["sites"]))
    ]
    data["anticipated"]["languages"] = LANGUAGES
    data["resources"] += [
        {
            "agency": extra[i % len(extra)],
            "kind": RESOURCE_KINDS[i % len(RESOURCE_KINDS)],
            "serves": ["all"],
            "languages": LANGUAGES if RESOURCE_KINDS[i % len(RESOURCE_KINDS)] == "interpreter" else [],
        }
        for i in range(resources - len(data["resources"]))
    ]
    for material in data["victim_information"]["materials"]:
        material["languages"] = ["en", *LANGUAGES]
    return Plan.model_validate(data)


def measure(plan: Plan, seconds: float) -> dict[str, float]:
    """Evaluations per second and ms per evaluation (median of one-second rounds)."""
    for _ in range(50):
        evaluate(plan)  # warm up
    rounds: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(rounds) < 3:
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < min(1.0, seconds / 3):
            evaluate(plan)
            count += 1
        rounds.append((time.perf_counter() - start) / count)
    per_plan = statistics.median(rounds)
    return {"plans_per_second": round(1 / per_plan), "ms_per_plan": round(per_plan * 1000, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=6.0, help="time spent measuring each plan")
    args = parser.parse_args()

    example = load_plan_file(EXAMPLE)
    large = large_plan()
    assert evaluate(example).ready
    assert evaluate(large).ready, "the large plan should exercise every rule, not stop at a failure"
    results = {
        "benchmark": "haven readiness evaluate",
        "example": {"agencies": len(example.agencies), "sites": len(example.sites),
                    "resources": len(example.resources), **measure(example, args.seconds)},
        "large": {"agencies": len(large.agencies), "sites": len(large.sites),
                  "resources": len(large.resources), **measure(large, args.seconds)},
        "goal_ms_per_large_plan": GOAL_MS,
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    results["goal_met"] = results["large"]["ms_per_plan"] < GOAL_MS
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "readiness.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    example_row, large_row = results["example"], results["large"]
    (RESULTS / "readiness.md").write_text(
        "# Readiness evaluation\n\n"
        "`evaluate(plan)` over the 22 rules, the plan already parsed:\n\n"
        "| plan | agencies | sites | resources | plans/s | ms per plan |\n"
        "|---|---|---|---|---|---|\n"
        f"| example (Northern Light) | {example_row['agencies']} | {example_row['sites']} | "
        f"{example_row['resources']} | {example_row['plans_per_second']:,} | {example_row['ms_per_plan']} |\n"
        f"| large (generated) | {large_row['agencies']} | {large_row['sites']} | "
        f"{large_row['resources']} | {large_row['plans_per_second']:,} | {large_row['ms_per_plan']} |\n\n"
        f"Goal: under {GOAL_MS} ms per large plan — {'met' if results['goal_met'] else 'NOT met'}.\n\n"
        f"Machine: {results['machine']}; measured {results['measured_at']}.\n",
        encoding="utf-8",
    )
    print(json.dumps(results, indent=2))
    return 0 if results["goal_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
