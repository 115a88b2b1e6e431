"""Days and clock times, one way everywhere.

- Rules judge calendar days on UTC's (`utc_today`), whatever offset a page shows its times in, so a
  consent is active or expired alike on every page, in the API and on the command line.
- A time shown to people names its offset: an operation's times are shown in its plan's own offset from
  UTC (`clock_time`, `zone_label`), as the people on the ground read their clocks.

Pure Python, so that the pure packages (the interview problem's format) can use it: the page's current
offset is the web layer's (`haven.web.timezones.current_zone_label`).
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Final, TypeVar


def utc_today() -> date:
    return datetime.now(UTC).date()


@functools.cache
def zone(minutes: int) -> tzinfo:
    """The fixed zone `minutes` away from UTC (one object per offset: a page shows hundreds of times)."""
    return timezone(timedelta(minutes=minutes))


def offset_minutes(moment: datetime | tzinfo) -> int:
    """The offset from UTC of an aware time (or of a fixed-offset zone), in whole minutes."""
    offset = moment.utcoffset() if isinstance(moment, datetime) else moment.utcoffset(None)
    return 0 if offset is None else int(offset.total_seconds() // 60)


@functools.lru_cache(maxsize=256)
def zone_label(tz: tzinfo) -> str:
    """`UTC`, or `UTC−05:00` / `UTC+05:30`: the label every shown time carries (with a minus sign,
    U+2212, which no line breaks after, so the label never splits at the end of a line)."""
    minutes = offset_minutes(tz)
    if minutes == 0:
        return "UTC"
    sign = "\u2212" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def clock_time(moment: datetime, minutes: int) -> str:
    """`09:00 UTC−05:00`: a moment on the clock `minutes` away from UTC (an operation's), whatever zone
    the datetime carries."""
    local = zone(minutes)
    return f"{moment.astimezone(local):%H:%M} {zone_label(local)}"


def clock_stamp(moment: datetime, minutes: int, *, seconds: bool = False) -> str:
    """`2026-12-03 06:40 UTC−05:00`: a moment on the clock `minutes` away from UTC (an operation's), with
    its full date — for what is read on another day (a report, the audit trail), where "today" would lie;
    with `seconds`, `06:40:07`."""
    local = zone(minutes)
    shown = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return f"{moment.astimezone(local).strftime(shown)} {zone_label(local)}"


_Dated = TypeVar("_Dated", date, datetime)

#: Records are dated within these years: a date outside them is a typing error, and far-away dates
#: would overflow when converted to UTC or moved by a year (the API, the forms and the services agree).
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100


def plausible_year(moment: date | datetime) -> bool:
    return FIRST_YEAR <= moment.year <= LAST_YEAR


def in_plausible_years(moment: _Dated) -> _Dated:
    """A validator (pydantic's AfterValidator) for a date or a moment: it, or a ValueError saying so."""
    if not plausible_year(moment):
        raise ValueError(f"must be between the years {FIRST_YEAR} and {LAST_YEAR}")
    return moment


def clock_day(minutes: int, moment: datetime | None = None) -> date:
    """The calendar day on the clock `minutes` away from UTC (an operation's) at `moment` (default: now):
    what people on the ground call today — at 20:00 on 6 December at UTC−05:00, UTC is already on the 7th."""
    return (moment or datetime.now(UTC)).astimezone(zone(minutes)).date()


def duration(minutes: int) -> str:
    """A length of time as people say it on the ground: `45 min`, `1 h 25 min`, `2 d 3 h` (past a day
    the minutes no longer matter). The board's waits, the person page, the report and the planner all
    show durations through this one function."""
    if minutes < 0:
        raise ValueError(f"a duration is a number of minutes from 0, not {minutes}")
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


#: English month names, whatever the machine's locale (strftime's %b follows it)
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clock_moment(moment: datetime, minutes: int, *, now: datetime | None = None) -> str:
    """`today 06:40 UTC−05:00`, or `3 Dec 06:40 UTC−05:00` on another day (`3 Dec 2025 …` in another
    year): a moment on the clock `minutes` away from UTC (an operation's), its day named relative to that
    clock's today (`clock_day`) — so that a time after midnight never reads as the evening before."""
    local = moment.astimezone(zone(minutes))
    today = clock_day(minutes, now)
    if local.date() == today:
        day = "today"
    elif local.year == today.year:
        day = f"{local.day} {_MONTHS[local.month - 1]}"
    else:
        day = f"{local.day} {_MONTHS[local.month - 1]} {local.year}"
    return f"{day} {local:%H:%M} {zone_label(local.tzinfo or zone(minutes))}"
