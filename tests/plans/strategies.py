"""Hypothesis strategies: valid plans as plain data (any section may be absent), and text that YAML misreads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from haven.core.languages import OFFERED
from haven.plans.formats import (
    AgencyType,
    ChannelKind,
    ConductedBy,
    Holds,
    OperationKind,
    Population,
    ResourceKind,
    Served,
    Setting,
    SiteKind,
)

#: Strings a YAML reader (1.1 or 1.2) could take for something else, or that need escaping.
TRICKY = [
    "no",
    "No",
    "yes",
    "off",
    "y",
    "true",
    "null",
    "~",
    "12",
    "-3",
    "1e3",
    "0x1F",
    ".inf",
    "2026-12-03",
    "2026-12-03T05:00:00-05:00",
    "12:30",
    "- item",
    "a: b",
    "#hash",
    "x #y",
    "'q'",
    '"d"',
    "[a]",
    "{b}",
    "&anchor",
    "*alias",
    "!tag",
    "%p",
    "@at",
    "`tick",
    "|",
    ">",
    "?",
    ", comma",
    "trailing ",
    " leading",
    "line\nbreak",
    "tab\tin",
    "back\\slash",
    "nel\x85x",
    "sep\u2028x",
    "bom\ufeffx",
    "José Ñúñez",
    "王伟",
    "emoji \U0001f600",
    "Sgt. Ana Rivera",
    "+1 555 0100",
]

SLUGS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,39}", fullmatch=True)
# Plans refuse C0 control characters other than tab and line breaks (see parsing._control_characters).
_CHARS = st.characters(blacklist_categories=("Cs",)).filter(lambda ch: ord(ch) >= 32 or ch in "\t\n\r")
TEXT = st.one_of(st.sampled_from(TRICKY), st.text(_CHARS, min_size=1, max_size=24)).filter(
    lambda s: bool(s.strip())
)
OPT_TEXT = st.one_of(st.none(), TEXT)
LANGUAGES = st.sampled_from([*sorted(OFFERED), "zh-Hant", "es-419", "en-US"])
OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=OFFSETS)
DATES = st.dates(min_value=datetime(1990, 1, 1).date(), max_value=datetime(2090, 1, 1).date())


def _values(enum: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in enum])


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        data[key] = value


@st.composite
def plan_data(draw: st.DrawFn, max_entries: int = 4) -> dict[str, Any]:
    """A valid plan as JSON-compatible data."""
    agency_ids = draw(st.lists(SLUGS, min_size=1, max_size=max_entries + 2, unique=True))
    agency = st.sampled_from(agency_ids)
    agencies = st.lists(agency, max_size=max_entries)
    optional = st.booleans()

    def maybe(strategy: st.SearchStrategy[Any]) -> Any:
        return draw(strategy) if draw(optional) else None

    def moment() -> str:
        return draw(MOMENTS).isoformat()

    starts_at = draw(MOMENTS)
    ends_at = (starts_at + timedelta(minutes=draw(st.integers(1, 60 * 72)))).astimezone(draw(OFFSETS))
    data: dict[str, Any] = {
        "format": "haven.operation-plan/v1",
        "operation": {
            "code": draw(st.from_regex(r"[A-Z0-9][A-Z0-9-]{2,31}", fullmatch=True)),
            "name": draw(TEXT),
            "kind": draw(_values(OperationKind)),
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "lead_agency": draw(agency),
        },
        "agencies": [],
    }
    for agency_id in agency_ids:
        entry: dict[str, Any] = {"id": agency_id, "name": draw(TEXT), "type": draw(_values(AgencyType))}
        _put(entry, "responsibilities", maybe(st.lists(TEXT, max_size=3)))
        if draw(optional):
            contact: dict[str, Any] = {}
            for key in ("name", "phone", "email", "radio"):
                _put(contact, key, draw(OPT_TEXT))
            entry["contact"] = contact
        data["agencies"].append(entry)

    if draw(optional):
        mou: dict[str, Any] = {}
        _put(mou, "title", draw(OPT_TEXT))
        _put(mou, "signed_on", maybe(DATES.map(str)))
        _put(mou, "expires_on", maybe(DATES.map(str)))
        _put(mou, "parties", maybe(agencies))
        _put(mou, "covers", maybe(st.lists(TEXT, max_size=4)))
        data["mou"] = mou
    if draw(optional):
        communications: dict[str, Any] = {}
        _put(communications, "coordinator", maybe(agency))
        _put(communications, "command_post", draw(OPT_TEXT))
        channels = []
        for _ in range(draw(st.integers(0, max_entries))):
            channel: dict[str, Any] = {"kind": draw(_values(ChannelKind))}
            _put(channel, "name", draw(OPT_TEXT))
            _put(channel, "parties", maybe(agencies))
            channels.append(channel)
        _put(communications, "channels", channels or None)
        data["communications"] = communications
    if draw(optional):
        distribution: dict[str, Any] = {}
        _put(distribution, "full_plan", maybe(agencies))
        _put(distribution, "service_briefing", maybe(agencies))
        data["distribution"] = distribution

    site_ids = draw(st.lists(SLUGS, max_size=max_entries, unique=True))
    if site_ids:
        data["sites"] = [
            {"id": site_id, "kind": draw(_values(SiteKind)), "name": draw(TEXT), "address": draw(TEXT)}
            for site_id in site_ids
        ]
    if draw(optional):
        anticipated: dict[str, Any] = {}
        _put(anticipated, "persons", maybe(st.integers(0, 500)))
        _put(anticipated, "populations", maybe(st.lists(_values(Population), max_size=6, unique=True)))
        _put(anticipated, "languages", maybe(st.lists(LANGUAGES, max_size=4)))
        data["anticipated"] = anticipated
    if draw(optional):
        services: dict[str, Any] = {}
        _put(services, "providers", maybe(agencies))
        if draw(optional):
            staging: dict[str, Any] = {}
            _put(staging, "name", draw(OPT_TEXT))
            _put(staging, "address", draw(OPT_TEXT))
            _put(staging, "private_space", maybe(st.booleans()))
            services["staging"] = staging
        _put(services, "available_from", moment() if draw(optional) else None)
        _put(services, "available_until", moment() if draw(optional) else None)
        notifications = []
        for _ in range(draw(st.integers(0, 2))):
            notification = {"agency": draw(agency), "at": moment()}
            _put(notification, "acknowledged_at", moment() if draw(optional) else None)
            notifications.append(notification)
        _put(services, "notifications", notifications or None)
        _put(services, "information_needs", maybe(st.lists(TEXT, max_size=4)))
        _put(services, "needs_assessment_by", maybe(agency))
        data["victim_services"] = services
    resources = []
    for _ in range(draw(st.integers(0, max_entries))):
        resource: dict[str, Any] = {"agency": draw(agency), "kind": draw(_values(ResourceKind))}
        _put(resource, "serves", maybe(st.lists(_values(Served), max_size=3)))
        _put(resource, "capacity", maybe(st.integers(0, 1000)))
        _put(resource, "languages", maybe(st.lists(LANGUAGES, max_size=3)))
        resources.append(resource)
    _put(data, "resources", resources or None)
    location_ids = draw(st.lists(SLUGS, max_size=3, unique=True))
    if location_ids:
        data["interview_locations"] = []
        for location_id in location_ids:
            location: dict[str, Any] = {"id": location_id, "setting": draw(_values(Setting))}
            _put(location, "name", draw(OPT_TEXT))
            _put(location, "address", draw(OPT_TEXT))
            _put(location, "private_rooms", maybe(st.integers(0, 20)))
            data["interview_locations"].append(location)
    if draw(optional):
        separation: dict[str, Any] = {}
        areas = []
        for area_id in draw(st.lists(SLUGS, max_size=4, unique=True)):
            area: dict[str, Any] = {"id": area_id, "holds": draw(_values(Holds))}
            _put(area, "name", draw(OPT_TEXT))
            _put(area, "location", draw(OPT_TEXT))
            areas.append(area)
        _put(separation, "areas", areas or None)
        _put(separation, "transport_separate", maybe(st.booleans()))
        data["separation"] = separation
    interviews = []
    for _ in range(draw(st.integers(0, 3))):
        interview: dict[str, Any] = {
            "population": draw(_values(Population)),
            "conducted_by": draw(_values(ConductedBy)),
        }
        _put(interview, "agency", maybe(agency))
        interviews.append(interview)
    _put(data, "interviews", interviews or None)
    authorities = []
    for _ in range(draw(st.integers(0, 3))):
        authority: dict[str, Any] = {"population": draw(_values(Population))}
        _put(authority, "reviewed_by", maybe(agency))
        _put(authority, "notes", draw(OPT_TEXT))
        authorities.append(authority)
    _put(data, "legal_authorities", authorities or None)
    if draw(optional):
        relief: dict[str, Any] = {}
        _put(relief, "continued_presence_by", maybe(agency))
        _put(relief, "legal_services", maybe(agency))
        data["immigration_relief"] = relief
    if draw(optional):
        information: dict[str, Any] = {}
        materials = []
        for _ in range(draw(st.integers(0, 3))):
            material: dict[str, Any] = {}
            _put(material, "title", draw(OPT_TEXT))
            _put(material, "languages", maybe(st.lists(LANGUAGES, max_size=3)))
            materials.append(material)
        _put(information, "materials", materials or None)
        _put(information, "questions_answered_by", maybe(agency))
        data["victim_information"] = information
    return data
