"""`haven audit verify` over 1,000,000 generated events, against hashlib alone over the same bytes.

Run: `.venv/bin/python benchmarks/bench_audit.py [--events N]`. Writes benchmarks/results/audit.json and
audit.md. The events are built by this helper straight into a scratch SQLite database (not through
HTTP), chained exactly as `haven.audit.services.record` chains them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
EVENT_TYPES = ["sign_in.succeeded", "person.opened", "board.viewed", "needs.recorded", "consent.read"]


def _events(count: int, start: datetime):
    """Yield (row, canonical) for `count` events, in chain order."""
    from haven.audit.chain import canonical_form, canonical_time

    agencies = [uuid.uuid4() for _ in range(8)]
    operation = uuid.uuid4()
    for i in range(1, count + 1):
        moment = start + timedelta(microseconds=250_000 * i + (i % 7))
        agency = agencies[i % len(agencies)]
        target = uuid.uuid4()
        event_type = EVENT_TYPES[i % len(EVENT_TYPES)]
        details = f'{{"count":{i % 40}}}'
        label = f"user{i % 50:02d}"
        canonical = canonical_form(
            sequence=i,
            occurred_at=canonical_time(moment),
            actor_id="",
            actor_label=label,
            actor_agency_id=agency.hex,
            subject_agency_id=agency.hex,
            event_type=event_type,
            target_type="person",
            target_id=str(target),
            operation_id=operation.hex,
            outcome="success",
            client_address=f"10.0.0.{i % 250}",
            details=details,
        )
        row = (
            i,
            moment,
            None,
            label,
            agency,
            agency,
            event_type,
            "person",
            str(target),
            operation,
            "success",
            f"10.0.0.{i % 250}",
            details,
        )
        yield row, canonical


def build(count: int) -> None:
    """Insert `count` chained events with the ORM's bulk_create, in batches."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from haven.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord

    call_command("migrate", interactive=False, verbosity=0)
    prev = GENESIS_HASH
    batch: list[AuditRecord] = []
    started = time.perf_counter()
    for row, canonical in _events(count, datetime(2026, 12, 3, 10, 0, tzinfo=UTC)):
        digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
        (
            seq,
            moment,
            _actor,
            label,
            actor_agency,
            subject_agency,
            event_type,
            target_type,
            target_id,
            operation,
            outcome,
            client,
            details,
        ) = row
        batch.append(
            AuditRecord(
                sequence=seq,
                occurred_at=moment,
                actor_label=label,
                actor_agency_id=actor_agency,
                subject_agency_id=subject_agency,
                event_type=event_type,
                target_type=target_type,
                target_id=target_id,
                operation_id=operation,
                outcome=outcome,
                client_address=client,
                details=details,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
        if len(batch) == 20_000:
            with transaction.atomic():
                AuditRecord.objects.bulk_create(batch)
            batch.clear()
    with transaction.atomic():
        AuditRecord.objects.bulk_create(batch)
        AuditChainHead.objects.update_or_create(pk=1, defaults={"sequence": count, "hash": prev})
    print(f"built {count} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def hashlib_rate(count: int) -> float:
    """Events per second for SHA-256 over exactly the bytes the verifier hashes (prev hash + canonical)."""
    total = 0.0
    prev = "0" * 64
    chunk: list[bytes] = []
    events = _events(count, datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    done = False
    while not done:
        chunk.clear()
        for _ in range(50_000):
            try:
                _row, canonical = next(events)
            except StopIteration:
                done = True
                break
            chunk.append(canonical.encode())
        sha256 = hashlib.sha256
        started = time.perf_counter()
        for data in chunk:
            prev = sha256(prev.encode() + data).hexdigest()
        total += time.perf_counter() - started
    return count / total


def verify_rate() -> tuple[float, int, float]:
    import django

    django.setup()
    from haven.audit.verify import verify_chain

    started = time.perf_counter()
    result = verify_chain()
    seconds = time.perf_counter() - started
    assert result.intact, result.problem
    # peak resident memory of this process and of its verifier workers
    peak_kb = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    return result.events / seconds, result.events, peak_kb / 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--phase", choices=["all", "build", "verify"], default="all")
    args = parser.parse_args()
    if args.phase != "all":
        if args.phase == "build":
            build(args.events)
        else:
            rate, events, peak = verify_rate()
            print(json.dumps({"rate": rate, "events": events, "peak_mb": peak}))
        return
    with tempfile.TemporaryDirectory(prefix="haven-bench-audit-") as scratch:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "HAVEN_DATA_DIR": scratch}
        env.pop("DATABASE_URL", None)
        me = [sys.executable, __file__, "--events", str(args.events)]
        subprocess.run([*me, "--phase", "build"], env=env, check=True, cwd=ROOT)
        # The verifier runs in a fresh process, as `haven audit verify` would.
        started = time.perf_counter()
        out = subprocess.run(
            [*me, "--phase", "verify"], env=env, check=True, cwd=ROOT, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        measured = json.loads(out.stdout)
        db_mb = (Path(scratch) / "haven.sqlite3").stat().st_size / 1e6
    baseline = hashlib_rate(args.events)
    ratio = measured["rate"] / baseline
    result = {
        "benchmark": "haven audit verify",
        "events": measured["events"],
        "verify_events_per_second": round(measured["rate"]),
        "hashlib_events_per_second": round(baseline),
        "ratio_to_hashlib": round(ratio, 3),
        "goal_ratio": 0.5,
        "goal_met": ratio >= 0.5,
        "verify_process_wall_seconds": round(wall, 2),
        "peak_resident_memory_mb": round(measured["peak_mb"], 1),
        "database": "SQLite (embedded default)",
        "database_mb": round(db_mb, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "audit.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "audit.md").write_text(
        "# Audit chain verification\n\n"
        f"`haven audit verify` over {result['events']:,} events ({result['database']}, {result['database_mb']} MB):\n\n"
        "| measure | value |\n|---|---|\n"
        f"| verify, events/s | {result['verify_events_per_second']:,} |\n"
        f"| hashlib SHA-256 alone over the same bytes, events/s | {result['hashlib_events_per_second']:,} |\n"
        f"| ratio (goal ≥ 0.5) | {result['ratio_to_hashlib']} |\n"
        f"| peak resident memory, verifier process + workers | {result['peak_resident_memory_mb']} MB |\n"
        f"| whole verify process, wall | {result['verify_process_wall_seconds']} s |\n\n"
        f"Machine: {result['machine']}; measured {result['measured_at']}.\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
