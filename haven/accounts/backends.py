"""Password authentication: Django's ModelBackend, which also equalises time for unknown usernames."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser

from haven.accounts.models import User


class HavenBackend(ModelBackend):
    """Authenticates by username and password; refuses inactive users and users of a deactivated agency.
    Permissions come from the User model itself (admins: accounts app only), never from Django's
    permission tables."""

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        """Rule (issue 12): a user of a deactivated agency neither signs in nor keeps a session — Django
        asks this at sign-in and again for each request's session (`ModelBackend.get_user`)."""
        agency = getattr(user, "agency", None)
        return super().user_can_authenticate(user) and bool(agency is not None and agency.is_active)

    def get_user(self, user_id: UUID | str) -> User | None:
        """The session's user with their agency, in one query (each request asks; the agency decides)."""
        user = User._default_manager.select_related("agency").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: object, obj: object = None) -> set[str]:
        return set()
