"""arxiv-cache.json: checked when read, merged when saved."""

from __future__ import annotations

import json
import multiprocessing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from difbib.errors import DifbibError
from difbib.sources.cache import MetadataCache
from difbib.sources.record import ArxivRecord
from tests.helpers import SHIPPED_CACHE


def shipped_data() -> dict:
    return json.loads(SHIPPED_CACHE.read_text(encoding="utf-8"))


def a_record(data: dict) -> dict:
    return data["papers"]["2405.14867"]


def corrupt(kind: str) -> str:
    data = shipped_data()
    if kind == "list":
        return "[1, 2, 3]"
    if kind == "record-string":
        data["papers"]["2405.14867"] = "a string"
    elif kind == "published-number":
        a_record(data)["published"] = 20240523
    elif kind == "authors-string":
        a_record(data)["authors"] = "Tianwei Yin"
    elif kind == "papers-list":
        data["papers"] = [1, 2]
    elif kind == "title-answer-number":
        data["titles"]["some title"] = 7
    elif kind == "missing-title":
        del a_record(data)["title"]
    elif kind == "bad-date":
        a_record(data)["published"] = "yesterday"
    elif kind == "truncated":
        return SHIPPED_CACHE.read_text(encoding="utf-8")[:5000]
    return json.dumps(data)


KINDS = [
    "list",
    "record-string",
    "published-number",
    "authors-string",
    "papers-list",
    "title-answer-number",
    "missing-title",
    "bad-date",
    "truncated",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", [["sync", "--offline"], ["check"], ["add", "2210.02747",
                                     "-c", "rl", "--offline", "--no-sync"]])  # fmt: skip
def test_a_cache_of_the_wrong_shape_is_one_line_naming_file_and_fix(shipped, run, kind, command):
    """Issue 15.2: never a traceback; the file and the fix are named; nothing written."""
    (shipped / "arxiv-cache.json").write_text(corrupt(kind), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in shipped.iterdir() if p.is_file()}
    res = run(*command)
    assert res.exit_code == 1, res.stderr
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith("error: the arXiv cache 'arxiv-cache.json' is invalid")
    assert "--refresh" in lines[-1]
    assert {p.name: p.read_bytes() for p in shipped.iterdir() if p.is_file()} == before


def test_refresh_replaces_a_corrupt_cache(shipped, run_online):
    (shipped / "arxiv-cache.json").write_text("[1, 2, 3]", encoding="utf-8")
    res = run_online("sync", "--refresh")
    assert res.exit_code == 0, res.stderr
    assert len(json.loads((shipped / "arxiv-cache.json").read_text())["papers"]) == 33


# -- property: whatever the file holds, a DifbibError or a cache, never a traceback -----

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),  # fmt: skip
    max_leaves=12,
)
field_names = st.sampled_from(list(a_record(shipped_data())))


@st.composite
def damaged_caches(draw) -> str:
    """The shipped cache with one thing changed: a record, a field, or the whole file."""
    data = shipped_data()
    where = draw(st.sampled_from(["file", "papers", "record", "field", "titles"]))
    value = draw(json_values)
    if where == "file":
        data = value
    elif where == "papers":
        data["papers"] = value
    elif where == "record":
        data["papers"]["2405.14867"] = value
    elif where == "field":
        a_record(data)[draw(field_names)] = value
    else:
        data["titles"] = value
    return json.dumps(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=damaged_caches())
def test_any_damaged_cache_reads_or_fails_with_one_line(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cache") / "arxiv-cache.json"
    path.write_text(text, encoding="utf-8")
    try:
        cache = MetadataCache(path)
    except DifbibError as err:
        assert "\n" not in str(err) and "arxiv-cache.json" in str(err)
        return
    for record in cache.papers.values():  # what loads is usable
        assert isinstance(record, ArxivRecord)
        assert record.year > 0 and isinstance(record.title, str)
        assert all(isinstance(a, str) for a in record.authors)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200))
def test_any_bytes_read_or_fail_with_one_line(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("cache") / "arxiv-cache.json"
    path.write_bytes(data)
    try:
        MetadataCache(path)
    except DifbibError as err:
        assert "\n" not in str(err)


# -- saving merges --------------------------------------------------------------------


def _save_one(path: str, aid: str) -> None:
    cache = MetadataCache(path)
    record = ArxivRecord.from_json({**a_record(shipped_data()), "id": aid})
    cache.put(record)
    cache.save()


def test_two_processes_saving_keep_both_answers(tmp_path):
    """Both processes loaded the same (empty) cache; each saves its own paper."""
    path = tmp_path / "arxiv-cache.json"
    ids = [f"2401.{n:05d}" for n in range(6)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_save_one, args=(str(path), aid)) for aid in ids]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert sorted(json.loads(path.read_text())["papers"]) == ids


def test_a_save_keeps_what_another_cache_object_saved_meanwhile(tmp_path):
    path = tmp_path / "arxiv-cache.json"
    first, second = MetadataCache(path), MetadataCache(path)
    base = a_record(shipped_data())
    first.put(ArxivRecord.from_json({**base, "id": "2401.00001"}))
    second.put(ArxivRecord.from_json({**base, "id": "2401.00002"}))
    second.put_title("some title", None)
    first.save()
    second.save()
    data = json.loads(path.read_text())
    assert sorted(data["papers"]) == ["2401.00001", "2401.00002"]
    assert data["titles"] == {"some title": None}
