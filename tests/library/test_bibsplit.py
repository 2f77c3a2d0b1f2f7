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
import gc
import warnings
import weakref
from unittest import mock

import bibtexparser
from bibtexparser.middlewares import AddEnclosingMiddleware, RemoveEnclosingMiddleware
from bibtexparser.model import Entry
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from difbib.library import bibtex
from difbib.library.bibsplit import LazyEntry, split_blocks
from difbib.library.latex import make_safe
from tests.helpers import ROOT


def slow_blocks(text: str) -> list:
    """bibtexparser's reading, as difbib did it before the fast path."""
    return bibtexparser.parse_string(text, parse_stack=[RemoveEnclosingMiddleware()]).blocks


def state(block) -> tuple:
    """Everything a block holds, fields included, in a comparable form (a lazy entry's
    fields made, and counted as an Entry)."""
    if isinstance(block, Entry):
        _ = (block.fields, block.raw, block.parser_metadata)  # made, if lazy
    attrs = dict(vars(block))
    fields = attrs.pop("_fields", None)
    attrs.pop("_error", None)  # an exception: compared by its text below
    error = getattr(block, "_error", None)
    return (
        "Entry" if isinstance(block, Entry) else type(block).__name__,
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
    with mock.patch.object(bibtex, "split_blocks", lambda _text, **_: None):
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


# -- lazy entries ---------------------------------------------------------------------
# With ``lazy=True`` the entries in the shape sync writes (one field per line) make
# their fields when first used. Files below are mostly in that shape, with the pieces
# that break it (a newline or an odd character in a value, a name twice in another
# case, a crossref) mixed in, and the blocks above.

LINE_PIECE = mostly(
    st.sampled_from(["a", "Flow", " ", "é", "-", "\\'e", "\\emph", "$x$", ",", "=", ".", '"',
                     "@", "\\%", "\\&", "~"]),
    st.sampled_from([*ODD_PIECES, "\n", "\r", "\\}", "\\{", "\\\\", "%"]),
    odds=300,
)  # fmt: skip
LINE_BALANCED = st.recursive(
    st.lists(LINE_PIECE, max_size=5).map("".join),
    lambda inner: st.lists(inner, min_size=1, max_size=3).map(lambda xs: "{" + "".join(xs) + "}"),
    max_leaves=4,
)
LINE_VALUE = mostly(
    st.one_of(
        LINE_BALANCED.map(lambda v: "{" + v + "}"),
        st.lists(LINE_PIECE, max_size=6).map(lambda xs: '"' + "".join(xs) + '"'),
        st.sampled_from(["2024", "07", "{Model Distillation}", "{RL, Flow Matching}", "{rank4}"]),
    ),
    st.sampled_from(["dec", 'jan # " 14"', "{a} # {b}", "1.5", "", "{", "{a}x"]),
    odds=150,
)
LINE_NAME = mostly(
    mostly(
        st.sampled_from(["title", "author", "year", "abstract", "keywords", "ranking", "eprint",
                         "archivePrefix", "x-y", "a:b"]),
        st.sampled_from(["Title", "KEYWORDS", "crossref", "xdata"]),  # links; a name twice
        odds=12,
    ),
    st.sampled_from(["1bad", "é", "na me"]),
    odds=100,
)  # fmt: skip
#: What may stand between a value and its comma.
BEFORE_COMMA = mostly(st.just(""), st.sampled_from([" ", "\t", " \t", "\n"]), odds=8)
INDENT = mostly(st.just("  "), st.sampled_from(["", "\t", " \t ", "\n  ", "\r\n  "]), odds=150)


@st.composite
def sync_entry(draw) -> str:
    """An entry as sync writes it (``name = value,`` on each line), or nearly."""
    kind = draw(mostly(st.sampled_from(["misc", "inproceedings", "Article"]), st.just("misc ")))
    unique = draw(mostly(st.just(True), st.just(False)))
    fields = draw(
        st.lists(
            st.tuples(INDENT, LINE_NAME, LINE_VALUE, BEFORE_COMMA, INDENT),
            max_size=7,
            unique_by=(lambda f: f[1]) if unique else None,
        )
    )
    lines = [
        f"{a}{name}{' ' * max(1, 14 - len(name))}= {value}{c},{b}"
        for a, name, value, c, b in fields
    ]
    body = "\n".join(lines)
    if lines and draw(mostly(st.just(True), st.just(False))) is False:
        body = body[: body.rindex(",")] + body[body.rindex(",") + 1 :]  # no last comma
    after_key = draw(mostly(st.just(",\n"), st.sampled_from([", ", ",\t\n", ",", " ,\n"])))
    key = draw(mostly(st.integers(0, 10**6).map(lambda n: f"key{n}"), KEY))
    return f"@{kind}{{{key}{after_key}{body}\n{draw(INDENT)}}}"


@st.composite
def sync_text(draw) -> str:
    text = draw(st.sampled_from(["", "@comment{difbib}\n\n", "% by hand\n"]))
    blocks = draw(
        st.lists(mostly(sync_entry(), st.one_of(entry_block(), OTHER_BLOCK), odds=12), max_size=6)
    )
    for i, block in enumerate(blocks):  # keys made distinct, mostly (a key twice: the old way)
        unique = draw(mostly(st.just(True), st.just(False)))
        block = block.replace(",", f"x{i},", 1) if unique and block.startswith("@") else block
        text += block + draw(BETWEEN)
    return text


SYNC_TEXT = sync_text()


def first_value(entry: Entry, name: str) -> str | None:
    return next((f.value for f in entry.fields if f.key.lower() == name.lower()), None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=SYNC_TEXT)
@example(text="@misc{k,\n  title = {A {B} \\'e},\n  Title = {C},\n  year = 2024\n}\n")
@example(text='@misc{k,\n  note = "a \\" b",\n  keywords = {x},\n}\n@misc{j,\n}')
@example(text="@misc{k,\n  title = {A},\n  title = {B},\n}\n")  # the same name twice
@example(text="@misc{k,\n  title = {A\n  year = 2024},\n  note = {N},\n}\n")  # a line break
@example(text='@misc{k,\n  title = "A\n  year = 2024",\n}\n')
def test_lazy_entries_are_the_entries_the_reader_makes(text):
    eager = split_blocks(text)
    lazy = split_blocks(text, lazy=True)
    assert (lazy is None) == (eager is None)
    if eager is None or lazy is None:
        return
    for fast, slow in zip(lazy, eager, strict=True):
        if isinstance(fast, LazyEntry):
            assert not fast.made
            names = [f.key for f in slow.fields] + ["missing", "TITLE"]
            assert [fast.peek(n) for n in names] == [first_value(slow, n) for n in names]
            assert not fast.made  # peeking makes nothing
    assert [state(b) for b in lazy] == [state(b) for b in eager]
    for fast, slow in zip(lazy, eager, strict=True):
        assert fast == slow and hash(fast) == hash(slow)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=SYNC_TEXT)
