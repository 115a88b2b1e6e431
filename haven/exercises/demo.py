"""The demo deployment: the Northern Light exercise — its plan, accounts and the day of the action —
loaded through the exercise loader, so the demo is set up, guarded and audited like any exercise.

The demo is always happening now: it is placed in time (`haven.exercises.timing`) so that its action is
under way whenever `haven demo` starts — never a rehearsal of a morning days ago, whose people would read
as having waited for days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from django.utils import timezone
from django_otp.oath import TOTP

from haven.accounts import services
from haven.core.clock import clock_day
from haven.exercises.formats import load_exercise_file
from haven.exercises.loader import ExerciseDiffers, LoadReport, exercise_apply
from haven.exercises.timing import StartAt, to_the_minute
from haven.operations.models import Operation

DATA = Path(__file__).resolve().parent / "data"
DEMO_EXERCISE = DATA / "northern-light-exercise.yaml"

#: How long ago the demo's action started when `haven demo` places it: the morning's records (sorting,
#: needs, information, safety plans, services, one open imminent-danger flag) are all in the past, five
#: people are still waiting for a provider (for two and a half to three hours), the interviews are about
#: to begin, and the action has two hours to run. (The interviews, relief steps and attorney notes the file
#: records later in the day are dated after the moment the demo opens, as a plan's schedule is.)
UNDER_WAY_FOR: Final = timedelta(hours=3, minutes=55)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    agency: str
    roles: list[str]
    password: str
    totp_secret: str

    def current_code(self) -> str:
        key = bytes.fromhex(services.totp_key_from_base32(self.totp_secret))
        return f"{TOTP(key).token():06d}"


def demo_accounts() -> list[DemoAccount]:
    """The demo's accounts, as the exercise file gives them (every one with its TOTP secret)."""
    return [
        DemoAccount(
            username=u.username,
            name=u.name,
            agency=u.agency,
            roles=[r.value for r in u.roles],
            password=u.password,
            totp_secret=u.totp_secret or "",
        )
        for u in load_exercise_file(DEMO_EXERCISE).users
    ]


def demo_placement(now: datetime) -> StartAt:
    """Where `haven demo` places the demo at `now`: its action started `UNDER_WAY_FOR` ago."""
    return StartAt(to_the_minute(now) - UNDER_WAY_FOR, from_clock=True)


def load_demo(*, now: datetime | None = None) -> LoadReport:
    """Load the demo exercise, under way at `now` (default: the clock).

    Loaded again on the same day — on the operation's clock — it changes nothing, so a restart during a
    tabletop session keeps the operation where it was. Placed on another day (or loaded from the file's own
    dates), it is reset and placed anew; so is a demo that differs from the shipped exercise (a newer
    Haven): a demo deployment holds only the demo. A reset removes the demo operation's records; the audit
    trail keeps the removal."""
    moment = now or timezone.now()
    exercise = load_exercise_file(DEMO_EXERCISE)
    placement = demo_placement(moment)
    stale = _placed_on_another_day(exercise.plan.operation.code, moment)
    try:
        return exercise_apply(exercise, start_at=placement, reset=stale)
    except ExerciseDiffers:
        return exercise_apply(exercise, start_at=placement, reset=True)


def _placed_on_another_day(code: str, now: datetime) -> bool:
    """Whether the demo operation loaded was placed for another day than `now`'s, on its own clock."""
    operation = Operation.objects.filter(code=code, is_exercise=True).first()
    if operation is None:
        return False
    minutes = operation.utc_offset_minutes
    return clock_day(minutes, operation.starts_at + UNDER_WAY_FOR) != clock_day(minutes, now)


def set_up_demo() -> list[DemoAccount]:
    """Load the whole demo exercise (idempotently) and return its accounts."""
    load_demo()
    return demo_accounts()
