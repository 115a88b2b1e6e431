"""No copy of case data stays in a browser's or a proxy's cache: every response Haven answers carries
`Cache-Control: no-store` — pages, API, calendars (.ics), PDFs and every export — for every route of the
application (from the URL configuration, as the access matrix walks them) and every status. Static files
(WhiteNoise) stay cacheable: they hold no case data."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.access.test_matrix import _client, _matrix, _modules, _url
from tests.operations.fixtures import make_operation

pytestmark = pytest.mark.django_db

# The downloads a route answers in more than one format (the matrix opens each route once).
_FORMATS = (
    "operations/{code}/report/export/?format=csv&audience=shareable",
    "operations/{code}/report/export/?format=md",
    "operations/{code}/report/export/?format=pdf",
    "api/v1/operations/{code}/briefing?format=pdf",
    "api/v1/operations/{code}/briefing?format=md",
    "api/v1/operations/{code}/plan",
    "operations/{code}/interviews/mine.ics",
)


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("who", ["investigator", "coordinator", "advocate", "auditor", "admin", "anonymous"])
def test_every_route_answers_no_store_for_every_persona(who: str) -> None:
    placeholders: dict[str, str] = {}
    for module in _modules():
        placeholders.update(module.arrange())
    client = _client(who)
    stored = []
    for pattern, (method, _) in _matrix().items():
        url = _url(pattern, placeholders)
        response = client.post(url) if method == "POST" else client.get(url)
        if not _no_store(response):
            stored.append(f"{method} {url} ({response.status_code}): {response.get('Cache-Control')!r}")
    assert stored == []


def test_every_download_format_answers_no_store() -> None:
    operation = make_operation(changes={"operation.code": "NO-STORE-1"})
    client = _client("coordinator")
    stored = []
    for template in _FORMATS:
        url = "/" + template.format(code=operation.code)
        response = client.get(url)
        assert response.status_code == 200, url
        if not _no_store(response):
            stored.append(f"{url}: {response.get('Cache-Control')!r}")
    assert stored == []


def test_an_api_error_and_a_missing_page_answer_no_store() -> None:
    client = _client("investigator")
    for url in ("/api/v1/operations/NO-SUCH-OPERATION", "/api/v1/no-such-path", "/no-such-page/"):
        response = client.get(url)
        assert response.status_code == 404
        assert _no_store(response), url


def test_static_files_stay_cacheable() -> None:
    assert finders.find("haven/haven.css"), "the stylesheet is a static file"
    response = Client().get("/static/haven/haven.css")
    assert response.status_code == 200
    assert not _no_store(response)
    assert "max-age" in response["Cache-Control"]
    b"".join(response.streaming_content)  # type: ignore[attr-defined]
