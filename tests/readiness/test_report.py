"""The rule pack, the report shapes (`haven.readiness/v1` JSON and text), and the command entry points."""

from __future__ import annotations

import io
import json
from pathlib import Path

from haven.readiness import checks
from haven.readiness.command import run_briefing, run_readiness, run_validate
from haven.readiness.policy import DEFAULT_POLICY, Policy
from haven.readiness.report import evaluate, render_text, report_to_json
from haven.readiness.rules import CHECKS, RULES
from tests.plans.builders import DELETE, EXAMPLE_PATH, edited, example_plan, plan_with

RULE_TABLE_ORDER = [
    "roles.responsibilities",
    "roles.points-of-contact",
    "roles.lead-agency",
    "comms.mechanism",
    "mou.in-place",
    "sharing.need-to-know",
    "services.partnered",
    "services.off-site",
    "services.available-after",
    "services.private-space",
    "services.advance-notice",
    "services.information-needs",
    "populations.stated",
    "populations.shelter",
    "populations.minors",
    "needs.assessment",
    "language.access",
    "immigration.relief",
    "legal.authorities",
    "interviews.nondetention",
    "interviews.interviewer",
    "separation.system",
    "information.victim-materials",
]


def test_the_rule_pack_holds_the_23_rules_in_table_order_each_with_one_check() -> None:
    assert [rule.id for rule in RULES] == RULE_TABLE_ORDER
    assert set(CHECKS) == set(RULE_TABLE_ORDER)
    assert checks.__name__ == "haven.readiness.checks"


def test_every_rule_names_its_guidance_and_the_parameters_it_reads() -> None:
    for rule in RULES:
        assert rule.title
        assert rule.guidance.startswith("E-Guide ")
        assert set(rule.parameters) <= set(Policy.model_fields)
    parameters = {rule.id: rule.parameters for rule in RULES if rule.parameters}
    assert parameters == {
        "services.available-after": ("min_service_hours_after",),
        "services.advance-notice": ("notice_lead_hours",),
        "services.information-needs": ("allowed_information_needs",),
    }


def test_the_json_report_has_the_readiness_v1_shape() -> None:
    report = evaluate(plan_with({"mou": DELETE, "anticipated.languages": []}))
    data = report_to_json(report)
    assert list(data) == ["format", "operation", "ready", "summary", "results"]
    assert data["format"] == "haven.readiness/v1"
    assert data["operation"] == "NL-2026-12"
    assert data["ready"] is False
    assert data["summary"] == {"pass": 21, "fail": 1, "not_applicable": 1}
    results = data["results"]
    assert isinstance(results, list)
    assert [r["rule"] for r in results] == RULE_TABLE_ORDER
    assert results[4] == {
        "rule": "mou.in-place",
        "status": "fail",
        "message": "Record the MOU that covers confidentiality, client consent and professional obligations (MOU)",
        "guidance": RULES[4].guidance,
    }
    json.dumps(data)  # JSON-compatible as it stands


def test_the_text_report_has_one_line_per_rule_and_the_verdict() -> None:
    text = render_text(evaluate(plan_with({"victim_services.staging.address": "100 5th St, Metro City"})))
    lines = text.splitlines()
    assert lines[0] == "Readiness of NL-2026-12 (Operation Northern Light)"
    rule_lines = lines[2:25]
    assert [line.split()[1] for line in rule_lines] == RULE_TABLE_ORDER
    assert rule_lines[7].startswith("FAIL  services.off-site")
    assert "would stage at the enforcement site Jade Spa (jade-spa)" in rule_lines[7]
    assert lines[-1] == "NOT READY: 22 pass, 1 fail, 0 not applicable"


def test_run_readiness_exits_0_when_ready_and_1_when_not() -> None:
    out = io.StringIO()
    assert run_readiness(example_plan(), fmt="json", policy=DEFAULT_POLICY, out=out) == 0
    assert json.loads(out.getvalue())["ready"] is True
    out = io.StringIO()
    strict = Policy(format="haven.readiness-policy/v1", notice_lead_hours=72)
    assert run_readiness(example_plan(), fmt="text", policy=strict, out=out) == 1
    assert "FAIL  services.advance-notice" in out.getvalue()


def test_run_validate_exits_0_for_a_valid_plan_and_2_with_one_line_per_problem(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_validate(EXAMPLE_PATH, out, err) == 0
    assert "valid plan NL-2026-12" in out.getvalue()
    assert err.getvalue() == ""

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(edited({"agencies[2].type": "police", "anticipated.persons": -2})), encoding="utf-8"
    )
    out, err = io.StringIO(), io.StringIO()
    assert run_validate(bad, out, err) == 2
    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "agencies[2].type: 'police' is not one of law_enforcement, federal_law_enforcement"
    )
    assert lines[1] == "anticipated.persons: must be 0 or more, not -2"


def test_run_briefing_writes_markdown_or_pdf(tmp_path: Path) -> None:
    stdout = io.BytesIO()
    assert run_briefing(example_plan(), audience="service", fmt="md", stdout=stdout, exercise=True) == 0
    markdown = stdout.getvalue().decode("utf-8")
    assert markdown.startswith("# Operation Northern Light — Service briefing")
    assert "EXERCISE — FICTIONAL DATA" in markdown
    assert "**Plan readiness:** ready" in markdown

    target = tmp_path / "full.pdf"
    assert run_briefing(example_plan(), audience="full", fmt="pdf", out_path=target) == 0
    assert target.read_bytes().startswith(b"%PDF-")
