"""`haven audit verify` over 1,000,000 generated events, against HMAC-SHA256 alone over the same bytes.

Run: `.venv/bin/python benchmarks/bench_audit.py [--events N] [--database-url postgres://…]`. Writes
benchmarks/results/audit.json and audit.md (audit-postgresql.* for a PostgreSQL database, which must be
empty). The events are built by this helper straight into a scratch SQLite database or the given one
(not through HTTP, but through the insert trigger that moves the chain head), linked exactly as
`haven.audit.services.record` links them: HMAC-SHA256 under the installation's audit key.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
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


def _events(count: int, start: datetime, key_id: str = "0" * 16):
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
            key_id=key_id,
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

    from haven.audit.chain import event_link
    from haven.audit.keys import audit_key_ring
    from haven.audit.models import GENESIS_HASH, AuditRecord

    call_command("migrate", interactive=False, verbosity=0)
    if AuditRecord.objects.exists():
        raise SystemExit("bench_audit: the database already holds audit events; give it an empty one")
    key = audit_key_ring().current
    prev = GENESIS_HASH
    batch: list[AuditRecord] = []
    started = time.perf_counter()
    for row, canonical in _events(count, datetime(2026, 12, 3, 10, 0, tzinfo=UTC), key.key_id):
        digest = event_link(key.key, prev, canonical)
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
                key_id=key.key_id,
            )
        )
        prev = digest
        if len(batch) == 20_000:
            with transaction.atomic():
                AuditRecord.objects.bulk_create(batch)
            batch.clear()
    with transaction.atomic():
        AuditRecord.objects.bulk_create(batch)  # the insert trigger moved the head along
    print(f"built {count} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def hmac_rate(count: int) -> float:
    """Events per second for HMAC-SHA256 over exactly the bytes the verifier authenticates (prev link +
    canonical), computed the fastest way this code knows and exactly as the verifier computes them (the
    key's states computed once, `haven.audit.chain.hmac_states`), in one process."""
    from haven.audit.chain import hmac_states

    inner, outer = hmac_states(os.urandom(32))
    inner_copy, outer_copy = inner.copy, outer.copy
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
        started = time.perf_counter()
        for data in chunk:
            step = inner_copy()
            step.update(prev.encode() + data)
            final = outer_copy()
            final.update(step.digest())
            prev = final.hexdigest()
        total += time.perf_counter() - started
    return count / total


def verify_rate(workers: int) -> tuple[float, int, float]:
    """`haven audit verify` itself (the management command), timed around the call."""
    import io

    import django

    django.setup()
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command("audit", "verify", workers=workers, stdout=out)
    seconds = time.perf_counter() - started
    words = out.getvalue().split()
    assert words[:3] == ["Audit", "trail", "intact:"], out.getvalue()
    events = int(words[3])
    # peak resident memory of this process and of its verifier workers
    peak_kb = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    return events / seconds, events, peak_kb / 1e3


def _verify_in_fresh_process(me: list[str], env: dict[str, str], workers: int | None) -> dict[str, float]:
    """One run of the verifier in a new process, as `haven audit verify` runs; its wall time too."""
    started = time.perf_counter()
    out = subprocess.run(
        [*me, "--phase", "verify", *(["--workers", str(workers)] if workers else [])],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return {**json.loads(out.stdout), "wall": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--phase", choices=["all", "build", "verify"], default="all")
    parser.add_argument(
        "--workers", type=int, default=None, help="verify phase: as `haven audit verify --workers`"
    )
    parser.add_argument("--runs", type=int, default=3, help="verify runs per setting; the median is reported")
    parser.add_argument(
        "--database-url",
        default="",
        help="an empty PostgreSQL database to measure instead of a scratch SQLite file "
        "(results go to audit-postgresql.json/.md)",
    )
    args = parser.parse_args()
    if args.phase != "all":
        if args.phase == "build":
            build(args.events)
        else:
            rate, events, peak = verify_rate(args.workers)
            print(json.dumps({"rate": rate, "events": events, "peak_mb": peak}))
        return
    with tempfile.TemporaryDirectory(prefix="haven-bench-audit-") as scratch:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "HAVEN_DATA_DIR": scratch}
        env.pop("DATABASE_URL", None)
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        me = [sys.executable, __file__, "--events", str(args.events)]
        subprocess.run([*me, "--phase", "build"], env=env, check=True, cwd=ROOT)
        # As the command runs by default (one worker per core), and in one process alone.
        # Taken in turn, so that the machine's drift (a shared virtual machine's speed moves by tens
        # of percent in minutes) touches the verifier and its HMAC baseline alike.
        default_runs, single_runs, baselines = [], [], []
        for _ in range(args.runs):
            default_runs.append(_verify_in_fresh_process(me, env, None))
            single_runs.append(_verify_in_fresh_process(me, env, 1))
            baselines.append(hmac_rate(args.events))
        db_mb = 0.0 if args.database_url else (Path(scratch) / "haven.sqlite3").stat().st_size / 1e6
    baseline = statistics.median(baselines)
    measured = sorted(default_runs, key=lambda run: run["rate"])[len(default_runs) // 2]
    single = statistics.median(run["rate"] for run in single_runs)
    ratio = statistics.median(run["rate"] / base for run, base in zip(default_runs, baselines, strict=True))
    ratio_single = statistics.median(
        run["rate"] / base for run, base in zip(single_runs, baselines, strict=True)
    )
    workers = min(8, os.cpu_count() or 1)  # as haven.audit.verify.MAX_WORKERS
    result = {
        "benchmark": "haven audit verify",
        "events": int(measured["events"]),
        "runs": args.runs,
        "verify_workers": workers,
        "verify_events_per_second": round(measured["rate"]),
        "verify_events_per_second_all_runs": [round(run["rate"]) for run in default_runs],
        "verify_one_process_events_per_second": round(single),
        "hmac_events_per_second": round(baseline),
        "ratio_to_hmac": round(ratio, 3),
        "ratio_to_hmac_one_process": round(ratio_single, 3),
        "hmac_events_per_second_all_runs": [round(base) for base in baselines],
        "goal_ratio": 0.5,
        "goal_met": ratio >= 0.5,
        "verify_process_wall_seconds": round(measured["wall"], 2),
        "peak_resident_memory_mb": round(measured["peak_mb"], 1),
        "database": "PostgreSQL" if args.database_url else "SQLite (embedded default)",
        "database_mb": round(db_mb, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "audit-postgresql" if args.database_url else "audit"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(
        "# Audit chain verification\n\n"
        f"`haven audit verify` over {result['events']:,} events ({result['database']}"
        f"{f', {db_mb:.1f} MB' if db_mb else ''}), "
        f"median of {args.runs} runs each:\n\n"
        "| measure | value |\n|---|---|\n"
        f"| verify as the command runs ({workers} worker processes, one per core), events/s "
        f"| {result['verify_events_per_second']:,} |\n"
        f"| verify in one process (`--workers 1`), events/s | {result['verify_one_process_events_per_second']:,} |\n"
        f"| HMAC-SHA256 alone over the same bytes, one process, events/s "
        f"| {result['hmac_events_per_second']:,} |\n"
        f"| ratio, median of the runs' own ratios (goal ≥ 0.5) | {result['ratio_to_hmac']} |\n"
        f"| ratio, verifier in one process | {result['ratio_to_hmac_one_process']} |\n"
        f"| peak resident memory, verifier process + workers | {result['peak_resident_memory_mb']} MB |\n"
        f"| whole verify process, wall (with Django's start) | {result['verify_process_wall_seconds']} s |\n\n"
        "Each link is HMAC-SHA256 under the audit key. The database builds each event's bytes (stored\n"
        "link, then canonical form) in one concat() that keeps every byte stored (on SQLite through\n"
        "APSW's read-only connection and its own SQLite, as the command runs); Python computes the HMACs\n"
        "and compares them a batch at a time and goes through a failing batch event by event to name the\n"
        "first problem. The baseline computes HMAC-SHA256 alone (the key's inner and outer states\n"
        "computed once, as the verifier does), over bytes already in memory, in one process; the\n"
        "verifier also reads every field of every event from the database.\n"
        f"Goal {'met' if result['goal_met'] else 'NOT met'} on this machine.\n\n"
        f"Machine: {result['machine']}; measured {result['measured_at']}.\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
