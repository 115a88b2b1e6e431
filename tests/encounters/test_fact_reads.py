"""The board's reads of each kind of record, compiled once per process (`haven.core.prepared.Prepared`):
the rows Django would give, for whichever operation asks, through the connection's cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.core.prepared import Prepared, bound_query, together
from haven.encounters import services
from haven.encounters.models import Person, PersonTag
from haven.encounters.selectors import _FACT_QUERIES, _FACT_READS, _fact_query, roster_facts
from haven.operations.models import Operation
from haven.operations.selectors import standing
from tests.operations.fixtures import make_operation

pytestmark = pytest.mark.django_db


def _stored(person_id):
    return Person._meta.get_field("id").get_db_prep_value(person_id, connection)


@pytest.fixture
def two_operations(operation, register, care, persona, t0):
    """The test operation with three persons in care, and another operation with one person of its own."""
    for n in range(1, 4):
        care(register(f"P-00{n}", minutes=n))
    services.danger_flag(actor=persona("advocate"), person=Person.objects.get(code="P-002"))
    # a second assessment: the urgent domains of both count
    services.needs_assessment_record(
        actor=persona("advocate"),
        person=Person.objects.get(code="P-003"),
        at=t0 + timedelta(minutes=50),
        shelter="Nowhere safe to sleep tonight",
        urgent=["shelter"],
        language="es",
    )
    other = make_operation(starts_in=-timedelta(hours=2), changes={"operation.code": "NL-OTHER-1"})
    services.person_register(
        actor=persona("investigator"),
        operation=other,
        code="P-001",
        encountered_at=other.starts_at + timedelta(minutes=5),
        tags=["male", "minor"],
        languages=["fr"],
        area="community-room",
    )
    return operation, other


def test_each_read_gives_the_rows_django_gives_for_each_operation_in_turn(two_operations):
    # (the second operation's reads reuse what the first compiled: its own rows come back, not the first's)
    for op in (*two_operations, *two_operations):
        for read, prepared in _FACT_READS.items():
            expected = [(_stored(row[0]), *row[1:]) for row in _fact_query(read, person__operation_id=op.pk)]
            assert sorted(prepared.rows(op.pk), key=repr) == sorted(expected, key=repr), read
    tags = [row[1] for row in _FACT_READS["tags"].rows(two_operations[1].pk)]
    assert sorted(tags) == ["male", "minor"]


def test_converted_columns_are_djangos_values_and_the_raw_one_is_as_stored(two_operations):
    operation, _ = two_operations
    first = _stored(operation.persons.get(code="P-001").pk)
    rows = _FACT_READS["needs"].rows(operation.pk)
    [(person_id, at, agency_type, *flags)] = [row for row in rows if row[0] == first]
    assert isinstance(person_id, type(first))
    assert at.tzinfo is not None
    assert agency_type == "victim_service_provider"
    assert flags[0] is True
    assert all(isinstance(flag, bool) for flag in flags)


def test_a_prepared_read_runs_through_the_connections_cursor(two_operations):
    operation, _ = two_operations
    _FACT_READS["tags"].rows(operation.pk)
    with CaptureQueriesContext(connection) as seen:
        _FACT_READS["tags"].rows(operation.pk)
    assert len(seen) == 1
    assert "encounters_persontag" in seen[0]["sql"]


def test_a_read_that_does_not_name_its_value_is_refused():
    unnamed = Prepared(lambda _: PersonTag.objects.values_list("tag"), field=Operation._meta.get_field("id"))
    with pytest.raises(ValueError, match="must name its value"):
        unnamed.rows(Operation().pk)


def test_an_empty_list_of_persons_asks_the_database_nothing():
    with CaptureQueriesContext(connection) as seen:
        assert together([bound_query(_fact_query("tags", person_id__in=[]), raw=(0,))]) == [[]]
    assert len(seen) == 0


def test_a_read_that_names_its_value_inside_another_is_refused():
    # (its compiled form would keep the stand-in there: the read would be asked of another operation)
    hidden = Prepared(
        lambda value: PersonTag.objects.filter(
            person__operation_id=value, tag__contains=str(value)
        ).values_list("tag"),
        field=Operation._meta.get_field("id"),
    )
    with pytest.raises(ValueError, match="as it is, not inside another value"):
        hidden.rows(Operation().pk)


def test_columns_django_selects_only_to_order_by_are_not_returned(two_operations):
    operation, _ = two_operations

    def codes(value):  # type: ignore[no-untyped-def]
        return (
            PersonTag.objects.filter(person__operation_id=value).order_by("person__code").values_list("tag")
        )

    distinct = Prepared(lambda value: codes(value).distinct(), field=Operation._meta.get_field("id"))
    rows = distinct.rows(operation.pk)
    assert rows == [tuple(row) for row in codes(operation.pk).distinct()]
    assert all(len(row) == 1 for row in rows)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pipeline mode")
def test_a_failing_read_among_others_raises_djangos_error_and_leaves_no_cursor_open(two_operations):
    from django.db import DatabaseError, transaction

    operation, _ = two_operations
    failing = Prepared(
        lambda value: (
            PersonTag.objects.filter(person__operation_id=value)
            .extra(select={"boom": "1 / 0"})
            .values_list("boom")
        ),
        field=Operation._meta.get_field("id"),
    )
    for last in (True, False):
        reads = [_FACT_READS["tags"].bound(operation.pk), failing.bound(operation.pk)]
        with pytest.raises(DatabaseError), transaction.atomic():
            together(reads if last else reads[::-1])
    # the connection still answers (the failed transactions were rolled back)
    assert len(_FACT_READS["tags"].rows(operation.pk)) == 9


def test_a_page_of_persons_and_the_whole_operation_give_the_same_facts(two_operations, persona):
    # the API's roster names its persons (`person_id__in`), the board its operation (prepared reads)
    operation, _ = two_operations
    actor = persona("investigator")
    persons = list(operation.persons.order_by("code").values("id", "area__holds", "outcome"))
    whole = roster_facts(operation, persons, standing(actor, operation), whole=True)
    page = roster_facts(operation, persons, standing(actor, operation))
    assert whole == page
    assert [f.danger for f in whole] == [False, True, False]
    assert [f.urgent for f in whole] == [["medical"], ["medical"], ["medical", "shelter"]]
    assert all(f.first_provider_contact is not None for f in whole)
    assert set(_FACT_QUERIES) == set(_FACT_READS)


def test_reads_asked_together_come_back_each_with_its_own_rows_in_order(two_operations):
    operation, other = two_operations
    reads = [
        _FACT_READS["tags"].bound(other.pk),
        bound_query(_fact_query("tags", person_id__in=[]), raw=(0,)),  # nothing to ask
        _FACT_READS["languages"].bound(operation.pk),
        _FACT_READS["danger"].bound(operation.pk),
    ]
    with CaptureQueriesContext(connection) as seen:
        tags, nothing, languages, danger = together(reads)
    assert len(seen) == 3
    assert sorted(t for _, t in tags) == ["male", "minor"]
    assert nothing == []
    assert sorted(code for _, code in languages) == ["es", "es", "es"]
    assert len(danger) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pipeline mode")
def test_on_postgresql_reads_asked_together_go_in_one_round_trip(two_operations, monkeypatch):
    operation, _ = two_operations
    connection.ensure_connection()
    raw = connection.connection
    entered = []
    pipeline = raw.pipeline

    def counted(*args, **kwargs):
        entered.append(1)
        return pipeline(*args, **kwargs)

    monkeypatch.setattr(raw, "pipeline", counted)
    facts = roster_facts(
        operation,
        list(operation.persons.values("id", "area__holds", "outcome")),
        standing(operation.persons.first().registered_by, operation),
        whole=True,
    )
    assert len(facts) == 3
    assert entered == [1]
