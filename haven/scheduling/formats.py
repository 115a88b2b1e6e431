"""The `haven.interview-problem/v1` and `haven.interview-schedule/v1` file formats.

Both are read strictly: an unknown field, a float where a slot is expected, a date-time without a UTC offset
or an id that names nothing is refused, and every such problem is reported at once with the path of the
field (`persons[3].keep_apart[0]: 'P-099' names no person`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)

from haven.core.clock import in_plausible_years
from haven.core.languages import language_tag
from haven.core.problems import InvalidInput, format_path
from haven.core.problems import Problem as InputProblem
from haven.plans.documents import json_whole_number, too_large_problems
from haven.scheduling.rules import fixed_problems

PROBLEM_FORMAT: Final = "haven.interview-problem/v1"
SCHEDULE_FORMAT: Final = "haven.interview-schedule/v1"

# A horizon beyond this many slots is refused: it would be more than three months of 15-minute slots, and
# every slot costs memory and time in the solver.
MAX_HORIZON = 10_000

PRIORITY_WEIGHT: dict[str, int] = {"urgent": 4, "high": 2, "normal": 1}
ROLES = ("investigator", "prosecutor", "forensic_interviewer")


def _window_in_order(window: tuple[int, int]) -> tuple[int, int]:
    if window[1] < window[0]:
        raise ValueError(
            f"a window [start, end] must not end before it starts (got [{window[0]}, {window[1]}])"
        )
    return window


Slot = Annotated[int, Field(ge=0)]
Id = Annotated[str, Field(min_length=1)]
LanguageCode = Annotated[str, AfterValidator(language_tag)]  # BCP 47, kept canonical (haven.core.languages)
Window = Annotated[tuple[Slot, Slot], AfterValidator(_window_in_order)]
Priority = Literal["urgent", "high", "normal"]
Role = Literal["investigator", "prosecutor", "forensic_interviewer"]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class Fixed(BaseModel):
    """An interview that has started or that a coordinator pinned: a valid schedule keeps it exactly."""

    model_config = _STRICT

    start: Slot
    room: Id
    interviewer: Id
    interpreter: Id | None = None


class Person(BaseModel):
    """A person to interview; `minor` is required so that no one is taken for an adult by omission."""

    model_config = _STRICT

    id: Id
    minor: bool
    languages: list[LanguageCode]
    ready: Slot
    duration: Slot
    priority: Priority | None = None
    keep_apart: list[Id] = Field(default_factory=list)
    interviewer_gender: Annotated[str, Field(min_length=1)] | None = None
    fixed: Fixed | None = None
    # Who may interview the person and where, beyond the rules (in Haven: the operation plan's `interviews`
    # entry for their population, and the rooms for minors); absent means every interviewer and room the
    # rules allow, an empty list none.
    eligible_interviewers: list[Id] | None = None
    eligible_rooms: list[Id] | None = None

    @property
    def weight(self) -> int:
        """The priority's weight: urgent 4, high 2, normal (or absent) 1."""
        return PRIORITY_WEIGHT[self.priority or "normal"]


class Interviewer(BaseModel):
    model_config = _STRICT

    id: Id
    role: Role
    gender: Annotated[str, Field(min_length=1)] | None = None
    languages: list[LanguageCode]
    available: list[Window]


class Interpreter(BaseModel):
    model_config = _STRICT

    id: Id
    languages: list[LanguageCode]
    available: list[Window]


class Room(BaseModel):
    model_config = _STRICT

    id: Id
    location: Id
    private: bool
    nondetention: bool
    available: list[Window]


class InterviewProblem(BaseModel):
    """A `haven.interview-problem/v1` file: who waits, who interviews, who interprets, where, and when."""

    model_config = _STRICT

    format: Literal["haven.interview-problem/v1"]
    operation: Id
    # a start in the years records are dated in, and slots of at most a day: beyond them the times
    # of the schedule overflow (a crash before; now refused naming the field)
    start: Annotated[AwareDatetime, Field(strict=False), AfterValidator(in_plausible_years)]
    slot_minutes: Annotated[int, Field(ge=1, le=1440)]
    horizon: Annotated[int, Field(ge=0, le=MAX_HORIZON)]
    persons: list[Person]
    interviewers: list[Interviewer]
    interpreters: list[Interpreter] = Field(default_factory=list)
    rooms: list[Room]


# The name the contract uses; `haven.core.problems.Problem` is the unrelated "one thing wrong with an input".
Problem = InterviewProblem


class Assignment(BaseModel):
    model_config = _STRICT

    person: Id
    start: Slot
    room: Id
    interviewer: Id
    interpreter: Id | None = None


class Unscheduled(BaseModel):
    model_config = _STRICT

    person: Id
    reason: str


