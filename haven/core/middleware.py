"""No copy of a response stays in a cache: every page, API answer, calendar, PDF and export says `no-store`."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store"


class NoStoreMiddleware:
    """Rule (docs/security.md, "Caches"): a response of Haven's may hold case data (a page, the API, a
    calendar, a PDF, a CSV), and a browser's or a proxy's cache would keep a copy after the session ends,
    for the next person at a shared computer or for whoever takes the disk. So every response that Django
    answers carries `Cache-Control: no-store`, whatever its status and whoever asked — one rule, with no
    view to forget it. Static files are served by WhiteNoise before this middleware and stay cacheable:
    they hold no case data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if NO_STORE not in response.get("Cache-Control", ""):
            # replaces any other directive: a view that asked for caching does not get it
            response["Cache-Control"] = NO_STORE
        return response
