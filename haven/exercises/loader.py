"""Loading an exercise file into the database, through the same services, guardrails, policies and audit
trail as the web application (exercise.md).

`exercise_load(path, reset=False)` runs in one transaction:

1. If the exercise's operation is already there (matched by its code) it must be an exercise. Its records,
   and the accounts of the file's users, are compared with the file by their natural keys (username,
   person code, each record's person + author + time). The same file changes nothing and writes nothing;
   a differing file is refused naming the differences (`ExerciseDiffers`), unless `reset` — which removes
   that operation's records (persons and all their records, plan versions, the operation; never the audit
   trail, which records the removal) and loads the file afresh, updating the users' accounts.
2. The users' accounts are created (agencies matched by their plan id; a confirmed authenticator when the
   file gives its secret).
3. The plan is imported as an exercise, and approved, by the first coordinator at an investigative agency.
4. Every encounter record is written by its author in the order of its time, so that each guardrail sees
   the operation as it stood at that moment. The first refusal ends the load (`ExerciseRefused`, naming the
   record and the rule) and nothing of the file is stored.

Placed (`start_at`, `haven.exercises.timing`), the exercise is first moved so that its operation starts
then. A placement read from the clock (`now`) leaves an exercise already loaded where it is: the file is
compared with it there, and only a reset places it anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import check_password
from django.db import transaction

from haven.accounts import services as accounts
from haven.accounts.models import Agency, User
from haven.accounts.selectors import authenticator_has_secret
from haven.audit.events import AuditEvent, Outcome
from haven.audit.services import record
from haven.core.clock import clock_time
from haven.core.errors import Forbidden, HavenError, NotFound, RuleViolation
from haven.core.problems import InvalidInput
from haven.encounters import services as encounters
from haven.encounters.models import (
    AttorneyNote,
    Consent,
    DangerFlag,
    Designation,
    InformationGiven,
    Interview,
    NeedsAssessment,
    Observation,
    Person,
    Placement,
    ReliefKind,
    ReliefStep,
    SeparationAlert,
    SeparationReason,
    VictimServiceKind,
    VictimServiceRecord,
)
from haven.encounters.sealing import open_field
from haven.exercises.formats import (
    SECTIONS,
    ConsentEntry,
    DangerEntry,
    DesignationEntry,
    Exercise,
    InformationEntry,
    InterviewEntry,
    InterviewStatus,
    NeedsEntry,
    ObservationEntry,
    PersonEntry,
    PlacementEntry,
    ReliefEntry,
    Role,
    ServiceEntry,
    TextEntry,
    load_exercise_file,
)
from haven.exercises.timing import StartAt, placed
from haven.operations.models import Operation, OperationStatus
from haven.operations.services import SECTIONS as PLAN_SECTIONS
from haven.operations.services import operation_approve, plan_import
from haven.plans import plan_to_dict

#: How the loader appears in the audit trail when no user acts (set-up, reset, refusals).
LOADER = "haven exercise load"

#: The record types a load report counts, in the order of the file.
COUNTED = ("users", *(section for section, _ in SECTIONS))

Key = tuple[str, ...]
Fields = dict[str, object]

#: Fields whose text is compartment-only (sealed): a difference names the field, never its text.
SEALED = frozenset(
    {"text", *NeedsAssessment.SEALED, "questions", "answers", "notes"}
    | {"purpose", "guardian", "minor_may_consent", "response"}
)


class ExerciseRefused(HavenError):
    """A record of the file broke a guardrail, a policy or a service's validation: nothing was stored."""

    code = "exercise_refused"

    def __init__(self, record: str, rule: str, message: str) -> None:
        self.record = record
        self.rule = rule
        super().__init__(f"{record}: {message} [rule: {rule}]")


class ExerciseDiffers(HavenError):
    """The file differs from the exercise already loaded (and no reset was asked for)."""

    code = "exercise_differs"
    rule = "exercise.differs"

    def __init__(self, operation: str, differences: Sequence[str]) -> None:
        self.operation = operation
        self.differences = list(differences)
        super().__init__(
            f"The file differs from exercise {operation} as loaded ({len(self.differences)} "
            f"difference{'s' if len(self.differences) != 1 else ''}); load it with --reset to replace it."
        )


@dataclass(frozen=True)
class LoadReport:
    """What a load did: `changed` is False when the file was already loaded as it stands."""

    operation: str
    name: str
    changed: bool
    reset: bool
    counts: dict[str, int]
    users_created: int = 0
    users_updated: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    starts_at: datetime | None = None  # when the operation starts, as loaded (placed or as in the file)
    placed: bool = False  # the file's times were moved (`start_at`)


