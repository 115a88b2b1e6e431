"""The access-control matrix: every route × every persona, read as a table.

Each area keeps its rows in its own module (`matrix_*.py`), with an `arrange()` that creates what its
routes need and returns the values for their URL placeholders. A route that is in no module fails
`test_every_route_is_in_the_matrix`: add its row in the same commit as the route. Statuses: 200 page,
302 redirect (to sign-in for the anonymous), 403 refused, 404 hidden or missing, 405 wrong method;
"*" is every persona not named.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest
from django.test import Client

import tests.access
from tests.access.routes import all_routes
from tests.personas import PASSWORD, make_user, sign_in

PERSONAS = (
    "anonymous",
    "unverified",
    "investigator",
    "coordinator",
    "federal_agent",
    "prosecutor",
    "advocate",
    "other_provider",
    "attorney",
    "forensic",
    "interpreter",
    "auditor",
    "admin",
    "outsider",
)


def _modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"tests.access.{info.name}")
        for info in pkgutil.iter_modules(tests.access.__path__)
        if info.name.startswith("matrix_")
    ]


def _matrix() -> dict[str, tuple[str, dict[str, int]]]:
    merged: dict[str, tuple[str, dict[str, int]]] = {}
    for module in _modules():
        overlap = set(merged) & set(module.MATRIX)
        assert not overlap, f"{module.__name__} repeats rows: {overlap}"
        merged.update(module.MATRIX)
    return merged


def _url(pattern: str, placeholders: dict[str, str]) -> str:
    url = pattern
    for placeholder, value in placeholders.items():
        url = url.replace(placeholder, value)
    assert "<" not in url, f"no value for a placeholder in {pattern}"
    assert "(?P" not in url, f"no value for a placeholder in {pattern}"
    return "/" + url


def _client(key: str) -> Client:
    client = Client()
    if key == "anonymous":
        return client
    if key == "unverified":
        user = make_user("investigator")
        client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
        return client
    sign_in(client, make_user(key))
    return client


def test_every_route_is_in_the_matrix():
    matrix = _matrix()
    missing = [route.pattern for route in all_routes() if route.pattern not in matrix]
    assert missing == [], f"routes without a row in the access-control matrix: {missing}"
    stale = set(matrix) - {route.pattern for route in all_routes()}
    assert stale == set(), f"matrix rows for routes that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("who", PERSONAS)
def test_matrix(who: str) -> None:
    placeholders: dict[str, str] = {}
    for module in _modules():
        placeholders.update(module.arrange())
    client = _client(who)
    failures = []
    for pattern, (method, expected) in _matrix().items():
        url = _url(pattern, placeholders)
        want = expected.get(who, expected.get("*"))
        response = client.post(url) if method == "POST" else client.get(url)
        if response.status_code != want:
            failures.append(f"{method} {url}: {response.status_code}, expected {want}")
        if (
            who in ("anonymous", "unverified")
            and response.status_code == 302
            and pattern
            not in (
                "sign-in/code/",
                "sign-in/enrol/",
                "django-admin/login/",
            )
        ):
            location = response["Location"]
            assert location.startswith(("/sign-in/", "/django-admin/login/")), f"{url} → {location}"
    assert failures == []