class Cost(BaseModel):
    """Compared lexicographically: unscheduled weight first, then weighted wait."""

    model_config = _STRICT

    unscheduled_weight: Slot
    weighted_wait: Slot

    def key(self) -> tuple[int, int]:
        return (self.unscheduled_weight, self.weighted_wait)


class SolverReport(BaseModel):
    model_config = _STRICT

    status: Literal["optimal", "feasible"]
    seconds: Annotated[float, Field(ge=0, strict=False)]
    lower_bound: Cost | None = None


class Schedule(BaseModel):
    """A `haven.interview-schedule/v1` file. `solver` is optional on input (a schedule built by hand)."""

    model_config = _STRICT

    format: Literal["haven.interview-schedule/v1"] = SCHEDULE_FORMAT
    assignments: list[Assignment]
    unscheduled: list[Unscheduled]
    cost: Cost
    solver: SolverReport | None = None


# --- reading --------------------------------------------------------------------------------------------

_FIELDS_BY_PARENT: dict[str, tuple[str, ...]] = {
    "": tuple(InterviewProblem.model_fields),
    "persons": tuple(Person.model_fields),
    "fixed": tuple(Fixed.model_fields),
    "interviewers": tuple(Interviewer.model_fields),
    "interpreters": tuple(Interpreter.model_fields),
    "rooms": tuple(Room.model_fields),
}
_SCHEDULE_FIELDS_BY_PARENT: dict[str, tuple[str, ...]] = {
    "": tuple(Schedule.model_fields),
    "assignments": tuple(Assignment.model_fields),
    "unscheduled": tuple(Unscheduled.model_fields),
    "cost": tuple(Cost.model_fields),
    "solver": tuple(SolverReport.model_fields),
    "lower_bound": tuple(Cost.model_fields),
}


def _shown(value: object) -> str:
    text = json.dumps(value) if isinstance(value, str | int | float | bool | None) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: Mapping[str, Any], fields_by_parent: Mapping[str, Sequence[str]]) -> str:
    """Turn one pydantic error into words that say what would be accepted."""
    kind = str(error["type"])
    loc: tuple[str | int, ...] = tuple(error["loc"])
    got = _shown(error.get("input"))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    in_window = len(loc) >= 3 and isinstance(loc[-1], int) and loc[-3] == "available"
    whole_window = len(loc) >= 2 and isinstance(loc[-1], int) and loc[-2] == "available"
    if (in_window and kind == "missing") or (
        whole_window and kind in {"too_long", "too_short", "tuple_type"}
    ):
        return (
            f"a window is a pair of slots [start, end] (got {got})"
            if whole_window
            else ("a window is a pair of slots [start, end]")
        )
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        parents = [part for part in loc[:-1] if isinstance(part, str)]
        accepted = fields_by_parent.get(parents[-1] if parents else "", ())
        return f"unknown field; accepted here: {', '.join(accepted)}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"must be a whole number (got {got})"
    if kind == "greater_than_equal":
        lowest = ctx.get("ge")
        if lowest == 0:
            return f"must be a non-negative integer (got {got})"
        return f"must be at least {lowest} (got {got})"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')} (got {got})"
    if kind == "bool_type":
        return f"must be true or false (got {got})"
    if kind == "string_type":
        return f"must be a string (got {got})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in {"list_type", "tuple_type"}:
        return f"must be a list (got {got})"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"must be an object (got {got})"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the accepted values')} (got {got})"
    if kind in {"timezone_aware", "datetime_parsing", "datetime_type", "datetime_from_date_parsing"}:
        return (
            f"must be an ISO 8601 date-time with a UTC offset, such as 2026-12-03T09:00:00-05:00 (got {got})"
        )
    if kind in {"float_type", "float_parsing"}:
        return f"must be a number (got {got})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg']} (got {got})"


def _pydantic_problems(
    error: ValidationError, fields_by_parent: Mapping[str, Sequence[str]]
) -> list[InputProblem]:
    problems: list[InputProblem] = []
    for item in error.errors():
        loc = tuple(part for part in item["loc"] if isinstance(part, str | int))
        if item["type"] == "missing" and len(loc) >= 3 and loc[-3] == "available":
            loc = loc[:-1]  # a window of the wrong length is the window's problem, not its element's
        problems.append(InputProblem(format_path(loc), _message(item, fields_by_parent)))
    return problems


