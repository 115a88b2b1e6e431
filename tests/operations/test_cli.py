"""`haven plan …` and `haven readiness` as a person runs them: exit codes, files, and the round trip
export → import that changes nothing."""

from __future__ import annotations

import json
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.audit.models import AuditRecord
from haven.operations.models import Operation
from tests.markdown import HOSTILE, assert_inert_markdown, rendered_text
from tests.plans.builders import DELETE, EXAMPLE_PATH, edited, free_text_changes

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    except CommandError as error:  # what `haven` prints and exits with when run from the shell
        err.write(str(error))
        code = error.returncode
    finally:
        sys.stdout, sys.stderr = old_out, old_err
    return code, out.getvalue(), err.getvalue()


def test_validate_lists_every_problem_with_its_path(tmp_path):
    broken = edited({"agencies[2].type": "police", "operation.starts_at": "2026-12-03T05:00:00"})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(broken))
    code, _, err = _run("plan", "validate", str(path))
    assert code == 2
    assert "agencies[2].type" in err
    assert "operation.starts_at" in err
    assert _run("plan", "validate", str(EXAMPLE_PATH))[0] == 0


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_validate_refuses_a_5000_digit_number_by_its_path(tmp_path, suffix):
    big = "9" * 5000
    text = (
        json.dumps(edited({})).replace('"persons": 14', f'"persons": {big}')
        if suffix == ".json"
        else EXAMPLE_PATH.read_text(encoding="utf-8").replace("\n  persons: 14\n", f"\n  persons: {big}\n")
    )
    assert big in text
    path = tmp_path / f"plan{suffix}"
    path.write_text(text)
    code, _, err = _run("plan", "validate", str(path))
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("anticipated.persons: is too large a whole number (5000 digits)")
    assert "Traceback" not in err


def test_export_then_import_changes_nothing(persona, tmp_path):
    coordinator = persona("coordinator")
    data = edited({"agencies[0].id": "metro-pd"})
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(data))
    assert _run("plan", "import", str(source), "--as", coordinator.username)[0] == 0
    exported = tmp_path / "exported.yaml"
    assert (
        _run("plan", "export", data["operation"]["code"], "-o", str(exported), "--as", coordinator.username)[
            0
        ]
        == 0
    )
    versions = Operation.objects.get().versions.count()
    events = AuditRecord.objects.count()
    code, out, _ = _run("plan", "import", str(exported), "--as", coordinator.username)
    assert code == 0
    assert "nothing changed" in out
    assert Operation.objects.get().versions.count() == versions
    assert AuditRecord.objects.count() == events
    as_json = tmp_path / "exported.json"
    assert (
        _run(
            "plan",
            "export",
            data["operation"]["code"],
            "--format",
            "json",
            "-o",
            str(as_json),
            "--as",
            coordinator.username,
        )[0]
        == 0
    )
    assert json.loads(as_json.read_text())["operation"]["code"] == data["operation"]["code"]


def test_readiness_by_code_gives_the_messages_to_investigative_agencies_and_ready_or_not_to_the_others(
    persona, tmp_path
):
    coordinator = persona("coordinator")
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(edited({"victim_services.staging.private_space": False})))
    _run("plan", "import", str(source), "--as", coordinator.username)
    code, out, _ = _run("readiness", "NL-2026-12", "--format", "json", "--as", coordinator.username)
    assert code == 1
    assert json.loads(out)["ready"] is False
    assert "services.private-space" in out
    # a service agency: ready / not ready only (access-policy.md), with the same exit code
    code, out, _ = _run("readiness", "NL-2026-12", "--format", "json", "--as", persona("advocate").username)
    assert (code, json.loads(out)) == (
        1,
        {"format": "haven.readiness/v1", "operation": "NL-2026-12", "ready": False},
    )
    code, out, _ = _run("readiness", "NL-2026-12", "--as", persona("advocate").username)
    assert code == 1
    assert out.startswith("NL-2026-12: not ready")
    assert "private" not in out
    viewed = AuditRecord.objects.filter(event_type="readiness.viewed").order_by("sequence")
    assert [json.loads(e.details)["audience"] for e in viewed] == ["full", "service", "service"]
    assert _run("readiness", "NL-2026-12", "--as", persona("outsider").username)[0] == 2


def test_a_service_briefing_by_code_is_written_as_pdf(persona, tmp_path):
    coordinator = persona("coordinator")
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(edited({})))
    _run("plan", "import", str(source), "--as", coordinator.username)
    target = tmp_path / "briefing.pdf"
    code, _, _ = _run(
        "plan",
        "briefing",
        "NL-2026-12",
        "--audience",
        "service",
        "--format",
        "pdf",
        "-o",
        str(target),
        "--as",
        persona("advocate").username,
    )
    assert code == 0
    assert target.read_bytes().startswith(b"%PDF")
    assert AuditRecord.objects.filter(event_type="briefing.exported").exists()


def test_a_briefing_of_a_plan_full_of_hostile_text_is_inert_markdown(tmp_path):
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(edited(free_text_changes(HOSTILE))))
    for audience in ("full", "service"):
        target = tmp_path / f"{audience}.md"
        code, _, _ = _run("plan", "briefing", str(source), "--audience", audience, "-o", str(target))
        assert code == 0
        out = target.read_text(encoding="utf-8")
        assert_inert_markdown(out)
        assert HOSTILE in rendered_text(out)


def test_an_invalid_plan_and_an_invalid_policy_are_reported_together(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(edited({"operation.kind": "surprise"})))
    policy = tmp_path / "policy.yaml"
    policy.write_text("format: haven.readiness-policy/v1\nnotice_lead_hours: -3\n")
    code, out, err = _run("readiness", str(plan), "--policy", str(policy))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("operation.kind: 'surprise' is not one of")
    assert lines[1].startswith("notice_lead_hours:")
    assert len(lines) == 2


def test_readiness_of_a_plan_file_without_anticipated_persons_fails_naming_populations_stated(tmp_path):
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(edited({"anticipated": DELETE})))
    code, out, _ = _run("readiness", str(source), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["ready"] is False
    failing = [r for r in report["results"] if r["status"] == "fail"]
    assert [r["rule"] for r in failing] == ["populations.stated"]
    assert "(Anticipated persons → Persons expected)" in failing[0]["message"]
    # no population rule passes by omission: they step aside, and the omission itself is what fails
    minors = next(r for r in report["results"] if r["rule"] == "populations.minors")
    assert minors["status"] == "not_applicable"