def exercise_load(path: str | Path, *, reset: bool = False, start_at: StartAt | None = None) -> LoadReport:
    """Load the exercise file at `path` (placed so that it starts at `start_at`, when given); `InvalidInput`
    (what="exercise") for an invalid file or a placement outside the years records may carry."""
    return exercise_apply(load_exercise_file(path), reset=reset, start_at=start_at)


def exercise_apply(exercise: Exercise, *, reset: bool = False, start_at: StartAt | None = None) -> LoadReport:
    """Load a parsed exercise, all or nothing. A refusal is audited after its transaction rolled back."""
    try:
        return _apply(exercise, reset=reset, start_at=start_at)
    except (ExerciseRefused, ExerciseDiffers) as refusal:
        record(
            actor=None,
            actor_label=LOADER,
            event=AuditEvent.EXERCISE_LOADED,
            outcome=Outcome.FAILURE,
            details={"code": exercise.plan.operation.code, "rule": refusal.rule[:200]},
        )
        raise


def counts_of(exercise: Exercise) -> dict[str, int]:
    """The records of the file, per type."""
    counts = {"users": len(exercise.users)}
    for section, _ in SECTIONS:
        counts[section] = len(getattr(exercise.encounter, section))
    return counts


@transaction.atomic
def _apply(exercise: Exercise, *, reset: bool, start_at: StartAt | None = None) -> LoadReport:
    code = exercise.plan.operation.code
    operation = Operation.objects.select_related("current_version").filter(code=code).first()
    if operation is not None and not operation.is_exercise:
        raise ExerciseRefused(
            "plan",
            "exercise.real-operation",
            f"{code} is an operation of the task force, not an exercise: an exercise file never overwrites "
            "or resets it (give the exercise another operation code)",
        )
    if start_at is not None:
        where = start_at.starts_at
        if start_at.from_clock and operation is not None and not reset:
            where = operation.starts_at  # read from the clock: the exercise loaded stays where it is
        exercise = placed(exercise, where)
    plan = exercise.plan
    user_differences = _user_differences(exercise)
    differences = [line for _, line in user_differences]
    if operation is not None:
        differences += _record_differences(exercise, operation)
    if differences and not reset:
        raise ExerciseDiffers(code, differences)
    removed: dict[str, int] = {}
    if reset and operation is not None:
        removed = _remove(operation)
        operation = None
    created, updated = _users(exercise, update=[index for index, _ in user_differences])
    if operation is None:
        _Load(exercise).run()
    return LoadReport(
        operation=code,
        name=plan.operation.name,
        changed=bool(operation is None or created or updated),
        reset=reset,
        counts=counts_of(exercise),
        users_created=created,
        users_updated=updated,
        removed=removed,
        starts_at=plan.operation.starts_at,
        placed=start_at is not None,
    )


# -- users ------------------------------------------------------------------------------------------------


def _roles(roles: Sequence[Role]) -> set[str]:
    return {Role.MEMBER.value, *(r.value for r in roles)}


def _user_differences(exercise: Exercise) -> list[tuple[int, str]]:
    """The file's users whose account in Haven differs from the file (their index), saying what differs."""
    found: list[tuple[int, str]] = []
    existing = {
        u.username: u
        for u in User.objects.select_related("agency")
        .prefetch_related("qualifications", "languages")
        .filter(username__in=[u.username for u in exercise.users])
    }
    for index, wanted in enumerate(exercise.users):
        user = existing.get(wanted.username)
        if user is None:
            continue
        fields = []
        if user.name != wanted.name:
            fields.append("name")
        if user.agency.slug != wanted.agency:
            fields.append(f"agency (in Haven: {user.agency.slug})")
        if {str(r) for r in user.roles} != _roles(wanted.roles):
            fields.append("roles")
        if user.gender != (wanted.gender.value if wanted.gender else ""):
            fields.append("gender")
        if set(user.interviewer_roles) != {r.value for r in wanted.interviewer_roles}:
            fields.append("interviewer_roles")
        if set(user.language_codes) != set(wanted.languages):
            fields.append("languages")
        if not check_password(wanted.password, user.password):
            fields.append("password")
        if wanted.totp_secret and not _has_device(user, wanted.totp_secret):
            fields.append("totp_secret")
        if fields:
            verb = "differs" if len(fields) == 1 else "differ"
            found.append(
                (
                    index,
                    f"users[{index}] ({wanted.username}): {', '.join(fields)} {verb} from the account in Haven",
                )
            )
    return found


def _has_device(user: User, secret: str) -> bool:
    return authenticator_has_secret(user, bytes.fromhex(accounts.totp_key_from_base32(secret)))


def _agency(slug: str, exercise: Exercise) -> Agency:
    """The Haven agency of a plan id, added (as the server's own set-up) when Haven lacks it."""
    existing = Agency.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    entry = exercise.plan.agency(slug)
    assert entry is not None  # the parser checked every user's agency against the plan
    return accounts.agency_create(actor=None, slug=slug, name=entry.name, type=entry.type.value)


