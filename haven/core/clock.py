"""The calendar day rules are judged on: UTC's, whatever offset a page shows its times in, so that a
consent is active or expired alike on every page, in the API and on the command line."""

from __future__ import annotations

from datetime import UTC, date

from django.utils import timezone


def utc_today() -> date:
    return timezone.localdate(timezone=UTC)
