"""The small cast every suite shares, so an access-control matrix reads like a table.

Every name is invented. Agencies follow the Northern Light example plan's ids.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.test import Client
from django_otp.oath import TOTP

from haven.accounts import services
from haven.accounts.models import Agency, Authenticator, User

PASSWORD = "correct horse battery staple 7"

AGENCIES = {
    "metro-pd": ("Metro City Police Department", "law_enforcement"),
    "hsi": ("Homeland Security Investigations, Metro office", "federal_law_enforcement"),
    "county-da": ("Metro County District Attorney", "prosecutor"),
    "harbor-vs": ("Harbor Victim Services", "victim_service_provider"),
    "bay-vs": ("Bayside Survivor Network", "victim_service_provider"),
    "legal-aid": ("Metro Immigrant Legal Aid", "victim_attorney"),
    "county-cac": ("Metro Child Advocacy Center", "forensic_interview"),
    "lingua": ("Lingua Interpreting Cooperative", "interpreter_service"),
    "far-sheriff": ("Farhaven County Sheriff", "law_enforcement"),
}


@dataclass(frozen=True)
class Persona:
    username: str
    name: str
    agency: str
    roles: tuple[str, ...] = ("member",)
    gender: str = ""
    interviewer_roles: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


PERSONAS = {
    "investigator": Persona(
        "ivy.investigator", "Ivy Investigator", "metro-pd", ("member",), "female", ("investigator",), ("en",)
    ),
    "coordinator": Persona(
        "cole.coordinator", "Cole Coordinator", "metro-pd", ("member", "coordinator"), "male"
    ),
    "federal_agent": Persona(
        "fay.federal", "Fay Federal", "hsi", ("member",), "female", ("investigator",), ("en", "es")
    ),
    "prosecutor": Persona(
        "pat.prosecutor", "Pat Prosecutor", "county-da", ("member",), "male", ("prosecutor",), ("en",)
    ),
    "advocate": Persona("ada.advocate", "Ada Advocate", "harbor-vs", ("member",), "female", (), ("en", "es")),
    "other_provider": Persona("otto.provider", "Otto Provider", "bay-vs"),
    "attorney": Persona("ari.attorney", "Ari Attorney", "legal-aid"),
    "forensic": Persona(
        "fern.forensic",
        "Fern Forensic",
        "county-cac",
        ("member",),
        "female",
        ("forensic_interviewer",),
        ("en", "es"),
    ),
    "interpreter": Persona(
        "ines.interpreter", "Ines Interpreter", "lingua", ("member",), "", (), ("en", "es", "zh")
    ),
    "auditor": Persona("aud.auditor", "Aude Auditor", "metro-pd", ("member", "auditor")),
    "admin": Persona("adm.admin", "Adam Admin", "metro-pd", ("member", "admin")),
    "outsider": Persona("oz.outsider", "Oz Outsider", "far-sheriff"),
}


def agency(slug: str) -> Agency:
    existing = Agency.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    name, kind = AGENCIES[slug]
    return services.agency_create(actor=None, slug=slug, name=name, type=kind)


def make_user(key: str) -> User:
    persona = PERSONAS[key]
    existing = User.objects.filter(username=persona.username).first()
    if existing is not None:
        return existing
    user = services.user_create(
        actor=None,
        username=persona.username,
        name=persona.name,
        agency=agency(persona.agency),
        password=PASSWORD,
        roles=persona.roles,
        gender=persona.gender,
        interviewer_roles=persona.interviewer_roles,
        languages=persona.languages,
    )
    services.second_factor_provision(actor=None, user=user, secret_base32=secret_for(persona.username))
    return user


def secret_for(username: str) -> str:
    """A stable, per-user TOTP secret for tests (160 bits, base32)."""
    return base64.b32encode(username.encode().ljust(20, b"#")[:20]).decode()


def current_code(user: User) -> str:
    device = Authenticator.objects.get(user=user, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def sign_in(client: Client, user: User, password: str = PASSWORD) -> None:
    """The real flow: password, then the current TOTP code, through the pages."""
    # django-otp refuses a code already used (replay protection); tests sign the same person in
    # several times within one 30-second step, so forget the last use first.
    Authenticator.objects.filter(user=user).update(last_t=-1, throttling_failure_count=0)
    response = client.post("/sign-in/", {"username": user.username, "password": password})
    assert response.status_code == 302, "password step refused"
    response = client.post("/sign-in/code/", {"code": current_code(user)})
    assert response.status_code == 302
    assert response["Location"] == "/", f"second factor refused: {response['Location']}"
