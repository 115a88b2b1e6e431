"""A board poll that finds nothing new for its reader: `304 Not Modified`, with no rendering and no audit
event (CJIS: every disclosure is recorded, not every heartbeat). One rule for the page and the API.

The caller has already authorised the reader (the operation's NotFound for hidden and missing alike) and
computed the board's version for this reader (`selectors.board_version`); a poll whose `If-None-Match`
names that version discloses nothing the reader was not shown and recorded as shown before.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_etags, quote_etag

from haven.accounts.middleware import is_auto_refresh


def etag(version: str) -> str:
    """The version as an HTTP entity tag: weak, for answers of one version differ in the second they were
    made at (If-None-Match compares weakly: RFC 9110, 13.1.2)."""
    return "W/" + str(quote_etag(version))


def sealed(version: str, seal: str) -> str:
    """A version with the seal of what its answer rested on (haven/web/board_polls.py): `<version>.<seal>`."""
    return f"{version}.{seal}"


def unsealed(tag: str) -> tuple[str, str]:
    """(version, seal) of an entity tag as `If-None-Match` names it (`W/"…"`); the seal is "" for a tag
    that has none."""
    version, _, seal = tag.removeprefix("W/").strip('"').partition(".")
    return version, seal


def unchanged_poll(request: HttpRequest, version: str) -> bool:
    """A poll (the auto-refresh header) of a GET whose `If-None-Match` names this version (sealed or not:
    the caller has just decided the reader's version itself). An explicit read (no auto-refresh header)
    always renders and is audited."""
    if request.method not in ("GET", "HEAD") or not is_auto_refresh(request):
        return False
    named = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    return any(unsealed(tag)[0] == version for tag in named)


def not_modified(tag: str) -> HttpResponse:
    """`304`, naming the tag (a version, or a sealed version) the poll's answer stands for."""
    response = HttpResponse(status=304)
    response["ETag"] = etag(tag)
    return response
