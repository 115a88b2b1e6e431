"""Who reads which report: an investigative coordinator the internal one, an investigative member the
shareable one, a service agency only the needs and services of its own clients, an outsider nothing —
and every generation is in the audit trail."""

from __future__ import annotations

import json
import uuid

import pytest

from haven.access.policies import Standing
from haven.accounts.models import User
from haven.audit.models import AuditRecord
from haven.core.errors import Forbidden, NotFound
from haven.reports.audiences import Audience
from haven.reports.figures import Scope
from haven.reports.formats import report_document, to_markdown
from haven.reports.policies import audiences_for, report_scope
from haven.reports.services import report_generate
from tests.personas import make_user
from tests.reports.attack import recoverable, subtractions
from tests.reports.builders import Exercise, after_action_exercise, coordinator_of

pytestmark = pytest.mark.django_db

INVESTIGATIVE_MARKERS = (
    "persons.encountered",
    "persons.by_designation",
    "minutes_to_provider_contact.median",
    "minutes_to_interview.median",
    "interviews.by_role",
    "interviews.with_interpreter",
    "relief.continued_presence.requested",
    "relief.continued_presence.granted",
    "separation_alerts.raised",
    "danger.flags",
    "plan.readiness_at_approval",
)
SERVICE_FIGURES = {
    "persons.clients",
    "needs.assessed",
    "needs.urgent_by_domain",
    "services.by_kind",
    "consents.recorded",
    "consents.revoked",
    "consents.expired",
    "consents.active",
}


@pytest.fixture
def exercise() -> Exercise:
    return after_action_exercise()


def generate(exercise: Exercise, key: str | User, audience: Audience | None = None):
    actor = key if isinstance(key, User) else make_user(key)
    return report_generate(
        actor=actor,
        code=exercise.operation.code,
        audience=audience,
        format="json",
        via="test",
        now=exercise.now,
    )


# --- the decision -----------------------------------------------------------------------------------


def standing(agency_type: str, *, on: bool = True, coordinator: bool = False) -> Standing:
    return Standing(
        user_id=uuid.uuid4(),
        agency_id=uuid.uuid4(),
        agency_type=agency_type,
        on_operation=on,
        on_full_plan=on and agency_type in ("law_enforcement", "federal_law_enforcement", "prosecutor"),
        coordinator=coordinator,
    )


@pytest.mark.parametrize("agency_type", ["law_enforcement", "federal_law_enforcement", "prosecutor"])
def test_investigative_coordinators_have_the_internal_report_and_members_the_shareable_one(agency_type):
    assert report_scope(standing(agency_type, coordinator=True), Audience.INTERNAL) is Scope.TASK_FORCE
    assert report_scope(standing(agency_type), Audience.SHAREABLE) is Scope.TASK_FORCE
    with pytest.raises(Forbidden):
        report_scope(standing(agency_type), Audience.INTERNAL)


@pytest.mark.parametrize(
    "agency_type",
    [
        "victim_service_provider",
        "victim_attorney",
        "forensic_interview",
        "interpreter_service",
        "child_welfare",
    ],
)
def test_service_agencies_only_ever_have_their_own_figures(agency_type):
    for audience in Audience:
        if audience in audiences_for(standing(agency_type, coordinator=True)):
            assert report_scope(standing(agency_type, coordinator=True), audience) is Scope.SERVICE_AGENCY
    assert report_scope(standing(agency_type), Audience.SHAREABLE) is Scope.SERVICE_AGENCY
    with pytest.raises(Forbidden):
        report_scope(standing(agency_type), Audience.INTERNAL)


def test_an_agency_off_the_operation_has_no_report():
    for audience in Audience:
        with pytest.raises(NotFound):
            report_scope(standing("law_enforcement", on=False, coordinator=True), audience)
    assert audiences_for(standing("law_enforcement", on=False)) == []


# --- what each one reads ------------------------------------------------------------------------------


def test_an_investigative_member_reads_every_figure_de_identified(exercise):
    report = generate(exercise, "investigator")
    assert report.audience is Audience.SHAREABLE
    assert report.scope is Scope.TASK_FORCE
    for name in INVESTIGATIVE_MARKERS:
        assert name in report.figures, name
    text = json.dumps(report_document(report))
    assert "P-00" not in text  # no pseudonymous codes
    assert "timeline" not in report_document(report)
    assert not any(name.endswith(".each") for name in report.figures)
    assert report_document(report)["generated_by"] is None
    assert report.figures["persons.by_designation"]["suspect"] == "fewer than 5"


