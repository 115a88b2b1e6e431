"""Briefings: the service briefing holds what a provider needs and nothing more; the full plan holds it all."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from hypothesis import HealthCheck, given, settings

from haven.core.markings import EXERCISE_MARKING
from haven.plans.briefing import (
    FULL_MARKING,
    SERVICE_MARKING,
    ReadinessNote,
    full_briefing,
    render_markdown,
    render_pdf,
    service_briefing,
)
from haven.plans.formats import INVESTIGATIVE_TYPES, Holds, Plan
from tests.markdown import HOSTILE, assert_inert_markdown, rendered_text
from tests.pdf import page_count, pdf_pages, pdf_text
from tests.plans.builders import DELETE, example_plan, free_text_changes, plan_with
from tests.plans.strategies import plan_data


def forbidden_in_service_briefing(plan: Plan) -> list[str]:
    """What a provider must never read: sites, the action's times of day, suspects' areas, legal notes,
    investigative responsibilities."""
    forbidden: list[str] = []
    for site in plan.sites:
        forbidden += [value for value in (site.name, site.address) if value]
    forbidden += [moment.isoformat() for moment in (plan.operation.starts_at, plan.operation.ends_at)]
    if plan.separation:
        forbidden += [
            area.name for area in plan.separation.areas if area.holds is Holds.SUSPECTS and area.name
        ]
    forbidden += [entry.notes for entry in plan.legal_authorities if entry.notes]
    for agency in plan.agencies:
        if agency.type in INVESTIGATIVE_TYPES:
            forbidden += list(agency.responsibilities)
    return [text for text in forbidden if text.strip()]


def allowed_times(plan: Plan) -> set[str]:
    """The provider's own call window may show a time that happens to equal the action's."""
    services = plan.victim_services
    moments = [services.available_from, services.available_until] if services else []
    return {moment.strftime("%H:%M") for moment in moments if moment}


def leaks(briefing_texts: Iterable[str], plan: Plan) -> list[str]:
    """Forbidden values found in the text, and the action's times of day (an offset like -05:00 is no time)."""
    flat = " ".join(" ".join(text.split()) for text in briefing_texts)
    found = [item for item in forbidden_in_service_briefing(plan) if " ".join(item.split()) in flat]
    for moment in (plan.operation.starts_at, plan.operation.ends_at):
        clock = moment.strftime("%H:%M")
        if clock not in allowed_times(plan) and re.search(rf"(?<![-+\d:]){clock}(?![\d])", flat):
            found.append(clock)
    return found


def test_the_service_briefing_holds_what_a_provider_needs() -> None:
    markdown = render_markdown(service_briefing(example_plan(), ready=True))
    for expected in (
        "Operation Northern Light",
        "**Dates:** 2026-12-03",
        "**Persons anticipated:** 14",
        "Female (female)",
        "Minors (minor)",
        "Foreign nationals (foreign_national)",
        "**Minors expected:** yes",
        "Spanish (es), Chinese (zh)",
        "Harbor Center, 12 Elm St, Metro City",
        "**Be ready from:** 2026-12-03 07:00 (UTC-05:00)",
        "**Available until:** 2026-12-03 20:00 (UTC-05:00)",
        "**Needs assessment by:** Harbor Victim Services (harbor-vs)",
        "safety, medical, shelter, food, language, contact",
        "**Victims' questions answered by:** Harbor Victim Services (harbor-vs)",
        "| Your rights and the help available | English (en), Spanish (es), Chinese (zh) |",
        "| Coordinator | Metro City Police Department | Sgt. Ana Rivera | +1 555 0100 | — | Metro-12 |",
        "| Service agency | Metro Immigrant Legal Aid | Jo Alvarez | — | j.alvarez@example.org | — |",
        "ready — every readiness rule passes",
        SERVICE_MARKING,
    ):
        assert expected in markdown, expected


def test_the_service_briefing_never_holds_sites_times_suspects_legal_notes_or_investigative_tasks() -> None:
    plan = example_plan()
    briefing = service_briefing(plan, ready=False)
    markdown = render_markdown(briefing)
    assert leaks(briefing.texts(), plan) == []
    assert leaks([markdown], plan) == []
    for text in ("Jade Spa", "100 5th St", "Precinct 4", "safe-harbor", "Arrests", "TAC-3"):
        assert text not in markdown
    assert re.findall(r"\d\d:\d\d", markdown.replace("(UTC-05:00)", "")) == ["07:00", "20:00"]
    # investigative agencies other than the coordinator do not appear at all
    for name in ("Homeland Security", "District Attorney", "US Attorney"):
        assert name not in markdown
    assert "not ready" in markdown