def _users(exercise: Exercise, *, update: Sequence[int]) -> tuple[int, int]:
    """Create the accounts Haven lacks; on a reset, bring the differing ones in line with the file."""
    created = 0
    existing = set(
        User.objects.filter(username__in=[u.username for u in exercise.users]).values_list(
            "username", flat=True
        )
    )
    for index, wanted in enumerate(exercise.users):
        if wanted.username in existing:
            continue
        with _refusals(f"users[{index}]", "accounts"):
            user = accounts.user_create(
                actor=None,
                username=wanted.username,
                name=wanted.name,
                agency=_agency(wanted.agency, exercise),
                password=wanted.password,
                roles=sorted(_roles(wanted.roles)),
                gender=wanted.gender.value if wanted.gender else "",
                interviewer_roles=[r.value for r in wanted.interviewer_roles],
                languages=list(wanted.languages),
            )
            if wanted.totp_secret:
                accounts.second_factor_provision(actor=None, user=user, secret_base32=wanted.totp_secret)
        created += 1
    if update:
        # the server's own set-up of fictional accounts, audited as "haven" (like creating them)
        for index in update:
            wanted = exercise.users[index]
            user = User.objects.get(username=wanted.username)
            with _refusals(f"users[{index}]", "accounts"):
                accounts.user_update(
                    actor=None,
                    user=user,
                    name=wanted.name,
                    agency=_agency(wanted.agency, exercise),
                    roles=sorted(_roles(wanted.roles)),
                    gender=wanted.gender.value if wanted.gender else "",
                    interviewer_roles=[r.value for r in wanted.interviewer_roles],
                    languages=list(wanted.languages),
                )
                if not check_password(wanted.password, user.password):
                    # as the server's set-up (actor None): the file publishes the password, and one set by
                    # an admin would have to be changed at the next sign-in
                    accounts.user_set_password(actor=None, user=user, password=wanted.password)
                if wanted.totp_secret and not _has_device(user, wanted.totp_secret):
                    accounts.second_factor_provision(actor=None, user=user, secret_base32=wanted.totp_secret)
    return created, len(update)


# -- refusals -----------------------------------------------------------------------------------------------


@contextmanager
def _refusals(path: str, compartment: str, *, author: str = "") -> Iterator[None]:
    """Turn a service's refusal into one that names the record of the file, its author and the rule it
    broke (`author`: who wrote the record in the file, and of which person)."""
    try:
        yield
    except ExerciseRefused:
        raise
    except RuleViolation as error:
        raise ExerciseRefused(path, error.rule or error.code, error.message) from error
    except (Forbidden, NotFound) as error:
        what = compartment.replace("_", " ")
        message = (
            f"{author} may not write this record ({what}): the access policy does not give their agency "
            f"that ({error.message})"
            if author
            else error.message
        )
        raise ExerciseRefused(path, f"access.{compartment}", message) from error
    except InvalidInput as error:
        what = error.what.replace(" ", "_")
        rules = dict.fromkeys(f"{what}.{p.path}" if p.path else what for p in error.problems)
        raise ExerciseRefused(path, ",".join(rules), "; ".join(str(p) for p in error.problems)) from error
    except HavenError as error:
        raise ExerciseRefused(path, error.code, error.message) from error


# -- writing the records ----------------------------------------------------------------------------------


