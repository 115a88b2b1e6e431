"""Whether a request's user has passed the second factor (django-otp sets `is_verified` per request)."""

from __future__ import annotations

from typing import Any


def second_factor_passed(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(user is not None and user.is_authenticated and callable(check) and check())