def test_the_plan_s_amendments_are_only_for_those_on_the_full_plan_s_distribution():
    """The full plan's versions and amendments are read only on its distribution (access-policy.md):
    an investigative coordinator off it gets every other figure, and the amendments as not shown —
    not as zero, which would be untrue."""
    service_briefing = ["harbor-vs", "county-cws", "county-cac", "mercy-hospital", "lingua", "legal-aid"]
    exercise = after_action_exercise(
        changes={
            "distribution.full_plan": ["metro-pd", "hsi", "county-da"],
            "distribution.service_briefing": [*service_briefing, "bay-vs", "usao"],
        }
    )
    on = generate(exercise, "coordinator")  # Metro City Police, on the full plan
    off = generate(exercise, coordinator_of("usao"), Audience.INTERNAL)  # prosecutors, not on it
    assert (on.scope, off.scope) == (Scope.TASK_FORCE, Scope.TASK_FORCE)
    assert on.figures["plan.amendments_after_start"] == 1
    assert [a["sections"] for a in on.figures["plan.amendments_after_start.each"]] == [["anticipated"]]
    assert off.figures["plan.amendments_after_start"] is None
    assert off.figures["plan.amendments_after_start.each"] is None
    assert off.figures["plan.readiness_at_approval"] == on.figures["plan.readiness_at_approval"]
    assert off.figures["persons.encountered"] == on.figures["persons.encountered"]
    text = json.dumps(report_document(off), default=str)
    assert "anticipated" not in text
    assert "not shown: the full plan's history" in to_markdown(off)


def test_an_investigative_coordinator_reads_exact_counts_and_the_timeline(exercise):
    report = generate(exercise, "coordinator")
    assert report.audience is Audience.INTERNAL
    document = report_document(report)
    assert document["figures"]["persons.by_designation"]["suspect"] == 1
    assert [row["code"] for row in document["timeline"]][:2] == ["P-001", "P-002"]
    assert document["generated_by"] == "cole.coordinator"


def test_a_provider_reads_only_needs_and_services_of_its_own_clients(exercise):
    # harbor-vs recorded needs or services for P-001, P-002, P-003 and P-005 (P-004 is bay-vs's client)
    report = generate(exercise, coordinator_of("harbor-vs"), Audience.INTERNAL)
    assert report.scope is Scope.SERVICE_AGENCY
    assert set(report.figures) == SERVICE_FIGURES
    for name in INVESTIGATIVE_MARKERS:
        assert name not in report.figures
    assert report.timeline == []
    assert report.figures["persons.clients"] == 4
    assert report.figures["needs.assessed"] == 4
    # urgent: medical P-001, P-005; shelter and safety P-002; food only P-004 (bay-vs's assessment)
    assert report.figures["needs.urgent_by_domain"] == {
        "medical": 2,
        "shelter": 1,
        "food": 0,
        "safety": 1,
        "language": 0,
    }
    assert report.figures["services.by_kind"]["shelter"] == {"provided": 3, "referred": 0}
    assert report.figures["services.by_kind"]["child_welfare"] == {"provided": 0, "referred": 0}
    text = json.dumps(report_document(report))
    assert "P-00" not in text
    assert "potential_victim" not in text


def test_another_provider_sees_its_own_client_and_nothing_of_the_first_providers(exercise):
    report = generate(exercise, coordinator_of("bay-vs"), Audience.INTERNAL)
    assert report.figures["persons.clients"] == 1
    assert report.figures["needs.urgent_by_domain"] == {
        "medical": 0,
        "shelter": 0,
        "food": 1,
        "safety": 1,
        "language": 0,
    }
    assert report.figures["services.by_kind"]["child_welfare"] == {"provided": 0, "referred": 1}
    assert report.figures["services.by_kind"]["shelter"] == {"provided": 0, "referred": 0}


def test_a_provider_member_reads_its_figures_suppressed(exercise):
    report = generate(exercise, "advocate")
    assert report.audience is Audience.SHAREABLE
    assert set(report.figures) == SERVICE_FIGURES
    assert report.figures["persons.clients"] == "fewer than 5"


def test_an_agency_without_clients_reads_zeros(exercise):
    report = generate(exercise, "attorney")
    assert report.scope is Scope.SERVICE_AGENCY
    assert report.figures["persons.clients"] == 0
    assert report.figures["needs.assessed"] == 0


def test_the_internal_report_is_refused_to_a_member_and_the_operation_hidden_from_an_outsider(exercise):
    with pytest.raises(Forbidden):
        generate(exercise, "investigator", Audience.INTERNAL)
    with pytest.raises(Forbidden):
        generate(exercise, "advocate", Audience.INTERNAL)
    with pytest.raises(NotFound):
        generate(exercise, "outsider", Audience.SHAREABLE)