@dataclass(order=True)
class _Step:
    sort: tuple[Any, ...]
    path: str = field(compare=False)
    compartment: str = field(compare=False)
    run: Callable[[], object] = field(compare=False)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class _Load:
    """One load: the plan imported and approved, then every record written by its author in time order."""

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        self.users = {
            u.username: u
            for u in User.objects.select_related("agency").filter(
                username__in=[u.username for u in exercise.users]
            )
        }
        self.importer = self.users[exercise.coordinator().username]
        self.persons: dict[str, Person] = {}
        self.flags: dict[int, DangerFlag] = {}
        self.operation: Operation | None = None

    def run(self) -> Operation:
        exercise = self.exercise
        with _refusals("plan", "full_plan"):
            result = plan_import(actor=self.importer, plan=exercise.plan, is_exercise=True)
            operation_approve(actor=self.importer, operation=result.operation)
        operation = Operation.objects.get(pk=result.operation.pk)
        self.operation = operation
        for step in sorted(self._steps()):
            with _refusals(step.path, step.compartment, author=self._author_of(step.path)):
                step.run()
        self._refuse_suspects_left_with_victims(operation)
        record(
            actor=None,
            actor_label=LOADER,
            event=AuditEvent.EXERCISE_LOADED,
            target=operation,
            operation_id=operation.pk,
            details={
                "code": operation.code,
                "count": sum(counts_of(exercise).values()),
                "via": (exercise.source or "exercise file")[:200],
            },
        )
        return operation

    def _refuse_suspects_left_with_victims(self, operation: Operation) -> None:
        """Rule (issue 13): a file may not end with a designated suspect left in an area with potential
        victims, or in an area that holds them — the refusal names the designation and who must move."""
        left = (
            SeparationAlert.objects.filter(
                operation=operation,
                cleared_at__isnull=True,
                reason__in=[SeparationReason.SUSPECT_WITH_VICTIM, SeparationReason.SUSPECT_IN_VICTIMS_AREA],
            )
            .select_related("suspect", "potential_victim", "area")
            .order_by("raised_at", "suspect__code", "potential_victim__code")
        )
        first = left.first()
        if first is None:
            return
        kept_from = sorted({a.potential_victim.code for a in left if a.suspect_id == first.suspect_id})
        designations = self.exercise.encounter.designations
        index = max(
            (
                i
                for i, d in enumerate(designations)
                if d.person == first.suspect.code and d.status == "suspect"
            ),
            default=None,
        )
        raise ExerciseRefused(
            f"encounter.designations[{index}]" if index is not None else "encounter.placements",
            "separation.suspect-left-with-victims",
            f"{first.suspect.code} is designated a suspect and is left in {first.area.name} with "
            f"{', '.join(kept_from)}: add a placement that moves {first.suspect.code} to an area for suspects",
        )

    def _author_of(self, path: str) -> str:
        """`arivera (Metro City Police Department), for P-001`: who wrote the record at `path` of the file."""
        section, _, rest = path.removeprefix("encounter.").partition("[")
        entries = getattr(self.exercise.encounter, section, None)
        if not rest or entries is None:
            return ""
        entry: Any = entries[int(rest.split("]", 1)[0])]
        if path.endswith(".response"):
            entry = entry.response
        username = next(
            (
                getattr(entry, name)
                for name in ("by", "recorded_by", "scheduled_by")
                if getattr(entry, name, None)
            ),
            None,
        )
        user = self.users.get(username) if username else None
        if user is None:
            return ""
        person = getattr(entry, "person", None)
        return f"{user.username} ({user.agency.name})" + (f", for {person}," if person else "")

    def _steps(self) -> Iterator[_Step]:
        encounter = self.exercise.encounter
        order = {section: number for number, (section, _) in enumerate(SECTIONS)}

        def step(
            section: str, index: int, moment: datetime, compartment: str, run: Callable[[], object]
        ) -> _Step:
            return _Step(
                (0, _utc(moment), order[section], index), f"encounter.{section}[{index}]", compartment, run
            )

        for i, p in enumerate(encounter.persons):
            yield step("persons", i, self.exercise.encountered_at(p), "roster", self._person(p))
        for i, d in enumerate(encounter.designations):
            yield step("designations", i, d.at, "investigative", self._designation(d))
        for i, pl in enumerate(encounter.placements):
            yield step("placements", i, pl.at, "investigative", self._placement(pl))
        for i, o in enumerate(encounter.observations):
            yield step("observations", i, o.at, "investigative", self._observation(o))
        for i, f in enumerate(encounter.danger_flags):
            yield step("danger_flags", i, f.at, "imminent_danger", self._flag(i, f))
            if f.response is not None:
                response = step("danger_flags", i, f.response.at, "imminent_danger", self._response(i, f))
                response.path += ".response"
                yield response
        for i, n in enumerate(encounter.needs):
            yield step("needs", i, n.at, "needs_full", self._needs(n))
        for i, info in enumerate(encounter.information):
            yield step("information", i, info.at, "information", self._information(info))
        for section in ("safety_plans", "services", "case_notes"):
            for i, entry in enumerate(getattr(encounter, section)):
                yield step(
                    section, i, entry.at, "victim_service_record", self._service_record(section, entry)
                )
        for i, note in enumerate(encounter.attorney_notes):
            yield step("attorney_notes", i, note.at, "attorney_notes", self._attorney_note(note))
        for i, interview in enumerate(encounter.interviews):
            yield step(
                "interviews", i, interview.starts_at, "interview_schedule", self._interview(i, interview)
            )
        for i, relief in enumerate(encounter.relief):
            compartment = (
                "continued_presence"
                if relief.kind.value == ReliefKind.CONTINUED_PRESENCE
                else "visa_certification"
            )
            yield step("relief", i, relief.at, compartment, self._relief(relief))
        # a consent carries a date, not a time: consents come after the day's records
        for i, consent in enumerate(encounter.consents):
            yield _Step(
                (1, consent.given_on, order["consents"], i),
                f"encounter.consents[{i}]",
                "consent",
                self._consent(consent),
            )

    # each returns the write, to run in its turn

    def _person(self, p: PersonEntry) -> Callable[[], object]:
        def run() -> None:
            assert self.operation is not None
            self.persons[p.code] = encounters.person_register(
                actor=self.users[p.by] if p.by else self.importer,
                operation=self.operation,
                code=p.code,
                encountered_at=self.exercise.encountered_at(p),
                tags=[t.value for t in p.tags],
                languages=list(p.languages),
                priority=p.priority.value,
                interviewer_gender=p.interviewer_gender.value if p.interviewer_gender else "",
                area=p.area,
            )

        return run

    def _designation(self, d: DesignationEntry) -> Callable[[], object]:
        return lambda: encounters.designation_record(
            actor=self.users[d.by], person=self.persons[d.person], status=d.status.value, at=d.at
        )

    def _placement(self, pl: PlacementEntry) -> Callable[[], object]:
        return lambda: encounters.person_place(
            actor=self.users[pl.by], person=self.persons[pl.person], area=pl.area, at=pl.at
        )

    def _observation(self, o: ObservationEntry) -> Callable[[], object]:
        return lambda: encounters.observation_record(
            actor=self.users[o.by],
            person=self.persons[o.person],
            signs=[s.value for s in o.signs],
            text=o.text,
            towards=self.persons[o.towards] if o.towards else None,
            at=o.at,
        )

    def _flag(self, index: int, f: DangerEntry) -> Callable[[], object]:
        def run() -> None:
            flag = encounters.danger_flag(actor=self.users[f.by], person=self.persons[f.person], at=f.at)
            if flag.flagged_at != f.at:
                raise RuleViolation(
                    f"{f.person} already has an open imminent-danger flag (since "
                    f"{clock_time(flag.flagged_at, flag.person.operation.utc_offset_minutes)}): "
                    "record the response to it first",
                    rule="danger.open-flag",
                )
            self.flags[index] = flag

        return run

    def _response(self, index: int, f: DangerEntry) -> Callable[[], object]:
        response = f.response
        assert response is not None
        return lambda: encounters.danger_respond(
            actor=self.users[response.by], flag=self.flags[index], response=response.text, at=response.at
        )

    def _needs(self, n: NeedsEntry) -> Callable[[], object]:
        return lambda: encounters.needs_assessment_record(
            actor=self.users[n.by],
            person=self.persons[n.person],
            at=n.at,
            **{name: getattr(n, name) for name in NeedsAssessment.SEALED},
            language=n.language or "",
            urgent=[u.value for u in n.urgent],
        )

    def _information(self, info: InformationEntry) -> Callable[[], object]:
        return lambda: encounters.information_record(
            actor=self.users[info.by],
            person=self.persons[info.person],
            language=info.language,
            materials=list(info.materials),
            questions=info.questions,
            answers=info.answers,
            at=info.at,
        )

    def _service_record(self, section: str, entry: TextEntry | ServiceEntry) -> Callable[[], object]:
        actor = self.users[entry.by]
        if isinstance(entry, ServiceEntry):
            return lambda: encounters.victim_service_record(
                actor=actor,
                person=self.persons[entry.person],
                kind=VictimServiceKind.SERVICE,
                text=entry.notes,
                service_kind=entry.kind.value,
                service_status=entry.status.value,
                at=entry.at,
            )
        kind = VictimServiceKind.SAFETY_PLAN if section == "safety_plans" else VictimServiceKind.CASE_NOTE
        return lambda: encounters.victim_service_record(
            actor=actor, person=self.persons[entry.person], kind=kind, text=entry.text, at=entry.at
        )

    def _attorney_note(self, note: TextEntry) -> Callable[[], object]:
        return lambda: encounters.attorney_note_record(
            actor=self.users[note.by], person=self.persons[note.person], text=note.text, at=note.at
        )

    def _consent(self, c: ConsentEntry) -> Callable[[], object]:
        def run() -> None:
            provider = self.users[c.recorded_by]
            consent = encounters.consent_record(
                actor=provider,
                person=self.persons[c.person],
                recipient=Agency.objects.get(slug=c.recipient),
                items=[i.value for i in c.items],
                purpose=c.purpose,
                in_writing=c.in_writing,
                given_on=c.given_on,
                expires_on=c.expires_on,
                guardian=c.guardian,
                minor_may_consent=c.minor_may_consent,
            )
            if c.revoked is not None:
                encounters.consent_revoke(
                    actor=provider, consent=consent, orally=c.revoked.orally, at=c.revoked.at
                )

        return run

    def _interview(self, index: int, i: InterviewEntry) -> Callable[[], object]:
        def run() -> None:
            assert self.operation is not None
            interviewer = self.users[i.interviewer]
            interview = encounters.interview_schedule(
                actor=interviewer,
                person=self.persons[i.person],
                interviewer=interviewer,
                role=i.role.value,
                location=self.operation.interview_locations.get(plan_id=i.location),
                starts_at=i.starts_at,
                minutes=i.minutes,
                note_taker=self.users[i.note_taker] if i.note_taker else interviewer,
                interpreter=self.users[i.interpreter] if i.interpreter else None,
                room=i.room,
            )
            if i.status == InterviewStatus.CONDUCTED:
                with _refusals(f"encounter.interviews[{index}]", "interview_record"):
                    encounters.interview_conduct(actor=interviewer, interview=interview, notes=i.notes)

        return run

    def _relief(self, r: ReliefEntry) -> Callable[[], object]:
        return lambda: encounters.relief_record(
            actor=self.users[r.by],
            person=self.persons[r.person],
            kind=r.kind.value,
            status=r.status.value,
            at=r.at,
        )


