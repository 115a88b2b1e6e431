"""The auditor's page: their own agency's events, with filters; every view of it is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from haven.audit.models import AuditRecord
from haven.audit.selectors import events_visible_to

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
