"""Pages of the application shell: home, the audit trail for auditors, account administration."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Max, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from haven.access.policies import Access, Compartment, allows, may_create_operation
from haven.accounts import services as account_services
from haven.accounts.models import AccountChangeKind, Agency, User
from haven.accounts.policies import require_account_admin, require_auditor
from haven.accounts.selectors import account_changes_for, agencies_for_admin, users_for_admin
from haven.audit import selectors as audit_selectors
from haven.audit import services as audit_services
from haven.audit.events import AuditEvent
from haven.audit.models import AuditRecord
from haven.audit.services import record
from haven.core.clock import clock_stamp
from haven.core.errors import NotFound, RuleViolation, ValidationFailed
from haven.core.spreadsheets import safe_cell
from haven.encounters.selectors import person_ids_with_code, person_labels_for_audit
from haven.operations.models import Operation
from haven.operations.selectors import operations_visible_to, standing_on
from haven.web.forms import AgencyForm, AuditFilterForm, DecisionForm, ProposalForm, UserForm


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _form_errors(form: AgencyForm | UserForm, error: ValidationFailed) -> None:
    for problem in error.problems:
        field = problem.path if problem.path in form.fields else None
        form.add_error(field, problem.message)


def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitoring: the process answers. Public, and touches no data."""
    return HttpResponse("ok\n", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    """The operations the actor's agency is on: one query however many there are, one audit event."""
    actor = _actor(request)
    operations = operations_visible_to(actor).annotate(
        ready=F("current_version__ready"),
        # the plan's own timestamps: their dates are in the action's own offset
        starts=F("current_version__document__operation__starts_at"),
        ends=F("current_version__document__operation__ends_at"),
    )
    items = []
    for operation in operations:
        standing = standing_on(actor, operation)
        may_read_plan = allows(standing, Compartment.FULL_PLAN, Access.READ)
        items.append(
            {
                "operation": operation,
                # dates only: a time of day of the action is full-plan information
                "first_day": str(operation.starts)[:10],
                "last_day": str(operation.ends)[:10],
                "ready": operation.ready,
                "may_read_plan": may_read_plan,
                # dropped from the plan, the agency keeps its own records there: its clients' list
                "retained": standing.retained,
                # whether the action has started tells its time: full-plan information
                "started": may_read_plan and operation.has_started(),
            }
        )
    record(actor=actor, event=AuditEvent.OPERATIONS_LISTED, details={"count": len(items)})
    return render(request, "web/home.html", {"operations": items, "may_create": may_create_operation(actor)})


def _audit_filters(
    request: HttpRequest, actor: User
) -> tuple[AuditFilterForm, dict[str, Any], QuerySet[AuditRecord]]:
    """The auditor's filters, as the page and the export both read them, and the events they select."""
    form = AuditFilterForm(request.GET or None, event_types=list(AuditEvent.choices))
    filters = form.cleaned_data if form.is_valid() else {}
    person = filters.get("person") or ""
    events = audit_selectors.events_filtered(
        actor,
        username=filters.get("user") or "",
        event_type=filters.get("event_type") or "",
        outcome=filters.get("outcome") or "",
        record=filters.get("record") or "",
        person_code=person,
        person_ids=person_ids_with_code(person) if person else (),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    return form, filters, events


def _described(events: list[AuditRecord]) -> list[dict[str, str]]:
    """Each event as the auditor reads it: the person it names by code and operation, and for a refusal
    what was refused (the action, the method and path) and on which record."""
    labels = dict(AuditEvent.choices)
    persons = person_labels_for_audit(
        [e.target_id for e in events if e.target_type == "person" and e.target_id]
    )
    # an operation's event reads on the operation's clock (issue 14); the rest in UTC
    clocks = dict(
        Operation.objects.filter(pk__in={e.operation_id for e in events if e.operation_id}).values_list(
            "pk", "utc_offset_minutes"
        )
    )
    rows = []
    for event in events:
        try:
            details = json.loads(event.details)
        except ValueError:
            details = {}
        person = persons.get(event.target_id, "") if event.target_type == "person" else ""
        if not person and details.get("person"):
            person = " · ".join(str(details[k]) for k in ("person", "operation") if details.get(k))
        refused = ""
        if event.event_type == AuditEvent.ACCESS_DENIED:
            request_line = " ".join(str(details[k]) for k in ("method", "path") if details.get(k))
            refused = " — ".join(part for part in (str(details.get("action") or ""), request_line) if part)
        rows.append(
            {
                "sequence": str(event.sequence),
                "time": clock_stamp(
                    event.occurred_at,
                    clocks.get(event.operation_id, 0) if event.operation_id else 0,
                    seconds=True,
                ),
                "iso_time": event.occurred_at.isoformat(),
                "user": event.actor_label,
                "event": event.event_type,
                "label": labels.get(event.event_type, event.event_type),
                "outcome": event.outcome,
                "record_type": event.target_type,
                "record_id": event.target_id,
                "person": person,
                "refused": refused,
                "operation": str(details.get("operation") or ""),
                "client_address": event.client_address,
                "details": event.details,
            }
        )
    return rows


def audit_events(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require_auditor(actor)
    form, filters, events = _audit_filters(request, actor)
    page = Paginator(events.select_related(None), 50).get_page(request.GET.get("page"))
    rows = _described(list(page.object_list))
    last_run, last_passed = audit_selectors.last_verifications()
    record(
        actor=actor,
        event=AuditEvent.AUDIT_VIEWED,
        subject_agency_id=actor.agency_id,
        details={"filters": sorted(k for k, v in filters.items() if v), "count": len(rows)},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "last_run": last_run,
            "last_run_details": json.loads(last_run.details) if last_run is not None else {},
            "last_passed": last_passed,
            "last_passed_details": json.loads(last_passed.details) if last_passed is not None else {},
        },
    )


EXPORT_COLUMNS = (
    "sequence",
    "time_utc",
    "user",
    "event",
    "outcome",
    "record_type",
    "record_id",
    "person",
    "refused",
    "client_address",
    "details",
    # an operation's event on the operation's clock, as the page shows it (issue 14); last, so that the
    # columns before it keep their places
    "time_local",
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def audit_events_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered events as CSV, every cell formula-safe; the export itself is an audited event."""
    actor = _actor(request)
    require_auditor(actor)
    _form, filters, events = _audit_filters(request, actor)
    # the events as they stand now: the export's own event (and any later) are not part of it
    events = events.filter(sequence__lte=AuditRecord.objects.aggregate(last=Max("sequence"))["last"] or 0)
    audit_services.audit_events_exported(
        actor=actor, filters=[k for k, v in filters.items() if v], count=events.count()
    )
    writer = csv.writer(_Echo(), lineterminator="\n")

    def lines() -> Iterator[str]:
        yield writer.writerow(EXPORT_COLUMNS)
        batch: list[AuditRecord] = []
        for event in events.select_related(None).iterator(chunk_size=2000):
            batch.append(event)
            if len(batch) == 2000:
                yield from _csv_rows(writer, batch)
                batch = []
        yield from _csv_rows(writer, batch)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="haven-audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _csv_rows(writer: Any, events: list[AuditRecord]) -> Iterator[str]:
    for row in _described(events):
        cells = {**row, "time_utc": row["iso_time"], "time_local": row["time"]}
        yield writer.writerow([safe_cell(cells[column]) for column in EXPORT_COLUMNS])


@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Run the chain's verification now; the result is an audited event the page then shows."""
    actor = _actor(request)
    require_auditor(actor)
    audit_services.audit_chain_verify(actor=actor)
    return redirect("web:audit")


# --- account administration ----------------------------------------------------------------------


def users_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    return render(request, "web/manage_users.html", {"users": users_for_admin(actor)})


@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require_account_admin(actor)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_services.user_create(
                actor=actor,
                username=data["username"],
                name=data["name"],
                agency=actor.agency,
                password=data["password"],
                roles=data["roles"],
                gender=data["gender"],
                interviewer_roles=data["interviewer_roles"],
                languages=data["languages"],
            )
        except ValidationFailed as error:
            _form_errors(form, error)
        else:
            return redirect("web:user-edit", user_id=user.pk)
    return render(request, "web/manage_user_form.html", {"form": form, "editing": None})


def _managed_user(actor: User, user_id: str) -> User:
    user = users_for_admin(actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound
    return user


@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: str) -> HttpResponse:
    actor = _actor(request)
    user = _managed_user(actor, user_id)
    initial = {
        "username": user.username,
        "name": user.name,
        "roles": [r for r in user.roles if r != "member"],
        "gender": user.gender,
        "interviewer_roles": user.interviewer_roles,
        "languages": ", ".join(user.language_codes),
    }
    form = UserForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account_services.user_update(
                actor=actor,
                user=user,
                name=data["name"],
                roles=data["roles"],
                gender=data["gender"],
                interviewer_roles=data["interviewer_roles"],
                languages=data["languages"],
            )
        except ValidationFailed as error:
            _form_errors(form, error)
        else:
            return redirect("web:user-edit", user_id=user.pk)
    return render(request, "web/manage_user_form.html", {"form": form, "editing": user})


@require_POST
def user_action(request: HttpRequest, user_id: str, action: str) -> HttpResponse:
    actor = _actor(request)
    user = _managed_user(actor, user_id)
    if action == "disable":
        account_services.user_set_active(actor=actor, user=user, active=False)
    elif action == "enable":
        account_services.user_set_active(actor=actor, user=user, active=True)
    elif action == "unlock":
        account_services.user_unlock(actor=actor, user=user)
    elif action == "reset-second-factor":
        account_services.second_factor_reset(actor=actor, user=user)
    else:
        raise NotFound
    return redirect("web:user-edit", user_id=user.pk)


def agencies_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    return render(request, "web/manage_agencies.html", {"agencies": agencies_for_admin(actor)})


@require_http_methods(["GET", "POST"])
def agency_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require_account_admin(actor)
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account_services.agency_create(
                actor=actor, slug=data["slug"], name=data["name"], type=data["type"]
            )
        except ValidationFailed as error:
            _form_errors(form, error)
        else:
            return redirect("web:agencies")
    return render(request, "web/manage_agency_form.html", {"form": form, "editing": None})


@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, agency_id: str) -> HttpResponse:
    actor = _actor(request)
    agency = agencies_for_admin(actor).filter(pk=agency_id).first()
    if agency is None:
        raise NotFound
    initial = {"slug": agency.slug, "name": agency.name, "type": agency.type, "is_active": agency.is_active}
    form = AgencyForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account_services.agency_update(
                actor=actor, agency=agency, name=data["name"], is_active=data["is_active"]
            )
        except ValidationFailed as error:
            _form_errors(form, error)
        else:
            return redirect("web:agencies")
    return render(request, "web/manage_agency_form.html", {"form": form, "editing": agency})


# --- two-person changes ------------------------------------------------------------------------------------


def _proposal_context(actor: User, posted: ProposalForm | None = None) -> dict[str, Any]:
    accounts = [(str(u.pk), f"{u.name} ({u.username})") for u in users_for_admin(actor)]
    forms_by_kind = {
        kind: (
            posted
            if posted is not None and posted.kind == kind
            else ProposalForm(kind=kind, accounts=accounts)
        )
        for kind in AccountChangeKind.values
    }
    return {
        "changes": [
            {
                "change": change,
                "decidable": decidable,
                "waiting_for": waiting,
                "form": DecisionForm(prefix=str(change.pk)),
            }
            for change, decidable, waiting in account_changes_for(actor)
        ],
        "propose": forms_by_kind,
        "status_proposals": [
            (AccountChangeKind.DEACTIVATE_AGENCY, "Propose deactivating", forms_by_kind["deactivate_agency"]),
            (AccountChangeKind.REACTIVATE_AGENCY, "Propose reactivating", forms_by_kind["reactivate_agency"]),
        ],
    }


@require_http_methods(["GET", "POST"])
def account_changes(request: HttpRequest) -> HttpResponse:
    """Changes that take two admins: propose one; approve, reject or withdraw those waiting."""
    actor = _actor(request)
    require_account_admin(actor)
    if request.method == "GET":
        return render(request, "web/manage_changes.html", _proposal_context(actor))
    kind = request.POST.get("proposal", "")
    if kind not in AccountChangeKind.values:
        raise NotFound("No such kind of change.")
    accounts = [(str(u.pk), u.username) for u in users_for_admin(actor)]
    form = ProposalForm(request.POST, kind=kind, accounts=accounts)
    if form.is_valid():
        data = form.cleaned_data
        try:
            account_services.account_change_propose(
                actor=actor,
                kind=kind,
                agency=Agency.objects.get(pk=data["agency"]),
                username=data.get("username", ""),
                name=data.get("name", ""),
                roles=data.get("roles", []),
                gender=data.get("gender", ""),
                user=users_for_admin(actor).filter(pk=data["user"]).first() if data.get("user") else None,
                agency_type=data.get("agency_type", ""),
            )
        except ValidationFailed as error:
            for problem in error.problems:
                form.add_error(problem.path if problem.path in form.fields else None, problem.message)
        except RuleViolation as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Proposed. It is carried out when a second admin approves it.")
            return redirect("web:account-changes")
    return render(request, "web/manage_changes.html", _proposal_context(actor, form), status=400)


@require_POST
def account_change_decide(request: HttpRequest, change_id: str, decision: str) -> HttpResponse:
    actor = _actor(request)
    require_account_admin(actor)
    change = next((c for c, _, _ in account_changes_for(actor) if str(c.pk) == str(change_id)), None)
    if change is None:
        raise NotFound("No such change.")
    if decision == "approve":
        form = DecisionForm(request.POST, prefix=str(change.pk))
        password = form.data.get(f"{change.pk}-password", "")
        try:
            account_services.account_change_approve(actor=actor, change=change, password=str(password))
        except ValidationFailed as error:
            for problem in error.problems:
                messages.error(request, f"Not approved: {problem.path or 'change'}: {problem.message}")
            return redirect("web:account-changes")
        messages.success(request, "Approved and carried out.")
    elif decision == "reject":
        account_services.account_change_reject(actor=actor, change=change)
        messages.success(request, "Rejected: nothing was changed.")
    elif decision == "withdraw":
        account_services.account_change_withdraw(actor=actor, change=change)
        messages.success(request, "Withdrawn: nothing was changed.")
    else:
        raise NotFound
    return redirect("web:account-changes")
