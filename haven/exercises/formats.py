"""The exercise file, `haven.exercise/v1`: a whole fictional operation — its plan, its people, and what
happened after the action — as typed pydantic models, and the parser that reports every problem at once.

A parsed `Exercise` is valid as a file: every field has its type, every reference names something of the
same file or of its plan (an agency, a separation area, an interview location, a user, a person). What the
application's guardrails decide (an interview before the needs assessment, a consent that outlives a year,
an author whose agency may not write that compartment …) is left to the services the loader calls, so that
the rules hold in one place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
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
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from haven.core.problems import InvalidInput, Problem, format_path
from haven.plans import Plan, load_plan_file, parse_plan
from haven.plans.documents import DocumentError, annotation_at, read_document, validation_problems
from haven.plans.formats import (
    HAVEN_ERROR,
    INVESTIGATIVE_TYPES,
    Language,
    OptTimestamp,
    Population,
    Slug,
    Text,
    Timestamp,
    parse_date,
    parse_timestamp,
)

EXERCISE_FORMAT: Final = "haven.exercise/v1"

PERSON_CODE_RE: Final = re.compile(r"P-\d{3,5}")
USERNAME_RE: Final = re.compile(r"[a-z0-9][a-z0-9._-]{1,149}")
TOTP_SECRET_RE: Final = re.compile(r"[A-Z2-7]{32}")

Path_ = tuple[str | int, ...]


# -- vocabularies (the same values as the application's; tests/exercises checks they stay in step) ----------


class Role(StrEnum):
    MEMBER = "member"
    COORDINATOR = "coordinator"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


class InterviewerRole(StrEnum):
    INVESTIGATOR = "investigator"
    PROSECUTOR = "prosecutor"
    FORENSIC_INTERVIEWER = "forensic_interviewer"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


class DesignationStatus(StrEnum):
    POTENTIAL_VICTIM = "potential_victim"
    SUSPECT = "suspect"
    WITNESS = "witness"
    UNDETERMINED = "undetermined"


class Sign(StrEnum):
    GIVES_ORDERS = "gives_orders"
    ANSWERS_FOR_OTHERS = "answers_for_others"
    WATCHES_OTHERS = "watches_others"
    HOLDS_DOCUMENTS = "holds_documents"
    HOLDS_MONEY = "holds_money"
    IS_DEFERRED_TO = "is_deferred_to"
    APPEARS_FEARFUL = "appears_fearful"
    HAS_INJURIES = "has_injuries"


class UrgentDomain(StrEnum):
    MEDICAL = "medical"
    SHELTER = "shelter"
    FOOD = "food"
    SAFETY = "safety"
    LANGUAGE = "language"


class ServiceKind(StrEnum):
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


class ServiceStatus(StrEnum):
    PROVIDED = "provided"
    REFERRED = "referred"


class ConsentItem(StrEnum):
    """What a consent may name. `attorney_notes` is a word of the file so that the consent rule (never
    releasing attorney notes) refuses it when the exercise is loaded, as the application would."""

    NEEDS_DETAILS = "needs_details"
    SAFETY_PLAN = "safety_plan"
    SERVICES = "services"
    CONTACT = "contact"
    ATTORNEY_NOTES = "attorney_notes"


class InterviewStatus(StrEnum):
    CONDUCTED = "conducted"
    SCHEDULED = "scheduled"


class ReliefKind(StrEnum):
    CONTINUED_PRESENCE = "continued_presence"
    T_VISA = "t_visa"
    U_VISA = "u_visa"


class ReliefStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DENIED = "denied"
    SIGNED = "signed"
    DECLINED = "declined"


RELIEF_STATUSES: Final[dict[ReliefKind, tuple[ReliefStatus, ...]]] = {
    ReliefKind.CONTINUED_PRESENCE: (ReliefStatus.REQUESTED, ReliefStatus.GRANTED, ReliefStatus.DENIED),
    ReliefKind.T_VISA: (ReliefStatus.REQUESTED, ReliefStatus.SIGNED, ReliefStatus.DECLINED),
    ReliefKind.U_VISA: (ReliefStatus.REQUESTED, ReliefStatus.SIGNED, ReliefStatus.DECLINED),
}


# -- field types ----------------------------------------------------------------------------------------------


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError(HAVEN_ERROR, "{message}", {"message": message})


def _person_code(value: str) -> str:
    if not PERSON_CODE_RE.fullmatch(value):
        raise _refuse(f"{value!r} is not a person code: use a pseudonymous code such as P-001 (never a name)")
    return value


def _username(value: str) -> str:
    if not USERNAME_RE.fullmatch(value):
        raise _refuse(
            f"{value!r} is not a username: use 2 to 150 lower-case letters, digits, '.', '_' or '-' "
            "(e.g. arivera)"
        )
    return value


def _totp_secret(value: str) -> str:
    if not TOTP_SECRET_RE.fullmatch(value):
        raise _refuse(
            "must be a base32 secret of 160 bits: 32 characters of A-Z and 2-7 "
            "(e.g. IZOISJJ3I4EQBSVINH6US6VK2TPDGHD3)"
        )
    return value


PersonCode = Annotated[str, Field(strict=True), AfterValidator(_person_code)]
Username = Annotated[str, Field(strict=True), AfterValidator(_username)]
TotpSecret = Annotated[str, Field(strict=True), AfterValidator(_totp_secret)]
Day = Annotated[date, BeforeValidator(parse_date)]
FreeText = Annotated[str, Field(strict=True)]
Minutes = Annotated[StrictInt, Field(ge=1, le=480)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- the file -------------------------------------------------------------------------------------------------


class User(_Entry):
    username: Username
    name: Text
    agency: Slug
    roles: tuple[Role, ...] = (Role.MEMBER,)
    gender: Gender | None = None
    interviewer_roles: tuple[InterviewerRole, ...] = ()
    languages: tuple[Language, ...] = ()
    password: Text
    totp_secret: TotpSecret | None = None


class PersonEntry(_Entry):
    code: PersonCode
    tags: tuple[Population, ...] = ()
    languages: tuple[Language, ...] = ()
    area: Slug | None = None
    priority: Priority = Priority.NORMAL
    interviewer_gender: Gender | None = None
    encountered_at: OptTimestamp = None
    by: Username | None = None


class DesignationEntry(_Entry):
    person: PersonCode
    by: Username
    at: Timestamp
    status: DesignationStatus


class ObservationEntry(_Entry):
    person: PersonCode
    by: Username
    at: Timestamp
    signs: tuple[Sign, ...] = ()
    text: FreeText = ""
    towards: PersonCode | None = None


class PlacementEntry(_Entry):
    person: PersonCode
    by: Username
    at: Timestamp
    area: Slug


class NeedsEntry(_Entry):
    person: PersonCode
    by: Username
    at: Timestamp
    medical: FreeText = ""
    shelter: FreeText = ""
    food: FreeText = ""
    safety: FreeText = ""
    clothing: FreeText = ""
    contact: FreeText = ""
    childcare: FreeText = ""
    transportation: FreeText = ""
    legal: FreeText = ""
    counseling: FreeText = ""
    language: Language | None = None
    language_notes: FreeText = ""
    concerns: FreeText = ""
    urgent: tuple[UrgentDomain, ...] = ()


class InformationEntry(_Entry):
    person: PersonCode
    by: Username
    at: Timestamp
    language: Language
    materials: tuple[Text, ...] = ()
    questions: FreeText = ""
    answers: FreeText = ""


class TextEntry(_Entry):
    """A safety plan, a case note or an attorney note: who wrote it, when, and the text."""

    person: PersonCode
    by: Username
    at: Timestamp
    text: Text


class ServiceEntry(_Entry):
    person: PersonCode
    by: Username
    at: Timestamp
    kind: ServiceKind
    status: ServiceStatus
    notes: FreeText = ""


class ConsentRevocation(_Entry):
    """The client withdrew the consent: when, and whether orally (recorded by the provider who holds it)."""

    at: Timestamp
    orally: StrictBool = False


class ConsentEntry(_Entry):
    person: PersonCode
    recorded_by: Username
    recipient: Slug
    items: tuple[ConsentItem, ...] = Field(min_length=1)
    purpose: Text
    in_writing: StrictBool
    given_on: Day
    expires_on: Day
    guardian: FreeText = ""
    minor_may_consent: FreeText = ""
    revoked: ConsentRevocation | None = None


class InterviewEntry(_Entry):
    person: PersonCode
    interviewer: Username
    role: InterviewerRole
    location: Slug
    starts_at: Timestamp
    minutes: Minutes
    note_taker: Username | None = None
    interpreter: Username | None = None
    room: FreeText = ""
    status: InterviewStatus = InterviewStatus.CONDUCTED
    notes: FreeText = ""


class ReliefEntry(_Entry):
    person: PersonCode
    by: Username
    at: Timestamp
    kind: ReliefKind
    status: ReliefStatus


class DangerResponse(_Entry):
    by: Username
    at: Timestamp
    text: Text


class DangerEntry(_Entry):
    person: PersonCode
    by: Username
    at: Timestamp
    response: DangerResponse | None = None


class Encounter(_Entry):
    persons: tuple[PersonEntry, ...] = ()
    designations: tuple[DesignationEntry, ...] = ()
    observations: tuple[ObservationEntry, ...] = ()
    placements: tuple[PlacementEntry, ...] = ()
    needs: tuple[NeedsEntry, ...] = ()
    information: tuple[InformationEntry, ...] = ()
    safety_plans: tuple[TextEntry, ...] = ()
    services: tuple[ServiceEntry, ...] = ()
    case_notes: tuple[TextEntry, ...] = ()
    attorney_notes: tuple[TextEntry, ...] = ()
    consents: tuple[ConsentEntry, ...] = ()
    interviews: tuple[InterviewEntry, ...] = ()
    relief: tuple[ReliefEntry, ...] = ()
    danger_flags: tuple[DangerEntry, ...] = ()


class ExerciseFile(_Entry):
    """The document as written; `plan_file` or `plan` is resolved into `Exercise.plan` by the parser."""

    format: Literal["haven.exercise/v1"]
    plan_file: StrictStr | None = None
    plan: dict[str, Any] | None = None
    users: tuple[User, ...] = Field(min_length=1)
    encounter: Encounter = Encounter()


# The sections of `encounter`, in the order a record of each is applied when several share one moment,
# each with the key naming its author.
SECTIONS: Final[tuple[tuple[str, str], ...]] = (
    ("persons", "by"),
    ("designations", "by"),
    ("placements", "by"),
    ("observations", "by"),
    ("danger_flags", "by"),
    ("needs", "by"),
    ("information", "by"),
    ("safety_plans", "by"),
    ("services", "by"),
    ("case_notes", "by"),
    ("attorney_notes", "by"),
    ("interviews", "interviewer"),
    ("relief", "by"),
    ("consents", "recorded_by"),
)

# The time each section's records carry.
TIME_KEY: Final[dict[str, str]] = {
    "persons": "encountered_at",
    "consents": "given_on",
    "interviews": "starts_at",
}


@dataclass(frozen=True)
class Exercise:
    """A valid exercise file: the document and the plan it names (from `plan_file` or inline)."""

    document: ExerciseFile
    plan: Plan
    source: str = ""

    @property
    def users(self) -> tuple[User, ...]:
        return self.document.users

    @property
    def encounter(self) -> Encounter:
        return self.document.encounter

    def coordinator(self) -> User:
        """The first user with the coordinator role at an investigative agency: the plan's importer."""
        for user in self.users:
            agency = self.plan.agency(user.agency)
            if Role.COORDINATOR in user.roles and agency is not None and agency.type in INVESTIGATIVE_TYPES:
                return user
        raise AssertionError("a parsed exercise names a coordinator at an investigative agency")

    def encountered_at(self, person: PersonEntry) -> datetime:
        return person.encountered_at or self.plan.operation.starts_at


