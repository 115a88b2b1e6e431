"""Pages after the action: the live board and the person page, with a form for each action the actor
may take. Views stay thin: selectors decide what is shown (the policy lives there), forms check shape,
services decide and write. Hidden and missing look the same (NotFound → the same 404 page).

Each action POSTs to its own URL and answers like this: success → redirect back to the section, which
says what was saved; problems with the input → 400 with the form and its problems; a guardrail's refusal
→ 422 with the refusal next to the form, which keeps its input. htmx swaps the section in place; without
JavaScript the same forms post and redirect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from haven.access.policies import Access, Compartment, Standing, allows, require
from haven.accounts.models import Agency, AgencyType, InterviewerRole, User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.clock import clock_day, utc_today
from haven.core.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from haven.core.languages import language_label, language_name
from haven.core.memory import collection_deferred
from haven.encounters import services
from haven.encounters.models import (
    Consent,
    DesignationStatus,
    InterviewStatus,
    Person,
    Population,
    Priority,
    ReliefKind,
    ReliefStatus,
    ServiceKind,
    ServiceStatus,
    Sign,
    VictimServiceKind,
)
from haven.encounters.polling import etag, not_modified, unchanged_poll
from haven.encounters.rules import ConsentState, next_person_code, treated_as_minor
from haven.encounters.selectors import (
    PersonView,
    board_changes,
    board_for,
    board_version,
    consent_state_of,
    person_for,
    person_view,
    persons_visible_to,
    relief_deciders,
)
from haven.encounters.stages import STAGE_LABELS, Stage
from haven.operations.models import Operation
from haven.operations.selectors import current_plan, operation_for
from haven.operations.services import readiness_policy
from haven.web.board_polls import board_filters, board_tag, counted_before
from haven.web.board_rows import board_rows_html
from haven.web.forms_encounters import (
    CONSENT_ITEM_LABELS,
    NEED_LABELS,
    ActionForm,
    AttorneyNoteForm,
    BoardFilterForm,
    ChildWelfareForm,
    ConsentForm,
    ConsentRevokeForm,
    DangerRespondForm,
    DesignationForm,
    InformationForm,
    InterviewRecordForm,
    InterviewScheduleForm,
    NeedsForm,
    ObservationForm,
    PlaceForm,
    RegisterForm,
    ReleaseForm,
    ReliefForm,
    VictimServiceForm,
    interpreters_on,
    interviewers_on,
)

NO_SUCH_PERSON = "There is no such person on your operations."


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _labels(choices: Any, values: Iterable[str]) -> list[str]:
    names = dict(choices)
    return [str(names.get(v, v)) for v in values]


def _label(choices: Any, value: str) -> str:
    return str(dict(choices).get(value, value))


# --- the live board --------------------------------------------------------------------------------


def _board_tag(
    request: HttpRequest,
    actor: User,
    operation: Operation,
    standing: Standing,
    *,
    filters: dict[str, Any],
    now: datetime,
) -> tuple[str, str]:
    """The live part's version for this reader at this minute (`board_version`), and its tag: the version
    sealed for this session (`board_polls`), which the page and each answer carry."""
    # the counts read before this request's user and policy (the seal rests on them), else counted now
    changes = counted_before(request, operation) or board_changes(operation)
    version = board_version(
        actor,
        standing,
        operation,
        via="web",
        limit_minutes=readiness_policy().provider_contact_limit_minutes,
        now=now,
        changes=changes,
        **filters,
    )
    tag = board_tag(request, operation=operation, filters=filters, now=now, version=version)
    return version, tag


def _board(
    request: HttpRequest,
    actor: User,
    operation: Operation,
    standing: Standing,
    *,
    now: datetime | None = None,
    tag: str = "",
) -> dict[str, Any]:
    """The board as this actor may see it, filtered and searched as the URL says (so the 15-second refresh
    keeps the same view); one audit event for the request. `tag`: the live part's tag this render was
    decided on (its clock is that version's minute)."""
    filters = board_filters(request)
    stage, area, search, mine = filters["stage"], filters["area"], filters["search"], filters["mine"]
    now = now or timezone.now()
    tag = tag or _board_tag(request, actor, operation, standing, filters=filters, now=now)[1]
    board = board_for(
        actor,
        standing,
        operation,
        stage=stage,
        area=area,
        search=search,
        mine=mine,
        limit_minutes=readiness_policy().provider_contact_limit_minutes,
        now=now,
    )
    chosen = {"stage": stage, "area": area, "q": search, "mine": "1" if mine else ""}
    record(
        actor=actor,
        event=AuditEvent.BOARD_VIEWED,
        target=operation,
        operation_id=operation.pk,
        details={
            "count": len(board.rows),
            "filters": [{"q": "search"}.get(k, k) for k, v in chosen.items() if v],
        },
    )

    def query(**changes: str) -> str:
        return urlencode({k: v for k, v in {**chosen, **changes}.items() if v})

    # one reverse() for the whole board, not one per row: the board holds hundreds of persons
    person_url = reverse("web:person", kwargs={"operation_code": operation.code, "person_code": "P-000"})[:-6]
    rows = [{**_board_row(row), "url": f"{person_url}{row.code}/"} for row in board.rows]
    return {
        # an agency the plan dropped keeps its own clients' records here, and sees nothing else
        "retained": standing.retained,
        "operation": operation,
        "board": board,
        "rows": rows,
        # the table's body in one piece: a template loop over 500 rows cost ~3 ms
        "rows_html": board_rows_html(rows),
        "stage_counts": [
            {"stage": s.value, "label": STAGE_LABELS[s], "count": board.stages[s]}
            for s in Stage
            if board.stages.get(s)
        ],
        "total": sum(board.stages.values()),
        "waiting_too_long": sum(1 for r in board.rows if r.waited_too_long),
        "filters": BoardFilterForm(request.GET or None, areas=board.areas),
        "filtered": any(chosen.values()),
        "narrowed": bool(stage or area),
        "search": search,
        "stage": stage,
        "area": area,
        "mine": mine,
        "query": query(),
        "query_everyone": query(mine=""),
        "query_mine": query(mine="1"),
        "board_version": tag,
    }


#: the labels a board row shows, looked up once (`Choices.choices` builds its list on every call)
_POPULATION_LABELS: dict[str, str] = {k: str(v) for k, v in Population.choices}
_DESIGNATION_LABELS: dict[str, str] = {k: str(v) for k, v in DesignationStatus.choices}
_PRIORITY_LABELS: dict[str, str] = {k: str(v) for k, v in Priority.choices}


def _board_row(row: Any) -> dict[str, Any]:
    return {
        "row": row,
        "tags": [_POPULATION_LABELS.get(t, t) for t in row.tags],
        "languages": [language_name(c) for c in row.languages],
        "urgent": [d.capitalize() for d in row.urgent],
        "designation": _DESIGNATION_LABELS.get(row.designation, row.designation) if row.designation else "",
        "priority": _PRIORITY_LABELS.get(row.priority, row.priority),
    }


def _board_page(
    request: HttpRequest,
    actor: User,
    operation: Operation,
    standing: Standing,
    *,
    register_form: RegisterForm | None = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _board(request, actor, operation, standing)
    may_register = allows(standing, Compartment.ROSTER, Access.WRITE)
    registered = request.GET.get("registered", "")
    if may_register and register_form is None:
        codes = list(persons_visible_to(standing, operation).values_list("code", flat=True))
        register_form = RegisterForm(
            areas=operation.areas.filter(retired=False), initial={"code": next_person_code(codes)}
        )
    context.update(
        {
            "register_form": register_form if may_register else None,
            "register_open": bool(registered) or status != 200,
            "registered": registered,
            "refusal": refusal,
        }
    )
    return render(request, "web/encounters/board.html", context, status=status)


@require_GET
@collection_deferred()
def board(request: HttpRequest, operation_code: str) -> HttpResponse:
    actor = _actor(request)
    operation, standing = operation_for(actor, operation_code)
    return _board_page(request, actor, operation, standing)


@require_GET
@collection_deferred()  # (haven.core.memory: a render's thousands of short-lived rows)
def board_rows(request: HttpRequest, operation_code: str) -> HttpResponse:
    """The part of the board that refreshes itself (polled with the auto-refresh header). Policy first
    (hidden and missing: the same 404); then a poll that names the reader's current version answers 304,
    without rendering and without an audit event; anything else renders, is audited as a view, and
    carries its version as the ETag."""
    actor = _actor(request)
    operation, standing = operation_for(actor, operation_code)
    now = timezone.now()
    version, tag = _board_tag(request, actor, operation, standing, filters=board_filters(request), now=now)
    if unchanged_poll(request, version):
        return not_modified(tag)
    context = _board(request, actor, operation, standing, now=now, tag=tag)
    response = render(request, "web/encounters/_board_live.html", context)
    response["ETag"] = etag(tag)
    return response


@require_POST
def person_register(request: HttpRequest, operation_code: str) -> HttpResponse:
    actor = _actor(request)
    operation, standing = operation_for(actor, operation_code)
    require(standing, Compartment.ROSTER, Access.WRITE, hide=False)
    form = RegisterForm(request.POST, areas=operation.areas.filter(retired=False))
    refusal = ""
    if form.is_valid():
        try:
            person = services.person_register(actor=actor, operation=operation, **form.arguments())
        except ValidationFailed as error:
            form.add_problems(error.problems)
        except RuleViolation as error:
            refusal = error.message
        else:
            url = reverse("web:board", kwargs={"operation_code": operation.code})
            return HttpResponseRedirect(f"{url}?{urlencode({'registered': person.code})}", status=303)
    return _board_page(
        request,
        actor,
        operation,
        standing,
        register_form=form,
        refusal=refusal,
        status=422 if refusal else 400,
    )


# --- the person page -------------------------------------------------------------------------------

# action → (the section it lives in, what the section says once it is saved)
ACTIONS: dict[str, tuple[str, str]] = {
    "place": ("person-summary", "Placed."),
    "withdraw": ("person-summary", "The withdrawal of the preference is recorded."),
    "release": ("person-summary", "Outcome recorded."),
    "danger": ("sec-danger", "Imminent danger flagged: everyone on the operation sees it now."),
    "respond": ("sec-danger", "Response recorded."),
    "child_welfare": ("sec-child-welfare", "Child welfare notification recorded."),
    "designation": ("sec-designation", "Designation recorded."),
    "observation": ("sec-observations", "Observation recorded."),
    "relief": ("sec-relief", "Relief step recorded."),
    "needs": ("sec-needs", "Needs assessment recorded."),
    "information": ("sec-information", "Information recorded."),
    "interview": ("sec-interviews", "Interview scheduled."),
    "record": ("sec-interviews", "Interview recorded."),
    "safety_plan": ("sec-services", "Safety plan recorded."),
    "service": ("sec-services", "Service recorded."),
    "case_note": ("sec-services", "Case note recorded."),
    "contact": ("sec-services", "Contact details recorded."),
    "attorney": ("sec-attorney", "Note recorded."),
    "consent": ("sec-consents", "Consent recorded."),
    "revoke": ("sec-consents", "The consent is withdrawn; it stops releasing anything from now on."),
}


@dataclass
class Failed:
    """The form of the action that did not go through, to show again with its input and what was wrong."""

    key: str
    form: forms.Form
    refusal: str = ""
    object_id: UUID | None = None


@dataclass
class PersonPage:
    """What the person page offers the actor: each action's form, or None when the actor may not."""

    forms: dict[str, forms.Form | None] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)
    failed_shown: bool = False


def _find_person(
    actor: User, operation_code: str, person_code: str, *, audit: bool
) -> tuple[Person, Standing]:
    """The person, or the same 404 whether the operation or the person is missing or hidden."""
    try:
        return person_for(actor, operation_code, person_code, audit=audit)
    except NotFound:
        raise NotFound(NO_SUCH_PERSON) from None


def _person_url(person: Person) -> str:
    return reverse("web:person", kwargs={"operation_code": person.operation.code, "person_code": person.code})


@require_GET
def person_page(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor = _actor(request)
    person, standing = _find_person(actor, operation_code, person_code, audit=True)
    return _person_response(request, actor, standing, person)


def _person_response(
    request: HttpRequest,
    actor: User,
    standing: Standing,
    person: Person,
    *,
    failed: Failed | None = None,
    status: int = 200,
) -> HttpResponse:
    if failed is not None:
        # the page shows the person's record again: that is an opening of it, like a GET
        record(actor=actor, event=AuditEvent.PERSON_OPENED, target=person, operation_id=person.operation_id)
    view = person_view(actor, standing, person)
    saved_key = request.GET.get("saved", "") if failed is None else ""
    saved = ACTIONS.get(saved_key)
    context = {
        "operation": person.operation,
        "person": person,
        "view": view,
        **_present(view),
        **_offer(actor, standing, person, view, failed),
        "saved": {"section": saved[0], "message": saved[1]} if saved else None,
        "failed_section": ACTIONS[failed.key][0] if failed else "",
    }
    return render(request, "web/encounters/person.html", context, status=status)


def _present(view: PersonView) -> dict[str, Any]:
    """Labels for what the selector chose to show; nothing here decides what is shown."""
    person = view.person
    summary = view.needs_summary
    deciders = relief_deciders(person.operation) if view.relief else {}
    return {
        "stage_label": STAGE_LABELS[view.stage],
        "tags": _labels(Population.choices, view.tags),
        "languages": [language_label(c) for c in view.languages],
        "priority": _label(Priority.choices, person.priority),
        "designation": _label(DesignationStatus.choices, view.designation) if view.designation else "",
        "designation_history": [
            {"status": _label(DesignationStatus.choices, d.status), "by": d.by.name, "at": d.at}
            for d in view.designation_history or []
        ],
        "observations": [
            {
                "at": o.at,
                "by": o.by,
                "towards": o.towards,
                "text": o.text,
                "signs": _labels(Sign.choices, o.signs),
            }
            for o in view.observations or ()
        ],
        "shown_towards": [
            {"from": o.from_person, "at": o.at, "signs": _labels(Sign.choices, o.signs)}
            for o in view.shown_towards or ()
        ],
        "relief": [
            {
                "kind": _label(ReliefKind.choices, s.kind),
                "status": _label(ReliefStatus.choices, s.status),
                "pending": s.status == ReliefStatus.REQUESTED
                and not any(
                    later.kind == s.kind and later.at >= s.at and later.status != ReliefStatus.REQUESTED
                    for later in view.relief or []
                ),
                "by": s.by.name,
                "agency": s.agency.name,
                "decider": deciders.get(s.kind, ""),
                "at": s.at,
            }
            for s in view.relief or []
        ],
        "needs_urgent": [d.capitalize() for d in (summary.urgent if summary else ())],
        "needs_language": language_label(summary.language if summary else ""),
        "needs_full": [
            {
                "at": a.at,
                "by": a.by,
                "agency": a.agency,
                "urgent": [d.capitalize() for d in a.urgent],
                "language": language_label(a.language),
                "fields": [
                    (label, text)
                    for label, text in (
                        *((label, getattr(a, name)) for name, label in NEED_LABELS.items()),
                        ("Language", a.language_notes),
                        ("The person's concerns", a.concerns),
                    )
                    if text
                ],
            }
            for a in view.needs_full or ()
        ],
        "information": [
            {
                "at": i.at,
                "by": i.by,
                "agency": i.agency,
                "materials": i.materials,
                "language": language_label(i.language),
                "questions_and_answers": i.questions_and_answers,
            }
            for i in view.information
        ],
        "service_records": [
            {
                "at": r.at,
                "by": r.by,
                "agency": r.agency,
                "text": r.text,
                "kind_label": _label(VictimServiceKind.choices, r.kind),
                "service": _label(ServiceKind.choices, r.service_kind) if r.service_kind else "",
                "status": _label(ServiceStatus.choices, r.service_status) if r.service_status else "",
            }
            for r in view.service_records or ()
        ],
        "consents_received": [
            {
                "from": c.from_agency,
                "expires_on": c.expires_on,
                "items": _labels(CONSENT_ITEM_LABELS.items(), c.items),
            }
            for c in view.consents_received
        ],
        "released_items": _labels(CONSENT_ITEM_LABELS.items(), view.released_items),
    }


def _offer(
    actor: User, standing: Standing, person: Person, view: PersonView, failed: Failed | None
) -> dict[str, Any]:
    """Each form the actor may use (the services check again), with the failed one in place."""
    operation = person.operation
    own = actor.agency_id
    areas = operation.areas.filter(retired=False)
    may = {
        "place": allows(standing, Compartment.INVESTIGATIVE, Access.WRITE) and not person.outcome,
        "designation": allows(standing, Compartment.INVESTIGATIVE, Access.WRITE),
        "observation": allows(standing, Compartment.INVESTIGATIVE, Access.WRITE),
        "release": allows(standing, Compartment.ROSTER, Access.WRITE) and not person.outcome,
        "withdraw": bool(view.interviewer_gender) and allows(standing, Compartment.ROSTER, Access.READ),
        "danger": allows(standing, Compartment.IMMINENT_DANGER, Access.WRITE)
        and not any(f.responded_at is None for f in view.danger),
        "needs": allows(standing, Compartment.NEEDS_FULL, Access.WRITE, own),
        "information": allows(standing, Compartment.INFORMATION, Access.WRITE),
        "interview": allows(standing, Compartment.INTERVIEW_SCHEDULE, Access.WRITE),
        "attorney": allows(standing, Compartment.ATTORNEY_NOTES, Access.WRITE, own),
        "consent": allows(standing, Compartment.CONSENT, Access.WRITE, own),
        "child_welfare": treated_as_minor(view.tags)
        and view.child_welfare is None
        and allows(standing, Compartment.ROSTER, Access.WRITE),
    }
    services_allowed = allows(standing, Compartment.VICTIM_SERVICE_RECORD, Access.WRITE, own)
    for kind in VictimServiceKind.values:
        may[kind] = services_allowed
    relief_kinds = _relief_kinds(standing) if Population.FOREIGN_NATIONAL in view.tags else []
    may["relief"] = bool(relief_kinds)

    builders: dict[str, Callable[[], forms.Form]] = {
        "place": lambda: PlaceForm(areas=areas),
        "designation": lambda: DesignationForm(initial={"status": view.designation}, areas=areas),
        "observation": lambda: ObservationForm(
            others=persons_visible_to(standing, operation).exclude(pk=person.pk)
        ),
        "release": ReleaseForm,
        "withdraw": forms.Form,
        "danger": forms.Form,
        "needs": lambda: NeedsForm(languages=services.languages_of(person)),
        "information": lambda: _information_form(None, person),
        "interview": lambda: _interview_form(None, operation),
        "attorney": AttorneyNoteForm,
        "consent": lambda: ConsentForm(
            recipients=_recipients(operation, own),
            minor=treated_as_minor(view.tags),
            today=clock_day(operation.utc_offset_minutes),
        ),
        "relief": lambda: ReliefForm(kinds=relief_kinds),
        "child_welfare": lambda: ChildWelfareForm(agencies=_child_welfare_agencies(operation)),
        **{
            kind: (lambda kind=kind: VictimServiceForm(kind=kind))  # type: ignore[misc]
            for kind in VictimServiceKind.values
        },
    }
    page = PersonPage()
    for key, allowed in may.items():
        if not allowed:
            page.forms[key] = None
        elif failed is not None and failed.key == key and failed.object_id is None:
            page.forms[key] = failed.form
            page.refusals[key] = failed.refusal
            page.failed_shown = True
        else:
            page.forms[key] = builders[key]()

    def per_object(
        key: str, object_id: UUID, build: Callable[..., forms.Form], **kwargs: Any
    ) -> dict[str, Any]:
        if failed is not None and failed.key == key and failed.object_id == object_id:
            page.failed_shown = True
            return {"form": failed.form, "refusal": failed.refusal, "open": True}
        return {"form": build(**kwargs), "refusal": "", "open": False}

    may_respond = allows(standing, Compartment.IMMINENT_DANGER, Access.WRITE)
    danger = [
        {
            "flag": flag,
            **(
                per_object("respond", flag.pk, DangerRespondForm, flag_id=flag.pk)
                if may_respond and flag.responded_at is None
                else {"form": None}
            ),
        }
        for flag in view.danger
    ]
    interviews = [
        {
            "id": item.id,
            "starts_at": item.starts_at,
            "minutes": item.minutes,
            "location": item.location,
            "room": item.room,
            "record": item.record,
            "role_label": _label(InterviewerRole.choices, item.role),
            "status_label": _label(InterviewStatus.choices, item.status),
            **(
                per_object("record", item.id, InterviewRecordForm, interview_id=item.id)
                if item.record is not None
                and item.record.may_record
                and item.status == InterviewStatus.SCHEDULED
                else {"form": None}
            ),
        }
        for item in view.interviews
    ]
    today = utc_today()
    consents = [
        {
            "consent": entry.consent,
            "purpose": entry.purpose,
            "reads": entry.reads,
            "items": _labels(CONSENT_ITEM_LABELS.items(), entry.consent.items),
            "state": _consent_label(entry.consent, today),
            **(
                per_object("revoke", entry.consent.pk, ConsentRevokeForm, consent_id=entry.consent.pk)
                if consent_state_of(entry.consent, today) in (ConsentState.ACTIVE, ConsentState.NOT_YET_GIVEN)
                else {"form": None}
            ),
        }
        for entry in view.consents_recorded or ()
    ]
    return {
        "forms": page.forms,
        "refusals": page.refusals,
        "danger_flags": danger,
        "interviews": interviews,
        "consents_recorded": consents,
        "open_danger": any(f.responded_at is None for f in view.danger),
        "minor": treated_as_minor(view.tags) and allows(standing, Compartment.ROSTER, Access.READ),
        "child_welfare": view.child_welfare,
        "legal_notes": view.legal_notes,
        "unshown": _unshown(failed) if failed is not None and not page.failed_shown else None,
    }


def _unshown(failed: Failed) -> dict[str, Any]:
    """A refused action whose form the page no longer offers (the preference is already withdrawn, the
    interview is someone else's to record): say why at the top of its section."""
    messages = [failed.refusal] if failed.refusal else []
    for name, errors in failed.form.errors.items():
        label = failed.form.fields[name].label if name in failed.form.fields else ""
        messages += [f"{label}: {error}" if label else str(error) for error in errors]
    return {"section": ACTIONS[failed.key][0], "messages": messages}


def _relief_kinds(standing: Standing) -> list[str]:
    kinds = []
    if allows(standing, Compartment.CONTINUED_PRESENCE, Access.WRITE):
        kinds.append(ReliefKind.CONTINUED_PRESENCE.value)
    if allows(standing, Compartment.VISA_CERTIFICATION, Access.WRITE):
        kinds += [ReliefKind.T_VISA.value, ReliefKind.U_VISA.value]
    return kinds


def _consent_label(consent: Consent, today: date) -> str:
    """The consent's state (`rules.consent_state`, as the API gives it) in words."""
    state = consent_state_of(consent, today)
    if state is ConsentState.REVOKED:
        assert consent.revoked_at is not None
        how = "orally" if consent.revoked_orally else "in writing"
        return f"Withdrawn {how} on {consent.revoked_at:%Y-%m-%d}"
    if state is ConsentState.EXPIRED:
        return f"Expired on {consent.expires_on:%Y-%m-%d}"
    if state is ConsentState.NOT_YET_GIVEN:
        return f"Not yet given: from {consent.given_on:%Y-%m-%d}, until {consent.expires_on:%Y-%m-%d}"
    return f"Active until {consent.expires_on:%Y-%m-%d}"


def _recipients(operation: Operation, own: UUID) -> Any:
    return Agency.objects.filter(participations__operation=operation).exclude(pk=own).order_by("name")


def _information_form(data: Any, person: Person) -> InformationForm:
    plan = current_plan(person.operation)
    info = plan.victim_information
    materials = [(m.title, list(m.languages)) for m in (info.materials if info else ()) if m.title]
    return InformationForm(data, materials=materials, languages=services.languages_of(person))


def _interview_form(data: Any, operation: Operation) -> InterviewScheduleForm:
    return InterviewScheduleForm(
        data,
        interviewers=interviewers_on(operation),
        locations=operation.interview_locations.filter(retired=False, setting="nondetention"),
        interpreters=interpreters_on(operation),
    )


# --- actions ---------------------------------------------------------------------------------------


def _act(
    request: HttpRequest,
    actor: User,
    standing: Standing,
    person: Person,
    *,
    key: str,
    form: forms.Form,
    perform: Callable[[], object],
    object_id: UUID | None = None,
) -> HttpResponse:
    """Run one action: the form's shape, then the service. Success goes back to the section."""
    refusal = ""
    if form.is_valid():
        try:
            perform()
        except ValidationFailed as error:
            if isinstance(form, ActionForm):
                form.add_problems(error.problems)
            else:
                form.add_error(None, "; ".join(str(p) for p in error.problems))
        except RuleViolation as error:
            refusal = error.message
        else:
            section = ACTIONS[key][0]
            return HttpResponseRedirect(f"{_person_url(person)}?saved={key}#{section}", status=303)
    return _person_response(
        request,
        actor,
        standing,
        person,
        failed=Failed(key, form, refusal, object_id),
        status=422 if refusal else 400,
    )


def _acting(request: HttpRequest, operation_code: str, person_code: str) -> tuple[User, Person, Standing]:
    actor = _actor(request)
    person, standing = _find_person(actor, operation_code, person_code, audit=False)
    return actor, person, standing


@require_POST
def person_place(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    form = PlaceForm(request.POST, areas=person.operation.areas.filter(retired=False))
    return _act(
        request,
        actor,
        standing,
        person,
        key="place",
        form=form,
        perform=lambda: services.person_place(actor=actor, person=person, area=form.cleaned_data["area"]),
    )


@require_POST
def person_designation(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    form = DesignationForm(request.POST, areas=person.operation.areas.filter(retired=False))
    return _act(
        request,
        actor,
        standing,
        person,
        key="designation",
        form=form,
        perform=lambda: services.designation_record(
            actor=actor,
            person=person,
            status=form.cleaned_data["status"],
            move_to=form.cleaned_data["move_to"] or None,
        ),
    )


@require_POST
def person_observation(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.INVESTIGATIVE, Access.WRITE, hide=False)
    others = persons_visible_to(standing, person.operation).exclude(pk=person.pk)
    form = ObservationForm(request.POST, others=others)
    return _act(
        request,
        actor,
        standing,
        person,
        key="observation",
        form=form,
        perform=lambda: services.observation_record(
            actor=actor,
            person=person,
            signs=form.cleaned_data["signs"],
            text=form.cleaned_data["text"],
            towards=form.cleaned_data["towards"],
        ),
    )


@require_POST
def person_needs(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.NEEDS_FULL, Access.WRITE, actor.agency_id, hide=False)
    form = NeedsForm(request.POST, languages=services.languages_of(person))
    return _act(
        request,
        actor,
        standing,
        person,
        key="needs",
        form=form,
        perform=lambda: services.needs_assessment_record(actor=actor, person=person, **form.arguments()),
    )


@require_POST
def person_information(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.INFORMATION, Access.WRITE, hide=False)
    form = _information_form(request.POST, person)
    return _act(
        request,
        actor,
        standing,
        person,
        key="information",
        form=form,
        perform=lambda: services.information_record(actor=actor, person=person, **form.cleaned_data),
    )


@require_POST
def person_victim_service(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.VICTIM_SERVICE_RECORD, Access.WRITE, actor.agency_id, hide=False)
    kind = request.POST.get("kind", "")
    known = kind in VictimServiceKind.values
    form = VictimServiceForm(request.POST, kind=kind if known else VictimServiceKind.CASE_NOTE)
    return _act(
        request,
        actor,
        standing,
        person,
        key=kind if known else VictimServiceKind.CASE_NOTE.value,
        form=form,
        perform=lambda: services.victim_service_record(
            actor=actor,
            person=person,
            kind=kind,
            text=form.cleaned_data["text"],
            service_kind=form.cleaned_data.get("service_kind", ""),
            service_status=form.cleaned_data.get("service_status", ""),
        ),
    )


@require_POST
def person_attorney_note(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.ATTORNEY_NOTES, Access.WRITE, actor.agency_id, hide=False)
    form = AttorneyNoteForm(request.POST)
    return _act(
        request,
        actor,
        standing,
        person,
        key="attorney",
        form=form,
        perform=lambda: services.attorney_note_record(
            actor=actor, person=person, text=form.cleaned_data["text"]
        ),
    )


@require_POST
def person_consent(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.CONSENT, Access.WRITE, actor.agency_id, hide=False)
    minor = treated_as_minor(person.tags.values_list("tag", flat=True))
    form = ConsentForm(
        request.POST,
        recipients=_recipients(person.operation, actor.agency_id),
        minor=minor,
        today=clock_day(person.operation.utc_offset_minutes),
    )

    def perform() -> object:
        data = form.cleaned_data
        return services.consent_record(
            actor=actor,
            person=person,
            recipient=data["recipient"],
            items=data["items"],
            purpose=data["purpose"],
            in_writing=data["in_writing"],
            given_on=data["given_on"],
            expires_on=data["expires_on"],
            guardian=data.get("guardian", ""),
            minor_may_consent=data.get("minor_may_consent", ""),
        )

    return _act(request, actor, standing, person, key="consent", form=form, perform=perform)


@require_POST
def person_consent_revoke(
    request: HttpRequest, operation_code: str, person_code: str, consent_id: UUID
) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    consent = person.consents.filter(pk=consent_id).first()
    # only the recording provider knows the consent; to anyone else it does not exist (same message)
    if consent is None or not allows(standing, Compartment.CONSENT, Access.WRITE, consent.agency_id):
        raise NotFound("No such consent.", owner=consent.agency_id if consent is not None else None)
    form = ConsentRevokeForm(request.POST, consent_id=consent.pk)
    return _act(
        request,
        actor,
        standing,
        person,
        key="revoke",
        form=form,
        object_id=consent.pk,
        perform=lambda: services.consent_revoke(
            actor=actor, consent=consent, orally=form.cleaned_data["how"] == "orally"
        ),
    )


@require_POST
def person_interview(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.INTERVIEW_SCHEDULE, Access.WRITE, hide=False)
    form = _interview_form(request.POST, person.operation)

    def perform() -> object:
        data = form.cleaned_data
        return services.interview_schedule(
            actor=actor,
            person=person,
            interviewer=data["interviewer"],
            role=data["role"],
            location=data["location"],
            starts_at=data["starts_at"],
            minutes=data["minutes"],
            interpreter=data["interpreter"],
            room=data["room"],
        )

    return _act(request, actor, standing, person, key="interview", form=form, perform=perform)


@require_POST
def person_interview_record(
    request: HttpRequest, operation_code: str, person_code: str, interview_id: UUID
) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    interview = person.interviews.filter(pk=interview_id).first()
    if interview is None:
        raise NotFound("No such interview.")
    require(standing, Compartment.INTERVIEW_RECORD, Access.WRITE, interview.agency_id, hide=False)
    form = InterviewRecordForm(request.POST, interview_id=interview.pk)
    return _act(
        request,
        actor,
        standing,
        person,
        key="record",
        form=form,
        object_id=interview.pk,
        perform=lambda: services.interview_conduct(
            actor=actor,
            interview=interview,
            notes=form.cleaned_data["notes"],
            minutes=form.cleaned_data["minutes"],
        ),
    )


@require_POST
def person_preference_withdraw(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    return _act(
        request,
        actor,
        standing,
        person,
        key="withdraw",
        form=forms.Form(request.POST),
        perform=lambda: services.interviewer_preference_withdraw(actor=actor, person=person),
    )


@require_POST
def person_danger(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    return _act(
        request,
        actor,
        standing,
        person,
        key="danger",
        form=forms.Form(request.POST),
        perform=lambda: services.danger_flag(actor=actor, person=person),
    )


def _child_welfare_agencies(operation: Operation) -> Any:
    return Agency.objects.filter(
        participations__operation=operation, type=AgencyType.CHILD_WELFARE, is_active=True
    ).order_by("name")


@require_POST
def person_child_welfare(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.ROSTER, Access.WRITE, hide=False)
    form = ChildWelfareForm(request.POST, agencies=_child_welfare_agencies(person.operation))
    return _act(
        request,
        actor,
        standing,
        person,
        key="child_welfare",
        form=form,
        perform=lambda: services.child_welfare_notify(
            actor=actor, person=person, agency=form.cleaned_data["agency"], at=form.cleaned_data["at"]
        ),
    )


@require_POST
def person_danger_respond(
    request: HttpRequest, operation_code: str, person_code: str, flag_id: UUID
) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    flag = person.danger_flags.filter(pk=flag_id).first()
    if flag is None:
        raise NotFound("No such flag.")
    require(standing, Compartment.IMMINENT_DANGER, Access.WRITE, hide=False)
    form = DangerRespondForm(request.POST, flag_id=flag.pk)
    return _act(
        request,
        actor,
        standing,
        person,
        key="respond",
        form=form,
        object_id=flag.pk,
        perform=lambda: services.danger_respond(
            actor=actor, flag=flag, response=form.cleaned_data["response"]
        ),
    )


@require_POST
def person_relief(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    kinds = _relief_kinds(standing)
    if not kinds:
        raise Forbidden("Your agency cannot record immigration relief.")
    form = ReliefForm(request.POST, kinds=kinds)
    return _act(
        request,
        actor,
        standing,
        person,
        key="relief",
        form=form,
        perform=lambda: services.relief_record(
            actor=actor, person=person, kind=form.cleaned_data["kind"], status=form.cleaned_data["status"]
        ),
    )


@require_POST
def person_release(request: HttpRequest, operation_code: str, person_code: str) -> HttpResponse:
    actor, person, standing = _acting(request, operation_code, person_code)
    require(standing, Compartment.ROSTER, Access.WRITE, hide=False)
    form = ReleaseForm(request.POST)
    return _act(
        request,
        actor,
        standing,
        person,
        key="release",
        form=form,
        perform=lambda: services.person_release(
            actor=actor,
            person=person,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
        ),
    )
