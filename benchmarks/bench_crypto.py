"""Encryption at rest: what sealing costs per record, against a plain read of the same record.

Run: `.venv/bin/python benchmarks/bench_crypto.py [--records N] [--rounds N]`. Writes
benchmarks/results/crypto.json and crypto.md. A scratch SQLite database (the embedded default, with its own
key file) holds N notes of 300 characters, each stored twice in one row: plainly and sealed. Measured, per
record, the best of 9 rounds over all N records (the least disturbed by other work on the machine):

* seal and unseal alone (AES-256-GCM with the agency's data key, cached in memory after the first use);
* a plain read: fetch the row by primary key through the ORM and take its text;
* a sealed read: fetch the same row and unseal its text — the overhead is the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
NOTE = (
    "Met at the staging area at 06:40; speaks Tagalog and some English. Says her passport is held by the "
    "restaurant owner and that she owes 4,000 for the journey. Wants to call her sister but not from a "
    "phone the employer knows. Needs clothing, a clinic visit for a hand injury, and a quiet place to rest."
)[:300]


def _per_record_us(actions: dict[str, Callable[[int], object]], count: int, rounds: int) -> dict[str, float]:
    """Best time per record of each action; the actions take turns round by round, so that whatever else
    the machine is doing falls on all of them alike."""
    best = dict.fromkeys(actions, float("inf"))
    for _ in range(rounds):
        for name, action in actions.items():
            started = time.perf_counter_ns()
            for index in range(count):
                action(index)
            best[name] = min(best[name], (time.perf_counter_ns() - started) / count / 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    assert len(NOTE) == 300

    with tempfile.TemporaryDirectory(prefix="haven-bench-crypto-") as scratch:
        result = measure(scratch, args.records, args.rounds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "crypto.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "crypto.md").write_text(
        "# Encryption at rest: cost per record\n\n"
        f"A {result['note_characters']}-character note ({result['sealed_bytes']} bytes sealed), "
        f"{result['records']:,} records, best of {result['rounds']} rounds, {result['database']}:\n\n"
        "| per record | µs |\n|---|---|\n"
        f"| seal (AES-256-GCM, data key in memory) | {result['seal_us']} |\n"
        f"| unseal | {result['unseal_us']} |\n"
        f"| seal + unseal | {result['seal_plus_unseal_us']} |\n"
        f"| plain read (ORM fetch by primary key, take the text) | {result['plain_read_us']} |\n"
        f"| sealed read (same fetch, then unseal) | {result['sealed_read_us']} |\n"
        f"| overhead of a sealed read | {result['read_overhead_us']} "
        f"({result['read_overhead_percent']} %) |\n\n"
        f"Seal + unseal together cost {result['seal_plus_unseal_percent_of_plain_read']} % of a plain read. "
        "The overhead of a sealed read is the difference of two database-bound timings, so it carries "
        "their noise; the two reads take turns round by round.\n\n"
        f"Once per agency: the first seal creates, wraps and stores its data key "
        f"({result['first_seal_of_an_agency_us']} µs, audited). Once per process: the first unseal reads "
        f"and unwraps it ({result['first_unseal_in_a_process_us']} µs).\n\n"
        f"Machine: {result['machine']}; measured {result['measured_at']}.\n"
    )
    print(json.dumps(result, indent=2))


def measure(scratch: str, records: int, rounds: int) -> dict[str, object]:
    os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "HAVEN_DATA_DIR": scratch})
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("HAVEN_KEK", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.apps.registry import Apps
    from django.core.management import call_command
    from django.db import connection, models, transaction

    from haven.access import keys
    from haven.access.crypto import seal, unseal
    from haven.accounts import services

    call_command("migrate", verbosity=0)

    class BenchNote(models.Model):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        agency_id = models.UUIDField()
        text = models.TextField()
        text_sealed = models.BinaryField()

        class Meta:
            apps = Apps(installed_apps=())
            app_label = "bench_crypto"
            db_table = "bench_crypto_note"

        def __str__(self) -> str:
            return str(self.id)

    with connection.schema_editor() as editor:
        editor.create_model(BenchNote)

    agency = services.agency_create(
        actor=None, slug="harbor-vs", name="Harbor Victim Services", type="victim_service_provider"
    )
    table, field = BenchNote._meta.db_table, "text_sealed"

    keys.key_ring()  # the key file is made at first use; measured below is the agency's first seal alone
    started = time.perf_counter_ns()
    first = seal(agency_id=agency.pk, table=table, field=field, row_id=uuid.uuid4(), plaintext=NOTE)
    first_seal_us = (time.perf_counter_ns() - started) / 1000  # creates, wraps and stores the data key
    del first

    ids = [uuid.uuid4() for _ in range(records)]
    with transaction.atomic():
        BenchNote.objects.bulk_create(
            BenchNote(
                id=row_id,
                agency_id=agency.pk,
                text=NOTE,
                text_sealed=seal(
                    agency_id=agency.pk, table=table, field=field, row_id=row_id, plaintext=NOTE
                ),
            )
            for row_id in ids
        )
    sealed = {row.id: bytes(row.text_sealed) for row in BenchNote.objects.all()}
    order = ids[:]
    random.Random(7).shuffle(order)
    count = len(order)

    keys.clear_caches()
    started = time.perf_counter_ns()
    unseal(agency_id=agency.pk, table=table, field=field, row_id=order[0], sealed=sealed[order[0]])
    cold_unseal_us = (time.perf_counter_ns() - started) / 1000  # reads and unwraps the data key once

    def seal_one(i: int) -> object:
        return seal(agency_id=agency.pk, table=table, field=field, row_id=order[i], plaintext=NOTE)

    def unseal_one(i: int) -> object:
        row_id = order[i]
        return unseal(agency_id=agency.pk, table=table, field=field, row_id=row_id, sealed=sealed[row_id])

    def seal_and_unseal(i: int) -> object:
        row_id = order[i]
        blob = seal(agency_id=agency.pk, table=table, field=field, row_id=row_id, plaintext=NOTE)
        return unseal(agency_id=agency.pk, table=table, field=field, row_id=row_id, sealed=blob)

    def plain_read(i: int) -> object:
        return BenchNote.objects.only("id", "text").get(pk=order[i]).text

    def sealed_read(i: int) -> object:
        row = BenchNote.objects.only("id", "text_sealed").get(pk=order[i])
        return unseal(agency_id=agency.pk, table=table, field=field, row_id=row.pk, sealed=row.text_sealed)

    assert sealed_read(0) == plain_read(0) == NOTE
    measured = _per_record_us(
        {"seal_us": seal_one, "unseal_us": unseal_one, "seal_plus_unseal_us": seal_and_unseal},
        count,
        rounds,
    )
    measured |= _per_record_us({"plain_read_us": plain_read, "sealed_read_us": sealed_read}, count, rounds)
    overhead = measured["sealed_read_us"] - measured["plain_read_us"]
    result = {
        "benchmark": "encryption at rest, per record",
        "note_characters": len(NOTE),
        "sealed_bytes": len(sealed[order[0]]),
        "records": count,
        "rounds": rounds,
        **{key: round(value, 2) for key, value in measured.items()},
        "read_overhead_us": round(overhead, 2),
        "read_overhead_percent": round(100 * overhead / measured["plain_read_us"], 1),
        "seal_plus_unseal_percent_of_plain_read": round(
            100 * measured["seal_plus_unseal_us"] / measured["plain_read_us"], 1
        ),
        "first_seal_of_an_agency_us": round(first_seal_us, 1),
        "first_unseal_in_a_process_us": round(cold_unseal_us, 1),
        "database": "SQLite (embedded default)",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    connection.close()
    return result


if __name__ == "__main__":
    main()