# -- removing an exercise (reset) ---------------------------------------------------------------------------


def _remove(operation: Operation) -> dict[str, int]:
    """Remove an exercise operation's records: its persons and all their records, its plan versions, the
    operation. The audit trail stays, and records the removal."""
    assert operation.is_exercise
    removed = {"persons": operation.persons.count(), "plan_versions": operation.versions.count()}
    SeparationAlert.objects.filter(operation=operation).delete()
    Person.objects.filter(operation=operation).delete()
    # the operation names its current and approved versions; let go of them so the versions can go
    Operation.objects.filter(pk=operation.pk).update(
        current_version=None,
        approved_version=None,
        approved_by=None,
        approved_at=None,
        status=OperationStatus.IN_REVIEW,
    )
    operation_id, code = operation.pk, operation.code
    Operation.objects.filter(pk=operation_id).delete()
    record(
        actor=None,
        actor_label=LOADER,
        event=AuditEvent.EXERCISE_RESET,
        target_type="operation",
        target_id=operation_id,
        operation_id=operation_id,
        details={"code": code, "count": removed["persons"], "version": removed["plan_versions"]},
    )
    return removed


# -- comparing the file with what is stored -------------------------------------------------------------


def _t(moment: datetime) -> str:
    return _utc(moment).isoformat()


