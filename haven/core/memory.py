"""Python's cyclic garbage collector, held back while the board renders.

A render of the board at 500 persons builds tens of thousands of short-lived containers (rows, tuples,
dicts). With the collector running, each young collection finds most of them still in use and moves them
to an older generation, and every tenth render or so paid for a full collection of the whole process
(~115 ms on the 2-core machine of `make bench`): the p95 of a render was 154 ms where its p50 was 36 ms.
Held back until the render is over, nearly all of them have already been freed by reference counting, and
one young collection at the end finds little left (measured, 200 renders each, alternated: p95 43 against
154 ms, mean 35.5 against 51.8 ms).

The collector is process-wide, so it is held back by one render at a time: a render that starts while another
holds it runs as any request does, and the collector runs again when the holder's render is over — never
off for longer than one render, however many threads render at once. Where something else had turned it off,
it is left off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_held = False


@contextmanager
def collection_deferred() -> Iterator[None]:
    """No automatic cyclic collection inside the block (a decorator too), unless another render holds it
    back already; one young collection after it."""
    global _held  # noqa: PLW0603 - one process-wide switch, as the collector itself is
    with _lock:
        holder = not _held and gc.isenabled()
        if holder:
            _held = True
            gc.disable()
    try:
        yield
    finally:
        if holder:
            with _lock:
                _held = False
                gc.enable()
            gc.collect(0)
