"""The operation pages: a new operation, the plan section by section next to its readiness, approval, the
version history, the need-to-know briefings and the plan export.

Thin: every page fetches the operation through `operation_for` (hidden and missing look the same), asks the
policy before reading, and records one audit event; every form becomes plan data that `parse_plan` and the
operations services judge.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haven.access.policies import Access, Compartment, Standing, allows, may_create_operation, require
from haven.accounts.models import Agency, User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import ConfirmationRequired, Conflict, Forbidden, NotFound, RuleViolation
from haven.core.problems import InvalidInput
from haven.operations.models import Operation, PlanVersion, VersionKind
from haven.operations.selectors import current_plan, operation_for, plan_for, versions_for
from haven.operations.services import (
    operation_approve,
    operation_create,
    plan_save,
    readiness_policy,
)
from haven.plans import (
    Plan,
    full_briefing,
    parse_plan,
    plan_to_dict,
    plan_to_json,
    plan_to_yaml,
    render_pdf,
    service_briefing,
)
from haven.readiness import RULES, ReadinessReport, RuleResult, Status, evaluate
from haven.web.forms_plans import OPERATION_FIELDS, NewOperationForm
from haven.web.plan_forms import SECTIONS, SECTIONS_BY_KEY, SectionForm, SectionSpec, problem_parts
from haven.web.plan_forms.fields import Choices

RULE_TITLES = {rule.id: rule.title for rule in RULES}


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _version(operation: Operation) -> PlanVersion:
    version = operation.current_version
    assert version is not None
    return version


def _viewed(actor: User, operation: Operation, event: AuditEvent, **details: Any) -> None:
    record(actor=actor, event=event, target=operation, operation_id=operation.pk, details=details)


def _refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "web/error.html", {"title": "Refused", "message": message}, status=status)


def _int(text: str | None) -> int | None:
    """A plan version posted by a form: a few ASCII digits ("²" is a digit to `isdigit`, not to `int`)."""
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 10 else None


# -- new operation ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def operation_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not may_create_operation(actor):
        raise Forbidden("Only a coordinator of an investigative agency can create an operation.")
    agencies = list(Agency.objects.filter(is_active=True).order_by("name"))
    form = NewOperationForm(request.POST or None, agencies=agencies, own=actor.agency)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                plan = parse_plan(json.dumps(form.plan_data()))
                operation = operation_create(
                    actor=actor, plan=plan, is_exercise=bool(form.cleaned_data.get("exercise"))
                )
            except InvalidInput as error:
                for problem in error.problems:
                    parts = problem_parts(problem.path)
                    name = parts[1] if parts[:1] == ["operation"] and len(parts) > 1 else None
                    if isinstance(name, str) and name in OPERATION_FIELDS:
                        form.add_error(name, problem.message)
                    else:
                        form.add_error(None, str(problem))
            else:
                return redirect("web:plan", code=operation.code)
    return render(request, "web/operations/new.html", {"form": form}, status=status)


# -- the plan page ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionView:
    form: SectionForm
    summary: str


def _agency_choices(document: Mapping[str, Any]) -> Choices:
    agencies = document.get("agencies") or []
    return [(str(a["id"]), f"{a.get('name', a['id'])} ({a['id']})") for a in agencies if "id" in a]


@functools.cache
def _needs_choices(needs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((need, need.replace("_", " ").capitalize()) for need in needs)


def _vocabularies() -> dict[str, Choices]:
    """The lists the task force's readiness policy fixes (the information needs a plan may list)."""
    return {"information_needs": _needs_choices(readiness_policy().allowed_information_needs)}


def _new_to_haven(operation: Operation, document: Mapping[str, Any]) -> set[str]:
    """The plan's agencies that Haven first learned of from a plan since this operation began, and that
    have no accounts yet (nobody there can sign in until an admin adds them)."""
    ids = [str(a.get("id")) for a in document.get("agencies") or []]
    accounts = User.objects.filter(agency=OuterRef("pk"))
    return set(
        Agency.objects.filter(slug__in=ids, created_at__gte=operation.created_at - timedelta(minutes=1))
        .filter(~Exists(accounts))
        .values_list("slug", flat=True)
    )


