"""The client address of the request being served, so services can record it without taking a request."""

from __future__ import annotations

from contextvars import ContextVar

client_address: ContextVar[str] = ContextVar("haven_client_address", default="")
