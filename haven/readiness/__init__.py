"""The readiness rule pack (data, `rules.yaml`) and the pure checks of a plan against it.

The Django, API and CLI layers call:

- `evaluate(plan, policy=DEFAULT_POLICY)` → `ReadinessReport` (`results`, `ready`, `summary`);
- `report_to_json(report)` (`haven.readiness/v1`), `render_text(report)`;
- `parse_policy(text)`, `load_policy_file(path)` → `Policy`, or `InvalidInput` (what="policy");
- the command entry points in `haven.readiness.command`.
"""

from haven.readiness.policy import DEFAULT_POLICY, Policy, load_policy_file, parse_policy
from haven.readiness.report import ReadinessReport, RuleResult, evaluate, render_text, report_to_json
from haven.readiness.rules import RULES, Status

__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "Policy",
    "ReadinessReport",
    "RuleResult",
    "Status",
    "evaluate",
    "load_policy_file",
    "parse_policy",
    "render_text",
    "report_to_json",
]
