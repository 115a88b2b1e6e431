"""The operation plan, `haven.operation-plan/v1`, as typed, immutable pydantic models.

A `Plan` that exists is a valid plan: every field has its type, every id is a unique slug, every agency
reference names an agency of the same plan. Gaps a readiness rule reports (a missing section, an empty
field) are not errors here; an empty string counts as absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from haven.core.languages import language_tag, language_tag_problem, tags_match
from haven.core.problems import format_path

PLAN_FORMAT: Final = "haven.operation-plan/v1"

#: The error type of the refusals written in Haven's own words (the message is final as it stands).
HAVEN_ERROR: Final = "haven"
#: The error type a `Plan` raises for its cross-references; `parse_plan` reports those one by one itself.
CONSISTENCY_ERROR: Final = "plan_consistency"

SLUG_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
CODE_RE: Final = re.compile(r"[A-Z0-9][A-Z0-9-]{2,31}")
DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
TIMESTAMP_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")


# -- vocabularies -------------------------------------------------------------------------------------------


class OperationKind(StrEnum):
    PROACTIVE = "proactive"
    REACTIVE = "reactive"


class AgencyType(StrEnum):
    LAW_ENFORCEMENT = "law_enforcement"
    FEDERAL_LAW_ENFORCEMENT = "federal_law_enforcement"
    PROSECUTOR = "prosecutor"
    VICTIM_SERVICE_PROVIDER = "victim_service_provider"
    VICTIM_ATTORNEY = "victim_attorney"
    CHILD_WELFARE = "child_welfare"
    FORENSIC_INTERVIEW = "forensic_interview"
    MEDICAL = "medical"
    SHELTER = "shelter"
    INTERPRETER_SERVICE = "interpreter_service"
    LABOR = "labor"
    OTHER = "other"


LAW_ENFORCEMENT_TYPES: Final = frozenset({AgencyType.LAW_ENFORCEMENT, AgencyType.FEDERAL_LAW_ENFORCEMENT})
#: Law enforcement and prosecutors receive the full plan; every other type is a service agency.
INVESTIGATIVE_TYPES: Final = LAW_ENFORCEMENT_TYPES | {AgencyType.PROSECUTOR}


class ChannelKind(StrEnum):
    RADIO = "radio"
    PHONE = "phone"
    SECURE_MESSAGING = "secure_messaging"
    IN_PERSON = "in_person"


class SiteKind(StrEnum):
    BUSINESS = "business"
    RESIDENCE = "residence"
    HOTEL = "hotel"
    VEHICLE = "vehicle"
    OUTDOOR = "outdoor"
    OTHER = "other"


class Population(StrEnum):
    FEMALE = "female"
    MALE = "male"
    ADULT = "adult"
    MINOR = "minor"
    US_CITIZEN = "us_citizen"
    FOREIGN_NATIONAL = "foreign_national"


class Served(StrEnum):
    """A population tag in a resource's `serves`, where `all` also stands for every population."""

    ALL = "all"
    FEMALE = "female"
    MALE = "male"
    ADULT = "adult"
    MINOR = "minor"
    US_CITIZEN = "us_citizen"
    FOREIGN_NATIONAL = "foreign_national"


class ResourceKind(StrEnum):
    SHELTER = "shelter"
    MEDICAL = "medical"
    FOOD = "food"
    CLOTHING = "clothing"
    INTERPRETER = "interpreter"
    CHILD_WELFARE = "child_welfare"
    TRANSPORTATION = "transportation"
    COUNSELING = "counseling"
    IMMIGRATION_LEGAL = "immigration_legal"
    CHILDCARE = "childcare"


class Setting(StrEnum):
    NONDETENTION = "nondetention"
    DETENTION = "detention"


class Holds(StrEnum):
    POTENTIAL_VICTIMS = "potential_victims"
    SUSPECTS = "suspects"
    UNDETERMINED = "undetermined"


class ConductedBy(StrEnum):
    INVESTIGATOR = "investigator"
    PROSECUTOR = "prosecutor"
    FORENSIC_INTERVIEWER = "forensic_interviewer"


# -- field types --------------------------------------------------------------------------------------------


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError(HAVEN_ERROR, "{message}", {"message": message})


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise _refuse("must not be empty")
    return value


def _slug(value: str) -> str:
    if not SLUG_RE.fullmatch(value):
        raise _refuse(
            f"{value!r} is not a valid id: use 1 to 40 lower-case letters, digits and hyphens, "
            "starting with a letter or digit (e.g. metro-pd)"
        )
    return value


