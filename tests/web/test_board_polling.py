"""The board's poll when nothing changed for its reader: `304 Not Modified` from the board's version for
that reader (an opaque ETag), without rendering, without an audit event and without the audit chain's
lock; a poll that changes what the reader sees renders and is audited as a view. The page's 15-second
refresh and the API's board read alike; policy first (a hidden or missing operation answers 404 whatever
the poll names)."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from haven.audit.models import AuditRecord
from haven.encounters import services
from haven.encounters.models import Person, SeparationAlert
from tests.access.matrix_encounters import Scenario, scenario
from tests.api.helpers import API
from tests.personas import make_user

pytestmark = pytest.mark.django_db

AUTO = {f"HTTP_{settings.HAVEN_AUTO_REFRESH_HEADER.upper().replace('-', '_')}": "1"}


@pytest.fixture
def s(persona) -> Scenario:
    return scenario()


def rows_url(s: Scenario) -> str:
    return f"/operations/{s.operation.code}/board/rows/"


def api_url(s: Scenario) -> str:
    return f"{API}/operations/{s.operation.code}/board"


def poll(client: Client, url: str, etag: str = "", **params: str):  # type: ignore[no-untyped-def]
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(url, params, **AUTO, **headers)


def unsalted(body: bytes) -> bytes:
    """A page without its per-request CSRF token."""
    return re.sub(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', b"", body)


def events() -> int:
    return AuditRecord.objects.count()


def no_chain_lock():  # type: ignore[no-untyped-def]
    """Fails the request if anything takes the audit chain's lock (every appended event takes it)."""
    return mock.patch(
        "haven.audit.services._lock_head", side_effect=AssertionError("the audit chain's lock was taken")
    )


@pytest.mark.parametrize("url", [rows_url, api_url], ids=["page", "api"])
def test_an_unchanged_poll_answers_304_without_an_audit_event_or_the_chain_lock(s, client_for, url):
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        first = poll(client, url(s))
        assert first.status_code == 200
        etag = first["ETag"]
        assert etag.startswith('W/"')
        assert len(etag) > 20
        before = events()
        with no_chain_lock():
            again = poll(client, url(s), etag)
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag
        assert events() == before
        assert "no-store" in again["Cache-Control"]


@pytest.mark.parametrize("url", [rows_url, api_url], ids=["page", "api"])
def test_a_poll_after_a_change_renders_and_is_audited_as_a_view(s, client_for, url):
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        etag = poll(client, url(s))["ETag"]
        services.person_register(
            actor=make_user("investigator"), operation=s.operation, code="P-077", tags=["adult"]
        )
        before = AuditRecord.objects.filter(event_type="board.viewed").count()
        after = poll(client, url(s), etag)
    assert after.status_code == 200
    assert "P-077" in after.content.decode()
    assert after["ETag"] != etag
    assert AuditRecord.objects.filter(event_type="board.viewed").count() == before + 1


@pytest.mark.parametrize(
    "change",
    ["need", "designation", "step", "danger", "danger response", "placed", "separation", "minute"],
)
def test_the_version_changes_with_what_the_reader_sees(s, client_for, change):
    client = client_for("investigator")
    investigator, advocate = make_user("investigator"), make_user("advocate")
    moment = timezone.now().replace(second=5)
    person = Person.objects.get(operation=s.operation, code="P-001")
    with time_machine.travel(moment, tick=False):
        etag = poll(client, rows_url(s))["ETag"]
        assert poll(client, rows_url(s), etag).status_code == 304
        if change == "need":
            services.needs_assessment_record(actor=advocate, person=person, urgent=["medical"], language="es")
        elif change == "designation":
            services.designation_record(actor=investigator, person=person, status="undetermined")
        elif change == "step":
            services.information_record(
                actor=advocate, person=person, language="es", materials=["What happens next"]
            )
        elif change == "danger":
            minor = Person.objects.get(operation=s.operation, code="P-003")
            services.danger_flag(actor=investigator, person=minor)
        elif change == "danger response":
            flag = person.danger_flags.filter(responded_at__isnull=True).first()
            assert flag is not None, "the scenario has an open imminent-danger flag"
            services.danger_respond(actor=make_user("coordinator"), flag=flag, response="Moved to safety")
        elif change == "placed":
            minor = Person.objects.get(operation=s.operation, code="P-003")
            services.person_place(actor=investigator, person=minor, area="community-room")
        elif change == "separation":
            # a potential victim in the undetermined area with a suspect: an alert is raised
            alerts = SeparationAlert.objects.count()
            kept = services.person_register(
                actor=investigator,
                operation=s.operation,
                code="P-004",
                tags=["adult"],
                area="undetermined-room",
            )
            assert poll(client, rows_url(s), etag).status_code == 200
            etag = poll(client, rows_url(s))["ETag"]
            services.designation_record(actor=investigator, person=kept, status="potential_victim")
            assert SeparationAlert.objects.count() == alerts + 1
    travel = moment + timedelta(minutes=1) if change == "minute" else moment
    with time_machine.travel(travel, tick=False):
        assert poll(client, rows_url(s), etag).status_code == 200


