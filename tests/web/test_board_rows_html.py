"""The board's rows built in Python (haven.web.board_rows): every text is escaped, and each cell says what
the template said (issue 14: the template engine was ~60 % of a 500-person render)."""

from __future__ import annotations

from datetime import UTC, datetime

from haven.encounters.selectors import BoardRow
from haven.encounters.stages import Stage
from haven.web.board_rows import board_rows_html

HOSTILE = '<img src=x onerror="alert(1)">'


def board_row_html(item: dict[str, object]) -> str:
    """One row's markup, as the board's body holds it."""
    return board_rows_html([item])


def _row(**changes: object) -> BoardRow:
    values: dict[str, object] = {
        "code": "P-007",
        "stage": Stage.SEPARATED,
        "stage_label": "Separated",
        "priority": "normal",
        "area": "Harbor room",
        "tags": ["female"],
        "languages": ["es"],
        "urgent": [],
        "designation": None,
        "next_step": "Assess needs",
        "next_owner": "Harbor Victim Services",
        "next_since": None,
        "danger": False,
        "waiting_minutes": None,
        "waited_too_long": False,
        "encountered_at": datetime(2026, 12, 3, 11, 0, tzinfo=UTC),
    }
    return BoardRow(**{**values, **changes})  # type: ignore[arg-type]


def _item(row: BoardRow, **changes: object) -> dict[str, object]:
    return {
        "row": row,
        "tags": ["Female"],
        "languages": ["Spanish"],
        "urgent": [],
        "designation": "",
        "priority": "Normal",
        "url": "/operations/NL-2026-12/persons/P-007/",
        **changes,
    }


def test_every_text_of_a_row_is_escaped():
    row = _row(
        area=HOSTILE, next_step=HOSTILE, next_owner=HOSTILE, child_welfare=HOSTILE, stage_label=HOSTILE
    )
    html = board_row_html(
        _item(
            row, tags=[HOSTILE], languages=[HOSTILE], urgent=[HOSTILE], designation=HOSTILE, priority=HOSTILE
        )
    )
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") == 9


def test_the_cells_say_what_the_row_holds():
    quiet = board_row_html(_item(_row()))
    assert (
        '<td data-label="Urgent needs" class="board-cell--none"><span class="muted">None recorded</span></td>'
        in quiet
    )
    assert '<td data-label="Alerts" class="board-cell--none">' in quiet
    assert '<span class="muted">None</span>' in quiet
    assert 'id="board-link-P-007" href="/operations/NL-2026-12/persons/P-007/">P-007</a>' in quiet
    assert '<span class="board-row__facts">Female · Spanish</span>' in quiet
    late = board_row_html(
        _item(_row(waiting_minutes=85, waited_too_long=True, danger=True, priority="urgent"), urgent=["Medical"],
              priority="Urgent", designation="Potential victim")
    )  # fmt: skip
    assert late.startswith('<tr class="board-row board-row--danger">')
    assert '<span class="badge badge--priority">Urgent priority</span>' in late
    assert '<span class="badge badge--urgent">Medical</span> </td>' in late
    assert '<span class="badge badge--designation">Potential victim</span>' in late
    assert '<span class="badge badge--danger">Imminent danger</span> ' in late
    assert '<span class="badge badge--late">Waiting 1 h 25 min</span> for a provider' in late
    assert "board-cell--none" not in late


def test_a_time_reads_as_the_template_wrote_it_on_the_operations_clock():
    """`<time datetime="{{ v|date:'c' }}">{{ v|moment }}</time>`, on the clock the page activated."""
    from django.template import engines
    from django.utils import timezone

    from haven.core.clock import zone
    from haven.web.board_rows import _time

    template = engines["django"].from_string("<time datetime=\"{{ v|date:'c' }}\">{{ v|moment }}</time>")
    for offset in (-300, 0, 330):
        with timezone.override(zone(offset)):
            for value in (datetime(2026, 12, 3, 4, 59, 7, 120, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)):
                assert _time(value) == template.render({"v": value})


def test_the_body_holds_every_row_in_the_order_given():
    first, second = _item(_row(code="P-002")), _item(_row(code="P-001"))
    body = board_rows_html([first, second])
    assert body == board_row_html(first) + board_row_html(second)
    assert body.index('id="board-link-P-002"') < body.index('id="board-link-P-001"')
    assert board_rows_html([]) == ""
