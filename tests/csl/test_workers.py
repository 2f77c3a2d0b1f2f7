"""Entries rendered in several processes are the entries rendered in one.

:func:`difbib.csl.render.render_entries` cuts a bibliography into runs and renders
them in forked processes (:mod:`difbib.csl.workers`); what it prints must not depend
on how many processes there were or where the runs were cut, even in styles where
an entry depends on the one before it (MLA's "———" for the same authors again).
"""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from difbib.csl import render, workers
from difbib.errors import DifbibError

forking = pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")

PEOPLE = [
    ("Liu", "Jie"),
    ("Liu", "Jiaheng"),
    ("Liang", "Jie"),
    ("Dao", "Tri"),
    ("van den Oord", "Aaron"),
]


@st.composite
def libraries(draw):
    """Libraries where runs of entries share their authors and some have none."""
    n = draw(st.integers(2, 12))
    items = []
    for k in range(n):
        item = {
            "id": f"item{k}",
            "type": draw(st.sampled_from(["article-journal", "article", "book"])),
            "title": draw(st.sampled_from(["Alpha", "Beta", "Gamma rays", "Delta"])),
            "container-title": "Journal",
            "issued": {"date-parts": [[draw(st.sampled_from([2023, 2024]))]]},
        }
        people = draw(st.lists(st.sampled_from(PEOPLE), max_size=3))
        if people:
            item["author"] = [{"family": f, "given": g} for f, g in people]
        elif draw(st.booleans()):
            item["editor"] = [{"family": "Dao", "given": "Tri"}]
        items.append(item)
    return items


def entries(items, style_name, jobs, sort=True):
    """Disambiguation's cites and ``render_entries`` on ``items`` in ``jobs``
    processes, with runs as short as one item: the cites, decisions and entries."""
    from difbib.csl.styles import resolve

    style = render.load_style(resolve(style_name).path)
    bib = render.engine(style, items, "text")
    if sort:
        bib.sort()
    bib.difbib_jobs = jobs
    decided = bib.disambiguate()
    texts, register = render.render_entries(style, bib.items, "text", jobs)
    return getattr(bib, "difbib_new_cites", None), decided, texts, register


@pytest.fixture(autouse=True)
def short_runs(monkeypatch):
    """Runs of one item or more (not 100), so that small libraries are split."""
    monkeypatch.setattr(workers, "MIN_RUN", 1)


@pytest.fixture
def forks(monkeypatch):
    """The number of children :func:`workers.fork_map` made."""
    made = []
    real = os.fork

    def counted():
        made.append(1)
        return real()

    monkeypatch.setattr(workers.os, "fork", counted)
    return made


@forking
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=libraries(), jobs=st.integers(2, 5), sort=st.booleans())
@pytest.mark.parametrize(
    "style_name",
    # "———" for repeated names (two styles), APA 6 (its entries read the name
    # register), a numbered style, and one with neither
    ["modern-language-association", "chicago-author-date-17th-edition", "apa-6th-edition", "ieee"],
)
def test_entries_in_several_processes_are_the_entries_in_one(style_name, items, jobs, sort):
    assert workers.can_fork()  # or this test proves nothing
    assert entries(items, style_name, jobs, sort) == entries(items, style_name, 1, sort)


@forking
def test_a_run_after_an_entry_without_names_gets_the_names_before_it(forks):
    """MLA prints "———" for the authors of the entry before, and an entry without
    names in between does not count: the process rendering the third entry cannot
    know the first one's names, so that run is rendered again with them."""
    same = [{"family": "Liu", "given": "Jie"}]
    items = [
        {"id": "a", "type": "book", "title": "Alpha", "author": same},
        {"id": "b", "type": "book", "title": "Beta"},
        {"id": "c", "type": "book", "title": "Gamma", "author": same},
    ]
    one = entries(items, "modern-language-association", 1, sort=False)
    assert one[2][2].startswith("———")  # (what one process prints)
    three = entries(items, "modern-language-association", 3, sort=False)
    assert three == one
    assert len(forks) == 2 + 2  # cites, then entries


@forking
def test_workers_learn_the_names_before_their_run(monkeypatch):
    """When the entry before a run has names, its worker knows them and this
    process renders nothing again: the runs really are rendered apart."""
    from difbib.csl import compat

    here = os.getpid()
    rendered_here = []
    real = compat.render_entries

    def counted(style, items, previous=None):
        if os.getpid() == here:
            rendered_here.extend(items)
        return real(style, items, previous)

    monkeypatch.setattr(compat, "render_entries", counted)
    same = [{"family": "Liu", "given": "Jie"}]
    items = [{"id": k, "type": "book", "title": k.upper(), "author": same} for k in ("a", "b", "c")]
    three = entries(items, "modern-language-association", 3, sort=False)[2]
    assert [e[:3] for e in three] == ["Liu", "———", "———"]
    assert len(rendered_here) == 1  # the first run's entry only