def test_readers_of_different_audiences_and_different_readers_never_share_a_version(s, client_for):
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        tags = {
            who: poll(client_for(who), rows_url(s))["ETag"]
            for who in ("investigator", "coordinator", "advocate", "other_provider", "interpreter")
        }
        api = poll(client_for("investigator"), api_url(s))["ETag"]
        # an investigator's version never validates a provider's poll
        provider = client_for("advocate")
        assert poll(provider, rows_url(s), tags["investigator"]).status_code == 200
    assert len(set(tags.values())) == len(tags)
    assert api not in tags.values()


def test_the_version_is_an_opaque_keyed_hash(s, client_for):
    etag = poll(client_for("investigator"), rows_url(s))["ETag"].removeprefix("W/").strip('"')
    version, seal = etag.split(".")  # the version, sealed for the session (haven/web/board_polls.py)
    assert (len(version), len(seal)) == (40, 32)
    assert all(c in "0123456789abcdef" for c in version + seal)
    assert s.operation.code not in etag
    assert str(s.operation.pk.hex) not in etag
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        same = poll(client_for("investigator"), rows_url(s))["ETag"]
        with mock.patch.object(settings, "SECRET_KEY", "another-installation-" + "x" * 40):
            other_key = poll(client_for("investigator"), rows_url(s))["ETag"]
    assert same != other_key


@pytest.mark.parametrize("url", [rows_url, api_url], ids=["page", "api"])
def test_a_poll_of_a_hidden_operation_answers_as_a_missing_one_whatever_it_names(s, client_for, url):
    valid = poll(client_for("investigator"), url(s))["ETag"]
    outsider = client_for("outsider")
    before = events()
    hidden = poll(outsider, url(s), valid)
    missing_url = url(s).replace(s.operation.code, "NO-SUCH-OP")
    missing = poll(outsider, missing_url, valid)
    assert hidden.status_code == missing.status_code == 404
    assert unsalted(hidden.content) == unsalted(missing.content)
    assert not hidden.has_header("ETag")
    assert not missing.has_header("ETag")
    assert events() >= before  # refusals are audited as the policy says, never answered 304


def test_an_unsigned_poll_is_sent_to_sign_in_not_answered_304(s, client_for):
    valid = poll(client_for("investigator"), rows_url(s))["ETag"]
    assert poll(Client(), rows_url(s), valid).status_code == 302
    assert poll(Client(), api_url(s), valid).status_code == 401


def test_an_explicit_read_always_renders_and_is_audited(s, client_for):
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        etag = poll(client, rows_url(s))["ETag"]
        before = events()
        opened = client.get(rows_url(s), HTTP_IF_NONE_MATCH=etag)  # no auto-refresh header
    assert opened.status_code == 200
    assert events() == before + 1


def test_the_page_carries_the_version_its_first_poll_names(s, client_for):
    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        page = client.get(f"/operations/{s.operation.code}/board/", {"q": "P-00"}).content.decode()
        etag = poll(client, rows_url(s), q="P-00")["ETag"].removeprefix("W/").strip('"')
    assert f'data-board-version="{etag}"' in page


def test_every_table_the_board_reads_is_in_its_version():
    """`board_for` reads these records (roster_facts, persons_visible_to, alerts): each is counted."""
    from haven.encounters.models import (
        AttorneyNote,
        ChildWelfareNotice,
        Consent,
        DangerFlag,
        Designation,
        InformationGiven,
        Interview,
        NeedsAssessment,
        PersonLanguage,
        PersonTag,
        ReliefStep,
        SeparationAlert,
        VictimServiceRecord,
    )
    from haven.encounters.selectors import _BOARD_SOURCES
    from haven.operations.models import Area

    read = {Person, PersonTag, PersonLanguage, Designation, NeedsAssessment, InformationGiven}
    read |= {VictimServiceRecord, AttorneyNote, Consent, Interview, ReliefStep, DangerFlag}
    read |= {ChildWelfareNotice, SeparationAlert, Area}
    assert {model for model, _ in _BOARD_SOURCES} == read


