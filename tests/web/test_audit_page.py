"""The auditor's page: their own agency's events, with filters; every view of it is audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from haven.audit.models import AuditRecord
from haven.audit.selectors import events_visible_to
from haven.core.clock import zone
from tests.operations.fixtures import make_operation

pytestmark = pytest.mark.django_db


def test_auditor_sees_own_agency_events_and_not_others(persona, client_for):
    investigator = persona("investigator")  # metro-pd, the auditor's agency
    advocate = persona("advocate")  # harbor-vs
    client_for("advocate")  # harbor-vs user signs in: harbor-vs events only
    client_for("investigator")
    client = client_for("auditor")
    visible = set(events_visible_to(persona("auditor")).values_list("sequence", flat=True))
    metro = set(
        AuditRecord.objects.filter(subject_agency_id=investigator.agency_id).values_list(
            "sequence", flat=True
        )
    )
    harbor = set(
        AuditRecord.objects.filter(subject_agency_id=advocate.agency_id).values_list("sequence", flat=True)
    )
    assert metro
    assert harbor
    assert metro <= visible
    assert not (harbor & visible)
    html = client.get("/audit/", {"user": advocate.username}).content.decode()
    assert "No events match these filters." in html
    html = client.get("/audit/", {"user": investigator.username}).content.decode()
    assert "No events match these filters." not in html


def test_filters_by_user_event_type_and_time(persona, client_for):
    client = client_for("auditor")
    investigator = persona("investigator")
    client_for("investigator")
    by_user = client.get("/audit/", {"user": investigator.username}).content.decode()
    assert "Second factor verified" in by_user
    assert "aud.auditor" not in by_user.split("<tbody>")[1]
    later = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    empty = client.get("/audit/", {"since": later}).content.decode()
    assert "No events match these filters." in empty


def test_an_invalid_time_range_is_refused_with_the_field_named(client_for):
    client = client_for("auditor")
    html = client.get("/audit/", {"since": "2026-12-03T10:00", "until": "2026-12-03T09:00"}).content.decode()
    assert "Must be after" in html


def test_reading_the_audit_trail_is_itself_audited(client_for):
    client = client_for("auditor")
    client.get("/audit/", {"event_type": "sign_in.failed"})
    viewed = AuditRecord.objects.filter(event_type="audit.viewed").last()
    assert viewed is not None
    assert '"filters":["event_type"]' in viewed.details


def test_a_refused_request_is_audited(client_for):
    client_for("investigator").get("/audit/")
    denied = AuditRecord.objects.filter(event_type="access.denied", actor_label="ivy.investigator")
    assert denied.count() == 1
    assert '"path":"/audit/"' in denied.get().details


def test_audit_list_queries_do_not_grow_with_events(client_for, django_assert_max_num_queries):
    client = client_for("auditor")
    for _ in range(30):
        client.get("/")
    with django_assert_max_num_queries(20):
        client.get("/audit/")


def test_a_person_opened_is_named_by_code_and_operation_on_the_audit_page(persona, client_for):
    from tests.access.matrix_encounters import scenario

    s = scenario()
    client_for("investigator").get(f"/operations/{s.operation.code}/persons/P-002/")
    html = client_for("auditor").get("/audit/", {"event_type": "person.opened"}).content.decode()
    assert f"person <strong>P-002 · {s.operation.code}</strong>" in html
    assert str(s.suspect.pk)[:8] not in html


# --- following an insider (issue 12) ------------------------------------------------------------------


def _rows(html: str) -> str:
    return html.split("<tbody>")[1].split("</tbody>", maxsplit=1)[0]


def test_filters_by_person_code_record_and_outcome(persona, client_for):
    from tests.access.matrix_encounters import scenario

    s = scenario()
    investigator = client_for("investigator")
    investigator.get(f"/operations/{s.operation.code}/persons/P-002/")
    investigator.get(f"/operations/{s.operation.code}/persons/P-001/")
    client = client_for("auditor")
    by_person = _rows(client.get("/audit/", {"person": "P-002"}).content.decode())
    assert f"P-002 · {s.operation.code}" in by_person
    assert "P-001" not in by_person
    by_record = _rows(client.get("/audit/", {"record": str(s.suspect.pk)}).content.decode())
    assert f"P-002 · {s.operation.code}" in by_record
    assert "P-001" not in by_record
    assert "No events match" in client.get("/audit/", {"person": "P-999"}).content.decode()


def test_a_denial_names_the_action_and_the_record_it_was_refused_on(persona, client_for):
    from tests.access.matrix_encounters import scenario

    s = scenario()
    # an investigator tries to write an attorney note
    client_for("investigator").post(f"/operations/{s.operation.code}/persons/P-002/attorney-note/")
    denied = AuditRecord.objects.filter(event_type="access.denied").last()
    assert denied is not None
    assert '"action":' in denied.details
    html = _rows(client_for("auditor").get("/audit/", {"outcome": "denied"}).content.decode())
    assert "Access denied" in html
    assert "person-attorney-note" in html or "attorney note" in html
    assert f"P-002 · {s.operation.code}" in html


def test_the_filtered_events_export_as_formula_safe_csv_and_the_export_is_audited(persona, client_for):
    import csv
    import io

    from haven.audit.events import AuditEvent
    from haven.audit.services import record

    auditor = persona("auditor")
    record(
        actor=None,
        event=AuditEvent.SIGN_IN_FAILED,
        outcome="failure",
        actor_label='=HYPERLINK("http://x")',
        subject_agency_id=auditor.agency_id,
    )
    client = client_for("auditor")
    response = client.get("/audit/export.csv", {"event_type": "sign_in.failed"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows
    assert {row["event"] for row in rows} == {"sign_in.failed"}
    assert '\'=HYPERLINK("http://x")' in {row["user"] for row in rows}
    exported = AuditRecord.objects.filter(event_type="audit.exported").last()
    assert exported is not None
    assert f'"count":{len(rows)}' in exported.details
    everything = client.get("/audit/export.csv")
    body = b"".join(everything.streaming_content).decode()
    listed = list(csv.DictReader(io.StringIO(body)))
    last = AuditRecord.objects.filter(event_type="audit.exported").order_by("-sequence").first()
    assert last is not None
    assert last.pk != exported.pk
    assert f'"count":{len(listed)}' in last.details  # the export's own event is not in it
    assert str(last.sequence) not in {row["sequence"] for row in listed}
    assert '"filters":["event_type"]' in exported.details


def test_the_export_follows_the_agency_filter(persona, client_for):
    client_for("advocate")  # harbor-vs events
    advocate = persona("advocate")
    response = client_for("auditor").get("/audit/export.csv")
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert advocate.username not in body


def test_the_auditor_runs_the_verification_and_the_page_says_when_it_last_passed(client_for):
    client = client_for("auditor")
    assert "not been verified" in client.get("/audit/").content.decode()
    response = client.post("/audit/verify/")
    assert response.status_code == 302
    verified = AuditRecord.objects.filter(event_type="audit.verified").last()
    assert verified is not None
    assert verified.outcome == "success"
    assert '"status":"intact"' in verified.details
    html = client.get("/audit/").content.decode()
    assert "Chain last verified intact" in html
    assert verified.occurred_at.strftime("%Y-%m-%d %H:%M") in html


def test_a_failed_verification_is_shown_and_audited_as_a_failure(client_for):
    from tests.audit.tampering import tamper

    client = client_for("auditor")
    tamper(("UPDATE audit_auditrecord SET outcome = 'denied' WHERE sequence = 2", []))
    client.post("/audit/verify/")
    verified = AuditRecord.objects.filter(event_type="audit.verified").last()
    assert verified is not None
    assert verified.outcome == "failure"
    assert '"status":"broken"' in verified.details
    html = client.get("/audit/").content.decode()
    assert "BROKEN" in html
    assert "event #2" in html


def test_only_auditors_export_or_verify(client_for):
    client = client_for("investigator")
    assert client.get("/audit/export.csv").status_code == 403
    assert client.post("/audit/verify/").status_code == 403
    assert not AuditRecord.objects.filter(event_type__in=["audit.exported", "audit.verified"]).exists()


def test_an_operations_events_read_on_its_clock_with_its_offset_the_rest_in_utc(persona, client_for):
    """Issue 14: the audit page shows an event of an operation on the operation's clock, as the board does,
    with the offset in each time; an event outside any operation (a sign-in) in UTC."""
    operation = make_operation(starts_in=-timedelta(hours=1))
    assert operation.utc_offset_minutes == -300
    client_for("coordinator").get(f"/operations/{operation.code}/board/")
    event = AuditRecord.objects.filter(operation_id=operation.pk).latest("sequence")
    html = client_for("auditor").get("/audit/").content.decode()
    local = event.occurred_at.astimezone(zone(-300))
    assert f">{local:%Y-%m-%d %H:%M:%S} UTC\u221205:00</time>" in html
    assert "Time (UTC)" not in html
    signed_in = (
        AuditRecord.objects.filter(operation_id__isnull=True, sequence__lt=event.sequence)
        .exclude(subject_agency_id=None)
        .latest("sequence")
    )
    assert f">{signed_in.occurred_at:%Y-%m-%d %H:%M:%S} UTC</time>" in html


def test_the_audit_export_gives_an_operations_events_on_its_clock_beside_utc(persona, client_for):
    """Issue 14, exports: the CSV keeps `time_utc` (ISO 8601, what the chain holds) and adds `time_local`,
    an operation's event on the operation's clock with its offset, as the page shows it."""
    operation = make_operation(starts_in=-timedelta(hours=1))
    client_for("coordinator").get(f"/operations/{operation.code}/board/")
    event = AuditRecord.objects.filter(operation_id=operation.pk).latest("sequence")
    response = client_for("auditor").get("/audit/export.csv")
    rows = {
        r["sequence"]: r for r in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    }
    row = rows[str(event.sequence)]
    assert row["time_utc"] == event.occurred_at.isoformat()
    assert row["time_local"] == f"{event.occurred_at.astimezone(zone(-300)):%Y-%m-%d %H:%M:%S} UTC\u221205:00"
