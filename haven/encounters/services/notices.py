"""Who the encounter services notify, and of what (issue 14): each event's recipients, narrowed by the
access policy to those who may read what it is about (`readers_on`), and never any case content."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.urls import reverse

from haven.access.policies import Compartment
from haven.accounts.models import User
from haven.encounters.models import Consent, Interview, Person
from haven.notifications.models import Kind
from haven.notifications.services import CalendarEntry, notification_send
from haven.operations.models import Operation
from haven.operations.selectors import readers_on


def _person_page(person: Person) -> str:
    return reverse("web:person", kwargs={"operation_code": person.operation.code, "person_code": person.code})


def danger_raised(*, actor: User, person: Person) -> None:
    """Imminent danger: the operation's coordinators and the provider that assessed the person's needs."""
    operation = person.operation
    coordinators = User.objects.filter(
        is_active=True, is_coordinator=True, agency__participations__operation=operation
    )
    assessing = User.objects.filter(
        is_active=True, agency_id__in=person.needs_assessments.values_list("agency_id", flat=True)
    )
    among = {u.pk: u for u in [*coordinators.select_related("agency"), *assessing.select_related("agency")]}
    notification_send(
        actor=actor,
        kind=Kind.DANGER,
        recipients=readers_on(operation, Compartment.IMMINENT_DANGER, among=among.values()),
        operation_id=operation.pk,
        operation_code=operation.code,
        target=_person_page(person),
    )


def separation_raised(*, operation: Operation) -> None:
    """A separation alert is investigative information: only investigative agencies' users on the
    operation hear of it."""
    notification_send(
        actor=None,
        kind=Kind.SEPARATION,
        recipients=readers_on(operation, Compartment.INVESTIGATIVE),
        operation_id=operation.pk,
        operation_code=operation.code,
        target=reverse("web:board", kwargs={"operation_code": operation.code}),
    )


def _calendar(interview: Interview, replaces: Interview | None = None) -> CalendarEntry:
    return CalendarEntry(
        uid=f"{interview.pk}@haven",  # the interviewer's .ics feed names it the same way
        starts_at=interview.starts_at,
        ends_at=interview.starts_at + timedelta(minutes=interview.minutes),
        replaces_uid=f"{replaces.pk}@haven" if replaces is not None else "",
    )


def _people(interview: Interview) -> dict[object, User]:
    people = [interview.interviewer, interview.interpreter]
    return {u.pk: u for u in people if u is not None}


def _send(actor: User, kind: Kind, interview: Interview, who: Iterable[User], entry: CalendarEntry) -> None:
    operation = interview.person.operation
    notification_send(
        actor=actor,
        kind=kind,
        recipients=readers_on(operation, Compartment.INTERVIEW_SCHEDULE, among=who),
        operation_id=operation.pk,
        operation_code=operation.code,
        target=reverse("web:interview-plan", kwargs={"operation_code": operation.code}),
        calendar=entry,
    )


def interview_booked(*, actor: User, interview: Interview, replaces: Interview | None = None) -> None:
    """The interviewer and the interpreter, with the calendar entry: booked for who is new to it, moved for
    who had the interview it replaces, cancelled for who had that one and not this."""
    new, old = _people(interview), (_people(replaces) if replaces is not None else {})
    booked = [u for pk, u in new.items() if pk not in old]
    moved = [u for pk, u in new.items() if pk in old]
    if booked:
        _send(actor, Kind.INTERVIEW_BOOKED, interview, booked, _calendar(interview))
    if moved:
        _send(actor, Kind.INTERVIEW_MOVED, interview, moved, _calendar(interview, replaces))
    if replaces is not None and (dropped := [u for pk, u in old.items() if pk not in new]):
        _send(actor, Kind.INTERVIEW_CANCELLED, replaces, dropped, _calendar(replaces))


def interview_cancelled(*, actor: User, interview: Interview) -> None:
    _send(actor, Kind.INTERVIEW_CANCELLED, interview, _people(interview).values(), _calendar(interview))


def consent_revoked(*, actor: User, consent: Consent) -> None:
    """The recipient agency's users on the operation: the recipient may know that a consent names it."""
    operation = consent.person.operation
    notification_send(
        actor=actor,
        kind=Kind.CONSENT_REVOKED,
        recipients=readers_on(
            operation,
            Compartment.ROSTER,
            among=User.objects.filter(is_active=True, agency=consent.recipient).select_related("agency"),
        ),
        operation_id=operation.pk,
        operation_code=operation.code,
        target=_person_page(consent.person),
    )
