"""The base every sensitive record stands on: a UUID key that reveals nothing, and its timestamps."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models

from haven.core.languages import language_tag, language_tag_problem


def validate_language_tag(value: str) -> None:
    """A stored language is a BCP 47 tag in its canonical form (haven.core.languages): the services
    canonicalise what people type, and this keeps anything else out of the column."""
    problem = language_tag_problem(value)
    if problem:
        raise ValidationError(problem)
    if language_tag(value) != value:
        raise ValidationError(f"{value!r} is stored as {language_tag(value)!r}")


class BaseModel(models.Model):
    """UUID primary key (no guessable sequence), created_at/updated_at, newest first by default."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True
        ordering = ("-created_at",)