def _load_json(text: str | bytes) -> tuple[Any, list[InputProblem]]:
    """The JSON data, or the problems that keep it from being read: a whole number too large is refused
    at its path (`haven.plans.documents`), never turned into a number."""
    try:
        data = json.loads(text, parse_int=json_whole_number)
        return data, too_large_problems(data)
    except json.JSONDecodeError as exc:
        return None, [InputProblem("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
    except UnicodeDecodeError as exc:
        return None, [InputProblem("", f"not UTF-8 text: {exc.reason}")]


def _entries(data: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, Mapping)]


def _ids(data: Mapping[str, Any], key: str, problems: list[InputProblem]) -> set[str]:
    """Ids of one list, reporting every repeated one."""
    first_seen: dict[str, int] = {}
    for index, item in _entries(data, key):
        ident = item.get("id")
        if not isinstance(ident, str) or not ident:
            continue
        if ident in first_seen:
            problems.append(
                InputProblem(
                    f"{key}[{index}].id", f"{_shown(ident)} is already the id of {key}[{first_seen[ident]}]"
                )
            )
        else:
            first_seen[ident] = index
    return set(first_seen)


def reference_problems(data: Any) -> list[InputProblem]:
    """Unique ids within each list, and every reference resolving, read from the raw JSON.

    Works on the raw data so that references are checked even when other fields are malformed.
    """
    if not isinstance(data, Mapping):
        return []
    problems: list[InputProblem] = []
    person_ids = _ids(data, "persons", problems)
    names = {
        "interviewers": (_ids(data, "interviewers", problems), "interviewer"),
        "interpreters": (_ids(data, "interpreters", problems), "interpreter"),
        "rooms": (_ids(data, "rooms", problems), "room"),
    }
    for index, person in _entries(data, "persons"):
        keep_apart = person.get("keep_apart")
        if isinstance(keep_apart, list):
            for position, other in enumerate(keep_apart):
                path = f"persons[{index}].keep_apart[{position}]"
                if not isinstance(other, str) or not other:
                    continue
                if other not in person_ids:
                    problems.append(InputProblem(path, f"{_shown(other)} names no person"))
                elif other == person.get("id"):
                    problems.append(InputProblem(path, "a person cannot be kept apart from themselves"))
        for field, (known, noun) in (
            ("eligible_interviewers", names["interviewers"]),
            ("eligible_rooms", names["rooms"]),
        ):
            listed = person.get(field)
            if isinstance(listed, list):
                for position, ref in enumerate(listed):
                    if isinstance(ref, str) and ref and ref not in known:
                        problems.append(
                            InputProblem(
                                f"persons[{index}].{field}[{position}]", f"{_shown(ref)} names no {noun}"
                            )
                        )
        fixed = person.get("fixed")
        if isinstance(fixed, Mapping):
            for field, (known, noun) in (
                ("room", names["rooms"]),
                ("interviewer", names["interviewers"]),
                ("interpreter", names["interpreters"]),
            ):
                ref = fixed.get(field)
                if isinstance(ref, str) and ref and ref not in known:
                    problems.append(
                        InputProblem(f"persons[{index}].fixed.{field}", f"{_shown(ref)} names no {noun}")
                    )
    return problems


def parse_problem(text: str | bytes) -> InterviewProblem:
    """Read a problem file, or raise `InvalidInput` naming every bad field.

    Beyond the shape: ids are unique within their list, every reference resolves, and the fixed
    assignments can all be kept together (each obeys rules 1-6 on its own and with the others).
    """
    data, problems = _load_json(text)
    if problems:
        raise InvalidInput(problems, what="interview problem")
    if not isinstance(data, Mapping):
        raise InvalidInput([InputProblem("", "the problem must be a JSON object")], what="interview problem")
    problem: InterviewProblem | None = None
    try:
        problem = InterviewProblem.model_validate_json(text)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, _FIELDS_BY_PARENT))
    problems.extend(reference_problems(data))
    if problem is not None and not problems:
        problems.extend(fixed_problems(problem))
    if problems:
        raise InvalidInput(_unique(problems), what="interview problem")
    assert problem is not None
    return problem


def parse_schedule(text: str | bytes) -> Schedule:
    """Read a schedule file, or raise `InvalidInput` naming every bad field (the rules are `validate`'s)."""
    data, problems = _load_json(text)
    if problems:
        raise InvalidInput(problems, what="interview schedule")
    if not isinstance(data, Mapping):
        raise InvalidInput(
            [InputProblem("", "the schedule must be a JSON object")], what="interview schedule"
        )
    try:
        return Schedule.model_validate_json(text)
    except ValidationError as exc:
        raise InvalidInput(
            _unique(_pydantic_problems(exc, _SCHEDULE_FIELDS_BY_PARENT)), what="interview schedule"
        ) from None


def _unique(problems: Iterable[InputProblem]) -> list[InputProblem]:
    return list(dict.fromkeys(problems))


# --- writing --------------------------------------------------------------------------------------------


def dump_schedule(schedule: Schedule) -> str:
    """The schedule as the spec's JSON, keys in the spec's order, with a final newline."""
    return schedule.model_dump_json(indent=2) + "\n"


def dump_problem(problem: InterviewProblem) -> str:
    """The problem as JSON that `parse_problem` reads back to an equal problem."""
    return problem.model_dump_json(indent=2, exclude_none=True) + "\n"
