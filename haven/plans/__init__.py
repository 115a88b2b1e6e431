"""The operation plan, pure: its file format (parse, validate, export) and the need-to-know briefings.

The Django, API and CLI layers call:

- `parse_plan(text, filename=...)`, `load_plan_file(path)` → `Plan`, or `InvalidInput` (what="plan");
- `plan_to_dict(plan)`, `plan_to_yaml(plan)`, `plan_to_json(plan)`;
- `service_briefing(plan, exercise=..., ready=...)`, `full_briefing(plan, exercise=..., readiness=...)`,
  then `render_markdown(briefing)` or `render_pdf(briefing)`.
"""

from haven.plans.briefing import (
    Briefing,
    ReadinessNote,
    full_briefing,
    render_markdown,
    render_pdf,
    service_briefing,
)
from haven.plans.export import plan_to_dict, plan_to_json, plan_to_yaml
from haven.plans.formats import PLAN_FORMAT, Plan
from haven.plans.parsing import load_plan_file, parse_plan

__all__ = [
    "PLAN_FORMAT",
    "Briefing",
    "Plan",
    "ReadinessNote",
    "full_briefing",
    "load_plan_file",
    "parse_plan",
    "plan_to_dict",
    "plan_to_json",
    "plan_to_yaml",
    "render_markdown",
    "render_pdf",
    "service_briefing",
]
