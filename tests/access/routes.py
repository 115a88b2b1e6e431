"""Every route of the application, discovered from the URL configuration (so none can be forgotten)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    pattern: str  # the full pattern, e.g. "manage/users/<uuid:user_id>/"
    name: str  # "namespace:name", or "" for an unnamed pattern


def all_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = (
                    f"{namespace}:{entry.namespace}"
                    if namespace and entry.namespace
                    else (entry.namespace or namespace)
                )
                walk(entry.url_patterns, prefix + str(entry.pattern), inner or "")
            else:
                name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
                found.append(Route(prefix + str(entry.pattern), name))

    walk(get_resolver().url_patterns, "", "")
    return found
