"""The cyclic garbage collector held back while the board renders (haven.core.memory)."""

from __future__ import annotations

import gc
import threading

import pytest

from haven.core.memory import collection_deferred
from tests.access.matrix_encounters import scenario


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_no_automatic_collection_inside_and_one_young_collection_after(collector_on, monkeypatch):
    collections: list[int] = []
    asked: list[tuple[object, ...]] = []
    collect = gc.collect

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    def counted(*args: object) -> int:
        asked.append(args)
        return collect(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(gc, "collect", counted)
    gc.callbacks.append(seen)
    try:
        with collection_deferred():
            assert not gc.isenabled()
            # far more new containers than the young generation's threshold: none collected here
            kept = [[n] for n in range(gc.get_threshold()[0] * 20)]
            assert collections == []
            assert asked == []
        assert gc.isenabled()
        assert asked == [(0,)]
    finally:
        gc.callbacks.remove(seen)
    assert len(kept) > 0


def _in_thread(inside: threading.Event, leave: threading.Event, left: threading.Event) -> threading.Thread:
    def render() -> None:
        with collection_deferred():
            inside.set()
            leave.wait(timeout=10)
        left.set()

    thread = threading.Thread(target=render)
    thread.start()
    return thread


def test_a_render_that_starts_while_another_holds_the_collector_leaves_it_to_the_holder(collector_on):
    inside, leave, left = threading.Event(), threading.Event(), threading.Event()
    with collection_deferred():  # the holder
        other = _in_thread(inside, leave, left)
        assert inside.wait(timeout=10)
        leave.set()
        assert left.wait(timeout=10)
        assert not gc.isenabled()  # the other render is over: the holder's still runs
    other.join()
    assert gc.isenabled()


def test_the_collector_is_never_off_for_longer_than_the_holders_render(collector_on):
    inside, leave, left = threading.Event(), threading.Event(), threading.Event()
    holder = _in_thread(inside, leave, left)
    assert inside.wait(timeout=10)
    with collection_deferred():  # starts while the other holds it
        assert not gc.isenabled()
        leave.set()
        assert left.wait(timeout=10)
        assert gc.isenabled()  # the holder's render is over: on again, though this one runs on
    holder.join()
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off(collector_on):
    gc.disable()
    with collection_deferred():
        assert not gc.isenabled()
    assert not gc.isenabled()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/operations/{code}/board/", "/operations/{code}/board/rows/"])
def test_the_board_renders_with_the_collector_held_back(client_for, path, monkeypatch, collector_on):
    from haven.web import views_encounters

    s = scenario()
    during: list[bool] = []
    board_for = views_encounters.board_for

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        during.append(gc.isenabled())
        return board_for(*args, **kwargs)

    monkeypatch.setattr(views_encounters, "board_for", watched)
    response = client_for("investigator").get(path.format(code=s.operation.code))
    assert response.status_code == 200
    assert during == [False]
    assert gc.isenabled()
