"""Pausing Python's cycle collector while many acyclic objects are built.

Reading a large reading list or library makes hundreds of thousands of small
objects (lines, entries, fields, strings) and none of them is part of a reference
cycle. The cycle collector, triggered every 700 allocations, would walk them all
again and again; pausing it around the reading saves a quarter to a third of the
time. Reference counting still frees everything as usual.

Pausing alone only postpones the walk: the objects built meanwhile are still the
collector's *young* generation, so the first collections after the pause walk them
all (a fifth of a second for a 10,000-entry library), and again when they are
promoted. So the objects built while paused are moved to the *oldest* generation
at once (``gc.freeze()`` then ``gc.unfreeze()``: two list moves, no walk), which
only a full collection looks at, as it would after they had survived two.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector paused while a library's objects are built.

    Reading 10,000 entries makes about half a million objects (entries, fields,
    strings), none in a reference cycle; the collector, triggered every 700
    allocations, would walk them all again and again (a third of the reading time).
    Reference counting still frees everything as usual. Nests; the collector's
    state before is restored. The objects built are moved to the oldest generation
    (see the module's docstring), unless some were frozen (``gc.freeze()``) by
    someone else, who would not want them unfrozen.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()  # every tracked object, young or old, to the permanent list
                gc.unfreeze()  # ... and from there to the oldest generation
            gc.enable()