def _wanted(exercise: Exercise) -> dict[str, dict[Key, tuple[str, Fields]]]:
    """What loading the file stores, per section: natural key → (the record's path, its fields)."""
    enc = exercise.encounter
    importer = exercise.coordinator().username
    wanted: dict[str, dict[Key, tuple[str, Fields]]] = {section: {} for section, _ in SECTIONS}
    wanted["contacts"] = {}
    for i, p in enumerate(enc.persons):
        at = exercise.encountered_at(p)
        author = p.by or importer
        wanted["persons"][(p.code,)] = (
            f"encounter.persons[{i}]",
            {
                "encountered_at": _t(at),
                "by": author,
                "tags": sorted({t.value for t in p.tags}),
                "languages": sorted(set(p.languages)),
                "priority": p.priority.value,
                "interviewer_gender": p.interviewer_gender.value if p.interviewer_gender else "",
                "preference_withdrawn": False,
                "outcome": "",
            },
        )
        if p.area:
            wanted["placements"][(p.code, author, _t(at))] = (
                f"encounter.persons[{i}].area",
                {"area": p.area},
            )
    for i, pl in enumerate(enc.placements):
        wanted["placements"][(pl.person, pl.by, _t(pl.at))] = (
            f"encounter.placements[{i}]",
            {"area": pl.area},
        )
    for i, d in enumerate(enc.designations):
        wanted["designations"][(d.person, d.by, _t(d.at))] = (
            f"encounter.designations[{i}]",
            {"status": d.status.value},
        )
    for i, o in enumerate(enc.observations):
        wanted["observations"][(o.person, o.by, _t(o.at))] = (
            f"encounter.observations[{i}]",
            {"signs": sorted({s.value for s in o.signs}), "towards": o.towards, "text": o.text.strip()},
        )
    for i, f in enumerate(enc.danger_flags):
        response = [f.response.by, _t(f.response.at), f.response.text.strip()[:300]] if f.response else None
        wanted["danger_flags"][(f.person, f.by, _t(f.at))] = (
            f"encounter.danger_flags[{i}]",
            {"response": response},
        )
    for i, n in enumerate(enc.needs):
        wanted["needs"][(n.person, n.by, _t(n.at))] = (
            f"encounter.needs[{i}]",
            {
                "language": n.language or "",
                "urgent": sorted({u.value for u in n.urgent}),
                **{name: getattr(n, name).strip() for name in NeedsAssessment.SEALED},
            },
        )
    for i, info in enumerate(enc.information):
        wanted["information"][(info.person, info.by, _t(info.at))] = (
            f"encounter.information[{i}]",
            {
                "language": info.language,
                "materials": list(dict.fromkeys(m.strip()[:200] for m in info.materials if m.strip())),
                "questions": info.questions.strip(),
                "answers": info.answers.strip(),
            },
        )
    for section in ("safety_plans", "case_notes", "attorney_notes"):
        for i, entry in enumerate(getattr(enc, section)):
            wanted[section][(entry.person, entry.by, _t(entry.at))] = (
                f"encounter.{section}[{i}]",
                {"text": entry.text.strip()},
            )
    for i, s in enumerate(enc.services):
        wanted["services"][(s.person, s.by, _t(s.at))] = (
            f"encounter.services[{i}]",
            {"kind": s.kind.value, "status": s.status.value, "notes": s.notes.strip()},
        )
    for i, c in enumerate(enc.consents):
        wanted["consents"][(c.person, c.recorded_by, c.given_on.isoformat(), c.recipient)] = (
            f"encounter.consents[{i}]",
            {
                "items": sorted({item.value for item in c.items}),
                "in_writing": c.in_writing,
                "expires_on": c.expires_on.isoformat(),
                "purpose": c.purpose.strip(),
                "guardian": c.guardian.strip(),
                "minor_may_consent": c.minor_may_consent.strip(),
                "revoked": _t(c.revoked.at) if c.revoked else None,
                "revoked_orally": bool(c.revoked and c.revoked.orally),
            },
        )
    for i, iv in enumerate(enc.interviews):
        wanted["interviews"][(iv.person, iv.interviewer, _t(iv.starts_at))] = (
            f"encounter.interviews[{i}]",
            {
                "role": iv.role.value,
                "location": iv.location,
                "minutes": iv.minutes,
                "note_taker": iv.note_taker or iv.interviewer,
                "interpreter": iv.interpreter,
                "room": iv.room,
                "status": iv.status.value,
                "notes": iv.notes.strip() if iv.status == InterviewStatus.CONDUCTED else "",
            },
        )
    for i, r in enumerate(enc.relief):
        wanted["relief"][(r.person, r.by, _t(r.at))] = (
            f"encounter.relief[{i}]",
            {"kind": r.kind.value, "status": r.status.value},
        )
    return wanted