def _agency_directory() -> list[tuple[str, str]]:
    """The agencies Haven knows, offered where a plan names an agency: a typo of an id is not a new agency."""
    return [
        (agency.slug, f"{agency.name} ({agency.get_type_display()})")
        for agency in Agency.objects.filter(is_active=True).order_by("name")
    ]


def _section_form(
    spec: SectionSpec,
    operation: Operation,
    document: Mapping[str, Any],
    data: Any = None,
    *,
    base_version: int | None = None,
    vocabularies: dict[str, Choices] | None = None,
) -> SectionForm:
    options: dict[str, Any] = {
        "base_version": base_version if base_version is not None else _version(operation).number,
        "agencies": _agency_choices(document),
        "vocabularies": vocabularies if vocabularies is not None else _vocabularies(),
        "new_agencies": _new_to_haven(operation, document) if spec.key == "agencies" else (),
        "directory": _agency_directory() if spec.key == "agencies" else (),
    }
    if data is None:
        return SectionForm.from_plan(spec, document, **options)
    return SectionForm.from_post(spec, document, data, **options)


def _status(operation: Operation, standing: Standing) -> dict[str, Any]:
    """What the status banner says: in review or approved (which version, by whom, when), and whether
    the action has started (shown only to those who may read the full plan: it tells the time)."""
    detailed = allows(standing, Compartment.FULL_PLAN, Access.READ)  # versions belong to the full plan
    approved = operation.approved_version if detailed else None
    return {
        "operation": operation,
        "detailed": detailed,
        "version": _version(operation),
        "approved_version": approved,
        "approved_by": operation.approved_by if approved else None,
        "started": detailed and operation.has_started(),
    }


@dataclass(frozen=True)
class RuleRow:
    """One rule on the readiness panel; a failing one with the plan's sections that fix it (rules.yaml)."""

    result: RuleResult
    sections: tuple[SectionSpec, ...] = ()


def _readiness(operation: Operation, standing: Standing, plan: Plan | None = None) -> dict[str, Any]:
    """The readiness results as the actor may see them: every rule with its message and guidance, each
    failing one with the sections that fix it, or only whether the plan is ready."""
    require(standing, Compartment.READINESS_STATUS, Access.READ)
    report: ReadinessReport = evaluate(plan or current_plan(operation), readiness_policy())
    if not allows(standing, Compartment.READINESS_MESSAGES, Access.READ):
        return {"detailed": False, "ready": report.ready}
    return {
        "detailed": True,
        "ready": report.ready,
        "summary": report.summary,
        "failing": [
            RuleRow(r, tuple(SECTIONS_BY_KEY[key] for key in r.sections))
            for r in report.results
            if r.status is Status.FAIL
        ],
        "others": [RuleRow(r) for r in report.results if r.status is not Status.FAIL],
    }


