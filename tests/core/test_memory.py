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


def test_no_automatic_collection_inside_and_one_young_collection_after(collector_on):
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        with collection_deferred():
            assert not gc.isenabled()
            # far more new containers than the young generation's threshold: none collected here
            kept = [[n] for n in range(gc.get_threshold()[0] * 20)]
            assert collections == []
        assert gc.isenabled()
        assert collections[:1] == [0]
    finally:
        gc.callbacks.remove(seen)
    assert len(kept) > 0


def test_overlapping_renders_resume_the_collector_when_the_last_is_over(collector_on):
    first_in, second_out = threading.Event(), threading.Event()

    def second() -> None:
        first_in.wait()
        with collection_deferred():
            pass
        second_out.set()

    other = threading.Thread(target=second)
    other.start()
    with collection_deferred():
        first_in.set()
        second_out.wait(timeout=10)
        assert second_out.is_set()
        assert not gc.isenabled()  # the other render ended first: this one still holds it back
    other.join()
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