def _installed_board_triggers() -> set[tuple[str, str]]:
    """(table, operation) of every board-change trigger the database holds."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'haven_board_changed'"
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                "AND sql LIKE '%INSERT INTO encounters_boardchange%'"
            )
        return {(table, name.rsplit("_", 1)[1]) for table, name in cursor.fetchall()}


def test_every_table_the_board_reads_logs_its_changes_on_this_database():
    """Each table of `_BOARD_SOURCES`, the operation's own row, the agencies' and users' names, and what a
    reader's access rests on (second-factor devices, the plan's listing, record holders: the sealed poll,
    haven/web/board_polls.py) have their insert, update and delete triggers after every migration (Django
    rebuilds an SQLite table to alter it, dropping its triggers: a later migration must create them
    again)."""
    from haven.accounts.models import Agency, Authenticator, User
    from haven.encounters.selectors import _BOARD_SOURCES
    from haven.operations.models import Operation, OperationAgency, RecordHolder

    models = [model for model, _ in _BOARD_SOURCES]
    models += [Operation, Agency, User, Authenticator, OperationAgency, RecordHolder]
    expected = {(m._meta.db_table, op) for m in models for op in ("insert", "update", "delete")}
    assert expected <= _installed_board_triggers()


@pytest.mark.parametrize(
    "write", ["update", "delete", "user name", "agency type", "tag moved away", "person moved away"]
)
def test_a_write_that_bypasses_the_services_changes_the_version(s, client_for, write):
    """The log is kept by the database: a bulk update (no `updated_at`), a delete, a rename of a user the
    board names, an agency's type (a provider's contact is told by it), a record or a person moved to
    another operation (the operation it left is logged too) — each changes the version, so the next poll
    renders."""
    from haven.accounts.models import Agency, User
    from haven.encounters.models import DangerFlag, PersonTag
    from tests.operations.fixtures import make_operation

    client = client_for("investigator")
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        etag = poll(client, rows_url(s))["ETag"]
        assert poll(client, rows_url(s), etag).status_code == 304
        if write == "update":
            changed = DangerFlag.objects.filter(person__operation=s.operation).update(
                response="Moved to safety"
            )
        elif write == "delete":
            changed, _ = (
                PersonTag.objects.filter(person__operation=s.operation, tag="adult")[:1].get().delete()
            )
        elif write == "user name":
            changed = User.objects.filter(pk=make_user("advocate").pk).update(name="Rowan Testperson")
        elif write == "agency type":
            changed = Agency.objects.filter(slug="harbor-vs").update(type="interpreter_service")
        else:
            other = make_operation(starts_in=-timedelta(hours=2), changes={"operation.code": "OTHER-1"})
            if write == "tag moved away":
                stranger = Person.objects.create(
                    operation=other,
                    code="P-100",
                    encountered_at=s.operation.starts_at,
                    registered_by=make_user("investigator"),
                )
                changed = PersonTag.objects.filter(person__operation=s.operation)[:1].get().pk
                changed = PersonTag.objects.filter(pk=changed).update(person=stranger)
            else:
                changed = Person.objects.filter(operation=s.operation, code="P-003").update(operation=other)
        assert changed >= 1
        assert poll(client, rows_url(s), etag).status_code == 200


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_after_a_later_one_still_changes_the_version():
    """Concurrent writers take their log rows' ids before they commit, and may commit in the other order:
    the version counts rows, so the first writer's commit changes it even though a larger id was already
    seen (a largest id would not)."""
    import threading

    from django.db import connections, transaction

    from haven.encounters.models import BoardChange
    from haven.encounters.selectors import board_changes

    sc = scenario()
    first_wrote, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def first_writer() -> None:
        try:
            with transaction.atomic():
                Person.objects.filter(operation=sc.operation, code="P-001").update(code="P-901")
                first_wrote.set()
                release.wait(10)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert first_wrote.wait(10)
    from haven.operations.models import Area

    Area.objects.filter(operation=sc.operation).update(name="Room renamed")  # a larger id, committed first
    seen = board_changes(sc.operation)
    largest = BoardChange.objects.filter(operation_id=sc.operation.pk).order_by("-id").values_list("id")[0]
    release.set()
    thread.join()
    assert failures == []
    assert (
        BoardChange.objects.filter(operation_id=sc.operation.pk).order_by("-id").values_list("id")[0]
        == largest
    )
    assert board_changes(sc.operation) != seen


def test_the_refreshed_part_does_not_count_notifications_the_page_does(s, client_for):
    """The header's unread count is counted where a header is drawn: the board's page, not its refreshed
    part (a query saved on every render of the rows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("investigator")

    def counted(url: str) -> bool:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return any("notifications_notification" in q["sql"] for q in queries.captured_queries)

    assert counted(f"/operations/{s.operation.code}/board/")
    assert not counted(rows_url(s))