def _panel(
    operation: Operation,
    standing: Standing,
    plan: Plan | None = None,
    refusal: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The readiness panel: the verdict, the rules, and "Approve" — offered only to a coordinator who may
    write the plan, for a plan that is ready and not already approved at this version (operation_approve
    refuses the rest all the same)."""
    readiness = _readiness(operation, standing, plan)
    approved = operation.approved_version
    may_approve = (
        readiness["ready"]
        and allows(standing, Compartment.FULL_PLAN, Access.WRITE)
        and (not operation.is_approved or approved is None or approved.pk != _version(operation).pk)
    )
    return {
        "operation": operation,
        "readiness": readiness,
        "status": _status(operation, standing),
        "may_approve": may_approve,
        "refusal": refusal,
    }


def _operation_context(operation: Operation, standing: Standing) -> dict[str, Any]:
    return {
        "operation": operation,
        "may_read_plan": allows(standing, Compartment.FULL_PLAN, Access.READ),
        "may_edit": allows(standing, Compartment.FULL_PLAN, Access.WRITE),
    }


def _render_plan(
    request: HttpRequest,
    operation: Operation,
    standing: Standing,
    plan: Plan,
    *,
    refusal: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    document = plan_to_dict(plan)
    vocabularies = _vocabularies()
    sections = [
        SectionView(
            _section_form(spec, operation, document, vocabularies=vocabularies),
            spec.summary(document.get(spec.key)),
        )
        for spec in SECTIONS
    ]
    context = {
        **_operation_context(operation, standing),
        **_panel(operation, standing, plan, refusal),
        "sections": sections,
        "tab": "plan",
    }
    return render(request, "web/operations/plan.html", context, status=status)


@require_GET
def plan_page(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    operation, standing = operation_for(actor, code)
    plan = plan_for(actor, operation, standing)
    _viewed(actor, operation, AuditEvent.OPERATION_VIEWED, version=_version(operation).number)
    return _render_plan(request, operation, standing, plan)


# -- one section: its own page, and saving it ---------------------------------------------------------------


def _section_response(
    request: HttpRequest,
    operation: Operation,
    standing: Standing,
    form: SectionForm,
    *,
    status: int = 200,
    summary: str = "",
) -> HttpResponse:
    context = {
        **_operation_context(operation, standing),
        "form": form,
        "tab": "plan",
        "summary_oob": summary if _htmx(request) else "",  # the collapsed section's few words, updated
    }
    template = "web/operations/_section_form.html" if _htmx(request) else "web/operations/section.html"
    return render(request, template, context, status=status)


def _saved_notice(number: int, *, changed: bool, amendment: bool, returned: bool) -> str:
    if not changed:
        return f"No changes: the plan stays at version {number}."
    notice = f"Saved as version {number}" + (" (an amendment after the start)." if amendment else ".")
    return notice + (" The plan is back in review." if returned else "")


@require_http_methods(["GET", "POST"])
def plan_section(request: HttpRequest, code: str, section: str) -> HttpResponse:
    actor = _actor(request)
    operation, standing = operation_for(actor, code)
    spec = SECTIONS_BY_KEY.get(section)
    if spec is None:
        raise NotFound("No such section of the plan.")
    plan = plan_for(actor, operation, standing)
    document = plan_to_dict(plan)
    if request.method == "GET":
        _viewed(actor, operation, AuditEvent.OPERATION_VIEWED, sections=[spec.key])
        return _section_response(request, operation, standing, _section_form(spec, operation, document))

    require(standing, Compartment.FULL_PLAN, Access.WRITE, hide=False)
    base_version = _int(request.POST.get("base_version"))
    if base_version is None:
        return _refused(request, "The form does not say which version of the plan it was opened from.")
    form = _section_form(spec, operation, document, request.POST, base_version=base_version)
    if not form.is_valid():
        return _section_response(request, operation, standing, form, status=422)
    action = request.POST.get("_action") or "save"
    if action != "save":
        if not form.apply(action):
            return _refused(request, "Unknown action.")
        return _section_response(request, operation, standing, form)

    value = form.value()
    changed = dict(document)
    if value is None:
        changed.pop(spec.key, None)
    else:
        changed[spec.key] = value
    try:
        result = plan_save(
            actor=actor,
            operation=operation,
            plan=parse_plan(json.dumps(changed)),
            base_version=base_version,
            sections=[spec.key],
            confirm_removal=request.POST.getlist("confirm_removal"),
        )
    except InvalidInput as error:
        form.attach(error.problems)
        return _section_response(request, operation, standing, form, status=422)
    except ConfirmationRequired as error:
        form.confirmation, form.confirm = error.message, error.subjects
        return _section_response(request, operation, standing, form, status=409)
    except Conflict as error:
        form.conflict = error.message
        return _section_response(request, operation, standing, form, status=409)

    notice = _saved_notice(
        result.version.number,
        changed=result.changed,
        amendment=result.version.kind == VersionKind.AMENDMENT,
        returned=result.returned_to_review,
    )
    operation, standing = operation_for(actor, code)
    saved = plan_to_dict(current_plan(operation))
    fresh = _section_form(spec, operation, saved)
    fresh.notice = notice
    response = _section_response(
        request, operation, standing, fresh, summary=spec.summary(saved.get(spec.key))
    )
    response["HX-Trigger"] = "readiness-changed"
    if spec.key == "agencies" and _agency_choices(document) != _agency_choices(saved):
        response["HX-Refresh"] = "true"  # every other section offers the plan's agencies
    return response


# -- readiness and approval ---------------------------------------------------------------------------------


def _panel_response(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = "web/operations/_readiness.html" if _htmx(request) else "web/operations/readiness.html"
    return render(request, template, {**context, "oob": _htmx(request)}, status=status)


@require_GET
def readiness_panel(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    operation, standing = operation_for(actor, code)
    context = {
        **_operation_context(operation, standing),
        **_panel(operation, standing),
        "tab": "plan",
    }
    _viewed(actor, operation, AuditEvent.READINESS_VIEWED, version=_version(operation).number)
    return _panel_response(request, context)


@require_POST
def plan_approve(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    operation, standing = operation_for(actor, code)
    require(standing, Compartment.FULL_PLAN, Access.WRITE, hide=False)
    version = _int(request.POST.get("version"))
    if version is None:
        return _refused(request, "The approval does not say which version of the plan you reviewed.")
    refusal: dict[str, Any] | None = None
    status = 200
    try:
        operation_approve(actor=actor, operation=operation, version=version)
    except RuleViolation as error:
        rules = [rule for rule in error.rule.split(",") if rule]
        refusal = {"message": error.message, "rules": [(rule, RULE_TITLES.get(rule, "")) for rule in rules]}
        status = 422
    except Conflict as error:
        refusal = {"message": error.message, "rules": []}
        status = 409
    operation, standing = operation_for(actor, code)
    if refusal is None and not _htmx(request):
        return redirect("web:plan", code=operation.code)  # the status banner says who approved which
    if not _htmx(request):
        return _render_plan(
            request, operation, standing, current_plan(operation), refusal=refusal, status=status
        )
    context = {**_operation_context(operation, standing), **_panel(operation, standing, refusal=refusal)}
    return _panel_response(request, context, status)


# -- history ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    version: PlanVersion
    sections: list[str]
    approved: bool


@require_GET
def plan_history(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    operation, standing = operation_for(actor, code)
    versions = list(versions_for(actor, operation, standing).defer("document"))
    titles = {spec.key: spec.title for spec in SECTIONS}
    rows = [
        HistoryRow(
            version,
            [titles.get(key, key) for key in version.sections_changed],
            approved=version.pk == operation.approved_version_id,
        )
        for version in versions
    ]
    _viewed(actor, operation, AuditEvent.OPERATION_VIEWED, via="history")
    context = {
        **_operation_context(operation, standing),
        "status": _status(operation, standing),
        "rows": rows,
        "amendments": [row for row in rows if row.version.kind == VersionKind.AMENDMENT],
        "tab": "history",
    }
    return render(request, "web/operations/history.html", context)


# -- briefings and export -----------------------------------------------------------------------------------


@require_GET
def briefing(request: HttpRequest, code: str) -> HttpResponse:
    """The audience-appropriate briefing: the full plan for those who may read it, else the service
    briefing; `?audience=service` shows anyone what the providers receive, `?format=pdf` downloads it."""
    actor = _actor(request)
    operation, standing = operation_for(actor, code)
    may_read_plan = allows(standing, Compartment.FULL_PLAN, Access.READ)
    audience = request.GET.get("audience") or ("full" if may_read_plan else "service")
    if audience == "full":
        plan = plan_for(actor, operation, standing)
        report = evaluate(plan, readiness_policy())
        document = full_briefing(plan, exercise=operation.is_exercise, readiness=report.to_briefing_note())
    else:
        audience = "service"
        require(standing, Compartment.SERVICE_BRIEFING, Access.READ)
        plan = current_plan(operation)
        ready = evaluate(plan, readiness_policy()).ready
        document = service_briefing(plan, exercise=operation.is_exercise, ready=ready)
    if request.GET.get("format") == "pdf":
        _viewed(actor, operation, AuditEvent.BRIEFING_EXPORTED, audience=audience, format="pdf")
        response = HttpResponse(render_pdf(document), content_type="application/pdf")
        filename = f"{operation.code}-{'service-briefing' if audience == 'service' else 'full-plan'}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    _viewed(actor, operation, AuditEvent.BRIEFING_VIEWED, audience=audience)
    context = {
        **_operation_context(operation, standing),
        "briefing": document,
        "audience": audience,
        "tab": "briefing",
    }
    return render(request, "web/operations/briefing.html", context)


@require_GET
def plan_export(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    operation, standing = operation_for(actor, code)
    plan = plan_for(actor, operation, standing)
    fmt = "json" if request.GET.get("format") == "json" else "yaml"
    number = _version(operation).number
    _viewed(actor, operation, AuditEvent.PLAN_EXPORTED, format=fmt, version=number)
    if fmt == "json":
        response = HttpResponse(plan_to_json(plan), content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(plan_to_yaml(plan), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{operation.code}-plan-v{number}.{fmt}"'
    return response