@example(text="@misc{a,\n  title = {A},\n}\n@misc{b,\n  xdata = {a},\n  year = 2024,\n}\n")
@example(text="@misc{b,\n  crossref = {a},\n}\n@proceedings{a,\n  title = {P},\n}\n")
@example(text="@misc{b,\n  title = {A},\n  TITLE = {B},\n  Year = 2024,\n}\n")
def test_resolving_lazy_entries_gives_the_same_entries_and_problems(text):
    eager_problems: list = []
    eager = bibtex.resolve_entries(bibtex.parse_bib(text), problems=eager_problems)
    lazy_problems: list = []
    lazy = bibtex.resolve_entries(bibtex.parse_bib(text, lazy=True), problems=lazy_problems)
    for fast, slow in zip(lazy, eager, strict=True):
        names = [f.key for f in slow.fields] + ["missing"]
        assert [bibtex.field_value(fast, n) for n in names] == [first_value(slow, n) for n in names]
    assert [state(e) for e in lazy] == [state(e) for e in eager]
    assert lazy_problems == eager_problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=SYNC_TEXT)
def test_a_library_read_lazily_selects_and_exports_what_it_did(tmp_path_factory, text):
    from difbib.library.queries import Library
    from difbib.outputs.export import export

    path = tmp_path_factory.mktemp("lib") / "library.bib"
    path.write_text(text, encoding="utf-8")

    def outcome(library: Library) -> list:
        papers = library.papers
        found = [(p.key, p.categories, p.rating, p.year, p.title) for p in papers]
        for category in library.categories:
            chosen = [p for p in papers if category.heading in p.categories]
            for fmt in ("bibtex", "biblatex", "ris"):
                try:
                    found.append(export(chosen, fmt))
                except Exception as err:  # the same failure, if any
                    found.append(repr(err))
        return found

    def eager_read_bib(path, **options):
        return real_read_bib(path, **{**options, "lazy": False})

    real_read_bib = bibtex.read_bib
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            lazily = outcome(Library.load(path))
        except Exception as err:
            lazily = [repr(err)]
        with mock.patch.object(bibtex, "read_bib", eager_read_bib):
            try:
                eagerly = outcome(Library.load(path))
            except Exception as err:
                eagerly = [repr(err)]
    assert lazily == eagerly


def test_a_category_makes_only_its_entries_fields(tmp_path):
    """Selecting a category reads its keywords without making any entry's fields;
    exporting the selection makes its entries' fields only."""
    from difbib.library.queries import Library
    from difbib.outputs.export import export

    fields = [{"title": f"Paper {i}", "keywords": "A" if i % 3 else "B", "ranking": "rank3"}
              for i in range(30)]  # fmt: skip
    entries = [bibtex.make_entry(f"key{i}", f) for i, f in enumerate(fields)]
    path = tmp_path / "library.bib"
    path.write_text(bibtex.write_bib(entries), encoding="utf-8")
    library = Library.load(path)
    papers = library.select(categories=["b"])
    assert [p.key for p in papers] == [f"key{i}" for i in range(0, 30, 3)]
    lazy = [p.entry for p in library.papers]
    assert all(isinstance(e, LazyEntry) and not e.made for e in lazy)
    assert "= {Paper 3}," in export(papers, "bibtex")
    assert [e.made for e in lazy] == [i % 3 == 0 for i in range(30)]


def test_resolving_leaves_no_reference_cycle():
    """The resolved entries are freed as soon as they are unused, without waiting for
    the cycle collector (which walks every object of a large library to find them)."""
    library = bibtex.parse_bib("@misc{a,\n  title = {A},\n}\n@misc{b, crossref = {a}}\n")
    gc.disable()
    try:
        entries = bibtex.resolve_entries(library)
        copy = weakref.ref(entries[1])
        del entries
        assert copy() is None
    finally:
        gc.enable()


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