def _opened(instance: Any, name: str, agency_id: Any) -> str:
    """The text of a sealed field for comparison; a field written without text reads as no text."""
    if not bytes(getattr(instance, f"{name}_sealed") or b""):
        return ""
    return open_field(instance, name, agency_id)


def _stored(operation: Operation) -> dict[str, dict[Key, Fields]]:
    """What the database holds for the operation, in the same form as `_wanted`."""
    stored: dict[str, dict[Key, Fields]] = {section: {} for section, _ in SECTIONS}
    stored["contacts"] = {}
    on = {"person__operation": operation}
    for p in operation.persons.select_related("registered_by").prefetch_related("tags", "languages"):
        stored["persons"][(p.code,)] = {
            "encountered_at": _t(p.encountered_at),
            "by": p.registered_by.username,
            "tags": sorted({t.tag for t in p.tags.all()}),
            "languages": sorted({lang.code for lang in p.languages.all()}),
            "priority": p.priority,
            "interviewer_gender": p.interviewer_gender,
            "preference_withdrawn": p.interviewer_gender_withdrawn_at is not None,
            "outcome": p.outcome,
        }
    for pl in Placement.objects.filter(**on).select_related("person", "by", "area"):
        stored["placements"][(pl.person.code, pl.by.username, _t(pl.at))] = {"area": pl.area.plan_id}
    for d in Designation.objects.filter(**on).select_related("person", "by"):
        stored["designations"][(d.person.code, d.by.username, _t(d.at))] = {"status": d.status}
    for o in (
        Observation.objects.filter(**on).select_related("person", "by", "towards").prefetch_related("signs")
    ):
        stored["observations"][(o.person.code, o.by.username, _t(o.at))] = {
            "signs": sorted({s.sign for s in o.signs.all()}),
            "towards": o.towards.code if o.towards else None,
            "text": _opened(o, "text", o.agency_id),
        }
    for f in DangerFlag.objects.filter(**on).select_related("person", "flagged_by", "responded_by"):
        response = (
            [f.responded_by.username, _t(f.responded_at), f.response]
            if f.responded_by is not None and f.responded_at is not None
            else None
        )
        stored["danger_flags"][(f.person.code, f.flagged_by.username, _t(f.flagged_at))] = {
            "response": response
        }
    for n in NeedsAssessment.objects.filter(**on).select_related("person", "by"):
        stored["needs"][(n.person.code, n.by.username, _t(n.at))] = {
            "language": n.language,
            "urgent": sorted(n.urgent_domains),
            **{name: _opened(n, name, n.agency_id) for name in NeedsAssessment.SEALED},
        }
    for info in InformationGiven.objects.filter(**on).select_related("person", "by"):
        stored["information"][(info.person.code, info.by.username, _t(info.at))] = {
            "language": info.language,
            "materials": list(info.materials),
            "questions": _opened(info, "questions", info.agency_id),
            "answers": _opened(info, "answers", info.agency_id),
        }
    sections = {
        VictimServiceKind.SAFETY_PLAN: "safety_plans",
        VictimServiceKind.SERVICE: "services",
        VictimServiceKind.CASE_NOTE: "case_notes",
        VictimServiceKind.CONTACT: "contacts",
    }
    for v in VictimServiceRecord.objects.filter(**on).select_related("person", "by"):
        key = (v.person.code, v.by.username, _t(v.at))
        text = _opened(v, "text", v.agency_id)
        if v.kind == VictimServiceKind.SERVICE:
            stored["services"][key] = {"kind": v.service_kind, "status": v.service_status, "notes": text}
        else:
            stored[sections[VictimServiceKind(v.kind)]][key] = {"text": text}
    for a in AttorneyNote.objects.filter(**on).select_related("person", "by"):
        stored["attorney_notes"][(a.person.code, a.by.username, _t(a.at))] = {
            "text": _opened(a, "text", a.agency_id)
        }
    for c in Consent.objects.filter(**on).select_related("person", "recorded_by", "recipient"):
        stored["consents"][
            (c.person.code, c.recorded_by.username, c.given_on.isoformat(), c.recipient.slug)
        ] = {
            "items": sorted(c.items),
            "in_writing": c.in_writing,
            "expires_on": c.expires_on.isoformat(),
            **{name: _opened(c, name, c.agency_id) for name in ("purpose", "guardian", "minor_may_consent")},
            "revoked": _t(c.revoked_at) if c.revoked_at else None,
            "revoked_orally": c.revoked_orally,
        }
    for iv in Interview.objects.filter(**on).select_related(
        "person", "interviewer", "note_taker", "interpreter", "location"
    ):
        stored["interviews"][(iv.person.code, iv.interviewer.username, _t(iv.starts_at))] = {
            "role": iv.role,
            "location": iv.location.plan_id,
            "minutes": iv.minutes,
            "note_taker": iv.note_taker.username,
            "interpreter": iv.interpreter.username if iv.interpreter else None,
            "room": iv.room,
            "status": iv.status,
            "notes": _opened(iv, "notes", iv.agency_id),
        }
    for r in ReliefStep.objects.filter(**on).select_related("person", "by"):
        stored["relief"][(r.person.code, r.by.username, _t(r.at))] = {"kind": r.kind, "status": r.status}
    return stored


