"""Values and files no TeX tool would write: deep braces, control characters, huge .aux."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from difbib.errors import DifbibError, ExitCode
from difbib.library import aux
from difbib.library.aux import cited_keys
from difbib.library.latex import make_safe
from difbib.library.queries import Library

TITLE = "title         = {Improved Distribution Matching Distillation for Fast Image Synthesis}"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def edit_title(folder: Path, title: str) -> None:
    path = folder / "library.bib"
    text = path.read_text(encoding="utf-8")
    assert TITLE in text
    path.write_text(text.replace(TITLE, "title = {" + title + "}"), encoding="utf-8")


# -- deeply nested braces (issue 15.5) --------------------------------------------------

DEEP = "{" * 10000 + "Deep" + "}" * 10000


@pytest.mark.parametrize(
    "command",
    [
        ["format", "--style", "apa", "--no-cache"],
        ["cite", "yin2024improved"],
        ["export", "--format", "csl-json"],
        ["list", "--search", "deep"],
    ],
)
def test_deeply_nested_braces_are_one_line_naming_the_entry(shipped, run, command):
    edit_title(shipped, DEEP)
    res = run(*command)
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: library.bib line ")
    assert "'yin2024improved': title nests braces 10000 deep" in lines[0]


def test_check_reports_deeply_nested_braces(shipped, run):
    edit_title(shipped, DEEP)
    res = run("check")
    assert res.exit_code == ExitCode.PROBLEMS
    assert re.search(r"yin2024improved: title nests braces 10000 deep", res.stdout)


def test_moderate_nesting_still_reads(shipped, run):
    edit_title(shipped, "{" * 60 + "Nested" + "}" * 60)
    res = run("export", "--format", "csl-json", "--key", "yin2024improved")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)[0]["title"] == "Nested"


# -- control characters (issue 15.6) -----------------------------------------------------


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_control_characters_never_reach_a_tex_output(shipped, run, fmt):
    edit_title(shipped, "Null\x00 and escape\x1b and del\x7f and C1\x85 stay out")
    res = run("export", "--format", fmt, "--key", "yin2024improved")
    assert res.exit_code == 0, res.stderr
    assert not CONTROL.search(res.stdout)
    assert "Null and escape and del and C1 stay out" in res.stdout


def test_check_reports_control_characters(shipped, run):
    edit_title(shipped, "Null\x00 byte\x1b")
    res = run("check")
    assert res.exit_code == ExitCode.PROBLEMS
    assert "yin2024improved: title holds control characters (U+0000, U+001B)" in res.stdout


def test_sync_keeps_control_characters_out_of_the_library(shipped, run):
    cache = json.loads((shipped / "arxiv-cache.json").read_text(encoding="utf-8"))
    cache["papers"]["2405.14867"]["abstract"] += " with a NUL\x00 in it"
    (shipped / "arxiv-cache.json").write_text(json.dumps(cache), encoding="utf-8")
    (shipped / "library.bib").unlink()
    res = run("sync", "--offline")
    assert res.exit_code == 0, res.stderr
    text = (shipped / "library.bib").read_text(encoding="utf-8")
    assert "with a NUL in it" in text
    assert not CONTROL.search(text)


@given(st.text(alphabet=st.characters(max_codepoint=0xA0), max_size=40))
def test_make_safe_output_holds_no_control_characters(value):
    assert not CONTROL.search(make_safe(value))


# -- .aux files (issue 15.8) ---------------------------------------------------------------


def test_aux_from_dev_zero_is_one_line(shipped, run):
    res = run("export", "--aux", "/dev/zero")
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: aux file '/dev/zero' line 1 is longer than 1 MB")


def test_aux_past_the_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(aux, "MAX_AUX_BYTES", 10_000)
    (tmp_path / "chapter.aux").write_text("\\citation{a}\n" * 1000)
    (tmp_path / "main.aux").write_text("\\citation{b}\n\\@input{chapter.aux}\n")
    with pytest.raises(DifbibError, match=r"main.aux' \(with the files it inputs\) is larger"):
        cited_keys(tmp_path / "main.aux")


def test_aux_is_read_line_by_line(tmp_path):
    """Lines of any ending; keys in cited order; a chapter pulled in by \\@input."""
    (tmp_path / "ch.aux").write_bytes(b"\\citation{c}\r\n")
    (tmp_path / "main.aux").write_bytes(
        b"\\relax\n\\citation{a,b}\r\n\\@input{ch.aux}\n\\abx@aux@cite{0}{d}"
    )
    assert cited_keys(tmp_path / "main.aux") == ["a", "b", "c", "d"]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_any_aux_bytes_give_keys_or_one_line(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("aux") / "main.aux"
    path.write_bytes(data)
    try:
        keys = cited_keys(path)
    except DifbibError as err:
        assert "\n" not in str(err)
    else:
        assert all(isinstance(k, str) and k for k in keys)


# -- any .bib text: a library, or one error line ---------------------------------------------

BIB_PIECES = st.sampled_from(
    ["@misc{", "@string{", "@comment{", "k,", "title = ", "author = {A and {B C}}", "{", "}",
     '"', "#", ",", "=", "\n", "x", "@", "\\", "\\input", "%", "$", "year = 2024", "\x00",
     "é", "{" * 150, "}" * 150]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(text=st.lists(BIB_PIECES, max_size=30).map("".join))
def test_any_bib_text_exports_or_fails_with_one_line(text):
    from difbib.library.bibtex import parse_bib
    from difbib.library.queries import _check_depth
    from difbib.outputs.export import export

    try:
        library = parse_bib(text, source="hand.bib")
        _check_depth(list(library.entries), Path("hand.bib"))
        papers = Library(list(library.entries), []).papers
        for fmt in ("bibtex", "biblatex", "ris", "csl-json"):
            out = export(papers, fmt)
            if fmt in ("bibtex", "biblatex"):
                assert not CONTROL.search(out)
    except DifbibError as err:
        assert "\n" not in str(err)


# -- .difbib-sync.json of any shape: a sync, or one error line ----------------------------------

STATE_VALUES = st.recursive(
    st.none() | st.integers() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),  # fmt: skip
    max_leaves=8,
)


@settings(max_examples=40, deadline=None)
@given(where=st.sampled_from(["file", "libraries", "library", "paper"]), value=STATE_VALUES)
def test_a_sync_record_of_any_shape_syncs_or_fails_with_one_line(tmp_path_factory, where, value):
    import shutil

    from tests.helpers import SHIPPED_CACHE, SHIPPED_LIBRARY, SHIPPED_LIST, SHIPPED_STATE, Run

    folder = tmp_path_factory.mktemp("project")
    for path in (SHIPPED_LIST, SHIPPED_LIBRARY, SHIPPED_CACHE, SHIPPED_STATE):
        shutil.copy(path, folder / path.name)
    state = json.loads(SHIPPED_STATE.read_text(encoding="utf-8"))
    if where == "file":
        state = value
    elif where == "libraries":
        state["libraries"] = value
    elif where == "library":
        state["libraries"]["library.bib"] = value
    else:
        state["libraries"]["library.bib"]["2405.14867"] = value
    (folder / SHIPPED_STATE.name).write_text(json.dumps(state), encoding="utf-8")
    res = Run()(
        "sync", "--offline", "-q",
        "--list", str(folder / "papers.md"), "--library", str(folder / "library.bib"),
        "--cache", str(folder / "arxiv-cache.json"),
    )  # fmt: skip
    assert res.exit_code in (0, 1), res.stderr  # never 70, a bug
    if res.exit_code:
        assert res.stderr.strip().count("\n") == 0 and res.stderr.startswith("error: ")
