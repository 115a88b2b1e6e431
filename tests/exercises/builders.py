"""Exercise files for tests: the shipped demo exercise, a small exercise on the same plan, and edits by path
(`encounter.interviews[0].starts_at`), written next to a copy of the plan file."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.apps import apps

from haven.exercises.demo import DEMO_EXERCISE
from haven.plans.documents import read_document
from tests.plans.builders import edited, example_data

PLAN_FILE = DEMO_EXERCISE.parent / "plan-northern-light.yaml"
DAY = "2026-12-03T{}:00-05:00"


def at(hhmm: str) -> str:
    """A time on the action day: `at("09:00")` → 2026-12-03T09:00:00-05:00."""
    return DAY.format(hhmm)


def demo_data() -> dict[str, Any]:
    """The shipped demo exercise as plain data, a fresh copy each time."""
    data = read_document(DEMO_EXERCISE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _user(username: str, agency: str, **extra: Any) -> dict[str, Any]:
    return {
        "username": username,
        "name": username.title(),
        "agency": agency,
        "password": f"{username} lantern orchard 42",
        **extra,
    }


SMALL: dict[str, Any] = {
    "format": "haven.exercise/v1",
    "plan_file": "plan-northern-light.yaml",
    "users": [
        _user("arivera", "metro-pd", roles=["member", "coordinator"], gender="female",
              totp_secret="BFNK2YPNX2CE7CHPEDIU4FLFSQMG54Q3"),
        _user("lnguyen", "hsi", gender="female", interviewer_roles=["investigator"], languages=["en", "es"]),
        _user("dmensah", "hsi", gender="male", interviewer_roles=["investigator"], languages=["en"]),
        _user("mlopez", "harbor-vs", gender="female", languages=["en", "es"]),
        _user("radler", "county-cac", gender="female", interviewer_roles=["forensic_interviewer"], languages=["en"]),
        _user("jalvarez", "legal-aid"),
        _user("hkim", "metro-pd", roles=["member", "admin"]),
    ],
    "encounter": {
        "persons": [
            {"code": "P-001", "tags": ["female", "adult", "foreign_national"], "languages": ["es"],
             "area": "community-room", "interviewer_gender": "female", "encountered_at": at("05:40")},
            {"code": "P-002", "tags": ["male", "adult", "us_citizen"], "languages": ["en"],
             "area": "precinct-holding", "encountered_at": at("05:42")},
            {"code": "P-003", "tags": ["female", "minor", "us_citizen"], "languages": ["en"],
             "area": "community-room", "encountered_at": at("05:45")},
        ],
        "designations": [
            {"person": "P-002", "by": "arivera", "at": at("06:00"), "status": "suspect"},
            {"person": "P-001", "by": "arivera", "at": at("06:05"), "status": "potential_victim"},
        ],
        "needs": [
            {"person": "P-001", "by": "mlopez", "at": at("07:00"), "medical": "Needs insulin",
             "language": "es", "urgent": ["medical"]},
            {"person": "P-003", "by": "mlopez", "at": at("07:10"), "shelter": "Needs a bed", "language": "en"},
        ],
        "information": [
            {"person": "P-001", "by": "mlopez", "at": at("07:20"), "language": "es",
             "materials": ["Your rights and the help available"], "questions": "Will I be deported?",
             "answers": "Explained immigration relief"},
            {"person": "P-003", "by": "mlopez", "at": at("07:30"), "language": "en",
             "materials": ["What happens next"]},
        ],
        "safety_plans": [
            {"person": "P-001", "by": "mlopez", "at": at("08:00"), "text": "Code word agreed"},
        ],
        "attorney_notes": [
            {"person": "P-001", "by": "jalvarez", "at": at("10:00"), "text": "Eligible to apply for a T visa"},
        ],
        "consents": [
            {"person": "P-001", "recorded_by": "mlopez", "recipient": "hsi", "items": ["needs_details"],
             "purpose": "Plan the interview around her medical needs", "in_writing": True,
             "given_on": "2026-12-03", "expires_on": "2027-06-03"},
        ],
        "interviews": [
            {"person": "P-001", "interviewer": "lnguyen", "role": "investigator", "location": "harbor-rooms",
             "starts_at": at("09:00"), "minutes": 60, "note_taker": "lnguyen",
             "notes": "Describes recruitment through a job offer"},
            {"person": "P-003", "interviewer": "radler", "role": "forensic_interviewer", "location": "cac-suite",
             "starts_at": at("10:30"), "minutes": 45, "status": "scheduled"},
        ],
        "relief": [
            {"person": "P-001", "by": "lnguyen", "at": at("10:20"), "kind": "continued_presence",
             "status": "requested"},
        ],
    },
}  # fmt: skip


def small_data(changes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The small exercise with each change applied (paths as in `tests.plans.builders.edit`)."""
    return edited(changes or {}, base=copy.deepcopy(SMALL))


def inline_plan(changes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The Northern Light plan as data, for `plan:` inline, with changes."""
    return edited(changes or {}, base=example_data())


def write(directory: Path, data: Mapping[str, Any], name: str = "exercise.json") -> Path:
    """Write an exercise file (JSON is YAML too) next to a copy of the plan file it names."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLAN_FILE, directory / PLAN_FILE.name)
    path = directory / name
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def row_counts() -> dict[str, int]:
    """Rows of every table a load may write: accounts, audit, operations, encounters, authenticators."""
    labels = ("accounts", "audit", "operations", "encounters", "access", "otp_totp")
    return {
        model._meta.label: model._default_manager.count()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    }
