"""The base every sensitive record stands on: a UUID key that reveals nothing, and its timestamps."""

from __future__ import annotations

import uuid

from django.db import models


class BaseModel(models.Model):
    """UUID primary key (no guessable sequence), created_at/updated_at, newest first by default."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True
        ordering = ("-created_at",)
