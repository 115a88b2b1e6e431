"""Anchors: the chain's head as a signed line an auditor keeps outside Haven.

`haven audit anchor` prints one line; `haven audit verify --anchors FILE` proves each kept head still
lies on the chain. The audit key alone cannot prove a chain was not truncated, or rebuilt from some
point on by whoever holds the key: a head kept elsewhere can.

    haven-audit-anchor v=1 seq=1042 link=<64 hex> time=2026-12-07T09:00:00.123456Z key=<key id> sig=<64 hex>

`sig` is HMAC-SHA256 under a key derived from the audit key named by `key` (never the key itself, and
never a link), over the version, sequence, link, time and key id.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from haven.audit.chain import FIELD_SEPARATOR, canonical_time
from haven.audit.keys import audit_key_ring
from haven.audit.models import AuditChainHead, AuditRecord

PREFIX = "haven-audit-anchor"
VERSION = "1"
_LINE = re.compile(
    r"^haven-audit-anchor v=(?P<v>\d+) seq=(?P<seq>\d+) link=(?P<link>[0-9a-f]{64}) "
    r"time=(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) key=(?P<key>[0-9a-f]{16}) sig=(?P<sig>[0-9a-f]{64})$"
)


class AnchorInvalid(ValueError):
    """An anchor line that is malformed, or not signed by a key of this installation."""


class NoHead(Exception):
    """There is no head to anchor: the chain is empty, or its head row does not match its last event."""


@dataclass(frozen=True)
class Anchor:
    sequence: int
    link: str
    time: datetime
    key_id: str


def _signature(anchor_key: bytes, *, sequence: int, link: str, time: str, key_id: str) -> str:
    message = FIELD_SEPARATOR.join((f"{PREFIX}/v{VERSION}", str(sequence), link, time, key_id))
    return hmac.digest(anchor_key, message.encode(), "sha256").hex()


def anchor_line() -> str:
    """The chain head now, as a signed line (the caller verifies the chain first)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.sequence == 0:
        raise NoHead("the audit chain has no events yet: there is no head to anchor")
    if not AuditRecord.objects.filter(sequence=head.sequence, hash=head.hash).exists():
        raise NoHead(
            f"the chain head (#{head.sequence}) is not an event of the chain: run `haven audit verify`"
        )
    key = audit_key_ring().current
    time = canonical_time(timezone.now())
    sig = _signature(key.anchor_key, sequence=head.sequence, link=head.hash, time=time, key_id=key.key_id)
    return f"{PREFIX} v={VERSION} seq={head.sequence} link={head.hash} time={time} key={key.key_id} sig={sig}"


def parse_anchor(line: str) -> Anchor:
    """An anchor line, its signature checked against the audit keys of this installation."""
    match = _LINE.match(line.strip())
    if match is None:
        raise AnchorInvalid(
            "not an anchor line (expected `haven-audit-anchor v=1 seq=… link=… time=… key=… sig=…`, "
            "as `haven audit anchor` prints)"
        )
    if match["v"] != VERSION:
        raise AnchorInvalid(f"anchor version {match['v']} is not one this Haven reads ({VERSION})")
    key = audit_key_ring().find(match["key"])
    if key is None:
        raise AnchorInvalid(
            f"signed under audit key {match['key']}, which is not in this installation's key ring: restore it"
        )
    expected = _signature(
        key.anchor_key,
        sequence=int(match["seq"]),
        link=match["link"],
        time=match["time"],
        key_id=match["key"],
    )
    if not hmac.compare_digest(expected, match["sig"]):
        raise AnchorInvalid("its signature does not match its content: the line was changed, or forged")
    time = datetime.strptime(match["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return Anchor(sequence=int(match["seq"]), link=match["link"], time=time, key_id=match["key"])
