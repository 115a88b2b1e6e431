"""The board's rows as HTML, built in Python (issue 14: the board at 500 persons under 50 ms of server time).

The template engine spent about 60 % of a 500-person render resolving ~60 variables and tags per row; the
same markup built here with escaping (`html.escape`, as Django's `escape`) costs a fraction of it.
Presentation only: every value and every rule comes from the board's read model (`board_for`) and the row's
labels (`views_encounters._board_row`); the markup is the one `_board_live.html` had, line for line.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from haven.core.clock import clock_moment, offset_minutes
from haven.web.templatetags.haven_tags import minutes


def _time(value: datetime, zone: tzinfo | None = None, now: datetime | None = None) -> str:
    """`<time datetime="…">today 06:40 UTC−05:00</time>` on the page's clock (`zone`: the one activated), as
    `|date:'c'` (ISO 8601: what Django's `c` format gives) and `|moment` (both texts escaped). A body's rows
    pass the page's zone and one `now`, looked up once (not twice a time, 250 times a board)."""
    local = value.astimezone(zone or timezone.get_current_timezone())
    shown = clock_moment(local, offset_minutes(local), now=now)
    return f'<time datetime="{_e(local.isoformat())}">{_e(shown)}</time>'


def _e(value: object) -> str:
    """Escaped text: what `django.utils.html.escape` does (the standard library's `html.escape`, quotes
    included), without the lazy-string wrapper that made it a third of a row's cost. Every value here is
    plain text from the read model, never markup."""
    return _escaped(str(value))


@functools.lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    """Most of a board's texts repeat on every row (stages, areas, agencies, steps, languages): each is
    escaped once per process, not once per row (a bounded cache of a pure function of the text)."""
    return html.escape(text)


def _badges(kind: str, labels: list[str]) -> str:
    return "".join(f'<span class="badge badge--{kind}">{_e(u)}</span> ' for u in labels)


def board_rows_html(items: list[dict[str, Any]]) -> SafeString:
    """The board table's body: one `<tr>` per row and its labels (the items `_board` builds), in order."""
    zone, now = timezone.get_current_timezone(), timezone.now()

    def time_of(value: datetime) -> str:
        return _time(value, zone, now)

    return mark_safe("".join(_row(item, time_of) for item in items))  # noqa: S308 - escaped by `_row`


def _row(item: dict[str, Any], time_of: Callable[[datetime], str] = _time) -> str:
    """The markup of one row, every value in it escaped (`_e`); its moments' markup from `time_of`."""
    r = item["row"]
    e = _e
    row_class = " board-row--danger" if r.danger else (" board-row--late" if r.waited_too_long else "")
    priority = (
        f'<span class="badge badge--priority">{e(item["priority"])} priority</span>'
        if r.priority != "normal"
        else ""
    )
    facts = ", ".join(e(t) for t in item["tags"])
    if item["languages"]:
        facts += " · " + ", ".join(e(lang) for lang in item["languages"])
    designation = (
        f' <span class="badge badge--designation">{e(item["designation"])}</span>'
        if item["designation"]
        else ""
    )
    urgent = _badges("urgent", item["urgent"]) or '<span class="muted">None recorded</span>'
    owner = ""
    if r.next_owner:
        since = f", since {time_of(r.next_since)}" if r.next_since else ""
        owner = f'<span class="board-row__owner">{e(r.next_owner)}{since}</span>'
    alerts = ""
    if r.danger:
        alerts += '<span class="badge badge--danger">Imminent danger</span> '
    if r.child_welfare:
        pending = "badge--late" if r.child_welfare_pending else "badge--not_applicable"
        alerts += f'<span class="badge {pending}">{e(r.child_welfare)}</span> '
    if r.waited_too_long:
        alerts += (
            f'<span class="badge badge--late">Waiting {e(minutes(r.waiting_minutes))}</span> for a provider'
        )
    elif r.waiting_minutes is not None:
        alerts += f'<span class="muted">Waiting {e(minutes(r.waiting_minutes))} for a provider</span>'
    elif not r.danger and not r.child_welfare:
        alerts += '<span class="muted">None</span>'
    none = ' class="board-cell--none"'
    urgent_none = "" if item["urgent"] else none
    alerts_none = none if not r.danger and not r.child_welfare and r.waiting_minutes is None else ""
    code, url = e(r.code), e(item["url"])
    return (
        f'<tr class="board-row{row_class}">\n'
        f'      <th scope="row" class="board-row__person">\n'
        f'        <a class="board-row__code" id="board-link-{code}" href="{url}">{code}</a>\n'
        f"        {priority}\n"
        f'        <span class="board-row__facts">{facts}</span>\n'
        f"      </th>\n"
        f'      <td data-label="Stage"><span class="enc-stage enc-stage--{e(r.stage)}">{e(r.stage_label)}</span>'
        f"{designation}</td>\n"
        f'      <td data-label="Area">{e(r.area or "—")}</td>\n'
        f'      <td data-label="Urgent needs"{urgent_none}>'
        f"{urgent}</td>\n"
        f'      <td data-label="Next step">{e(r.next_step)}{owner}</td>\n'
        f'      <td data-label="Alerts"{alerts_none}>\n'
        f"        {alerts}\n"
        f"      </td>\n"
        f"    </tr>\n"
    )
