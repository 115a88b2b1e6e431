"""Makes the client address of each request available to the audit trail."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from haven.audit.context import client_address


def _ip(text: str) -> str:
    """The text when it is an IP address, else nothing (a header may hold anything)."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return ""


def address_of(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address a trusted reverse proxy put in X-Forwarded-For; only ever an IP
    address (or nothing)."""
    hops = int(getattr(settings, "HAVEN_TRUSTED_PROXY_HOPS", 0))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if hops and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if len(addresses) >= hops:
            return _ip(addresses[-hops])
    return _ip(str(request.META.get("REMOTE_ADDR", "")))


class ClientAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_address.set(address_of(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
