"""`haven demo --host --port`: serving a tabletop exercise to the phones in the room — on the address and
port asked for, reachable under this machine's own addresses (and no other name), with a plain warning that
the demo is for fictional data only; and saying when the operation it serves started."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from haven.exercises.management.commands import demo as demo_command

pytestmark = pytest.mark.django_db


class FakeWorker:
    """`haven worker` as the demo starts it, without starting a process."""

    started: list[list[str]] = []

    def __init__(self, args: list[str]) -> None:
        self.args, self.stopped = args, False
        FakeWorker.started.append(args)
        FakeWorker.last = self

    def terminate(self) -> None:
        self.stopped = True

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.fixture
def served(monkeypatch) -> list[tuple[Any, ...]]:
    """The runserver calls the command makes (every other command runs as it is); the background worker
    it starts is a stand-in (`FakeWorker`)."""
    calls: list[tuple[Any, ...]] = []
    FakeWorker.started = []
    monkeypatch.setattr(demo_command.subprocess, "Popen", FakeWorker)

    def call(name: str, *args: Any, **options: Any) -> None:
        if name == "runserver":
            calls.append((*args, options))
            return
        call_command(name, *args, **options)

    monkeypatch.setattr(demo_command, "call_command", call)
    return calls


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_by_default_the_demo_serves_this_machine_only(served, settings):
    before = list(settings.ALLOWED_HOSTS)
    out = run_demo()
    [(bind, options)] = served
    assert bind == "127.0.0.1:8000"
    assert options["use_reloader"] is False
    assert "Open http://127.0.0.1:8000/ and sign in" in out
    assert "room's network" not in out
    assert before == settings.ALLOWED_HOSTS


def test_host_and_port_serve_the_rooms_network_under_this_machines_addresses_with_a_warning(served, settings):
    out = run_demo("--host", "0.0.0.0", "--port", "8080")
    [(bind, _)] = served
    assert bind == "0.0.0.0:8080"
    assert "Fictional data only — never enter a real person, place or case into the demo." in out
    urls = re.findall(r"http://([^/\s]+):8080/", out.split("Open ", 1)[1].split(" and sign in", 1)[0])
    assert urls
    assert "127.0.0.1" not in urls
    # a phone asking for this machine by one of the printed addresses reaches the sign-in page …
    page = Client(HTTP_HOST=f"{urls[0]}:8080").get("/sign-in/")
    assert page.status_code == 200
    # … and a page elsewhere that rebinds its own name to this machine does not
    assert Client(HTTP_HOST="rebound.example:8080").get("/sign-in/").status_code == 400


def test_a_host_that_is_not_an_address_is_refused_by_name(served):
    with pytest.raises(CommandError, match=r"--host: 'the-room' is not an IP address"):
        run_demo("--host", "the-room", "--no-serve")
    assert served == []


def test_the_demo_says_when_the_operation_it_serves_started(served):
    out = run_demo("--no-serve")
    assert served == []
    assert re.search(
        r"Operation Northern Light is under way: it started at \d\d:\d\d UTC−05:00 and ends at "
        r"\d\d:\d\d UTC−05:00",
        out,
    )


def test_the_demo_serves_with_the_background_worker_and_stops_it_with_the_server(served):
    out = run_demo()
    [args] = FakeWorker.started
    assert args[1:] == ["-m", "haven.cli", "worker", "--verbosity", "0"]
    assert FakeWorker.last.stopped  # the server returned: the worker is stopped with it
    assert "with the background worker" in out


def test_the_demo_without_serving_starts_no_worker(served):
    run_demo("--no-serve")
    assert FakeWorker.started == []
