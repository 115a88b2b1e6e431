"""The demo deployment: the Northern Light exercise — its plan, accounts and the day of the action —
loaded through the exercise loader, so the demo is set up, guarded and audited like any exercise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django_otp.oath import TOTP

from haven.accounts import services
from haven.exercises.formats import load_exercise_file
from haven.exercises.loader import ExerciseDiffers, LoadReport, exercise_load

DATA = Path(__file__).resolve().parent / "data"
DEMO_EXERCISE = DATA / "northern-light-exercise.yaml"


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


def load_demo() -> LoadReport:
    """Load the demo exercise; change nothing when it is already there. A demo deployment holds only
    the demo: when the shipped exercise changed since it was loaded (a newer Haven), it is reset."""
    try:
        return exercise_load(DEMO_EXERCISE)
    except ExerciseDiffers:
        return exercise_load(DEMO_EXERCISE, reset=True)


def set_up_demo() -> list[DemoAccount]:
    """Load the whole demo exercise (idempotently) and return its accounts."""
    load_demo()
    return demo_accounts()