# --- the pages and the audit trail -----------------------------------------------------------------------


def _events(exercise: Exercise, event: str = "report.generated") -> list[dict[str, object]]:
    rows = AuditRecord.objects.filter(event_type=event).order_by("sequence")
    return [
        {"who": r.actor_label, "outcome": r.outcome, **json.loads(r.details)}
        for r in rows
        if event != "report.generated" or str(r.operation_id) == str(exercise.operation.pk)
    ]


def test_every_generation_is_audited_with_its_audience_and_format(exercise, client_for):
    url = f"/operations/{exercise.operation.code}/report/"
    coordinator = client_for("coordinator")
    assert coordinator.get(url).status_code == 200
    assert coordinator.get(url + "?audience=shareable").status_code == 200
    for fmt in ("json", "md", "pdf", "csv"):
        audience = "shareable" if fmt == "csv" else "internal"
        response = coordinator.get(url + f"export/?format={fmt}&audience={audience}")
        assert response.status_code == 200, fmt
    assert client_for("advocate").get(url).status_code == 200
    assert [(e["who"], e["audience"], e["format"], e["via"], e["kind"]) for e in _events(exercise)] == [
        ("cole.coordinator", "internal", "html", "web", "task_force"),
        ("cole.coordinator", "shareable", "html", "web", "task_force"),
        ("cole.coordinator", "internal", "json", "web", "task_force"),
        ("cole.coordinator", "internal", "md", "web", "task_force"),
        ("cole.coordinator", "internal", "pdf", "web", "task_force"),
        ("cole.coordinator", "shareable", "csv", "web", "task_force"),
        ("ada.advocate", "shareable", "html", "web", "service_agency"),
    ]


def test_refusals_on_the_page_generate_nothing_and_are_audited_as_denied(exercise, client_for):
    url = f"/operations/{exercise.operation.code}/report/"
    assert client_for("investigator").get(url + "?audience=internal").status_code == 403
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("outsider").get(url + "export/?format=pdf").status_code == 404
    assert client_for("coordinator").get(url + "?audience=everyone").status_code == 400
    assert client_for("coordinator").get(url + "export/?format=xlsx").status_code == 400
    assert client_for("coordinator").get(url + "export/?format=csv&audience=internal").status_code == 400
    assert _events(exercise) == []
    denied = [e for e in _events(exercise, "access.denied") if "/report/" in str(e.get("path"))]
    assert [e["who"] for e in denied] == ["ivy.investigator", "oz.outsider", "oz.outsider"]


def test_the_page_shows_the_same_figures_as_the_data(exercise, client_for):
    page = client_for("coordinator").get(f"/operations/{exercise.operation.code}/report/").content.decode()
    assert "Timeline by person" in page
    assert "P-008 (potential victim)" in page  # in the timeline chart's labels
    assert 'role="img"' in page
    assert "style=" not in page  # nothing for the CSP to block
    shareable = (
        client_for("investigator").get(f"/operations/{exercise.operation.code}/report/").content.decode()
    )
    assert "P-00" not in shareable
    assert "fewer than 5" in shareable
    service = client_for("advocate").get(f"/operations/{exercise.operation.code}/report/").content.decode()
    assert "Urgent needs by domain" in service
    assert "Potential victim" not in service
    assert "Interviews" not in service


def test_downloads_carry_their_type_and_the_audience_in_their_name(exercise, client_for):
    base = f"/operations/{exercise.operation.code}/report/export/"
    client = client_for("coordinator")
    pdf = client.get(base + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert 'filename="after-action-NL-2026-12-internal.pdf"' in pdf["Content-Disposition"]
    data = client.get(base)
    assert data["Content-Type"] == "application/json"
    assert json.loads(data.content)["format"] == "haven.after-action/v1"
    csv = client.get(base + "?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert 'filename="after-action-NL-2026-12-shareable.csv"' in csv["Content-Disposition"]
    assert pdf["Cache-Control"] == "no-store"


def test_the_exercises_shareable_report_withstands_subtraction_and_an_exact_solver(exercise):
    published = generate(exercise, "investigator").published
    assert published.marks  # nine persons: much is hidden
    assert subtractions(published.counts, published.tables, published.marks) == []
    assert recoverable(published.counts, published.tables, published.marks, published.threshold) == []
    # and what it publishes is what was judged: every hidden count reads as its marker
    assert published.values["persons.by_tag"]["male"] == "fewer than 5"
