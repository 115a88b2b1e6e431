"""PostgreSQL: the application's role can only append to the audit trail (docs/deploying.md, section 1).

A role of the test's own, not the tables' owner, gets the GRANTs the deployment guide gives `haven_app`;
the test's connection takes that role for the transaction (SET LOCAL ROLE) and tries what an attacker
holding the application's database credentials would.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction

from haven.audit.events import AuditEvent
from haven.audit.models import AuditChainHead, AuditRecord
from haven.audit.services import record
from haven.audit.verify import verify_chain

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

# The guide's GRANTs for the audit tables (docs/deploying.md): append and read, nothing else.
AUDIT_GRANTS = [
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT ON audit_auditrecord TO {role}",
    "GRANT USAGE, SELECT ON SEQUENCE audit_auditrecord_id_seq TO {role}",
    "GRANT SELECT ON audit_auditchainhead TO {role}",
]
# A careless deployment that granted everything on every table: the triggers still hold.
CARELESS_GRANTS = [
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT ALL ON audit_auditrecord, audit_auditchainhead TO {role}",
    "GRANT ALL ON SEQUENCE audit_auditrecord_id_seq TO {role}",
]


@contextmanager
def _as_application(grants: list[str]) -> Iterator[str]:
    role = f"haven_app_test_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        for grant in grants:
            cursor.execute(grant.format(role=role))
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def _append(count: int) -> None:
    for i in range(count):
        record(actor=None, event=AuditEvent.AGENCY_CHANGED, actor_label="haven", details={"count": i})


def _run_as(role: str, sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute(sql, params)


def _refused(sql: str, params: list[object] | None = None, *, role: str) -> str:
    with pytest.raises(DatabaseError) as caught:
        _run_as(role, sql, params or [])
    return str(caught.value)


def _append_as(role: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        _append(1)


@pytest.mark.parametrize("grants", [AUDIT_GRANTS, CARELESS_GRANTS], ids=["guide", "careless"])
def test_the_application_role_appends_but_cannot_change_delete_or_truncate_the_trail(grants):
    _append(2)
    with _as_application(grants) as role:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {role}")
            _append(3)  # the application's own path: the lock function, then an insert
        assert AuditRecord.objects.count() == 5
        assert _refused("UPDATE audit_auditrecord SET outcome = 'denied' WHERE sequence = 1", role=role)
        assert _refused("DELETE FROM audit_auditrecord WHERE sequence = 5", role=role)
        assert _refused("TRUNCATE audit_auditrecord CASCADE", role=role)
    assert AuditRecord.objects.count() == 5
    assert verify_chain().intact


@pytest.mark.parametrize("grants", [AUDIT_GRANTS, CARELESS_GRANTS], ids=["guide", "careless"])
def test_the_application_role_cannot_set_the_head(grants):
    _append(3)
    before = AuditChainHead.objects.values_list("sequence", "hash").get()
    with _as_application(grants) as role:
        assert _refused("UPDATE audit_auditchainhead SET sequence = 1 WHERE id = 1", role=role)
        assert _refused("DELETE FROM audit_auditchainhead", role=role)
        assert _refused("TRUNCATE audit_auditchainhead", role=role)
        assert _refused(
            "INSERT INTO audit_auditchainhead (id, sequence, hash, key_id) VALUES (2, 0, %s, '')",
            ["0" * 64],
            role=role,
        )
    assert AuditChainHead.objects.values_list("sequence", "hash").get() == before


def test_the_application_role_cannot_insert_an_event_that_does_not_follow_the_head():
    events = list(AuditRecord.objects.all())
    _append(3)
    events = list(AuditRecord.objects.order_by("sequence"))
    with _as_application(AUDIT_GRANTS) as role:
        insert = (
            "INSERT INTO audit_auditrecord (sequence, occurred_at, actor_label, event_type, target_type, "
            "target_id, outcome, client_address, details, prev_hash, hash, key_id) VALUES "
            "(%s, now(), 'mallory', 'sign_in.succeeded', '', '', 'success', '', '{}', %s, %s, '')"
        )
        # out of sequence, and in sequence but linked to an older event
        assert "does not follow the chain head" in _refused(insert, [9, events[-1].hash, "f" * 64], role=role)
        assert "does not follow the chain head" in _refused(insert, [4, events[0].hash, "f" * 64], role=role)
    assert AuditRecord.objects.count() == 3
    assert verify_chain().intact


def test_the_lock_function_will_not_recreate_a_missing_head_over_events():
    from haven.audit.services import AuditChainBroken

    _append(2)
    with connection.cursor() as cursor:  # the owner (a superuser here) removes the head
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM audit_auditchainhead")
        cursor.execute("SET session_replication_role = DEFAULT")
    with _as_application(AUDIT_GRANTS) as role, pytest.raises(AuditChainBroken, match="head row is missing"):
        _append_as(role)
    assert AuditRecord.objects.count() == 2
    assert verify_chain().kind == "head_missing"


# The guide's default privileges on every other table and sequence (docs/deploying.md).
CASE_GRANTS = [
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
]


def test_the_application_role_logs_the_boards_changes():
    """The board's change log (migration encounters 0007) is written by triggers that run as the writer:
    with the guide's privileges the application's role writes a board record and its change is logged."""
    from haven.encounters.models import BoardChange
    from haven.operations.models import Area
    from tests.access.matrix_encounters import scenario

    operation = scenario().operation
    before = BoardChange.objects.filter(operation_id=operation.pk).count()
    area = Area.objects.filter(operation=operation).first()
    assert area is not None
    with _as_application(CASE_GRANTS) as role:
        _run_as(role, "UPDATE operations_area SET name = %s WHERE id = %s", ["Room renamed", area.pk])
    assert BoardChange.objects.filter(operation_id=operation.pk).count() == before + 1