def _code(value: str) -> str:
    if not CODE_RE.fullmatch(value):
        raise _refuse(
            f"{value!r} is not a valid operation code: use 3 to 32 upper-case letters, digits and hyphens, "
            "starting with a letter or digit (e.g. NL-2026-12)"
        )
    return value


def _language(value: str) -> str:
    """A BCP 47 tag, kept in its canonical form (haven.core.languages)."""
    problem = language_tag_problem(value)
    if problem:
        raise _refuse(problem)
    return language_tag(value)


#: Years outside this range are typos, and would overflow the date arithmetic of the rules.
FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 2999


def _within_years(value: date, text: object) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _refuse(f"{text!r} is out of range: the year must be between {FIRST_YEAR} and {LAST_YEAR}")


def parse_timestamp(value: object) -> datetime:
    """An ISO 8601 timestamp with a UTC offset (`2026-12-03T05:00:00-05:00`); a naive one is refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise _refuse("needs a UTC offset (e.g. 2026-12-03T05:00:00-05:00)")
        _within_years(value, value.isoformat())
        return value
    if not isinstance(value, str):
        raise _refuse(f"must be a timestamp such as 2026-12-03T05:00:00-05:00, not {describe_value(value)}")
    text = value.strip()
    if TIMESTAMP_RE.fullmatch(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            _within_years(moment, value)
            return moment
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text):
        raise _refuse(f"{value!r} has no UTC offset: write it like 2026-12-03T05:00:00-05:00")
    raise _refuse(f"{value!r} is not a timestamp: write it like 2026-12-03T05:00:00-05:00")


def parse_date(value: object) -> date:
    """A calendar date written `YYYY-MM-DD`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        _within_years(value, value.isoformat())
        return value
    if not isinstance(value, str):
        raise _refuse(f"must be a date such as 2025-01-15, not {describe_value(value)}")
    if DATE_RE.fullmatch(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            _within_years(day, value)
            return day
    raise _refuse(f"{value!r} is not a date: write it as YYYY-MM-DD (e.g. 2025-01-15)")


def _optional(parse: Any) -> Any:
    def parse_optional(value: object) -> object:
        value = _blank_to_none(value)
        return None if value is None else parse(value)

    return parse_optional


def describe_value(value: object) -> str:
    """How an unexpected input reads in a message: `the number 12`, `a list`, `empty (null)`."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime | date):
        return f"the date {value.isoformat()}"
    return f"a {type(value).__name__}"


Text = Annotated[str, Field(strict=True), AfterValidator(_non_blank)]
OptText = Annotated[StrictStr | None, BeforeValidator(_blank_to_none)]
# names Haven keeps in its own columns besides the plan document: at most 200 characters
Name = Annotated[str, Field(strict=True, max_length=200), AfterValidator(_non_blank)]
OptName = Annotated[Annotated[StrictStr, Field(max_length=200)] | None, BeforeValidator(_blank_to_none)]
Slug = Annotated[str, Field(strict=True), AfterValidator(_slug)]
Code = Annotated[str, Field(strict=True), AfterValidator(_code)]
Language = Annotated[str, Field(strict=True), AfterValidator(_language)]
AgencyRef = Annotated[str, Field(strict=True), AfterValidator(_non_blank)]
Timestamp = Annotated[datetime, BeforeValidator(parse_timestamp)]
OptTimestamp = Annotated[datetime | None, BeforeValidator(_optional(parse_timestamp))]
OptDate = Annotated[date | None, BeforeValidator(_optional(parse_date))]
# "an empty string counts as absent" (operation-plan.md), for numbers and yes/no as for text
OptCount = Annotated[Annotated[StrictInt, Field(ge=0)] | None, BeforeValidator(_blank_to_none)]
OptFlag = Annotated[StrictBool | None, BeforeValidator(_blank_to_none)]
Strings = tuple[Annotated[str, Field(strict=True)], ...]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_lists_may_be_null(cls, data: Any) -> Any:
        """A list that may be absent may also be written with no value (`covers:` in YAML, `null` in
        JSON): it is the empty list, and a readiness rule reports the gap (operation-plan.md)."""
        if not isinstance(data, Mapping):
            return data
        fields = cls.model_fields
        empty = [
            key
            for key, value in data.items()
            if value is None and key in fields and fields[key].default == ()
        ]
        return {**data, **dict.fromkeys(empty, ())} if empty else data


# -- the plan -----------------------------------------------------------------------------------------------


class Operation(_Section):
    code: Code
    name: Name
    kind: OperationKind
    starts_at: Timestamp
    ends_at: Timestamp
    lead_agency: AgencyRef


class Contact(_Section):
    name: OptText = None
    phone: OptText = None
    email: OptText = None
    radio: OptText = None


class Agency(_Section):
    id: Slug
    name: Name
    type: AgencyType
    responsibilities: Strings = ()
    contact: Contact | None = None


class Mou(_Section):
    title: OptText = None
    signed_on: OptDate = None
    expires_on: OptDate = None
    parties: Strings = ()
    covers: Strings = ()


class Channel(_Section):
    name: OptText = None
    kind: ChannelKind
    parties: Strings = ()


class Communications(_Section):
    coordinator: OptText = None
    command_post: OptText = None
    channels: tuple[Channel, ...] = ()


class Distribution(_Section):
    full_plan: Strings = ()
    service_briefing: Strings = ()


class Site(_Section):
    id: Slug
    name: OptText = None
    address: OptText = None
    kind: SiteKind


class Anticipated(_Section):
    persons: OptCount = None
    populations: tuple[Population, ...] = ()
    #: None (left out, or written with no value): not stated; `()`: English only (readiness.md).
    languages: tuple[Language, ...] | None = None

    @property
    def languages_besides_english(self) -> tuple[str, ...]:
        """The anticipated languages other than English (`en` or any English: `en-US`), each once, in the
        plan's order."""
        return tuple(dict.fromkeys(code for code in self.languages or () if not tags_match(code, "en")))


class Staging(_Section):
    name: OptText = None
    address: OptText = None
    private_space: OptFlag = None


class Notification(_Section):
    agency: AgencyRef
    at: Timestamp
    acknowledged_at: OptTimestamp = None


class VictimServices(_Section):
    providers: Strings = ()
    staging: Staging | None = None
    available_from: OptTimestamp = None
    available_until: OptTimestamp = None
    notifications: tuple[Notification, ...] = ()
    information_needs: Strings = ()
    needs_assessment_by: OptText = None


class Resource(_Section):
    agency: AgencyRef
    kind: ResourceKind
    serves: tuple[Served, ...] = ()
    capacity: OptCount = None
    languages: tuple[Language, ...] = ()

    def serves_population(self, population: Population) -> bool:
        """No `serves` (or an empty one) means `all`."""
        return not self.serves or Served.ALL in self.serves or Served(population.value) in self.serves


class InterviewLocation(_Section):
    id: Slug
    name: OptName = None
    address: OptText = None
    setting: Setting
    private_rooms: Annotated[
        Annotated[StrictInt, Field(ge=0, le=32767)] | None, BeforeValidator(_blank_to_none)
    ] = None


class SeparationArea(_Section):
    id: Slug
    name: OptName = None
    holds: Holds
    location: OptName = None


class Separation(_Section):
    areas: tuple[SeparationArea, ...] = ()
    transport_separate: OptFlag = None


class Interview(_Section):
    population: Population
    conducted_by: ConductedBy
    agency: OptText = None


class LegalAuthority(_Section):
    population: Population
    reviewed_by: OptText = None
    notes: OptText = None


class ImmigrationRelief(_Section):
    continued_presence_by: OptText = None
    legal_services: OptText = None


class Material(_Section):
    title: OptText = None
    languages: tuple[Language, ...] = ()


class VictimInformation(_Section):
    materials: tuple[Material, ...] = ()
    questions_answered_by: OptText = None


class Plan(_Section):
    """One enforcement action's plan, valid by construction."""

    format: Literal["haven.operation-plan/v1"]
    operation: Operation
    agencies: tuple[Agency, ...] = Field(min_length=1)
    mou: Mou | None = None
    communications: Communications | None = None
    distribution: Distribution | None = None
    sites: tuple[Site, ...] = ()
    anticipated: Anticipated | None = None
    victim_services: VictimServices | None = None
    resources: tuple[Resource, ...] = ()
    interview_locations: tuple[InterviewLocation, ...] = ()
    separation: Separation | None = None
    interviews: tuple[Interview, ...] = ()
    legal_authorities: tuple[LegalAuthority, ...] = ()
    immigration_relief: ImmigrationRelief | None = None
    victim_information: VictimInformation | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Plan:
        problems = consistency_problems(self.model_dump(mode="python"))
        if problems:
            raise PydanticCustomError(
                CONSISTENCY_ERROR, "{problems}", {"problems": "; ".join(str(p) for p in problems)}
            )
        return self

    def agency(self, agency_id: str | None) -> Agency | None:
        """The agency with this id, if any."""
        return next((a for a in self.agencies if a.id == agency_id), None)


# -- cross-references, checked on raw data so that they are reported together with type errors ---------------

Path = tuple[str | int, ...]

#: Every field that names an agency; `[]` stands for "each entry of the list".
AGENCY_REFERENCE_FIELDS: Final[tuple[tuple[str, ...], ...]] = (
    ("operation", "lead_agency"),
    ("mou", "parties", "[]"),
    ("communications", "coordinator"),
    ("communications", "channels", "[]", "parties", "[]"),
    ("distribution", "full_plan", "[]"),
    ("distribution", "service_briefing", "[]"),
    ("victim_services", "providers", "[]"),
    ("victim_services", "notifications", "[]", "agency"),
    ("victim_services", "needs_assessment_by"),
    ("resources", "[]", "agency"),
    ("interviews", "[]", "agency"),
    ("legal_authorities", "[]", "reviewed_by"),
    ("immigration_relief", "continued_presence_by"),
    ("immigration_relief", "legal_services"),
    ("victim_information", "questions_answered_by"),
)

#: The lists whose entries carry an id, and what such an entry is called in a message.
ID_LISTS: Final[tuple[tuple[tuple[str, ...], str], ...]] = (
    (("agencies",), "agency"),
    (("sites",), "site"),
    (("interview_locations",), "interview location"),
    (("separation", "areas"), "separation area"),
)


def _walk(node: object, template: Sequence[str], path: Path) -> Iterator[tuple[Path, object]]:
    if not template:
        yield path, node
        return
    head, rest = template[0], template[1:]
    if head == "[]":
        if isinstance(node, list | tuple):
            for index, item in enumerate(node):
                yield from _walk(item, rest, (*path, index))
    elif isinstance(node, Mapping) and head in node:
        yield from _walk(node[head], rest, (*path, head))


def _listing(ids: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (", …" if len(ids) > limit else "")


def consistency_problems(data: object) -> list[tuple[Path, str]]:
    """Duplicate ids, an end before the start, and agency references that name no agency.

    Works on the raw document (any shape), skipping what is malformed: the type errors are reported
    elsewhere, and these problems are reported together with them.
    """
    problems: list[tuple[Path, str]] = []
    if not isinstance(data, Mapping):
        return problems

    other_ids: dict[str, tuple[Path, str]] = {}
    agency_ids: list[str] = []
    for list_path, noun in ID_LISTS:
        seen: dict[str, Path] = {}
        for path, value in _walk(data, (*list_path, "[]", "id"), ()):
            if not isinstance(value, str):
                continue
            if value in seen:
                problems.append((path, f"{value!r} is already the id of {format_path(seen[value][:-1])}"))
                continue
            seen[value] = path
            if noun == "agency":
                agency_ids.append(value)
            else:
                other_ids.setdefault(value, (path[:-1], noun))

    operation = data.get("operation")
    if isinstance(operation, Mapping):
        try:
            starts_at = parse_timestamp(operation.get("starts_at"))
            ends_at = parse_timestamp(operation.get("ends_at"))
        except PydanticCustomError:
            pass
        else:
            if ends_at <= starts_at:
                problems.append(
                    (
                        ("operation", "ends_at"),
                        f"must be after operation.starts_at ({starts_at.isoformat()}), "
                        f"not {ends_at.isoformat()}",
                    )
                )

    if not agency_ids:
        return problems  # without any agency every reference would dangle: the agencies problem says it all
    known = set(agency_ids)
    for template in AGENCY_REFERENCE_FIELDS:
        for path, value in _walk(data, template, ()):
            if not isinstance(value, str) or value in known:
                continue
            if not value.strip() and template[-1] != "[]":
                continue  # an empty single reference is absent, a gap for the readiness rules
            if value in other_ids:
                where, noun = other_ids[value]
                message = (
                    f"{value!r} is the id of a {noun} ({format_path(where)}), not of an agency; "
                    f"name an agency id here ({_listing(agency_ids)})"
                )
            else:
                message = f"{value!r} is not the id of an agency in this plan ({_listing(agency_ids)})"
            problems.append((path, message))
    return problems