# -- parsing -----------------------------------------------------------------------------------------------


def parse_exercise(text: str | bytes, *, filename: str = "", base_dir: Path | None = None) -> Exercise:
    """The exercise a YAML or JSON document holds; `InvalidInput` (what="exercise") with every problem.

    `plan_file` is read relative to `base_dir` (the exercise file's folder)."""
    try:
        data = read_document(text, filename=filename)
    except DocumentError as exc:
        raise InvalidInput(exc.problems(), what="exercise") from None
    if not isinstance(data, dict):
        raise InvalidInput(
            [
                Problem(
                    "", "an exercise file is a mapping with format, plan_file (or plan), users and encounter"
                )
            ],
            what="exercise",
        )
    plan, problems = _plan_of(data, base_dir or Path.cwd())
    extra = consistency_problems(data, plan)
    try:
        document = ExerciseFile.model_validate(data)
    except PydanticValidationError as exc:
        problems += validation_problems(ExerciseFile, exc, extra)
        raise InvalidInput(problems, what="exercise") from None
    problems += [Problem(format_path(path), message) for path, message in sorted(extra, key=_document_order)]
    if problems or plan is None:
        raise InvalidInput(problems, what="exercise")
    return Exercise(document=document, plan=plan, source=filename)


def _document_order(problem: tuple[Path_, str]) -> tuple[int, ...]:
    """Problems in the order of the file's fields, list entries by index (as the schema's own are)."""
    key: list[int] = []
    path = problem[0]
    for depth, part in enumerate(path):
        if isinstance(part, int):
            key.append(part)
            continue
        owner = annotation_at(ExerciseFile, path[:depth])
        names = list(owner.model_fields) if isinstance(owner, type) and issubclass(owner, BaseModel) else []
        key.append(names.index(part) if part in names else len(names))
    return tuple(key)