def _describe(section: str, key: Key) -> str:
    if section == "persons":
        return key[0]
    if section == "consents":
        return f"a consent of {key[0]} recorded by {key[1]} on {key[2]} for {key[3]}"
    noun = section if section in ("needs", "information", "relief") else section.removesuffix("s")
    return f"the {noun.replace('_', ' ')} of {key[0]} by {key[1]} at {key[2]}"


def _record_differences(exercise: Exercise, operation: Operation) -> list[str]:
    """How the stored operation differs from the file: the plan, then each record, by natural key."""
    differences: list[str] = []
    version = operation.current_version
    document = plan_to_dict(exercise.plan)
    if version is None or version.document != document:
        before = version.document if version is not None else {}
        sections = [s for s in PLAN_SECTIONS if before.get(s) != document.get(s)]
        differences.append(
            f"plan: {', '.join(sections) or 'the plan'} "
            f"differ{'s' if len(sections) <= 1 else ''} from the plan as loaded"
        )
    elif operation.approved_version_id != version.pk:
        differences.append("plan: the loaded plan is not the approved version")
    wanted, stored = _wanted(exercise), _stored(operation)
    for section in wanted:
        for key, (path, fields) in wanted[section].items():
            have = stored[section].get(key)
            if have is None:
                differences.append(f"{path}: not in the exercise as loaded")
                continue
            changed = [name for name, value in fields.items() if have.get(name) != value]
            for name in changed:
                if name in SEALED:
                    differences.append(f"{path}.{name}: differs from the exercise as loaded")
                else:
                    differences.append(
                        f"{path}.{name}: {_shown(fields[name])} in the file, {_shown(have.get(name))} as loaded"
                    )
        for key in stored[section].keys() - wanted[section].keys():
            differences.append(
                f"encounter.{section}: {_describe(section, key)} is loaded but not in the file"
            )
    return differences


def _shown(value: object) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)