def test_a_staging_place_that_is_an_enforcement_site_is_withheld_from_the_service_briefing() -> None:
    """A plan whose staging is a site fails services.off-site; its service briefing must still never
    hold the site's name or address, however it is capitalised or punctuated."""
    for staging in (
        {"name": "Harbor Center", "address": "100 5TH ST. metro city", "private_space": True},
        {"name": "jade spa", "address": "12 Elm St, Metro City", "private_space": True},
        {"name": "Back room of the Jade Spa", "address": "", "private_space": True},
    ):
        plan = plan_with({"victim_services.staging": staging})
        markdown = render_markdown(service_briefing(plan, ready=False))
        assert "withheld: it names an enforcement site (readiness rule services.off-site)" in markdown
        for text in ("100 5TH ST", "jade spa", "Jade Spa", "12 Elm St"):
            assert text not in markdown, (staging, text)
    kept = render_markdown(service_briefing(plan_with({"victim_services.staging.name": "Spa Jadeite Hall"})))
    assert "Spa Jadeite Hall, 12 Elm St, Metro City" in kept  # a word in common is not a site


def test_the_service_briefing_says_not_known_when_nothing_is_anticipated() -> None:
    markdown = render_markdown(service_briefing(plan_with({"anticipated": None})))
    assert "**Persons anticipated:** not known" in markdown
    # a provider is never told "no minors" or "no other language" when the plan does not say
    assert "**Minors expected:** not stated" in markdown
    assert "**Languages besides English:** not stated" in markdown
    assert "readiness" not in markdown.lower()


def test_the_service_briefing_says_english_only_when_the_plan_states_it() -> None:
    markdown = render_markdown(service_briefing(plan_with({"anticipated.languages": []})))
    assert "**Languages besides English:** none (English only)" in markdown
    full = render_markdown(full_briefing(plan_with({"anticipated.languages": DELETE})))
    assert "not stated" in full


def test_a_multi_day_action_shows_a_date_range_in_the_offsets_own_dates() -> None:
    plan = plan_with(
        {"operation.starts_at": "2026-12-03T22:00:00-05:00", "operation.ends_at": "2026-12-04T02:00:00-05:00"}
    )
    assert "**Dates:** 2026-12-03 to 2026-12-04" in render_markdown(service_briefing(plan))


def test_the_exercise_marking_is_in_the_markdown_and_on_every_pdf_page() -> None:
    briefing = service_briefing(example_plan(), exercise=True)
    assert f"**{EXERCISE_MARKING}**" in render_markdown(briefing)
    pdf = render_pdf(briefing, compress=False)
    pages = page_count(pdf)
    assert pages >= 1
    drawn = pdf_text(pdf)
    # the watermark and the footer each name the exercise on every page
    assert drawn.count(EXERCISE_MARKING) >= 2 * pages
    assert drawn.count(f"of {pages}") == pages
    assert EXERCISE_MARKING not in pdf_text(render_pdf(service_briefing(example_plan()), compress=False))


def test_the_service_pdf_is_a_pdf_with_the_marking_and_none_of_the_forbidden_text() -> None:
    plan = example_plan()
    pdf = render_pdf(service_briefing(plan, ready=True), compress=False)
    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 2
    text = pdf_text(pdf)
    assert text.count(SERVICE_MARKING) >= 2 * page_count(pdf)  # header and footer
    assert "Page 1 of 2" in text
    assert "Page 2 of 2" in text
    assert "Harbor Center, 12 Elm St, Metro City" in text
    assert leaks([text], plan) == []


def test_the_compressed_pdf_holds_the_same_text() -> None:
    briefing = service_briefing(example_plan())
    compressed = render_pdf(briefing)
    assert len(compressed) < len(render_pdf(briefing, compress=False))
    assert pdf_text(compressed) == pdf_text(render_pdf(briefing, compress=False))


def test_the_full_briefing_has_the_ics_205_and_205a_tables_and_every_section() -> None:
    note = ReadinessNote(ready=False, results=(("mou.in-place", "fail", "There is no mou section"),))
    briefing = full_briefing(example_plan(), readiness=note)
    markdown = render_markdown(briefing)
    assert FULL_MARKING in markdown
    assert "**ICS 205 — Incident radio and communications plan**" in markdown
    assert "| Channel | Kind | Assignment (parties) |" in markdown
    assert (
        "| TAC-3 | radio | Metro City Police Department (metro-pd), Homeland Security Investigations"
        in markdown
    )
    assert "**ICS 205A — Communications list**" in markdown
    assert "| Agency | Name | Phone | Email | Radio |" in markdown
    assert (
        "| Homeland Security Investigations, Metro office | SA Tom Okafor | +1 555 0101 | t.okafor@example.gov | — |"
        in markdown
    )
    headings = [section.heading for section in briefing.sections]
    assert headings == [
        "1. Situation and operation",
        "2. Command and lead agency",
        "3. Communications plan",
        "4. Points of contact",
        "5. Agencies and responsibilities",
        "6. Enforcement sites",
        "7. Anticipated persons",
        "8. Victim services",
        "9. Resources for victims' needs",
        "10. Interviews and interview locations",
        "11. Separation of potential victims and suspects",
        "12. Legal authorities",
        "13. Immigration relief",
        "14. Information for victims",
        "15. Memorandum of understanding",
        "16. Distribution",
        "17. Readiness",
    ]
    for text in (
        "Jade Spa",
        "100 5th St, Metro City",
        "2026-12-03 05:00 (UTC-05:00)",
        "Precinct 4 holding",
        "safe-harbor",
        "There is no mou section",
    ):
        assert text in markdown


