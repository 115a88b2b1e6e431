"""Password authentication: Django's ModelBackend, which also equalises time for unknown usernames."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class HavenBackend(ModelBackend):
    """Authenticates by username and password; refuses inactive users. Permissions come from the
    User model itself (admins: accounts app only), never from Django's permission tables."""

    def get_all_permissions(self, user_obj: object, obj: object = None) -> set[str]:
        return set()