def load_exercise_file(path: str | Path) -> Exercise:
    """The exercise in a file, its `plan_file` read next to it; an unreadable file is refused like an
    invalid one."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            [Problem("", f"cannot read {path}: {exc.strerror or exc}")], what="exercise"
        ) from None
    return parse_exercise(content, filename=path.name, base_dir=path.resolve().parent)


def _plan_of(data: Mapping[str, Any], base_dir: Path) -> tuple[Plan | None, list[Problem]]:
    """The plan named by `plan_file` or written inline as `plan`: exactly one of them."""
    plan_file, inline = data.get("plan_file"), data.get("plan")
    if plan_file is not None and inline is not None:
        return None, [Problem("plan_file", "give the plan either as plan_file or inline as plan, not both")]
    if plan_file is None and inline is None:
        return None, [
            Problem(
                "plan_file", "is required: the plan file, relative to this file (or the plan inline as plan)"
            )
        ]
    if plan_file is not None:
        if not isinstance(plan_file, str) or not plan_file.strip():
            return None, []  # the schema reports the type
        try:
            return load_plan_file(base_dir / plan_file), []
        except InvalidInput as error:
            return None, [Problem("plan_file", f"{plan_file}: {problem}") for problem in error.problems]
    if not isinstance(inline, dict):
        return None, []  # the schema reports the type
    try:
        return parse_plan(json.dumps(inline), filename="plan.json"), []
    except InvalidInput as error:
        return None, [
            Problem(f"plan.{problem.path}" if problem.path else "plan", problem.message)
            for problem in error.problems
        ]


# -- references, checked on the raw data so that they are reported together with the type errors -------------


def _entries(data: Mapping[str, Any], *path: str) -> Iterator[tuple[Path_, Mapping[str, Any]]]:
    node: object = data
    for part in path:
        if not isinstance(node, Mapping):
            return
        node = node.get(part)
    if not isinstance(node, list):
        return
    for index, entry in enumerate(node):
        if isinstance(entry, Mapping):
            yield (*path, index), entry


def _text(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return value if isinstance(value, str) else None


def _moment(value: object) -> datetime | None:
    try:
        return parse_timestamp(value)
    except PydanticCustomError:
        return None


def _day(value: object) -> date | None:
    try:
        return parse_date(value)
    except PydanticCustomError:
        return None


def _listing(ids: list[str], limit: int = 8) -> str:
    return ", ".join(ids[:limit]) + (", …" if len(ids) > limit else "")


def consistency_problems(data: Mapping[str, Any], plan: Plan | None) -> list[tuple[Path_, str]]:
    """Duplicate usernames and person codes, references that name nothing, the same record twice, records
    of a person from before the person was encountered, and no one to import the plan."""
    problems: list[tuple[Path_, str]] = []
    importer: str | None = None
    users: dict[str, Path_] = {}
    for path, entry in _entries(data, "users"):
        name = _text(entry, "username")
        if name is None:
            continue
        if name in users:
            problems.append(
                ((*path, "username"), f"{name!r} is already the username of {format_path(users[name])}")
            )
        else:
            users[name] = path

    agency_ids = [a.id for a in plan.agencies] if plan else []
    areas = [a.id for a in plan.separation.areas] if plan and plan.separation else []
    locations = [loc.id for loc in plan.interview_locations] if plan else []
    if plan is not None:
        for path, entry in _entries(data, "users"):
            agency_id = _text(entry, "agency")
            if agency_id is not None and agency_id not in agency_ids:
                problems.append(
                    (
                        (*path, "agency"),
                        f"{agency_id!r} is not an agency of the plan ({_listing(agency_ids)})",
                    )
                )
            agency = plan.agency(agency_id)
            roles = entry.get("roles")
            if (
                importer is None
                and agency is not None
                and agency.type in INVESTIGATIVE_TYPES
                and isinstance(roles, list)
                and "coordinator" in roles
            ):
                importer = _text(entry, "username")
        if importer is None and users:
            problems.append(
                (
                    ("users",),
                    "name at least one user with the coordinator role at an investigative agency of the plan "
                    "(law_enforcement, federal_law_enforcement or prosecutor): the loader imports and approves "
                    "the plan as that user",
                )
            )

    persons: dict[str, Path_] = {}
    encountered: dict[str, datetime] = {}
    default_start = plan.operation.starts_at if plan else None
    for path, entry in _entries(data, "encounter", "persons"):
        code = _text(entry, "code")
        if code is None:
            continue
        if code in persons:
            problems.append(
                ((*path, "code"), f"{code!r} is already the code of {format_path(persons[code])}")
            )
            continue
        persons[code] = path
        moment = (
            _moment(entry["encountered_at"]) if entry.get("encountered_at") is not None else default_start
        )
        if moment is not None:
            encountered[code] = moment

    def person_ref(path: Path_, key: str, value: object) -> None:
        if isinstance(value, str) and value not in persons:
            problems.append(((*path, key), f"{value!r} is not a person of encounter.persons"))

    def user_ref(path: Path_, key: str, value: object) -> None:
        # without any user every reference would dangle: the users problem says it all
        if users and isinstance(value, str) and value not in users:
            problems.append(((*path, key), f"{value!r} is not a user of this file ({_listing(list(users))})"))

    def area_ref(path: Path_, value: object) -> None:
        if plan is not None and isinstance(value, str) and value not in areas:
            problems.append(
                ((*path, "area"), f"{value!r} is not a separation area of the plan ({_listing(areas)})")
            )

    for path, entry in _entries(data, "encounter", "persons"):
        user_ref(path, "by", entry.get("by"))
        area_ref(path, entry.get("area"))

    seen: dict[tuple[object, ...], Path_] = {}
    placements_at: dict[tuple[object, ...], Path_] = {}
    for path, entry in _entries(data, "encounter", "persons"):
        code, area = _text(entry, "code"), entry.get("area")
        if code in encountered and area is not None and persons.get(code) == path:
            author = _text(entry, "by") or importer
            placements_at[(code, author, encountered[code])] = path

    for section, author_key in SECTIONS[1:]:
        for path, entry in _entries(data, "encounter", section):
            code = _text(entry, "person")
            person_ref(path, "person", entry.get("person"))
            user_ref(path, author_key, entry.get(author_key))
            time_key = TIME_KEY.get(section, "at")
            when: object = (
                _day(entry.get(time_key)) if section == "consents" else _moment(entry.get(time_key))
            )
            if section == "placements":
                area_ref(path, entry.get("area"))
            if section == "observations":
                towards = entry.get("towards")
                person_ref(path, "towards", towards)
                if towards is not None and towards == code:
                    problems.append(((*path, "towards"), "names another person than the one observed"))
            if section == "interviews":
                user_ref(path, "note_taker", entry.get("note_taker"))
                user_ref(path, "interpreter", entry.get("interpreter"))
                location = entry.get("location")
                if plan is not None and isinstance(location, str) and location not in locations:
                    problems.append(
                        (
                            (*path, "location"),
                            f"{location!r} is not an interview location of the plan ({_listing(locations)})",
                        )
                    )
                if entry.get("status") == "scheduled" and entry.get("notes"):
                    problems.append(
                        (
                            (*path, "notes"),
                            "notes are recorded when the interview is conducted (status: conducted)",
                        )
                    )
            if section == "consents":
                recipient = entry.get("recipient")
                if plan is not None and isinstance(recipient, str) and recipient not in agency_ids:
                    problems.append(
                        (
                            (*path, "recipient"),
                            f"{recipient!r} is not an agency of the plan ({_listing(agency_ids)})",
                        )
                    )
                expires = _day(entry.get("expires_on"))
                if isinstance(when, date) and expires is not None and expires <= when:
                    problems.append(((*path, "expires_on"), f"must be after given_on ({when.isoformat()})"))
            if section == "relief":
                kind, status = _text(entry, "kind"), _text(entry, "status")
                allowed = RELIEF_STATUSES.get(ReliefKind(kind)) if kind in set(ReliefKind) else None
                if allowed is not None and status in set(ReliefStatus) and status not in allowed:
                    problems.append(
                        ((*path, "status"), f"{status!r} is not a status of {kind} ({', '.join(allowed)})")
                    )
            if section == "danger_flags":
                response = entry.get("response")
                if isinstance(response, Mapping):
                    user_ref((*path, "response"), "by", response.get("by"))
                    answered = _moment(response.get("at"))
                    if isinstance(when, datetime) and answered is not None and answered < when:
                        problems.append(
                            ((*path, "response", "at"), f"must not be before the flag ({when.isoformat()})")
                        )
            # a record of a person from before they were encountered could not have been written
            if isinstance(when, datetime) and code in encountered and when < encountered[code]:
                problems.append(
                    (
                        (*path, time_key),
                        f"is before {code} was encountered ({encountered[code].isoformat()}, "
                        f"{format_path((*persons[code], 'encountered_at'))})",
                    )
                )
            # the natural key: the record's person, author and time
            author = entry.get(author_key)
            if isinstance(code, str) and isinstance(author, str) and when is not None:
                key: tuple[object, ...] = (section, code, author, when)
                if section == "consents":
                    key = (*key, entry.get("recipient"))
                if section == "placements":
                    earlier = placements_at.get((code, author, when))
                    if earlier is not None:
                        problems.append(
                            (
                                path,
                                f"places {code} at the same time, by the same user, as {format_path(earlier)}",
                            )
                        )
                    placements_at[(code, author, when)] = path
                if key in seen:
                    problems.append(
                        (
                            path,
                            f"the same person, author and time as {format_path(seen[key])}: a record is "
                            "known by its person, its author and its time",
                        )
                    )
                else:
                    seen[key] = path
    return problems
