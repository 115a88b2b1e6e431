"""What every page's layout needs: who is signed in, for which agency, and which sections they see."""

from __future__ import annotations

from functools import cache, partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from haven.accounts.otp import second_factor_passed
from haven.notifications.selectors import unread_count
from haven.web.timezones import current_zone_label


def haven_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    verified = second_factor_passed(user)
    return {
        "signed_in": verified,
        "nav_auditor": verified and bool(getattr(user, "is_auditor", False)),
        "nav_admin": verified and bool(getattr(user, "is_admin", False)),
        "auto_refresh_header": settings.HAVEN_AUTO_REFRESH_HEADER,
        "tz_label": current_zone_label(),  # the offset the page's times are shown in (haven.web.timezones)
        # the header's "Notifications, N unread": counted when a template shows it (once per page, for the
        # signed-in only), not for the parts a page refreshes, which have no header
        "notifications_unread": cache(partial(unread_count, user)) if verified and user is not None else 0,
    }
