"""What the `haven` commands do with a plan, as pure functions over streams: the CLI only wires them.

Exit codes: 0 ready / valid / written, 1 not ready, 2 invalid plan or invalid policy file (the caller maps an
`InvalidInput` from the loaders to 2 as well, printing each problem on its own line).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import BinaryIO, Final, Literal, TextIO

from haven.core.files import write_private
from haven.core.problems import InvalidInput
from haven.plans.briefing import Audience, full_briefing, render_markdown, service_briefing
from haven.plans.briefing_pdf import render_pdf
from haven.plans.formats import Plan
from haven.plans.parsing import load_plan_file
from haven.readiness.policy import DEFAULT_POLICY, Policy, load_policy_file, parse_policy
from haven.readiness.report import evaluate, render_text, report_to_json

EXIT_READY: Final = 0
EXIT_NOT_READY: Final = 1
EXIT_INVALID: Final = 2

ReportFormat = Literal["json", "text"]
BriefingFormat = Literal["md", "pdf"]

__all__ = [
    "EXIT_INVALID",
    "EXIT_NOT_READY",
    "EXIT_READY",
    "load_policy_file",
    "parse_policy",
    "print_problems",
    "run_briefing",
    "run_readiness",
    "run_readiness_status",
    "run_validate",
]


def print_problems(error: InvalidInput, err: TextIO) -> int:
    """Every problem of a refused input on its own line (`path: message`); returns the exit code 2."""
    for problem in error.problems:
        print(problem, file=err)
    return EXIT_INVALID


def run_readiness_status(
    plan: Plan, *, fmt: ReportFormat = "text", policy: Policy = DEFAULT_POLICY, out: TextIO
) -> int:
    """`haven readiness CODE` for a service agency: ready or not ready only, as access-policy.md gives
    them (the rules' messages are the investigative agencies'); the exit code as for the full report."""
    report = evaluate(plan, policy)
    code = plan.operation.code
    if fmt == "json":
        document = {"format": "haven.readiness/v1", "operation": code, "ready": report.ready}
        out.write(json.dumps(document, indent=2) + "\n")
    else:
        state = "ready" if report.ready else "not ready"
        out.write(f"{code}: {state} (the rules and their messages are for the investigative agencies)\n")
    return EXIT_READY if report.ready else EXIT_NOT_READY


def run_readiness(
    plan: Plan, *, fmt: ReportFormat = "text", policy: Policy = DEFAULT_POLICY, out: TextIO
) -> int:
    """`haven readiness`: write the report; 0 when the plan is ready, 1 when a rule fails."""
    report = evaluate(plan, policy)
    if fmt == "json":
        out.write(json.dumps(report_to_json(report), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(render_text(report))
    return EXIT_READY if report.ready else EXIT_NOT_READY


def run_validate(path: str | Path, out: TextIO, err: TextIO) -> int:
    """`haven plan validate FILE`: 0 and one line for a valid plan, 2 and one line per problem otherwise."""
    try:
        plan = load_plan_file(path)
    except InvalidInput as error:
        return print_problems(error, err)
    print(f"{path}: valid plan {plan.operation.code} ({plan.operation.name})", file=out)
    return EXIT_READY


def run_briefing(
    plan: Plan,
    *,
    audience: Audience,
    fmt: BriefingFormat = "md",
    out_path: str | Path | None = None,
    stdout: BinaryIO | None = None,
    exercise: bool = False,
    policy: Policy = DEFAULT_POLICY,
) -> int:
    """`haven plan briefing --audience service|full`: the briefing to `out_path`, else to `stdout` (bytes).

    The service briefing says whether the plan is ready; the full plan lists every rule's finding.
    """
    report = evaluate(plan, policy)
    briefing = (
        service_briefing(plan, exercise=exercise, ready=report.ready)
        if audience == "service"
        else full_briefing(plan, exercise=exercise, readiness=report.to_briefing_note())
    )
    content = render_pdf(briefing) if fmt == "pdf" else render_markdown(briefing).encode("utf-8")
    if out_path is not None:
        write_private(out_path, content)
    else:
        stream = stdout if stdout is not None else sys.stdout.buffer
        stream.write(content)
        stream.flush()
    return EXIT_READY
