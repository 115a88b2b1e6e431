"""In a real browser: the board's refresh names the version it shows, an unchanged board answers 304 and
stays as it is (nothing swapped, nothing audited), and a change is swapped in on the next refresh."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from haven.audit.models import AuditRecord
from haven.encounters import services
from haven.operations.models import Operation
from tests.e2e.test_encounter_browser import board, row, sign_in
from tests.operations.fixtures import make_operation
from tests.personas import make_user

pytestmark = pytest.mark.django_db(transaction=True)

REFRESH = "htmx.trigger(document.getElementById('board-live'), 'board-refresh')"


@pytest.fixture
def operation() -> Operation:
    for key in ("investigator", "advocate"):
        make_user(key)
    return make_operation(starts_in=-timedelta(hours=1))


def refresh(page: Page) -> Any:
    with page.expect_response(lambda r: "/board/rows/" in r.url) as answer:
        page.evaluate(REFRESH)
    return answer.value


def test_an_unchanged_board_answers_304_and_keeps_its_rows_and_a_change_is_swapped_in(
    page: Page, operation: Operation
):
    services.person_register(
        actor=make_user("investigator"), operation=operation, code="P-001", area="community-room"
    )
    sign_in(page, "advocate")
    # within one minute of the board's clock (the minute is part of its version)
    with time_machine.travel(timezone.now().replace(second=1), tick=True):
        page.goto(board(operation))
        expect(row(page, "P-001")).to_be_visible()
        views = AuditRecord.objects.filter(event_type="board.viewed").count()
        unchanged = refresh(page)
        assert unchanged.status == 304
        assert unchanged.request.headers.get("if-none-match", "").strip('"') == page.get_attribute(
            "#board-live", "data-board-version"
        )
        page.wait_for_timeout(300)
        expect(row(page, "P-001")).to_be_visible()
        # the 304 names the version sealed for this session (haven/web/board_polls.py): the page keeps it
        sealed = unchanged.headers["etag"].removeprefix("W/").strip('"')
        assert page.get_attribute("#board-live", "data-board-version") == sealed
        assert AuditRecord.objects.filter(event_type="board.viewed").count() == views
        services.person_register(
            actor=make_user("investigator"), operation=operation, code="P-002", area="community-room"
        )
        changed = refresh(page)
        assert changed.status == 200
        expect(row(page, "P-002")).to_be_visible()
        assert AuditRecord.objects.filter(event_type="board.viewed").count() == views + 1
        # the page now names the new version: the next unchanged refresh is a 304 again
        assert refresh(page).status == 304
        expect(row(page, "P-002")).to_be_visible()