def test_the_full_pdf_repeats_table_headers_across_pages() -> None:
    pdf = render_pdf(full_briefing(example_plan()), compress=False)
    assert pdf.startswith(b"%PDF-")
    pages = page_count(pdf)
    assert pages >= 3
    text = pdf_text(pdf)
    assert text.count(FULL_MARKING) >= 2 * pages
    assert f"Page {pages} of {pages}" in text
    # the 205A list runs over a page break in the example: its header row is drawn twice
    assert text.count("Agency Name Phone Email Radio") >= 2


def test_markdown_escapes_what_would_break_a_table() -> None:
    plan = plan_with(
        {"agencies[0].contact.name": "Ana | *Rivera*", "communications.channels[0].name": "[TAC]"}
    )
    markdown = render_markdown(full_briefing(plan))
    assert "Ana \\| \\*Rivera\\*" in markdown
    assert "\\[TAC\\]" in markdown


def test_hostile_text_in_every_free_text_field_renders_as_that_text_in_both_briefings() -> None:
    # given a plan whose every name, address, note and title is text that would be markup or a link
    changes = free_text_changes(HOSTILE)
    plan = plan_with(changes)
    for markdown in (
        render_markdown(full_briefing(plan, readiness=ReadinessNote(ready=False))),
        render_markdown(service_briefing(plan, ready=False)),
    ):
        # then no raw HTML, no link and no image reaches a viewer ...
        assert_inert_markdown(markdown)
        # ... and each field the briefing shows reads exactly as it was written
        shown = rendered_text(markdown)
        tags = [value[len(HOSTILE) + 1 :] for value in changes.values()]
        present = [tag for tag in tags if tag in shown]
        assert present
        assert [tag for tag in present if f"{HOSTILE} {tag}" not in shown] == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_data())
def test_no_generated_plan_leaks_into_its_service_briefing(data: dict[str, Any]) -> None:
    # given a plan whose forbidden values are recognisable, whatever else it holds
    for index, site in enumerate(data.get("sites", [])):
        site["name"], site["address"] = f"SITE-NAME-{index}", f"SITE-ADDRESS-{index}"
    for index, area in enumerate((data.get("separation") or {}).get("areas", [])):
        area["name"] = f"AREA-{index}"
    for index, entry in enumerate(data.get("legal_authorities", [])):
        entry["notes"] = f"LEGAL-NOTE-{index}"
    for agency in data["agencies"]:
        agency["responsibilities"] = [f"TASK-OF-{agency['id']}"]
    plan = Plan.model_validate(data)
    # when
    briefing = service_briefing(plan, exercise=True, ready=False)
    markdown = render_markdown(briefing)
    # then
    texts = [*briefing.texts(), markdown]
    assert leaks(texts, plan) == [] or _times_only_in_free_text(leaks(texts, plan), plan)
    for marker in ("SITE-NAME-", "SITE-ADDRESS-", "AREA-", "LEGAL-NOTE-", "TASK-OF-"):
        assert marker not in markdown
    assert render_pdf(briefing).startswith(b"%PDF-")


def _times_only_in_free_text(found: list[str], plan: Plan) -> bool:
    """A generated name may itself contain something like 05:00; only then is a time of day in the text."""
    free_text = " ".join(_free_values(plan))
    return all(item in free_text for item in found)


def _free_values(plan: Plan) -> list[str]:
    """The free text the service briefing may print for this plan."""
    values = [plan.operation.name]
    for agency in plan.agencies:
        values.append(agency.name)
        if agency.contact:
            contact = agency.contact
            values += [v for v in (contact.name, contact.phone, contact.email, contact.radio) if v]
    if plan.victim_services:
        values += list(plan.victim_services.information_needs)
        staging = plan.victim_services.staging
        if staging:
            values += [v for v in (staging.name, staging.address) if v]
    if plan.victim_information:
        values += [m.title for m in plan.victim_information.materials if m.title]
    return values


def test_names_in_vietnamese_polish_cyrillic_and_greek_print_as_written() -> None:
    """The PDFs embed a Unicode font: a name outside Latin-1 is drawn, not replaced by boxes."""
    name = "Chiến dịch Łódź — Олена Ковальчук, Ελένη"
    pdf = render_pdf(service_briefing(plan_with({"operation.name": name})), compress=False)
    text = pdf_text(pdf)
    assert name in text
    assert "cannot draw" not in text


def test_characters_the_font_cannot_draw_are_named_at_the_top_of_the_pdf() -> None:
    """Chinese is beyond the embedded font: the reader is told which characters print as boxes and
    where to read them, rather than left with boxes."""
    pdf = render_pdf(service_briefing(plan_with({"operation.name": "Operation 北光"})), compress=False)
    first_page = pdf_pages(pdf)[0]
    assert (
        "This PDF cannot draw 2 character(s) of its text (U+5149, U+5317): they print as boxes." in first_page
    )
    assert "Read those parts on screen in Haven." in first_page
