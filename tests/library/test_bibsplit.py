"""The fast reader of .bib files gives bibtexparser's blocks, or steps aside.

:func:`difbib.library.bibsplit.split_blocks` must return exactly what bibtexparser
returns (block types, keys, values, enclosings, line numbers, raw text, metadata)
whenever it answers at all; for anything unusual it returns ``None`` and difbib
reads the file with bibtexparser. These tests generate files, from the common shape
to hostile ones, and compare the two readers block by block; and check that writing
is unchanged by the cheaper copies :func:`difbib.library.bibtex.write_bib` makes.
"""

from __future__ import annotations

import copy
from unittest import mock

import bibtexparser
from bibtexparser.middlewares import AddEnclosingMiddleware, RemoveEnclosingMiddleware
from bibtexparser.model import Entry
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from difbib.library import bibtex
from difbib.library.bibsplit import split_blocks
from difbib.library.latex import make_safe
from tests.helpers import ROOT


def slow_blocks(text: str) -> list:
    """bibtexparser's reading, as difbib did it before the fast path."""
    return bibtexparser.parse_string(text, parse_stack=[RemoveEnclosingMiddleware()]).blocks


def state(block) -> tuple:
    """Everything a block holds, fields included, in a comparable form."""
    attrs = dict(vars(block))
    fields = attrs.pop("_fields", None)
    attrs.pop("_error", None)  # an exception: compared by its text below
    error = getattr(block, "_error", None)
    return (
        type(block).__name__,
        sorted(attrs.items(), key=lambda kv: kv[0]),
        [sorted(vars(f).items()) for f in fields] if fields is not None else None,
        str(error) if error is not None else None,
    )


def assert_same_blocks(text: str) -> bool:
    """The fast reader agrees with bibtexparser on ``text``; whether it answered."""
    fast = split_blocks(text)
    if fast is None:
        return False
    assert [state(b) for b in fast] == [state(b) for b in slow_blocks(text)]
    return True


# -- generated files ------------------------------------------------------------------
# Mostly the common shape, with hostile pieces mixed in: each choice below is the
# usual thing most of the time (``mostly``) and, now and then, something unusual.


