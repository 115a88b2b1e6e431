"""Issue 14: the after-action report reads on the operation's clock, with its offset, as the board does —
its heading, its timeline and its downloads — not in UTC."""

from __future__ import annotations

import pytest

from haven.reports.formats import heading, report_document, to_markdown
from haven.reports.layout import timeline_block
from haven.reports.services import report_generate
from tests.personas import make_user
from tests.reports.builders import after_action_exercise

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    exercise = after_action_exercise()
    assert exercise.operation.utc_offset_minutes == -300  # the example plan's clock, UTC−05:00
    return report_generate(
        actor=make_user("coordinator"),
        code=exercise.operation.code,
        audience=None,
        format="json",
        via="test",
        now=exercise.now,
    )


def test_the_reports_heading_says_when_it_was_generated_on_the_operations_clock(report):
    local = report.generated_at.astimezone(report.zone)
    _title, subtitle = heading(report)
    assert f"generated {local:%Y-%m-%d %H:%M} UTC\u221205:00" in subtitle
    assert " UTC " not in subtitle + " "


def test_the_reports_timeline_is_on_the_operations_clock_and_says_so(report):
    block = timeline_block(report)
    assert "UTC\u221205:00" in block.caption
    first = report.timeline[0]
    assert block.rows[0][2] == f"{first.encountered_at.astimezone(report.zone):%d %b %H:%M}"
    assert "times in UTC," not in to_markdown(report)


def test_the_reports_json_gives_moments_with_the_operations_offset(report):
    document = report_document(report)
    assert document["generated_at"].endswith("-05:00")
    assert document["operation"]["starts_at"].endswith("-05:00")
    assert document["timeline"][0]["encountered_at"].endswith("-05:00")
