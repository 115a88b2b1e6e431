"""Python's cyclic garbage collector, held back while the board renders.

A render of the board at 500 persons builds tens of thousands of short-lived containers (rows, tuples,
dicts). With the collector running, each young collection finds most of them still in use and moves them
to an older generation, and every tenth render or so paid for a full collection of the whole process
(~115 ms on the 2-core machine of `make bench`): the p95 of a render was 154 ms where its p50 was 36 ms.
Held back until the render is over, nearly all of them have already been freed by reference counting, and
one young collection at the end finds little left (measured, 200 renders each, alternated: p95 43 against
154 ms, mean 35.5 against 51.8 ms).

The collector is process-wide: with threads, it runs again when the last render that held it back is over,
and it is left as it was found where something else had turned it off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_resume = False


@contextmanager
def collection_deferred() -> Iterator[None]:
    """No automatic cyclic collection inside the block (a decorator too); one young collection after it."""
    global _holders, _resume  # noqa: PLW0603 - one process-wide switch, as the collector itself is
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            last = _holders == 0
            if last and _resume:
                gc.enable()
        if last and _resume:
            gc.collect(0)
