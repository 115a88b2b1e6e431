"""Evaluating a plan against the rule pack; the readiness report as `haven.readiness/v1` JSON and text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from haven.plans.briefing import ReadinessNote
from haven.plans.formats import Plan
from haven.readiness import checks as _checks  # noqa: F401  (registers the checks)
from haven.readiness.facts import Facts
from haven.readiness.policy import DEFAULT_POLICY, Policy
from haven.readiness.rules import CHECKS, RULES, Status

REPORT_FORMAT: Final = "haven.readiness/v1"

_unchecked = [rule.id for rule in RULES if rule.id not in CHECKS]
if _unchecked:  # pragma: no cover - guarded by a test; fails at import rather than at the first evaluation
    raise RuntimeError(f"rules without a check: {', '.join(_unchecked)}")


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule's verdict on a plan."""

    rule: str
    title: str
    status: Status
    message: str
    guidance: str
    #: The plan's sections that fix the rule when it fails, the main one first (rules.yaml).
    sections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    """Every rule's verdict, in the order of the rule pack; ready when none fails."""

    operation: str
    operation_name: str
    results: tuple[RuleResult, ...]

    @property
    def ready(self) -> bool:
        return all(result.status is not Status.FAIL for result in self.results)

    @property
    def summary(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    def result(self, rule: str) -> RuleResult:
        """The result of one rule, by id."""
        return next(result for result in self.results if result.rule == rule)

    def to_briefing_note(self) -> ReadinessNote:
        """What the full briefing shows of this report."""
        return ReadinessNote(
            ready=self.ready,
            results=tuple((r.rule, r.status.value, r.message) for r in self.results),
        )


def evaluate(plan: Plan, policy: Policy = DEFAULT_POLICY) -> ReadinessReport:
    """Check the plan against every rule of the pack, with the policy's parameters."""
    facts = Facts.of(plan, policy)
    results = []
    for rule in RULES:
        outcome = CHECKS[rule.id](facts)
        results.append(
            RuleResult(rule.id, rule.title, outcome.status, outcome.message, rule.guidance, rule.sections)
        )
    return ReadinessReport(plan.operation.code, plan.operation.name, tuple(results))


def report_to_json(report: ReadinessReport) -> dict[str, object]:
    """The report as `haven.readiness/v1` data."""
    return {
        "format": REPORT_FORMAT,
        "operation": report.operation,
        "ready": report.ready,
        "summary": report.summary,
        "results": [
            {"rule": r.rule, "status": r.status.value, "message": r.message, "guidance": r.guidance}
            for r in report.results
        ],
    }


_LABELS: Final = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_APPLICABLE: "N/A"}


def render_text(report: ReadinessReport) -> str:
    """The report for a terminal: a heading, one line per rule (status, rule, message), the verdict."""
    width = max(len(result.rule) for result in report.results) if report.results else 0
    summary = report.summary
    lines = [f"Readiness of {report.operation} ({report.operation_name})", ""]
    lines.extend(f"{_LABELS[r.status]:<4}  {r.rule:<{width}}  {r.message}" for r in report.results)
    verdict = "READY" if report.ready else "NOT READY"
    lines += [
        "",
        f"{verdict}: {summary['pass']} pass, {summary['fail']} fail, "
        f"{summary['not_applicable']} not applicable",
    ]
    return "\n".join(lines) + "\n"
