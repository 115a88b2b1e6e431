"""In a real browser: the auditor follows an insider — filters by person, sees what was refused,
verifies the chain, exports the events."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible
from tests.personas import PASSWORD, current_code, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page: Page, key: str) -> None:
    user = make_user(key)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").fill(current_code(user))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()


def test_the_auditor_filters_by_person_verifies_the_chain_and_exports(page: Page, browser, live_server):
    from tests.access.matrix_encounters import scenario

    s = scenario()
    # an insider: the investigator opens a person and tries to write an attorney note
    other = browser.new_context(base_url=live_server.url)
    insider = other.new_page()
    _sign_in(insider, "investigator")
    insider.goto(f"/operations/{s.operation.code}/persons/P-002/")
    insider.request.post(
        f"/operations/{s.operation.code}/persons/P-002/attorney-note/",
        headers={"X-CSRFToken": next(c["value"] for c in other.cookies() if c["name"] == "csrftoken")},
        form={"text": "x"},
    )
    other.close()

    _sign_in(page, "auditor")
    page.goto("/audit/")
    expect(page.get_by_text("The chain has not been verified from this page yet.")).to_be_visible()
    page.get_by_role("button", name="Verify the chain now").click()
    expect(page.get_by_text("Chain last verified intact")).to_be_visible()
    page.get_by_label("Person").fill("P-002")
    page.get_by_role("button", name="Filter").click()
    table = page.get_by_role("table")
    expect(table.get_by_text(f"P-002 · {s.operation.code}").first).to_be_visible()
    expect(table.get_by_text("refused: write attorney notes").first).to_be_visible()
    assert_accessible(page, "audit")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    body = open(download.value.path(), encoding="utf-8").read()  # noqa: PTH123, SIM115
    assert body.startswith("sequence,time_utc,user,event")
    assert "P-002" in body
