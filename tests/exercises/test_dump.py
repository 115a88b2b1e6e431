"""A dump of the database holds none of the compartment-only text (issue 5, "Encryption at rest").

The demo exercise is loaded with a unique marker added to every compartment text it carries (needs,
questions and answers, safety plans, service notes, case notes, attorney notes, consent purposes,
observation text, interview notes); the raw SQLite file — or, on PostgreSQL, a `pg_dump` of the test
database — is searched for each marker. A plain field that is not sealed (the plan's command post)
carries a control marker, so the search is shown to find what is there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from haven.exercises.demo import DEMO_EXERCISE
from haven.exercises.loader import exercise_load
from tests.database_copy import database_copy_bytes

SEALED_FIELDS = {
    "needs": (
        "medical",
        "shelter",
        "food",
        "safety",
        "clothing",
        "contact",
        "childcare",
        "transportation",
        "legal",
        "counseling",
        "language_notes",
        "concerns",
    ),
    "information": ("questions", "answers"),
    "safety_plans": ("text",),
    "services": ("notes",),
    "case_notes": ("text",),
    "attorney_notes": ("text",),
    "consents": ("purpose",),
    "observations": ("text",),
    "interviews": ("notes",),
}
CONTROL = "CONTROL-command-post-1357"


def _marked_exercise(tmp_path: Path) -> tuple[Path, list[str]]:
    yaml = YAML(typ="safe", pure=True)
    exercise: dict[str, Any] = yaml.load(DEMO_EXERCISE.read_text(encoding="utf-8"))
    plan = yaml.load((DEMO_EXERCISE.parent / exercise["plan_file"]).read_text(encoding="utf-8"))
    plan["communications"]["command_post"] = CONTROL
    markers = []
    for section, fields in SEALED_FIELDS.items():
        for index, entry in enumerate(exercise["encounter"].get(section, [])):
            for name in fields:
                if entry.get(name):
                    marker = f"MK{section.upper()}{name.upper()}{index:02d}X"
                    entry[name] = f"{entry[name]} {marker}"
                    markers.append(marker)
    exercise.pop("plan_file")
    exercise["plan"] = plan
    path = tmp_path / "marked-exercise.json"  # JSON is YAML; timestamps keep their offset as ISO text
    path.write_text(json.dumps(exercise, default=lambda value: value.isoformat()), encoding="utf-8")
    return path, markers


@pytest.mark.django_db(transaction=True)
def test_a_dump_holds_none_of_the_compartment_text(tmp_path):
    path, markers = _marked_exercise(tmp_path)
    assert len(markers) >= 30
    exercise_load(path)
    stored = database_copy_bytes()
    assert CONTROL.encode() in stored, "the search must find text that is stored in the clear"
    found = [m for m in markers if m.encode() in stored or m.encode("utf-16-le") in stored]
    assert found == []
