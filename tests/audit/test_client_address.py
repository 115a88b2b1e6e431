"""The client address the audit trail records: REMOTE_ADDR, or what a trusted proxy says; always an IP
address or nothing, whatever a header holds."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from haven.audit.middleware import address_of


@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.7", "", "192.0.2.7"),
        (0, "192.0.2.7", "198.51.100.1", "192.0.2.7"),  # no trusted proxy: the header is ignored
        (1, "10.0.0.2", "203.0.113.9, 198.51.100.1", "198.51.100.1"),  # the proxy's own entry
        (2, "10.0.0.2", "203.0.113.9, 198.51.100.1", "203.0.113.9"),
        (2, "10.0.0.2", "198.51.100.1", "10.0.0.2"),  # fewer entries than proxies: the socket's
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
        (1, "10.0.0.2", "not-an-address\x1f", ""),
        (0, "unix-socket", "", ""),
    ],
)
def test_the_recorded_address_is_an_ip_address_or_nothing(settings, hops, remote, forwarded, expected):
    settings.HAVEN_TRUSTED_PROXY_HOPS = hops
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    assert address_of(request) == expected
