"""Requests the API suites send: JSON in, the Django test client's response out."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

API = "/api/v1"


def send(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    """`send(client, "PUT", "/operations/X/plan", {...})`: `body` goes as JSON unless it is bytes or text."""
    url = API + path
    if method == "GET":
        return client.get(url, headers=headers)
    data = body if isinstance(body, bytes | str) or body is None else json.dumps(body)
    return client.generic(method, url, data=data or b"", content_type="application/json", headers=headers)
