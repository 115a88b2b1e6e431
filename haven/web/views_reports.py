"""The after-action report page and its downloads.

Thin: `haven.reports.services.report_generate` fetches the operation through the policy (hidden and missing
look the same), decides which report the actor may have, computes it and records the audit event; these
views only choose the audience and the format and render the result.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from haven.accounts.models import User
from haven.core.errors import ValidationFailed
from haven.core.problems import Problem
from haven.reports.audiences import Audience
from haven.reports.charts import charts_for, svg_of
from haven.reports.figures import Scope
from haven.reports.formats import heading, marker_note, to_csv, to_json, to_markdown
from haven.reports.layout import sections, show
from haven.reports.pdf import to_pdf
from haven.reports.services import Report, parse_audience, report_generate

DOWNLOADS = {
    "json": ("application/json", "json"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "pdf": ("application/pdf", "pdf"),
}


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _refused(request: HttpRequest, error: ValidationFailed) -> HttpResponse:
    message = "; ".join(str(problem) for problem in error.problems)
    return render(request, "web/error.html", {"title": "Refused", "message": message}, status=400)


def _key_figures(report: Report) -> list[tuple[str, str]]:
    figures = report.figures
    if report.scope is Scope.SERVICE_AGENCY:
        return [
            ("Your clients", show(figures["persons.clients"])),
            ("Needs assessed", show(figures["needs.assessed"])),
        ]
    return [
        ("Persons encountered", show(figures["persons.encountered"])),
        ("Potential victims", show(figures["persons.by_designation"]["potential_victim"])),
        ("Median wait for a provider", show(figures["minutes_to_provider_contact.median"], "min")),
        (
            f"Waited over {report.limit_minutes} min",
            show(figures["minutes_to_provider_contact.over_limit"]),
        ),
        ("Interviews", show(figures["interviews.total"])),
    ]


@require_GET
def report_page(request: HttpRequest, code: str) -> HttpResponse:
    """The report with its tables and charts, for the audience asked for (or the actor's default)."""
    try:
        audience = parse_audience(request.GET.get("audience"))
    except ValidationFailed as error:
        return _refused(request, error)
    report = report_generate(actor=_actor(request), code=code, audience=audience, format="html", via="web")
    title, subtitle = heading(report)
    charts: list[tuple[Any, str]] = [
        # svg_of rewrites matplotlib's own SVG, whose text it escaped: nothing from the request is in it;
        # a chart with nothing to draw says why instead (Chart.not_drawn)
        (chart, "" if chart.not_drawn else mark_safe(svg_of(chart)))  # noqa: S308
        for chart in charts_for(report)
    ]
    context = {
        "report": report,
        "title": title,
        "subtitle": subtitle,
        "sections": sections(report),
        "charts": charts,
        "key_figures": _key_figures(report),
        "shareable": report.audience is Audience.SHAREABLE,
        "marker_note": marker_note(report) if report.audience is Audience.SHAREABLE else "",
        "downloads": [
            (fmt, name)
            for fmt, name in (("pdf", "PDF"), ("json", "JSON"), ("md", "Markdown"), ("csv", "CSV (HTCDS)"))
            if fmt != "csv" or report.audience is Audience.SHAREABLE
        ],
    }
    return render(request, "web/reports/report.html", context)


def _export_choice(fmt: str, audience: Audience | None) -> Audience | None:
    """Refuse an unknown format, and a CSV of anything but the shareable figures."""
    if fmt not in DOWNLOADS:
        raise ValidationFailed(
            [Problem("format", f"'{fmt[:20]}' is not one of {', '.join(DOWNLOADS)}")], what="report"
        )
    if fmt != "csv":
        return audience
    if audience not in (None, Audience.SHAREABLE):
        raise ValidationFailed(
            [Problem("format", "the CSV export holds the shareable figures only: use audience=shareable")],
            what="report",
        )
    return Audience.SHAREABLE


@require_GET
def report_export(request: HttpRequest, code: str) -> HttpResponse:
    """The report as a file: `?format=json|md|csv|pdf` (JSON by default) and `?audience=`."""
    fmt = request.GET.get("format") or "json"
    try:
        audience = _export_choice(fmt, parse_audience(request.GET.get("audience")))
    except ValidationFailed as error:
        return _refused(request, error)
    report = report_generate(actor=_actor(request), code=code, audience=audience, format=fmt, via="web")
    body: str | bytes
    if fmt == "pdf":
        body = to_pdf(report)
    elif fmt == "csv":
        body = to_csv(report)
    elif fmt == "md":
        body = to_markdown(report)
    else:
        body = to_json(report)
    content_type, extension = DOWNLOADS[fmt]
    response = HttpResponse(body, content_type=content_type)
    filename = f"after-action-{report.code}-{report.audience.value}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
