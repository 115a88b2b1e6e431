"""The plan on the web: section forms that round-trip the file, refusals next to their fields, conflicts,
approval, history, readiness by audience, briefings and exports, and the operations list."""

from __future__ import annotations

import re
import types
import typing
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pydantic import BaseModel

from haven.audit.models import AuditRecord
from haven.operations.models import Operation, OperationStatus, PlanVersion
from haven.operations.selectors import current_plan
from haven.operations.services import SECTIONS
from haven.plans import Plan, plan_to_dict
from haven.web.plan_forms import SECTIONS as SECTION_SPECS
from haven.web.plan_forms.sections import PlanForm
from haven.web.timezones import zone
from tests.operations.fixtures import make_operation

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


class _FormReader(HTMLParser):
    """What a browser would post for one form of a page: its fields' current values, no button."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.found = False
        self.pairs: list[tuple[str, str]] = []
        self.select: str | None = None
        self.select_value: str | None = None
        self.select_first: str | None = None
        self.option: str | None = None
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = self.found = True
            return
        if not self.inside or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "reset") and "name" in a:
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select, self.select_value, self.select_first = a.get("name"), None, None
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.select_value = value
        elif tag == "textarea":
            self.textarea, self.text = a.get("name"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self.select is not None:
            value = self.select_value if self.select_value is not None else self.select_first
            self.pairs.append((self.select, value or ""))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            self.pairs.append((self.textarea, text[1:] if text.startswith("\n") else text))
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text.append(data)


def form_values(html: str, form_id: str) -> dict[str, Any]:
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.found, f"no form #{form_id} on the page"
    values: dict[str, Any] = {}
    for name, value in reader.pairs:
        if name in values:
            values[name] = [*values[name], value] if isinstance(values[name], list) else [values[name], value]
        else:
            values[name] = value
    return values


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def open_section(client: Client, operation: Operation, key: str) -> dict[str, Any]:
    response = client.get(f"/operations/{operation.code}/plan/{key}/")
    assert response.status_code == 200
    return form_values(response.content.decode(), f"section-{key}")


def post_section(client: Client, operation: Operation, key: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(f"/operations/{operation.code}/plan/{key}/", {**data, "_action": "save"}, **extra)


def versions(operation: Operation) -> int:
    return PlanVersion.objects.filter(operation=operation).count()


# -- round trip ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", SECTIONS)
def test_each_section_form_posts_the_example_back_unchanged(client_for, key):
    # given the example plan, approved, starting in three days
    operation = make_operation()
    client = client_for("coordinator")
    before = versions(operation)
    # when the section's form, pre-filled from the plan, is posted back as it is
    data = open_section(client, operation, key)
    response = post_section(client, operation, key, data, **HX)
    # then nothing changed: no new version, the plan stays approved
    assert response.status_code == 200, text_of(response.content.decode())[:2000]
    assert "No changes: the plan stays at version 1." in response.content.decode()
    assert versions(operation) == before
    operation.refresh_from_db()
    assert operation.status == OperationStatus.APPROVED


def _leaves(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every value of a part of the format, as paths; lists of entries are left to their own forms."""
    paths: set[tuple[str, ...]] = set()
    for name, field in model.model_fields.items():
        inner = _unwrap(field.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            paths |= _leaves(inner, (*prefix, name))
        elif not _entry_model(field.annotation):
            paths.add((*prefix, name))
    return paths


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _entry_model(annotation: Any) -> type[BaseModel] | None:
    inner = _unwrap(annotation)
    if typing.get_origin(inner) is tuple:
        item = _unwrap(typing.get_args(inner)[0])
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def _form_paths(form: type[PlanForm]) -> set[tuple[str, ...]]:
    return {form.path_of(name) for name in form.base_fields}


@pytest.mark.parametrize("spec", SECTION_SPECS, ids=[spec.key for spec in SECTION_SPECS])
def test_every_value_of_the_format_has_a_form_field(spec):
    field = Plan.model_fields[spec.key]
    entry = _entry_model(field.annotation)
    if entry is not None:  # the section is a list of entries
        assert _form_paths(spec.lists[0].form) == _leaves(entry)
        return
    section = _unwrap(field.annotation)
    assert spec.main is not None
    assert _form_paths(spec.main) == _leaves(section)
    lists = {name: _entry_model(f.annotation) for name, f in section.model_fields.items()}
    lists = {name: model for name, model in lists.items() if model is not None}
    assert {rows.key: rows.form for rows in spec.lists}.keys() == lists.keys()
    for rows in spec.lists:
        assert _form_paths(rows.form) == _leaves(lists[rows.key])


def test_every_section_of_the_format_has_a_form():
    assert [spec.key for spec in SECTION_SPECS] == [k for k in Plan.model_fields if k != "format"]


def test_a_new_plan_with_absent_sections_posts_back_unchanged(client_for):
    client = client_for("coordinator")
    client.post("/operations/new/", _new_operation_data())
    operation = Operation.objects.get(code="NEW-2027-01")
    for key in SECTIONS:
        response = post_section(client, operation, key, open_section(client, operation, key), **HX)
        assert "No changes: the plan stays at version 1." in response.content.decode(), key
    assert versions(operation) == 1


def test_without_javascript_a_save_shows_the_section_page_with_its_outcome(client_for):
    operation = make_operation(approved=False)
    client = client_for("coordinator")
    data = open_section(client, operation, "immigration_relief")
    data["immigration_relief-legal_services"] = ""
    response = post_section(client, operation, "immigration_relief", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<!doctype html>" in html
    assert "Saved as version 2." in html
    assert "← The whole plan" in html
    assert current_plan(Operation.objects.get(pk=operation.pk)).immigration_relief.legal_services is None


@pytest.mark.parametrize("key", ["mou", "communications", "distribution", "anticipated", "resources"])
def test_lists_in_an_order_of_their_own_post_back_unchanged(client_for, key):
    # given a plan whose lists are not in the order the form offers its choices
    operation = make_operation(
        changes={
            "mou.parties": [
                "legal-aid",
                "metro-pd",
                "hsi",
                "county-da",
                "usao",
                "harbor-vs",
                "county-cws",
                "county-cac",
                "mercy-hospital",
                "lingua",
                "bay-vs",
            ],
            "communications.channels[0].parties": ["hsi", "metro-pd"],
            "distribution.full_plan": ["usao", "county-da", "hsi", "metro-pd"],
            "anticipated.populations": ["us_citizen", "male", "female", "minor", "adult", "foreign_national"],
            "resources[0].serves": ["adult", "female", "male"],
        }
    )
    client = client_for("coordinator")
    response = post_section(client, operation, key, open_section(client, operation, key), **HX)
    assert "No changes" in response.content.decode()
    assert versions(operation) == 1


def test_the_plan_page_holds_a_form_for_every_section(client_for):
    operation = make_operation()
    html = client_for("coordinator").get(f"/operations/{operation.code}/plan/").content.decode()
    for key in SECTIONS:
        assert f'id="section-{key}"' in html
    assert "new to Haven" in html  # usao, county-cws, mercy-hospital came into Haven with this plan


def test_a_changed_section_saves_a_new_version_and_refreshes_readiness(client_for):
    operation = make_operation(approved=False)
    client = client_for("coordinator")
    data = open_section(client, operation, "mou")
    data["mou-title"] = "Metro Task Force MOU, 2nd edition"
    response = post_section(client, operation, "mou", data, **HX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "readiness-changed"
    assert "Saved as version 2." in response.content.decode()
    assert (
        current_plan(Operation.objects.get(pk=operation.pk)).mou.title == "Metro Task Force MOU, 2nd edition"
    )


@pytest.mark.parametrize("rows", ["9" * 5000, "²", "-1"])
def test_a_row_count_that_is_not_a_small_whole_number_shows_no_rows_and_never_fails(client_for, rows):
    operation = make_operation()
    client = client_for("coordinator")
    data = open_section(client, operation, "sites")
    response = client.post(
        f"/operations/{operation.code}/plan/sites/",
        {**data, "sites-rows": rows, "_action": "add:items"},
        **HX,
    )
    assert response.status_code == 200
    assert 'name="sites-rows" value="1"' in response.content.decode()  # none kept, one added
    assert versions(operation) == 1


@pytest.mark.parametrize("version", ["9" * 5000, "²"])
def test_a_plan_version_that_is_not_a_small_whole_number_is_refused_not_a_failure(client_for, version):
    operation = make_operation(approved=False)
    client = client_for("coordinator")
    data = open_section(client, operation, "sites")
    saved = client.post(f"/operations/{operation.code}/plan/sites/", {**data, "base_version": version})
    approved = client.post(f"/operations/{operation.code}/approve/", {"version": version})
    assert (saved.status_code, approved.status_code) == (400, 400)
    assert versions(operation) == 1


def test_adding_and_removing_rows_keeps_what_was_typed_and_saves_nothing(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    data = open_section(client, operation, "sites")
    data["sites-0-name"] = "Jade Spa (renamed)"
    added = client.post(f"/operations/{operation.code}/plan/sites/", {**data, "_action": "add:items"}, **HX)
    assert added.status_code == 200
    html = added.content.decode()
    assert 'name="sites-rows" value="3"' in html
    assert "Jade Spa (renamed)" in html
    assert "Not saved yet" in html
    data = form_values(html, "section-sites")
    removed = client.post(
        f"/operations/{operation.code}/plan/sites/", {**data, "_action": "remove:items:0"}, **HX
    )
    html = removed.content.decode()
    assert 'name="sites-rows" value="2"' in html
    assert "Jade Spa (renamed)" not in html
    assert "Elm Court apartment 4B" in html
    assert versions(operation) == 1  # nothing saved by adding or removing


def test_a_blank_new_row_is_no_entry(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    data = open_section(client, operation, "resources")
    html = client.post(
        f"/operations/{operation.code}/plan/resources/", {**data, "_action": "add:items"}, **HX
    ).content.decode()
    response = post_section(client, operation, "resources", form_values(html, "section-resources"), **HX)
    assert "No changes" in response.content.decode()


# -- refusals -----------------------------------------------------------------------------------------------


def test_a_bad_value_is_shown_at_its_field_with_its_path_and_nothing_is_stored(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    before = versions(operation)
    data = open_section(client, operation, "anticipated")
    data["anticipated-persons"] = "-3"
    response = post_section(client, operation, "anticipated", data, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    # the summary names the path, and the message sits next to the field
    assert "anticipated.persons" in html
    field = html.split('id="field-anticipated-persons"')[1].split('id="field-anticipated-populations"')[0]
    assert "must be 0 or more, not -3" in field
    assert 'aria-invalid="true"' in field
    assert 'value="-3"' in field  # what was typed stays
    assert versions(operation) == before


def test_a_timestamp_without_offset_is_refused_at_its_field(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    data = open_section(client, operation, "victim_services")
    data["victim_services-available_from_offset"] = ""
    response = post_section(client, operation, "victim_services", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "victim_services.available_from" in html
    field = html.split('id="field-victim_services-available_from"')[1][:3000]
    assert "has no UTC offset" in field


def test_a_problem_in_a_list_entry_lands_in_that_entry(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    data = open_section(client, operation, "agencies")
    data["agencies-2-type"] = "police"
    response = post_section(client, operation, "agencies", data, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "agencies[2].type" in html
    row = html.split('id="row-agencies-2"')[1].split('id="row-agencies-3"')[0]
    assert "'police' is not one of" in unescape(row)


def test_removing_an_agency_others_refer_to_names_every_dangling_reference(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    data = open_section(client, operation, "agencies")
    html = client.post(
        f"/operations/{operation.code}/plan/agencies/", {**data, "_action": "remove:items:1"}, **HX
    ).content.decode()
    response = post_section(client, operation, "agencies", form_values(html, "section-agencies"), **HX)
    assert response.status_code == 422
    text = text_of(response.content.decode())
    assert "mou.parties[1]" in text
    assert "'hsi' is not the id of an agency in this plan" in text
    assert versions(operation) == 1


def test_a_concurrent_save_of_the_same_section_is_refused_with_a_clear_message(client_for):
    operation = make_operation()
    first = client_for("coordinator")
    second = client_for("coordinator")
    mine = open_section(first, operation, "communications")
    theirs = open_section(second, operation, "communications")
    mine["communications-command_post"] = "Mobile command unit, Lot C"
    assert post_section(first, operation, "communications", mine, **HX).status_code == 200
    theirs["communications-command_post"] = "Precinct 4 briefing room"
    response = post_section(second, operation, "communications", theirs, **HX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "communications changed since you opened the plan" in html
    assert "Cole Coordinator saved version 2" in html
    assert 'value="Precinct 4 briefing room"' in html  # the second person's input is kept
    assert current_plan(Operation.objects.get(pk=operation.pk)).communications.command_post == (
        "Mobile command unit, Lot C"
    )


def test_saves_of_different_sections_from_the_same_page_both_apply(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    mou = open_section(client, operation, "mou")
    sites = open_section(client, operation, "sites")
    mou["mou-title"] = "Renewed MOU"
    sites["sites-1-name"] = "Elm Court apartment 4C"
    assert post_section(client, operation, "mou", mou, **HX).status_code == 200
    assert post_section(client, operation, "sites", sites, **HX).status_code == 200
    plan = current_plan(Operation.objects.get(pk=operation.pk))
    assert plan.mou.title == "Renewed MOU"
    assert plan.sites[1].name == "Elm Court apartment 4C"


def test_a_service_user_and_a_reader_cannot_save(client_for):
    operation = make_operation()
    data = open_section(client_for("coordinator"), operation, "mou")
    assert post_section(client_for("advocate"), operation, "mou", data).status_code == 403
    assert post_section(client_for("investigator"), operation, "mou", data).status_code == 403
    assert post_section(client_for("outsider"), operation, "mou", data).status_code == 404
    assert versions(operation) == 1
    # the reader is told the section is read only, not left with a greyed form and no save button
    page = client_for("investigator").get(f"/operations/{operation.code}/plan/mou/").content.decode()
    assert "Read only: you can read this section" in page
    editor = client_for("coordinator").get(f"/operations/{operation.code}/plan/mou/").content.decode()
    assert "Read only" not in editor


def test_an_unknown_section_is_not_found(client_for):
    operation = make_operation()
    assert client_for("coordinator").get(f"/operations/{operation.code}/plan/suspects/").status_code == 404


# -- approval -----------------------------------------------------------------------------------------------


def test_approval_is_refused_naming_the_failing_rules(client_for):
    operation = make_operation(approved=False, changes={"mou": None, "separation.transport_separate": False})
    client = client_for("coordinator")
    response = client.post(f"/operations/{operation.code}/approve/", {"version": "1"}, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "mou.in-place" in html
    assert "separation.system" in html
    assert "Approval refused: 2 readiness rules fail" in html
    operation.refresh_from_db()
    assert operation.status == OperationStatus.IN_REVIEW


def _failing_rules(html: str) -> dict[str, str]:
    """Each failing rule of the readiness panel → its item's HTML."""
    failing = html.split('aria-label="Failing rules"')[1].split("</ol>", maxsplit=1)[0]
    items = re.findall(r"<li class=\"rule rule--fail\".*?</li>", failing, re.DOTALL)
    return {re.search(r'<code class="rule__id">([^<]+)</code>', item).group(1): item for item in items}


def test_a_plan_that_says_nothing_about_the_persons_expected_is_not_ready_and_offers_no_approval(client_for):
    # given a plan without its anticipated persons section, complete in every other way
    operation = make_operation(approved=False, changes={"anticipated": None})
    client = client_for("coordinator")
    # when the coordinator opens the plan
    html = client.get(f"/operations/{operation.code}/plan/").content.decode()
    # then it is not ready, the one failing rule says what to state, and nothing offers approval
    assert "Not ready" in html
    failing = _failing_rules(html)
    assert list(failing) == ["populations.stated"]
    assert "Say how many persons are expected" in text_of(failing["populations.stated"])
    assert "Approve version" not in html
    assert 'action="/operations/' + operation.code + '/approve/"' not in html


def test_each_failing_rule_links_to_the_section_that_fixes_it(client_for):
    operation = make_operation(approved=False, changes={"mou": None, "sites": None})
    client = client_for("coordinator")
    plan = f"/operations/{operation.code}/plan/"
    html = client.get(plan).content.decode()
    failing = _failing_rules(html)
    assert set(failing) == {"mou.in-place", "services.off-site"}
    # each link leads to the plan page's section (the plan page opens it in place), which exists there
    assert f'href="{plan}#plan-mou">MOU</a>' in failing["mou.in-place"]
    assert f'href="{plan}#plan-victim_services">Victim services</a>' in failing["services.off-site"]
    assert f'href="{plan}#plan-sites">Sites</a>' in failing["services.off-site"]
    for key in ("mou", "victim_services", "sites"):
        assert f'id="plan-{key}"' in html
    # the same on the readiness page of its own and in the panel htmx refreshes
    for extra in ({}, HX):
        panel = client.get(f"/operations/{operation.code}/readiness/", **extra).content.decode()
        assert f'href="{plan}#plan-mou">MOU</a>' in _failing_rules(panel)["mou.in-place"]


def test_approve_is_offered_only_when_the_plan_is_ready(client_for):
    ready = make_operation(approved=False)
    not_ready = make_operation(approved=False, changes={"operation.code": "NR-2026-01", "sites": None})
    client = client_for("coordinator")
    assert "Approve version 1" in client.get(f"/operations/{ready.code}/plan/").content.decode()
    for path in ("plan/", "readiness/"):
        html = client.get(f"/operations/{not_ready.code}/{path}").content.decode()
        assert "Not ready" in html
        assert "Approve version" not in html, path
    # and the service still refuses a forged approval
    response = client.post(f"/operations/{not_ready.code}/approve/", {"version": "1"}, **HX)
    assert response.status_code == 422
    assert "services.off-site" in response.content.decode()


def test_english_only_is_kept_through_the_anticipated_section(client_for):
    # given a plan that states English only (an empty list of languages)
    operation = make_operation(approved=False, changes={"anticipated.languages": []})
    client = client_for("coordinator")
    data = open_section(client, operation, "anticipated")
    # the editor shows it as "en", and posting it back changes nothing
    assert data["anticipated-languages"] == "en"
    response = post_section(client, operation, "anticipated", data, **HX)
    assert "No changes: the plan stays at version 1." in response.content.decode()
    assert current_plan(Operation.objects.get(pk=operation.pk)).anticipated.languages == ()
    # emptying the field takes the statement back: the plan no longer says which languages are expected
    data["anticipated-languages"] = ""
    post_section(client, operation, "anticipated", data, **HX)
    operation = Operation.objects.get(pk=operation.pk)
    assert current_plan(operation).anticipated.languages is None
    panel = client.get(f"/operations/{operation.code}/readiness/", **HX).content.decode()
    assert list(_failing_rules(panel)) == ["populations.stated"]
    # typing "en" states English only again
    data = open_section(client, operation, "anticipated")
    data["anticipated-languages"] = "en"
    post_section(client, operation, "anticipated", data, **HX)
    assert current_plan(Operation.objects.get(pk=operation.pk)).anticipated.languages == ()


def test_the_plan_editor_takes_bcp_47_tags_and_cantonese_is_not_chinese(client_for):
    operation = make_operation(approved=False)
    client = client_for("coordinator")
    data = open_section(client, operation, "anticipated")
    assert "BCP 47" in client.get(f"/operations/{operation.code}/plan/").content.decode()
    data["anticipated-languages"] = "es, YUE, zh-hant"
    post_section(client, operation, "anticipated", data, **HX)
    operation = Operation.objects.get(pk=operation.pk)
    assert current_plan(operation).anticipated.languages == ("es", "yue", "zh-Hant")
    panel = client.get(f"/operations/{operation.code}/readiness/", **HX).content.decode()
    assert "yue (Cantonese)" in text_of(_failing_rules(panel)["language.access"])


def test_approve_names_the_version_and_the_banner_says_who(client_for):
    operation = make_operation(approved=False)
    client = client_for("coordinator")
    response = client.post(f"/operations/{operation.code}/approve/", {"version": "1"})
    assert response.status_code == 302
    operation.refresh_from_db()
    assert operation.status == OperationStatus.APPROVED
    assert operation.approved_version.number == 1
    html = client.get(f"/operations/{operation.code}/plan/").content.decode()
    assert "Approved" in html
    assert "version 1 by Cole Coordinator" in text_of(html)


def test_approving_an_older_version_than_the_current_is_refused(client_for):
    operation = make_operation(approved=False)
    client = client_for("coordinator")
    data = open_section(client, operation, "mou")
    data["mou-title"] = "Another title"
    post_section(client, operation, "mou", data, **HX)
    response = client.post(f"/operations/{operation.code}/approve/", {"version": "1"}, **HX)
    assert response.status_code == 409
    assert "You reviewed version 1, but the plan is now at version 2" in response.content.decode()


def test_editing_an_approved_plan_before_the_start_returns_it_to_review(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    data = open_section(client, operation, "mou")
    data["mou-title"] = "Another title"
    html = post_section(client, operation, "mou", data, **HX).content.decode()
    assert "The plan is back in review." in html
    panel = client.get(f"/operations/{operation.code}/readiness/", **HX).content.decode()
    assert 'id="plan-status"' in panel
    assert 'hx-swap-oob="true"' in panel
    assert "In review" in panel
    assert "Approve version 2" in panel


# -- history ------------------------------------------------------------------------------------------------


def test_history_lists_versions_and_amendments_with_author_and_time(client_for):
    operation = make_operation(starts_in=-timedelta(hours=1))
    client = client_for("coordinator")
    data = open_section(client, operation, "separation")
    data["separation-areas-0-name"] = "Harbor Center quiet room"
    response = post_section(client, operation, "separation", data, **HX)
    assert "an amendment after the start" in response.content.decode()
    html = client.get(f"/operations/{operation.code}/history/").content.decode()
    text = " ".join(text_of(html).split())
    assert "Amendments after the action started" in text
    amendment = PlanVersion.objects.get(operation=operation, number=2)
    assert (
        f"Version 2 — Cole Coordinator (Metro City Police Department), {amendment.created_at.astimezone(zone(-300)):%Y-%m-%d %H:%M} UTC−05:00: Separation"
        in text
    )
    assert "Amendment after the action started" in text
    assert "Created" in text
    assert "Started" in text
    operation.refresh_from_db()
    assert operation.status == OperationStatus.APPROVED  # amendments do not stop the work


def test_history_is_for_full_plan_readers(client_for):
    operation = make_operation()
    assert client_for("prosecutor").get(f"/operations/{operation.code}/history/").status_code == 200
    assert client_for("advocate").get(f"/operations/{operation.code}/history/").status_code == 403


# -- readiness by audience ----------------------------------------------------------------------------------


def test_a_service_user_sees_ready_or_not_ready_only(client_for):
    operation = make_operation(approved=False, changes={"mou": None})
    client = client_for("advocate")
    response = client.get(f"/operations/{operation.code}/readiness/", **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not ready" in html
    assert "mou.in-place" not in html
    assert "rule" not in text_of(html).lower()
    assert "Approve" not in html
    assert client.get(f"/operations/{operation.code}/plan/").status_code == 403
    investigator = client_for("investigator").get(f"/operations/{operation.code}/readiness/", **HX)
    assert "mou.in-place" in investigator.content.decode()
    assert "E-Guide" in investigator.content.decode()


def test_viewing_readiness_is_audited(client_for):
    operation = make_operation()
    client_for("advocate").get(f"/operations/{operation.code}/readiness/", **HX)
    assert AuditRecord.objects.filter(event_type="readiness.viewed", operation_id=operation.pk).count() == 1


# -- hidden and missing -------------------------------------------------------------------------------------


def _without_csrf(html: str) -> str:
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


@pytest.mark.parametrize("path", ["plan/", "plan/mou/", "history/", "briefing/", "readiness/", "export/"])
def test_an_outsider_gets_the_same_404_as_for_a_missing_operation(client_for, path):
    operation = make_operation()
    client = client_for("outsider")
    hidden = client.get(f"/operations/{operation.code}/{path}")
    missing = client.get(f"/operations/NO-SUCH-OP/{path}")
    assert hidden.status_code == missing.status_code == 404
    assert _without_csrf(hidden.content.decode()) == _without_csrf(missing.content.decode())


def test_an_outsider_does_not_see_the_operation_listed(client_for):
    operation = make_operation()
    html = client_for("outsider").get("/").content.decode()
    assert operation.code not in html
    assert "You are not on any operation yet" in html


# -- the operations list ------------------------------------------------------------------------------------


def test_home_lists_the_operations_with_their_status(client_for):
    make_operation(starts_in=-timedelta(hours=1))
    make_operation(approved=False, exercise=True, changes={"operation.code": "EX-2026-01", "mou": None})
    html = client_for("coordinator").get("/").content.decode()
    text = " ".join(text_of(html).split())
    assert "NL-2026-12 Operation Northern Light" in text
    assert "EX-2026-01" in text
    assert "New operation" in text
    assert "Exercise" in text
    assert "Started" in text
    assert "In review" in text
    assert "Not ready" in text


def test_home_for_a_service_user_links_the_briefing_and_tells_no_time(client_for):
    operation = make_operation(starts_in=-timedelta(hours=1))
    html = client_for("advocate").get("/").content.decode()
    assert f"/operations/{operation.code}/briefing/" in html
    assert f"/operations/{operation.code}/plan/" not in html
    assert "Started" not in html
    assert "New operation" not in html


def _operations(count: int, first: int = 0) -> None:
    for n in range(first, first + count):
        make_operation(approved=n % 2 == 0, changes={"operation.code": f"OP-{n:03d}"})


def test_the_home_list_does_not_query_per_operation(client_for, django_assert_num_queries):
    # given the count of queries for a list of one operation
    client = client_for("investigator")
    _operations(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/").status_code == 200
    # when four more are listed, then the page makes exactly as many queries
    _operations(4, first=1)
    with django_assert_num_queries(len(one)):
        response = client.get("/")
    assert response.content.decode().count('<li class="operation-card') == 5


def test_the_home_list_stays_within_a_fixed_number_of_queries(client_for, django_assert_max_num_queries):
    client = client_for("advocate")
    _operations(6)
    with django_assert_max_num_queries(14):
        response = client.get("/")
    assert response.content.decode().count('<li class="operation-card') == 6


# -- new operation ------------------------------------------------------------------------------------------


def _new_operation_data(**overrides: str) -> dict[str, str]:
    data = {
        "code": "NEW-2027-01",
        "name": "Operation Lantern",
        "kind": "reactive",
        "starts_at_local": "2027-02-01T06:00",
        "starts_at_offset": "-05:00",
        "ends_at_local": "2027-02-01T10:00",
        "ends_at_offset": "-05:00",
        "lead_agency": "metro-pd",
    }
    return {**data, **overrides}


def test_a_coordinator_creates_an_operation_with_the_agency_on_the_full_plan(client_for):
    client = client_for("coordinator")
    response = client.post("/operations/new/", _new_operation_data())
    assert response.status_code == 302
    assert response["Location"] == "/operations/NEW-2027-01/plan/"
    operation = Operation.objects.get(code="NEW-2027-01")
    document = plan_to_dict(current_plan(operation))
    assert document["operation"]["starts_at"] == "2027-02-01T06:00:00-05:00"
    assert document["agencies"] == [
        {"id": "metro-pd", "name": "Metro City Police Department", "type": "law_enforcement"}
    ]
    assert document["distribution"] == {"full_plan": ["metro-pd"]}
    assert not operation.is_exercise


def test_the_new_operation_form_names_each_problem_at_its_field(client_for):
    client = client_for("coordinator")
    response = client.post(
        "/operations/new/", _new_operation_data(code="lower", ends_at_offset="", starts_at_local="")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "'lower' is not a valid operation code" in unescape(html.split('id="field-code"')[1][:2500])
    assert "'-05:00' is not a timestamp" in unescape(html.split('id="field-starts_at"')[1][:2500])
    assert "has no UTC offset" in html.split('id="field-ends_at"')[1][:2500]
    assert not Operation.objects.exists()


def test_only_coordinators_of_investigative_agencies_see_and_use_new_operation(client_for):
    assert "New operation" in client_for("coordinator").get("/").content.decode()
    assert client_for("investigator").get("/operations/new/").status_code == 403
    assert client_for("advocate").post("/operations/new/", _new_operation_data()).status_code == 403
    assert not Operation.objects.exists()


def test_an_agency_added_from_the_plan_joins_haven_and_is_marked_new(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    data = open_section(client, operation, "agencies")
    html = client.post(
        f"/operations/{operation.code}/plan/agencies/", {**data, "_action": "add:items"}, **HX
    ).content.decode()
    data = form_values(html, "section-agencies")
    n = int(data["agencies-rows"]) - 1
    data.update(
        {
            f"agencies-{n}-id": "safe-harbor-shelter",
            f"agencies-{n}-name": "Safe Harbor Shelter",
            f"agencies-{n}-type": "shelter",
            f"agencies-{n}-responsibilities": "Emergency beds",
            f"agencies-{n}-contact_name": "Lee Night",
            f"agencies-{n}-contact_phone": "+1 555 0199",
        }
    )
    response = post_section(client, operation, "agencies", data, **HX)
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    page = client.get(f"/operations/{operation.code}/plan/").content.decode()
    row = page.split(f'id="row-agencies-{n}"')[1].split("</legend>")[0]
    assert "new to Haven" in row
    assert "new to Haven" not in page.split('id="row-agencies-0"')[1].split("</legend>")[0]  # metro-pd


# -- exercise, briefings, export ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["plan/", "plan/mou/", "history/", "briefing/", "readiness/"])
def test_an_exercise_shows_its_banner_on_every_page(client_for, path):
    operation = make_operation(exercise=True)
    html = client_for("coordinator").get(f"/operations/{operation.code}/{path}").content.decode()
    assert (
        '<aside class="banner banner--exercise" aria-label="Exercise">EXERCISE — fictional data</aside>'
        in html
    )


def test_no_exercise_banner_on_a_real_operation(client_for):
    operation = make_operation()
    html = client_for("coordinator").get(f"/operations/{operation.code}/plan/").content.decode()
    assert "banner--exercise" not in html


def test_a_provider_gets_the_service_briefing_and_never_sites_or_times(client_for):
    operation = make_operation()
    response = client_for("advocate").get(f"/operations/{operation.code}/briefing/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "SERVICE BRIEFING — NEED TO KNOW" in html
    assert "Harbor Center" in html
    for secret in ("Jade Spa", "100 5th St", "Precinct 4 holding", "safe-harbor law", "Arrests"):
        assert secret not in html
    assert "?format=pdf" in html
    assert AuditRecord.objects.filter(event_type="briefing.viewed", operation_id=operation.pk).count() == 1


def test_a_provider_cannot_ask_for_the_full_plan(client_for):
    operation = make_operation()
    client = client_for("advocate")
    assert client.get(f"/operations/{operation.code}/briefing/", {"audience": "full"}).status_code == 403
    assert client.get(f"/operations/{operation.code}/export/").status_code == 403


def test_an_investigator_gets_the_full_briefing_and_can_see_what_providers_get(client_for):
    operation = make_operation()
    client = client_for("federal_agent")
    full = client.get(f"/operations/{operation.code}/briefing/").content.decode()
    assert "LAW ENFORCEMENT SENSITIVE — FULL PLAN" in full
    assert "Jade Spa" in full
    service = client.get(f"/operations/{operation.code}/briefing/", {"audience": "service"}).content.decode()
    assert "SERVICE BRIEFING — NEED TO KNOW" in service
    assert "Jade Spa" not in service


def test_the_briefing_pdf_downloads_and_is_audited(client_for):
    operation = make_operation()
    response = client_for("advocate").get(f"/operations/{operation.code}/briefing/", {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{operation.code}-service-briefing.pdf"'
    assert response.content.startswith(b"%PDF")
    event = AuditRecord.objects.get(event_type="briefing.exported", operation_id=operation.pk)
    assert '"audience":"service"' in event.details
    assert '"format":"pdf"' in event.details


def test_the_plan_exports_as_yaml_and_json_for_full_plan_readers(client_for):
    operation = make_operation()
    client = client_for("prosecutor")
    yaml = client.get(f"/operations/{operation.code}/export/")
    assert yaml["Content-Disposition"] == f'attachment; filename="{operation.code}-plan-v1.yaml"'
    assert yaml.content.decode().startswith("format: haven.operation-plan/v1")
    json_ = client.get(f"/operations/{operation.code}/export/", {"format": "json"})
    assert json_.json()["operation"]["code"] == operation.code
    assert AuditRecord.objects.filter(event_type="plan.exported", operation_id=operation.pk).count() == 2


def test_each_page_view_is_audited_once(client_for):
    operation = make_operation()
    client = client_for("coordinator")
    start = AuditRecord.objects.count()
    client.get(f"/operations/{operation.code}/plan/")
    viewed = AuditRecord.objects.filter(sequence__gt=start)
    assert [e.event_type for e in viewed] == ["operation.viewed"]
    assert viewed[0].operation_id == operation.pk
