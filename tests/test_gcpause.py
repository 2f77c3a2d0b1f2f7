"""Pausing the cycle collector while a library is built (:mod:`difbib.gcpause`)."""

from __future__ import annotations

import gc

from difbib.gcpause import paused_gc


def young() -> set[int]:
    """The ids of the objects in the collector's two young generations."""
    return {id(o) for generation in (0, 1) for o in gc.get_objects(generation)}


def test_the_collector_is_paused_and_restored():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nests
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # as it was
    finally:
        gc.enable()


def test_what_is_built_while_paused_is_not_walked_as_young_objects_again():
    """The first collections after a pause would otherwise walk every object built
    during it (for a 10,000-entry library, a fifth of a second)."""
    with paused_gc():
        built = [[i] for i in range(2000)]
    assert not {id(x) for x in built} & young()
    assert gc.get_freeze_count() == 0  # nothing is left frozen


def test_objects_someone_froze_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            built = [[i] for i in range(100)]
        assert gc.get_freeze_count() == frozen
        assert {id(x) for x in built} <= young()  # left where they were
    finally:
        gc.unfreeze()
