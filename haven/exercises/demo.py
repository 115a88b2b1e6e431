"""The demo deployment: the Northern Light exercise's agencies and accounts, set up idempotently.

Until the full exercise loader lands this reads only the agencies of the plan and the users of the
exercise file, through the account services (so the demo's set-up is audited like any other).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django_otp.oath import TOTP
from ruamel.yaml import YAML

from haven.accounts import services
from haven.accounts.models import Agency, User

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


def _read(path: Path) -> dict[str, Any]:
    loaded = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def demo_accounts() -> list[DemoAccount]:
    exercise = _read(DEMO_EXERCISE)
    return [
        DemoAccount(
            username=u["username"],
            name=u["name"],
            agency=u["agency"],
            roles=list(u.get("roles", [])),
            password=u["password"],
            totp_secret=u["totp_secret"],
        )
        for u in exercise["users"]
    ]


@transaction.atomic
def set_up_demo() -> list[DemoAccount]:
    """Create the demo's agencies and accounts if they are not there yet; change nothing otherwise."""
    exercise = _read(DEMO_EXERCISE)
    plan = _read(DEMO_EXERCISE.parent / exercise["plan_file"])
    for entry in plan["agencies"]:
        if not Agency.objects.filter(slug=entry["id"]).exists():
            services.agency_create(actor=None, slug=entry["id"], name=entry["name"], type=entry["type"])
    for u in exercise["users"]:
        if User.objects.filter(username=u["username"]).exists():
            continue
        user = services.user_create(
            actor=None,
            username=u["username"],
            name=u["name"],
            agency=Agency.objects.get(slug=u["agency"]),
            password=u["password"],
            roles=u.get("roles", []),
            gender=u.get("gender", ""),
            interviewer_roles=u.get("interviewer_roles", []),
            languages=u.get("languages", []),
        )
        services.second_factor_provision(actor=None, user=user, secret_base32=u["totp_secret"])
    return demo_accounts()
