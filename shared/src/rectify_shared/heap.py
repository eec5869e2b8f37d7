"""The garbage collector of a long-running service process, tuned for latency.

CPython's full (oldest-generation) collection walks every container object the process holds.
An API process holds about 216,000 of them once it has started (modules, the ORM's mappers,
pydantic's schemas, the routes), and a full collection of those took 100–150 ms, every few
thousand requests under load: a pause of the whole event loop, every request in flight waiting
on it. Measured in-process (12,800 list and detail requests, 16 at a time): 8 full collections,
973 ms in all, the longest 153 ms; with the startup heap frozen, 16 of them, 69 ms in all, the
longest 9 ms. Those pauses were the unexplained 100–350 ms stalls of the paced p99 benchmark.

`steady_heap()` moves everything alive at startup out of the collector's reach (`gc.freeze`: it
is never garbage while the service runs) and raises the youngest generation's threshold from
700 to 10,000 container allocations: a list request allocates more than 700 objects it frees
itself a moment later, so at 700 the collector ran twice a request for nothing (2,071 young
collections in the run above, 0.04 ms of CPU a request; at 10,000, two). Reference counting
still frees everything that is not in a cycle at once; cycles are found as before, a little later.
On exit the heap is unfrozen and the threshold put back, so a process that starts and stops many
apps (the tests) keeps nothing frozen.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000


@contextmanager
def steady_heap(young_threshold: int = YOUNG_THRESHOLD) -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(young_threshold, *before[1:])
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