@forking
def test_bibliography_splits_only_long_lists(forks, monkeypatch):
    monkeypatch.setattr(workers, "MIN_RUN", 100)
    items = [
        {"id": f"i{k}", "type": "book", "title": f"Title {k}", "author": [{"family": f"F{k}"}]}
        for k in range(2 * workers.MIN_RUN - 1)
    ]
    from difbib.csl.styles import resolve

    style = resolve("apa").path
    one = render.bibliography(items, style, jobs=1)
    assert render.bibliography(items, style, jobs=2) == one
    assert forks == []  # too few entries for two processes
    items.append({"id": "last", "type": "book", "title": "Last", "author": [{"family": "Z"}]})
    assert render.bibliography(items, style, jobs=2).entries[:-1] == one.entries
    assert len(forks) == 2  # the cites disambiguation compares, and the entries


# -- fork_map: a child that fails costs time, never output ----------------------------


def square_in_parent_only(parent):
    def work(n):
        if os.getpid() != parent:
            raise RuntimeError("a child failing")
        return n * n

    return work


@forking
def test_a_failing_child_is_redone_here(forks):
    work = square_in_parent_only(os.getpid())
    assert workers.fork_map(work, [1, 2, 3]) == [1, 4, 9]
    assert len(forks) == 2


@forking
def test_a_child_that_dies_or_sends_garbage_is_redone_here(monkeypatch):
    parent = os.getpid()

    def work(n):
        if os.getpid() != parent:
            if n == 2:
                os._exit(0)  # exits "fine" having sent nothing
            os.kill(os.getpid(), 9)
        return [n]

    assert workers.fork_map(work, [1, 2, 3]) == [[1], [2], [3]]


@forking
def test_a_child_that_hangs_is_stopped_and_redone_here(monkeypatch):
    """A child stuck (say, on a lock another thread held when it was forked) gets
    PATIENCE, then is killed, and its chunk is done here."""
    import time

    monkeypatch.setattr(workers, "PATIENCE", (0.5, 1.0))
    parent = os.getpid()

    def work(n):
        if os.getpid() != parent:
            time.sleep(60)
        return n * 10

    start = time.monotonic()
    assert workers.fork_map(work, [1, 2]) == [10, 20]
    assert time.monotonic() - start < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # the child was killed and waited for


@forking
def test_a_large_result_comes_back_whole():
    """A result far larger than a pipe holds (64 KiB) is read while it arrives."""
    assert workers.fork_map(lambda n: "x" * n, [1, 5_000_000]) == ["x", "x" * 5_000_000]


@forking
def test_a_failure_here_leaves_no_child_behind():
    def work(n):
        if n == 1:
            raise ValueError("the parent's own chunk fails")
        return n

    with pytest.raises(ValueError, match="own chunk"):
        workers.fork_map(work, [1, 2, 3])
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child was waited for


def test_threads_or_other_systems_render_in_one_process(monkeypatch, forks):
    monkeypatch.setattr(workers.threading, "active_count", lambda: 2)
    assert workers.fork_map(lambda n: n + 1, [1, 2]) == [2, 3]
    monkeypatch.undo()
    monkeypatch.setattr(workers.sys, "platform", "darwin")
    assert workers.fork_map(lambda n: n + 1, [1, 2]) == [2, 3]
    assert forks == []


@pytest.mark.parametrize(
    ("count", "parts", "lengths"),
    [(10, 3, [4, 3, 3]), (2, 4, [1, 1]), (0, 2, []), (7, 1, [7])],
)
def test_split_covers_every_index_once_in_order(count, parts, lengths):
    runs = workers.split(count, parts)
    assert [len(r) for r in runs] == lengths
    assert [i for r in runs for i in r] == list(range(count))


def test_jobs_come_from_the_argument_the_environment_or_the_cores(monkeypatch):
    monkeypatch.setenv("DIFBIB_JOBS", "3")
    assert workers.jobs() == 3
    assert workers.jobs(1) == 1
    monkeypatch.delenv("DIFBIB_JOBS")
    assert 1 <= workers.jobs() <= workers.MAX_JOBS
    monkeypatch.setenv("DIFBIB_JOBS", "many")
    with pytest.raises(DifbibError, match="DIFBIB_JOBS"):
        workers.jobs()
    with pytest.raises(DifbibError, match="at least 1"):
        workers.jobs(0)


@forking
def test_format_renders_a_long_library_in_two_processes(run, shipped, forks, monkeypatch):
    monkeypatch.setattr(workers, "MIN_RUN", 100)
    bib = "".join(
        f"@misc{{key{k},\n  author = {{Liu, Jie and Dao, Tri}},\n"
        f"  title = {{Flow Matching, Part {k}}},\n  year = {{{2020 + k % 5}}},\n}}\n\n"
        for k in range(2 * workers.MIN_RUN)
    )
    (shipped / "long.bib").write_text(bib, encoding="utf-8")
    args = ["format", "--style", "apa", "--no-cache", "--library", "long.bib"]
    one = run(*args, "--jobs", "1")
    assert one.exit_code == 0, one.stderr
    assert forks == []
    two = run(*args, env={"DIFBIB_JOBS": "2"})
    assert len(forks) == 2
    assert two.stdout == one.stdout
    assert two.stdout.count("Liu, J., & Dao, T.") == 2 * workers.MIN_RUN


@pytest.mark.parametrize("value", ["0", "two"])
def test_format_refuses_a_bad_number_of_processes(run, shipped, value):
    bad = run("format", "--style", "apa", "--jobs", value)
    assert bad.exit_code != 0
    assert "--jobs" in bad.stderr and "Traceback" not in bad.stderr