def mostly(usual, unusual, odds: int = 40):
    """``usual`` about ``odds`` times out of ``odds + 1`` (hypothesis favours the ends of
    a range, so the unusual draw is one in the middle)."""
    return st.integers(0, odds).flatmap(lambda n: unusual if n == odds // 2 else usual)


SPACE = mostly(
    st.sampled_from([" ", "\n  ", ""]), st.sampled_from(["\t", "\r\n", "\n\n  ", "\x0b"])
)
#: Text inside a value: plain, TeX (``\\}`` is a brace as text, ``\\\\`` a line break) ...
USUAL_PIECES = ["a", "Flow", " ", "\n", "é", "-", "\\'e", "\\emph", "$x$", ",", "=", ".",
                "\\\\", "\\}", "\\{", '"', "@", "%"]  # fmt: skip
#: ... and, rarely, what makes bibtexparser stop or count differently.
ODD_PIECES = ["\\", "@misc{", "\n@misc{", "\n  @article(", "#", "(", ")", "\x01", "\u00a0",
              "{", "}", "\n@string{", '{"}', "\n@ x"]  # fmt: skip
PIECE = mostly(st.sampled_from(USUAL_PIECES), st.sampled_from(ODD_PIECES), odds=150)
BALANCED = st.recursive(
    st.lists(PIECE, max_size=5).map("".join),
    lambda inner: st.lists(inner, min_size=1, max_size=3).map(lambda xs: "{" + "".join(xs) + "}"),
    max_leaves=6,
)
VALUE = mostly(
    st.one_of(
        BALANCED.map(lambda v: "{" + v + "}"),
        st.lists(PIECE, max_size=6).map(lambda xs: '"' + "".join(xs) + '"'),
        st.sampled_from(["2024", "dec", "Jan", "07", "1.5", "a:b", "x_y"]),
    ),
    st.sampled_from(['jan # " 14"', "{a} # {b}", "", "x y", "12a", "{", '"', "{a}x", "\\x"]),
)
NAME = mostly(
    st.sampled_from(["title", "Title", "author", "year", "abstract", "x-y", "a:b", "note"]),
    st.sampled_from(["1bad", "na me", "", "é", "t@x"]),
)
KEY = mostly(
    st.tuples(st.sampled_from(["k", "K", "key", "a:b-c"]), st.integers(0, 10**6)).map(
        lambda t: f"{t[0]}{t[1]}"
    ),
    st.sampled_from(["a b", "k\x01", "", "x@y", "k\\", "k{", "é", "a(b)", "k", "K"]),
)
FIELD = st.tuples(SPACE, NAME, SPACE, SPACE, VALUE, SPACE)


@st.composite
def entry_block(draw) -> str:
    kind = draw(
        mostly(
            st.sampled_from(["misc", "Article", "online", "misc ", "book\t"]),
            st.sampled_from(["", "comment"]),
        )
    )
    unique = draw(mostly(st.just(True), st.just(False)))
    fields = draw(st.lists(FIELD, max_size=6, unique_by=(lambda f: f[1]) if unique else None))
    body = ",".join(f"{a}{name}{b}={c}{value}{d}" for a, name, b, c, value, d in fields)
    end = draw(mostly(st.sampled_from(["", ",", ",\n"]), st.sampled_from([", x", ",,", " x"])))
    if not fields and end in (",", ",\n"):
        end = ""
    after_key = draw(mostly(st.just(","), st.sampled_from(["", " = x", ",,"])))
    space = draw(SPACE)
    return f"@{kind}{{{space}{draw(KEY)}{draw(SPACE)}{after_key}{body}{end}{draw(SPACE)}}}"


OTHER_BLOCK = st.one_of(
    BALANCED.map(lambda v: "@comment{" + v + "}"),
    st.lists(PIECE, max_size=6).map(lambda xs: "@comment{" + "".join(xs) + "}"),
    st.sampled_from(
        [
            "@string{x = {X}}",
            '@STRING{y = "Y"}',
            "@preamble{\\newcommand{\\x}{y}}",
            "@misc(k, title = {T})",
            "@Comment{difbib: written by sync}",
            "% a comment line",
            "stray text",
            "@misc{k}",
            "@misc{k,}",
            "}",
            "{",
            "@",
        ]
    ),  # fmt: skip
)
BETWEEN = mostly(
    st.sampled_from(["\n\n", "\n", ""]), st.sampled_from(["x", " % note\n", "@ ", "\r\n"])
)
BIB_TEXT = st.tuples(
    st.sampled_from(["", "% written by hand\n", "\n\n", "text @ text\n  "]),
    st.lists(st.tuples(mostly(entry_block(), OTHER_BLOCK, odds=3), BETWEEN), max_size=6),
).map(lambda t: t[0] + "".join(b + s for b, s in t[1]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=BIB_TEXT)
@example(text="@misc{k, title = {a\\}, b = {c}},\n}\n")  # a brace after a backslash is text
@example(text="@misc{k, title = {a\\}}\n@misc{j, title = {b}}")
@example(text='% by hand\n@misc {k,\n  year = 2024, month = dec,\n  note = "a \\" b"}\n')
@example(text="@comment{a\\\\\n}\n\n@misc{k, title = {b\\\n},\n  year = 2024}")  # \ + newline
@example(text="@comment{x}\n\n@misc{k,\n  title = {{A} {\\'e}},\n  author = {{B {C}}}\n}\n")
def test_the_fast_reader_agrees_with_bibtexparser_whenever_it_answers(text):
    assert_same_blocks(text)


@settings(max_examples=100, deadline=None)
@given(text=BIB_TEXT)
def test_parse_bib_reads_and_reports_the_same_with_or_without_the_fast_reader(text):
    fast_problems: list = []
    fast = bibtex.parse_bib(text, problems=fast_problems)
    slow_problems: list = []
    with mock.patch.object(bibtex, "split_blocks", lambda _text: None):
        slow = bibtex.parse_bib(text, problems=slow_problems)
    assert [state(b) for b in fast.blocks] == [state(b) for b in slow.blocks]
    assert fast_problems == slow_problems


# -- the common shape takes the fast path ---------------------------------------------

#: Values as sync writes them: text made LaTeX-safe (braces balanced or escaped). No
#: backslash: a value ending in ``\\`` (a TeX line break) is written as ``{...\\}``,
#: which bibtexparser reads as an escaped brace (both readers fail that entry alike).
SAFE_VALUE = st.text(st.sampled_from("aZ09 .,;:-=()[]'\"&%$#_^~éüßÆ\n{}"), max_size=40).map(
    make_safe
)
ENTRY_FIELDS = st.dictionaries(
    st.sampled_from(["author", "title", "year", "eprint", "abstract", "keywords", "note"]),
    SAFE_VALUE,
    min_size=1,
)


@settings(max_examples=60, deadline=None)
@given(entries=st.lists(ENTRY_FIELDS, max_size=5), month=st.booleans())
def test_files_difbib_writes_take_the_fast_path(entries, month):
    blocks = [bibtex.make_entry(f"key{i}", fields) for i, fields in enumerate(entries)]
    if month and blocks:
        from bibtexparser.model import Field

        blocks[0].fields.append(Field("month", "dec", enclosing="no-enclosing"))
    text = "@comment{written by difbib}\n\n" + bibtex.write_bib(blocks)
    assert assert_same_blocks(text)


def test_the_shipped_library_and_test_libraries_agree_or_step_aside():
    answered = [assert_same_blocks(p.read_text(encoding="utf-8")) for p in _bib_files()]
    assert answered[0]  # the shipped library.bib is read by the fast path


def _bib_files():
    yield ROOT / "library.bib"
    yield from sorted((ROOT / "tests" / "data").rglob("*.bib"))


def test_unusual_files_step_aside():
    for text in [
        "@string{x = {X}}\n@misc{k, title = x}",  # macros
        "@misc{k, title = {A}, title = {B}}",  # a field given twice
        "@misc{k, title = {A}}\n@misc{k, title = {B}}",  # a key used twice
        "@misc{k, title = {A}\n@misc{j, title = {B}}",  # an unclosed entry
        "@misc(k, title = {A})",  # parentheses
        "@misc{k, pages = {1} # {2}}",  # concatenation
    ]:
        assert split_blocks(text) is None, text


# -- writing --------------------------------------------------------------------------


def old_write_bib(blocks) -> str:
    """``write_bib`` as it was: bibtexparser deep-copying every block."""
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.value_column = 16
    fmt.block_separator = "\n"
    fmt.trailing_comma = True
    fmt.parsing_failed_comment = ""
    stack = [
        AddEnclosingMiddleware(
            reuse_previous_enclosing=False,
            enclose_integers=True,
            default_enclosing="{",
            allow_inplace_modification=False,
        )
    ]
    library = bibtexparser.Library(list(blocks))
    return bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=fmt)


@settings(max_examples=100, deadline=None)
@given(text=BIB_TEXT)
def test_write_bib_writes_what_it_wrote_before_and_leaves_the_blocks_alone(text):
    blocks = bibtex.parse_bib(text).blocks
    before = [state(b) for b in blocks]
    assert bibtex.write_bib(blocks) == old_write_bib(copy.deepcopy(blocks))
    assert [state(b) for b in blocks] == before
    entries = [b for b in blocks if isinstance(b, Entry)]
    assert bibtex.write_bib(entries) == old_write_bib(copy.deepcopy(entries))
