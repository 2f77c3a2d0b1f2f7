"""BibTeX reading and writing, and the entries difbib makes from arXiv records.

Reading and writing go through bibtexparser v2: ``parse → middlewares → write``.
difbib removes enclosing braces on reading (so values compare as plain text) and
adds braces on writing; ``@string`` macros and month names stay unenclosed.

An entry made from an arXiv record looks like this (fields always in this order)::

    @misc{yin2024improved,
      author        = {Tianwei Yin and Michaël Gharbi and ...},
      title         = {Improved Distribution Matching Distillation for Fast Image Synthesis},
      year          = {2024},
      eprint        = {2405.14867},
      archivePrefix = {arXiv},
      primaryClass  = {cs.CV},
      doi           = {10.48550/arXiv.2405.14867},
      url           = {https://arxiv.org/abs/2405.14867},
      abstract      = {...},
      keywords      = {Model Distillation},
      ranking       = {rank4},
    }

``keywords`` holds the paper's reading-list categories (their headings, comma
separated, as JabRef and Zotero read them) and ``ranking`` its star rating as
JabRef's ``rank1`` .. ``rank5``.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares import AddEnclosingMiddleware, RemoveEnclosingMiddleware
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    Field,
    ParsingFailedBlock,
    String,
)

from difbib.errors import BibError, BibWarning
from difbib.gcpause import paused_gc
from difbib.library.bibsplit import LazyEntry, split_blocks
from difbib.library.latex import CONTROL_CHARS, make_safe, protect_capitals, tex_to_text
from difbib.sources.record import ArxivRecord, is_group_author
from difbib.sources.textfold import ascii_fold

# bibtexparser logs every block it cannot parse (several lines each); difbib reports
# each problem once, in one line, with its rule (see parse_bib).
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

#: Fields difbib writes from arXiv's metadata, in the order it writes them.
ARXIV_FIELDS = (
    "author",
    "title",
    "year",
    "eprint",
    "archivePrefix",
    "primaryClass",
    "doi",
    "url",
    "abstract",
)
#: Fields a published version adds (see :mod:`difbib.library.published`).
VENUE_FIELDS = ("booktitle", "journal", "volume", "number", "pages", "publisher")
#: Every field difbib generates from a source (merged keeping hand edits).
GENERATED_FIELDS = ARXIV_FIELDS + VENUE_FIELDS
#: Fields difbib writes from the reading list (the list is their source of truth).
LIST_FIELDS = ("keywords", "ranking")
FIELD_ORDER = (
    "author", "title", "booktitle", "journal", "year", "volume", "number", "pages",
    "publisher", *ARXIV_FIELDS[3:], *LIST_FIELDS,
)  # fmt: skip

#: Words Google Scholar passes over when it takes a title's first word for a key.
#: Checked against Scholar's own keys: ``hermans2017defense`` ("In Defense of ..."),
#: ``kusner2015word`` ("From Word Embeddings ..."), ``xu2018powerful`` ("How
#: Powerful ..."), ``ribeiro2016should`` ("Why Should I Trust You?"),
#: ``kendall2017uncertainties`` ("What Uncertainties ..."), ``recht2019imagenet``
#: ("Do ImageNet Classifiers ..."), ``muller2019does`` ("When Does ...": *does* is
#: kept), ``afanasyev2019towards`` (*towards* is kept).
KEY_STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "of", "on", "in", "into", "for", "to", "at", "by",
    "from", "with", "as", "is", "are", "was", "were", "be", "do", "how", "why", "what",
    "when", "where", "which", "who", "whom", "whose",
})  # fmt: skip
_RUN = re.compile(r"[^a-z0-9]*([a-z0-9]*)")


# -- keys -------------------------------------------------------------------------


def _first_run(text: str) -> str:
    """The first run of ASCII letters and digits, after folding: ``FlashAttention-2`` →
    ``flashattention``, ``Don't`` → ``don``, ``(Almost)`` → ``almost``, ``3D`` → ``3d``."""
    m = _RUN.match(ascii_fold(text).lower())
    return m.group(1) if m else ""


def name_parts(name: str) -> tuple[str, str, str]:
    """``(given, particle, family)`` of a plain-text name, as Scholar and BibTeX read it.

    ``Family, Given`` is split at the comma; ``Given Family`` at its last word, with
    lowercase words just before it as the particle (``Laurens van der Maaten``). A
    lowercase part *inside* a hyphenated given name is not a particle: ``Sheng-ming
    Yin`` is given ``Sheng-ming``, family ``Yin`` (BibTeX alone would read ``ming``
    as a particle). A group (``Black Forest Labs``) splits like any name; write it
    braced to keep it whole in BibTeX.
    """
    name = " ".join(name.replace("{", "").replace("}", "").split())
    if "," in name:
        family, _, given = name.partition(",")
        words = family.split()
        particle: list[str] = []
        while len(words) > 1 and words[0][:1].islower():
            particle.append(words.pop(0))
        return given.strip(), " ".join(particle), " ".join(words)
    words = name.split()
    if len(words) < 2:
        return "", "", name
    family = words.pop()
    particle = []
    while len(words) > 1 and words[-1][:1].islower():
        particle.insert(0, words.pop())
    return " ".join(words), " ".join(particle), family


def family_name(author: str) -> str:
    """The family name of an author, with its particle (``van der Maaten``, ``Labs``)."""
    _, particle, family = name_parts(author)
    return f"{particle} {family}".strip()


def scholar_key(first_author: str | None, year: int | str | None, title: str) -> str:
    """The key Google Scholar gives a paper (plain-text inputs).

    Scholar's rule, read from its exports (and Better BibTeX issue #1705):

    * the first author's family name, particle included (``van2008visualizing``,
      ``d2020underspecification`` for D'Amour), folded to ASCII and lowercased, cut at
      its first character that is not a letter or digit (``el2020lossy`` for El
      Kaafarani); a group author is read as a name, so its last word counts
      (``labs`` for Black Forest Labs, ``seedream`` for Team Seedream);
    * the year;
    * the title's first word that is not in :data:`KEY_STOPWORDS`, cut the same way:
      ``FlashAttention-2`` → ``flashattention``, ``Flow-GRPO`` → ``flow``,
      ``One-step`` → ``one``, ``FLUX.1`` → ``flux``, ``Don't`` → ``don``; digits
      stay (``3D`` → ``3d``, ``SageAttention2`` → ``sageattention2``).
    """
    name = _first_run(family_name(first_author)) if first_author else ""
    word = ""
    for raw in title.split():
        run = _first_run(raw)
        if run and run not in KEY_STOPWORDS:
            word = run
            break
    return f"{name or 'anon'}{year or ''}{word}"


def base_key(record: ArxivRecord) -> str:
    """:func:`scholar_key` of an arXiv record: ``yin2024improved``, ``labs2025flux``."""
    title = re.sub(r"\\[A-Za-z]+", " ", record.title)  # \emph{...} → its text
    return scholar_key(record.authors[0] if record.authors else None, record.year, title)


def unique_key(base: str, taken: set[str]) -> str:
    """``base``, or ``base`` + ``b``, ``c``, ... if taken (case-insensitively).

    The first paper keeps the plain key; later ones get a letter suffix, so an
    existing key never has to change when a colliding paper is added.
    """
    lowered = {k.lower() for k in taken}
    if base.lower() not in lowered:
        return base
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if (base + letter).lower() not in lowered:
            return base + letter
    n = 2
    while f"{base}{n}".lower() in lowered:
        n += 1
    return f"{base}{n}"


# -- people -----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One author of an ``author`` value, as plain text.

    A group or a name that cannot be split has only ``literal``; a person has
    ``given``, ``family`` and possibly a ``particle`` ("van") and a ``suffix`` ("Jr.").
    """

    literal: str | None = None
    given: str = ""
    family: str = ""
    particle: str = ""
    suffix: str = ""
    others: bool = False  # BibTeX's "and others": the list goes on (et al.)


def split_authors(value: str) -> list[str]:
    """The names of a BibTeX ``author`` value (split on top-level ``and``)."""
    return [n.strip() for n in split_multiple_persons_names(value) if n.strip()]


def _tie_to_space(name: str) -> str:
    """``G.~S.~Kimeldorf`` → ``G. S. Kimeldorf``: BibTeX splits names at ties (``~``)
    as at spaces; ties inside braces are kept."""
    out, depth = [], 0
    for i, ch in enumerate(name):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        out.append(" " if ch == "~" and depth == 0 and (i == 0 or name[i - 1] != "\\") else ch)
    return "".join(out)


#: biblatex's extended name format: ``family=Hua, given=Linfu`` (key=value parts).
_EXTENDED_NAME = re.compile(r"\s*(?:family|given|prefix|suffix|useprefix)\s*=", re.I)


def _extended_name(name: str) -> Person:
    """A name in biblatex's extended format (``given={Jean}, prefix=de, family=Fontaine``)."""
    parts: dict[str, str] = {}
    depth, start = 0, 0
    pieces = []
    for i, ch in enumerate(name + ","):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            pieces.append(name[start:i])
            start = i + 1
    for piece in pieces:
        key, eq, value = piece.partition("=")
        value = value.strip()
        if eq and value.startswith("{") and value.endswith("}"):
            value = value[1:-1]
        if eq:
            parts[key.strip().lower()] = tex_to_text(value)
    family = parts.get("family", "")
    if not family:
        return Person(literal=tex_to_text(name))
    return Person(given=parts.get("given", ""), family=family,
                  particle=parts.get("prefix", ""), suffix=parts.get("suffix", ""))  # fmt: skip


def person(name: str) -> Person:
    """Split one BibTeX name by BibTeX's grammar; groups (``{Black Forest Labs}``) stay whole.

    ``others`` (as in ``and others``) is ``Person(others=True)``; ties (``~``) separate
    name parts as spaces do.
    """
    name = _tie_to_space(name).strip()
    if name == "others":
        return Person(others=True)
    if _EXTENDED_NAME.match(name):
        return _extended_name(name)
    braced = name.startswith("{") and name.endswith("}") and name.count("{") == 1
    bare = name[1:-1] if braced else name
    # "Family, Given" is a person's name, whatever the words ("Labs, Black Forest" is how
    # a reference manager writes a group it took for a person); "Lefebvre,Henri" is two
    # parts: BibTeX splits at a comma as at a space
    comma = not braced and "," in re.sub(r"\{[^{}]*\}", "", bare)
    if braced or (is_group_author(bare) and not comma) or len(bare.replace(",", " ").split()) < 2:
        return Person(literal=tex_to_text(bare))
    try:
        parts = parse_single_name_into_parts(name, strict=False)
    except InvalidNameError:
        return Person(literal=tex_to_text(name))
    family = tex_to_text(" ".join(parts.last))
    if not family:
        return Person(literal=tex_to_text(name))
    return Person(
        given=tex_to_text(" ".join(parts.first)),
        family=family,
        particle=tex_to_text(" ".join(parts.von)),
        suffix=tex_to_text(" ".join(parts.jr)),
    )


# -- entries from records ---------------------------------------------------------


def _bibtex_misreads(name: str) -> bool:
    """Whether BibTeX would take part of a ``Given Family`` name for a particle.

    BibTeX splits words at spaces *and hyphens*, and reads any lowercase piece
    before the last name as a "von" part: ``Sheng-ming Yin`` prints as "Sheng ming
    Yin" in plainnat and "S.~ming Yin" in IEEEtran. A real particle (``van der``) is
    a whole lowercase word and is left to BibTeX.
    """
    words = name.split()
    return len(words) > 1 and any(
        w[:1].isupper() and any(part[:1].islower() for part in w.split("-")[1:]) for w in words[:-1]
    )


def format_name(name: str) -> str:
    """One name as BibTeX and biber both read it right.

    Groups are braced whole (``{Black Forest Labs}``); a name BibTeX would misread
    is written ``Family, Given`` (``Yin, Sheng-ming``), which both read as given
    ``Sheng-ming``, family ``Yin``; any other name stays as arXiv writes it.
    """
    name = make_safe(name)
    if is_group_author(name):
        return "{" + name + "}"
    if "," not in name and _bibtex_misreads(name):
        given, particle, family = name_parts(name)
        return f"{particle} {family}".strip() + ", " + given
    return name


def format_authors(authors: Iterable[str]) -> str:
    """BibTeX ``author`` value: ``and``-separated names, each :func:`format_name`."""
    return " and ".join(format_name(name) for name in authors)


def keywords_value(categories: Iterable[str]) -> str:
    return ", ".join(c.replace(",", " ") for c in categories)


_KEYWORD_SEPARATOR = re.compile(r"[,;]")


def split_keywords(value: str | None) -> list[str]:
    if not value:
        return []
    return [k.strip() for k in _KEYWORD_SEPARATOR.split(value) if k.strip()]


def rating_value(rating: int | None) -> str | None:
    return f"rank{rating}" if rating else None


def parse_rating(value: str | None) -> int | None:
    """The star rating from a ``ranking`` field (``rank4`` → 4)."""
    m = re.fullmatch(r"\s*(?:rank)?([1-5])\s*", value or "")
    return int(m.group(1)) if m else None


def arxiv_fields(record: ArxivRecord, terms: Iterable[str] = ()) -> dict[str, str]:
    """The BibTeX fields difbib makes from an arXiv record, LaTeX-safe.

    ``terms`` are the project's protected terms (see :func:`~difbib.library.latex.load_terms`).
    """
    fields = {
        "author": format_authors(record.authors),
        "title": protect_capitals(make_safe(record.title), terms),
        "year": str(record.year),
        "eprint": record.id,
        "archivePrefix": "arXiv",
        "primaryClass": record.primary_class,
        "doi": record.arxiv_doi,
        "url": record.url,
        "abstract": make_safe(record.abstract),
    }
    return {k: v for k, v in fields.items() if v}


def list_fields(categories: Iterable[str], rating: int | None) -> dict[str, str]:
    fields = {"keywords": keywords_value(categories)}
    ranking = rating_value(rating)
    if ranking:
        fields["ranking"] = ranking
    return {k: v for k, v in fields.items() if v}


def make_entry(key: str, fields: dict[str, str], entry_type: str = "misc") -> Entry:
    ordered = [f for f in FIELD_ORDER if f in fields]
    ordered += [f for f in fields if f not in FIELD_ORDER]
    return Entry(entry_type, key, [Field(f, fields[f]) for f in ordered])


# -- reading and writing ----------------------------------------------------------


def entry_fields(entry: Entry) -> dict[str, str]:
    """An entry's fields as a plain dict (enclosing already removed)."""
    return {f.key: f.value for f in entry.fields}


def field_ci(entry: Entry, name: str) -> Field | None:
    """A field by case-insensitive name (``archiveprefix`` finds ``archivePrefix``)."""
    name = name.lower()
    for f in entry.fields:
        if f.key.lower() == name:
            return f
    return None


def field_value(entry: Entry, name: str) -> str | None:
    """The value of a field by case-insensitive name, ``None`` if the entry has none.

    The value :func:`field_ci` finds; a :class:`~difbib.library.bibsplit.LazyEntry`
    reads it without making all its fields.
    """
    if isinstance(entry, LazyEntry):
        return entry.peek(name)
    found = field_ci(entry, name)
    return found.value if found is not None else None


#: BibTeX's month macros (every standard style defines them) and their English names.
MONTHS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May",
    "jun": "June", "jul": "July", "aug": "August", "sep": "September", "oct": "October",
    "nov": "November", "dec": "December",
}  # fmt: skip


@dataclass(frozen=True)
class BibProblem:
    """Something wrong in a ``.bib`` file, and the rule difbib applies to go on."""

    line: int | None  # 1-based
    key: str | None
    message: str
    kind: str = "syntax"  # syntax | duplicate-key | duplicate-string | duplicate-field |
    #                      no-key | crossref | macro | comment | encoding

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def _line(block: Block) -> int | None:
    return block.start_line + 1 if block.start_line is not None else None


def _preserved(block: Block, why: str) -> ParsingFailedBlock:
    """A block kept in the file as it is, but read as nothing."""
    return ParsingFailedBlock(ValueError(why), start_line=block.start_line, raw=block.raw)


def _first_fields(entry: Entry) -> Entry:
    """The entry with only the first of each repeated field (as BibTeX reads it)."""
    seen: set[str] = set()
    fields = []
    for f in entry.fields:
        if f.key.lower() not in seen:
            seen.add(f.key.lower())
            fields.append(f)
    return Entry(entry.entry_type, entry.key, fields, start_line=entry.start_line, raw=entry.raw)


#: Stands in, while bibtexparser reads a file, for a ``"`` inside braces in a quoted
#: value (a character of Unicode's private use area that the file does not hold).
_HELD_QUOTE = "\ue0f2"
#: Where a quoted value starts (after ``=`` or ``#``), and the marks inside one.
_QUOTED_START = re.compile(r'[=#][ \t\r\n]*"')
_QUOTED_MARK = re.compile(r'\\.|[{}"]', re.S)


def _hold_braced_quotes(text: str) -> str:
    """``text`` with each ``"`` that sits inside braces in a quoted value held aside.

    In BibTeX a quoted value ends at a ``"`` *outside* braces only: ``"zeitgem{"a}{\\ss}"``
    is one value, and ``{"}`` is a quote character. bibtexparser ends the value at the
    first ``"``, cutting the entry short without a word. The value is left as it is
    when its braces do not balance (the reader then reports the block).
    """
    if _HELD_QUOTE in text or '"' not in text:
        return text
    held: list[int] = []
    pos = 0
    while (start := _QUOTED_START.search(text, pos)) is not None:
        depth, pos = 0, start.end()
        inside: list[int] = []
        for m in _QUOTED_MARK.finditer(text, start.end()):
            mark = m.group()
            if mark == "{":
                depth += 1
            elif mark == "}":
                depth -= 1
                if depth < 0:
                    break
            elif mark == '"':
                if depth == 0:
                    held += inside
                    pos = m.end()
                    break
                inside.append(m.start())
        else:
            break
    if not held:
        return text
    chars = list(text)
    for i in held:
        chars[i] = _HELD_QUOTE
    return "".join(chars)


_BLOCK_OPEN = re.compile(r"@([A-Za-z]\w*)[ \t]*\{[ \t\r\n]*([^,\s{}]*)")
#: A block start on a line commented out with ``%`` (``%@String{hup = ...}``).
_COMMENTED_BLOCK = re.compile(r"^[ \t]*%[^\n]*@[A-Za-z]\w*[ \t]*\{", re.M)
_ENTRY_MARK = re.compile(r'\\.|[{}"%]|\n[ \t]*@', re.S)


def _drop_field_comments(text: str) -> tuple[str, list[tuple[int, str, int]]]:
    """``text`` with ``%`` comments between the fields of an entry, and blocks on a line
    commented out, blanked out; and for each entry that had some: the (1-based) line of
    the first, the key, how many lines (0: the block itself was commented out).

    People comment a field out (``% editor = {...},``) or a whole ``%@String{...}``;
    biber and pandoc skip such a line, while BibTeX and bibtexparser fail on the whole
    entry (or read the block). A ``%`` counts only between fields: inside a braced or
    quoted value it is text. Line numbers stay as they were.
    """
    if "%" not in text:
        return text, []
    spans: list[tuple[int, int]] = []
    found: list[tuple[int, str, int]] = []
    pos = 0
    while (start := _BLOCK_OPEN.search(text, pos)) is not None:
        pos = start.end()
        line_start = text.rfind("\n", 0, start.start()) + 1
        if text[line_start : start.start()].lstrip().startswith("%"):
            end = text.find("\n", start.start())
            pos = len(text) if end < 0 else end
            spans.append((start.start(), pos))
            found.append((text.count("\n", 0, line_start) + 1, start.group(2), 0))
            continue
        if start.group(1).lower() in ("comment", "preamble"):
            continue
        depth, quoted, i = 1, False, start.end()
        before = len(spans)
        while (m := _ENTRY_MARK.search(text, i)) is not None:
            mark, i = m.group(), m.end()
            if mark == "{":
                depth += 1
            elif mark == "}":
                depth -= 1
                if depth == 0:
                    break
            elif mark == '"' and depth == 1:
                quoted = not quoted
            elif mark == "%" and depth == 1 and not quoted:
                end = text.find("\n", m.start())
                i = len(text) if end < 0 else end
                spans.append((m.start(), i))
            elif mark.lstrip().startswith("@"):  # a block starts: bibtexparser ends this one
                i = m.start() + 1
                break
        pos = max(pos, i)
        if len(spans) > before:
            line = text.count("\n", 0, spans[before][0]) + 1
            found.append((line, start.group(2), len(spans) - before))
    if not spans:
        return text, []
    out, last = [], 0
    for a, b in spans:
        out += [text[last:a], " " * (b - a)]
        last = b
    out.append(text[last:])
    return "".join(out), found


def _restore_quotes(block: Block) -> None:
    """Put back the quotes :func:`_hold_braced_quotes` held aside, in place."""
    # ``raw`` has no setter: bibtexparser keeps it in ``_raw``
    for name, attr in (("raw", "_raw"), ("value", "value"), ("comment", "comment")):
        got = getattr(block, name, None)
        if isinstance(got, str) and _HELD_QUOTE in got:
            setattr(block, attr, got.replace(_HELD_QUOTE, '"'))
    for f in getattr(block, "fields", None) or []:
        if isinstance(f.value, str) and _HELD_QUOTE in f.value:
            f.value = f.value.replace(_HELD_QUOTE, '"')
    inner = getattr(block, "ignore_error_block", None)
    if isinstance(inner, Block):
        _restore_quotes(inner)


@paused_gc()
def parse_bib(
    text: str,
    *,
    source: str = "<string>",
    problems: list[BibProblem] | None = None,
    lazy: bool = False,
    field_comments: bool = False,
) -> Library:
    """Parse BibTeX text; one bad block never costs the file.

    Each problem is appended to ``problems`` (when given) and the reading goes on by
    one rule per kind of problem:

    * a block that cannot be parsed, an entry without a key, and a second entry or
      ``@string`` with a key already used (BibTeX ignores case in keys) are *skipped*:
      the first one wins. Such blocks stay in the library's blocks as they were
      written (``sync`` writes them back unchanged), but they are not entries;
    * a field given twice in one entry: the *first value wins*, as in BibTeX;
    * with ``field_comments``, a ``%`` comment between the fields of an entry is skipped
      as biber skips it (BibTeX would fail on the entry), with a warning.

    Files in the common shape (every file ``sync`` writes) are read by
    :func:`difbib.library.bibsplit.split_blocks`, which gives bibtexparser's blocks
    several times faster; any other file by bibtexparser itself. ``lazy``: entries in
    the shape ``sync`` writes make their fields only when first used (see
    :class:`~difbib.library.bibsplit.LazyEntry`), for readers that use a few of them.
    """
    found: list[BibProblem] = problems if problems is not None else []
    # the common shape, fast; None: anything else (and a block commented out, which
    # the fast reader would read)
    commented_block = field_comments and _COMMENTED_BLOCK.search(text) is not None
    parsed = None if commented_block else split_blocks(text, lazy=lazy)
    if parsed is None:
        if field_comments:
            text, commented = _drop_field_comments(text)
            found.extend(
                BibProblem(
                    line,
                    key or None,
                    f"{key}: {n} line(s) commented out with % inside the entry; skipped, as "
                    "biber skips them (BibTeX fails on the whole entry)"
                    if n
                    else f"{key}: a block on a line commented out with %; skipped, as biber "
                    "skips it (BibTeX would read it)",
                    "comment",
                )  # fmt: skip
                for line, key, n in commented
            )
        held = _hold_braced_quotes(text)
        library = bibtexparser.parse_string(held, parse_stack=[RemoveEnclosingMiddleware()])
        parsed = library.blocks
        if held is not text:
            for block in parsed:
                _restore_quotes(block)
    blocks: list[Block] = []
    entry_keys: dict[str, int | None] = {}
    string_keys: dict[str, int | None] = {}
    for block in parsed:
        line = _line(block)
        if type(block) in (Entry, LazyEntry):
            pass  # an entry as read (most blocks): none of the failed blocks below
        elif isinstance(block, DuplicateFieldKeyBlock) and isinstance(
            block.ignore_error_block, Entry
        ):
            entry = block.ignore_error_block
            names = Counter(f.key.lower() for f in entry.fields)
            repeated = ", ".join(sorted(n for n, c in names.items() if c > 1))
            found.append(
                BibProblem(
                    line,
                    entry.key,
                    f"{entry.key}: field {repeated} given more than once; the first value is used",
                    "duplicate-field",
                )  # fmt: skip
            )
            block = RemoveEnclosingMiddleware().transform_entry(_first_fields(entry), library)
        elif isinstance(block, DuplicateBlockKeyBlock):
            inner = block.ignore_error_block
            key = str(getattr(inner, "key", None) or getattr(block, "key", "?"))
            if isinstance(inner, Entry):
                # bibtexparser compares keys with case; BibTeX does not. Either way:
                first = entry_keys.get(key.lower())
                what = "key"
            else:
                first = string_keys.get(str(key).lower())
                what = "@string"
            found.append(
                BibProblem(
                    line,
                    key,
                    f"{what} {key!r} is already defined"
                    + (f" at line {first}" if first else "")
                    + "; this one is skipped (the first wins)",
                    "duplicate-key" if what == "key" else "duplicate-string",
                )  # fmt: skip
            )
            blocks.append(block)
            continue
        elif isinstance(block, ParsingFailedBlock):
            error = block.error
            reason = (getattr(error, "abort_reason", "") or str(error)).strip()
            reason = reason.splitlines()[0].split(". Note:")[0].rstrip(".") if reason else ""
            reason = f"cannot be parsed ({reason})" if reason else "cannot be parsed"
            found.append(BibProblem(line, None, f"{reason}; this block is skipped"))
            blocks.append(block)
            continue
        if isinstance(block, Entry):
            if CONTROL_CHARS.search(block.key):
                found.append(
                    BibProblem(
                        line,
                        None,
                        f"@{block.entry_type} entry whose key holds control characters; skipped",
                        "no-key",
                    )  # fmt: skip
                )
                blocks.append(_preserved(block, "control characters in the key"))
                continue
            if not block.key.strip():
                found.append(
                    BibProblem(
                        line, None, f"@{block.entry_type} entry without a key; skipped", "no-key"
                    )  # fmt: skip
                )
                blocks.append(_preserved(block, "entry without a key"))
                continue
            first = entry_keys.get(block.key.lower())
            if block.key.lower() in entry_keys:
                found.append(
                    BibProblem(
                        line,
                        block.key,
                        f"key {block.key!r} is already used"
                        + (f" at line {first}" if first else "")
                        + " (BibTeX ignores case in keys); this entry is skipped "
                        "(the first wins)",
                        "duplicate-key",
                    )  # fmt: skip
                )
                blocks.append(_preserved(block, "duplicate key"))
                continue
            entry_keys[block.key.lower()] = line
        elif isinstance(block, String):
            string_keys.setdefault(block.key.lower(), line)
        blocks.append(block)
    return Library(blocks)


def read_bib(
    path: str | Path,
    *,
    problems: list[BibProblem] | None = None,
    warn: bool = True,
    strict: bool = False,
    lazy: bool = False,
) -> Library:
    """Read a ``.bib`` file (a missing file is an empty library).

    Problems in the file (see :func:`parse_bib`) are appended to ``problems`` and,
    with ``warn``, issued as :class:`~difbib.errors.BibWarning` (the command line
    prints each as one ``warning:`` line). A file that cannot be read at all raises
    :class:`BibError`, and so does, with ``strict`` (for writers such as ``sync``, which
    would otherwise add a second copy of an entry they cannot read), a block that cannot
    be parsed. ``lazy``: see :func:`parse_bib`.
    """
    path = Path(path)
    if not path.exists():
        return Library()
    found: list[BibProblem] = []
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BibError(f"cannot read {str(path)!r}: {err.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if strict:  # a writer would silently change the file's encoding
            raise BibError(
                f"{str(path)!r} is not UTF-8 (byte {err.start}); convert it to UTF-8 and run again"
            ) from None
        # Older .bib files are often Latin-1 / Windows-1252: read them as that.
        text = data.decode("cp1252", errors="replace")
        found.append(
            BibProblem(
                None,
                None,
                f"not UTF-8 (byte {err.start}); read as Windows-1252 "
                "(Latin-1); convert the file to UTF-8 to be sure",
                "encoding",
            )  # fmt: skip
        )
    del data  # a large file: keep one copy of it, not two
    # a writer keeps such comments by refusing the block; a reader skips them
    library = parse_bib(
        text, source=str(path), problems=found, lazy=lazy, field_comments=not strict
    )
    broken = [p for p in found if p.kind == "syntax"]
    if strict and broken:
        more = len(broken) - 1
        reason = broken[0].message.replace("; this block is skipped", "")
        raise BibError(
            f"{path} line {broken[0].line}: {reason}"
            + (f" (and {more} more broken block(s))" if more else "")
            + "; fix it by hand (or restore the file from version control) and run again"
        )
    if problems is not None:
        problems.extend(found)
    if warn:
        for problem in found:
            warnings.warn(f"{path}: {problem}", BibWarning, stacklevel=2)
    return library


# -- macros, crossref, xdata ------------------------------------------------------


def value_pieces(value: str) -> list[tuple[str, bool]]:
    """The parts of an unenclosed BibTeX value: ``(text, is_macro)`` for each ``#`` operand.

    ``apr # " 14"`` → ``[("apr", True), (" 14", False)]``; ``{a} # b`` →
    ``[("a", False), ("b", True)]``; numbers are text.
    """
    pieces: list[tuple[str, bool]] = []
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch.isspace() or ch == "#":
            i += 1
        elif ch in '{"':
            depth, j = 0, i if ch == "{" else i + 1
            while j < n:
                c = value[j]
                if c == "\\":
                    j += 2
                    continue
                depth += {"{": 1, "}": -1}.get(c, 0)
                if (ch == "{" and c == "}" and depth == 0) or (c == '"' and depth == 0):
                    break
                j += 1
            pieces.append((value[i + 1 : j], False))
            i = j + 1
        else:
            m = re.match(r"[^\s#]+", value[i:])
            assert m
            word = m.group(0)
            pieces.append((word, not word.isdigit()))
            i += len(word)
    return pieces


class Macros:
    """The ``@string`` macros of a file, case-insensitive, the first definition winning,
    plus BibTeX's month macros (``jan`` → ``January``)."""

    def __init__(self, strings: Iterable[String] = ()):
        self.raw: dict[str, tuple[str, bool]] = {}
        for s in strings:
            self.raw.setdefault(s.key.lower(), (s.value, s.enclosing == "no-enclosing"))
        self._done: dict[str, str] = {}
        self.unknown: set[str] = set()

    def lookup(self, name: str, _active: frozenset[str] = frozenset()) -> str:
        low = name.lower()
        if low in self._done:
            return self._done[low]
        if low in self.raw and low not in _active:
            value, expression = self.raw[low]
            text = self.expand(value, _active | {low}) if expression else value
            self._done[low] = text
            return text
        if low in MONTHS:
            return MONTHS[low]
        self.unknown.add(name)
        return name  # an undefined macro reads as its name (and check reports it)

    def expand(self, value: str, _active: frozenset[str] = frozenset()) -> str:
        """The text of an unenclosed value (``proc # "CVPR"``), every macro expanded."""
        return "".join(
            self.lookup(text, _active) if macro else text for text, macro in value_pieces(value)
        )

    def field_text(self, f: Field) -> str:
        """A field's value as text: expanded when it is a macro expression."""
        if f.enclosing == "no-enclosing" and isinstance(f.value, str):
            return self.expand(f.value)
        return str(f.value)


#: Fields a ``crossref``/``xdata`` child never takes from its parent: identity,
#: links to other entries, and difbib's own per-paper fields.
NOT_INHERITED = frozenset(
    {"crossref", "xdata", "xref", "ids", "key", "label", "sortkey", "entryset", "doi", "url",
     "eprint", "eprinttype", "archiveprefix", "primaryclass", "eprintclass", "abstract",
     "keywords", "ranking", "isbn"}
)  # fmt: skip
#: A parent of these types lends its title to the child as ``booktitle`` (biblatex's rule).
_BOOKLIKE = frozenset({"proceedings", "book", "collection", "mvbook", "mvproceedings",
                       "mvcollection", "reference", "mvreference", "periodical"})  # fmt: skip


@paused_gc()
def resolve_entries(library: Library, *, problems: list[BibProblem] | None = None) -> list[Entry]:
    """Copies of the library's entries as every output reads them.

    ``@string`` macros, ``#`` concatenation and month macros are expanded (``month =
    dec`` reads ``December``); a ``crossref`` or ``xdata`` entry lends its fields to
    the entries that name it (a proceedings' ``title`` becomes their ``booktitle``), and
    those two fields are left out, so each entry stands alone. A repeated field keeps
    its first value. The library itself is not changed (``sync`` writes it with its
    macros). A lazy entry whose copy would only copy its values
    (:meth:`~difbib.library.bibsplit.LazyEntry.resolves_to_itself`) is copied lazily.
    """
    found: list[BibProblem] = problems if problems is not None else []
    macros = Macros(library.strings)
    entries = library.entries
    as_read = {id(e) for e in entries if isinstance(e, LazyEntry) and e.resolves_to_itself()}
    for entry in entries:
        if id(entry) in as_read:
            continue  # no macros in it
        for f in entry.fields:
            if f.enclosing == "no-enclosing" and isinstance(f.value, str):
                macros.unknown.clear()
                macros.expand(f.value)
                for name in sorted(macros.unknown):
                    found.append(
                        BibProblem(
                            _line(entry),
                            entry.key,
                            f"{entry.key}: {f.key} uses "
                            f"{name!r}, which no @string defines; it reads as its "
                            "name",
                            "macro",
                        )  # fmt: skip
                    )
    plain: dict[str, Entry] = {}
    order: list[Entry] = []
    linked: set[int] = set()  # the copies with a crossref or xdata field (by id)
    for entry in entries:
        if id(entry) in as_read:
            assert isinstance(entry, LazyEntry)
            lazy = entry.resolved()
            plain.setdefault(entry.key.lower(), lazy)
            order.append(lazy)
            continue
        seen: set[str] = set()
        fields = []
        for f in entry.fields:
            low = f.key.lower()
            if low in seen:
                continue
            seen.add(low)
            value = f.value
            if f.enclosing == "no-enclosing" and isinstance(value, str):
                value = macros.expand(value)
            elif type(value) is not str:
                value = str(value)
            fields.append(Field(f.key, value))
        copy = Entry(entry.entry_type, entry.key, fields, start_line=entry.start_line)
        if "crossref" in seen or "xdata" in seen:
            linked.add(id(copy))
        plain.setdefault(entry.key.lower(), copy)
        order.append(copy)
    if not linked and len(plain) == len(order):
        return order  # no entry lends or borrows, no key twice: every copy stands alone
    resolver = _Resolver(plain, linked, found)
    return [resolver.resolved(entry, frozenset()) for entry in order]


class _Resolver:
    """What :func:`resolve_entries` lends from parents to the entries that name them.

    A class rather than a recursive closure: a closure that calls itself is a
    reference cycle, which would keep every entry alive until a full collection
    (for 10,000 entries: the one at exit, nearly half a second).
    """

    def __init__(self, plain: dict[str, Entry], linked: set[int], found: list[BibProblem]):
        self.plain = plain  # the copies by lower-case key (the first of a key)
        self.linked = linked  # the copies with a crossref or xdata field (by id)
        self.found = found
        self.done: dict[str, Entry] = {}

    def resolved(self, entry: Entry, active: frozenset[str]) -> Entry:
        """The entry with what its parents lend (their own parents first)."""
        plain, done, found = self.plain, self.done, self.found
        low = entry.key.lower()
        if low in done:
            return done[low]
        if id(entry) not in self.linked:  # stands alone already: the copy is the answer
            done[low] = entry
            return entry
        fields = list(entry.fields)
        have = {f.key.lower() for f in fields}
        for link in ("xdata", "crossref"):
            ref = field_ci(entry, link)
            if ref is None:
                continue
            for parent_key in [k.strip() for k in ref.value.split(",") if k.strip()]:
                parent = plain.get(parent_key.lower())
                if parent is None or parent_key.lower() in active:
                    why = "names no entry of the file" if parent is None else "is a cycle"
                    found.append(
                        BibProblem(
                            _line(entry),
                            entry.key,
                            f"{entry.key}: {link} {parent_key!r} {why}",
                            "crossref",
                        )  # fmt: skip
                    )
                    continue
                parent = self.resolved(parent, active | {low})
                renames = _inherited_names(parent.entry_type, entry.entry_type, link)
                # a parent's own booktitle wins over its title renamed (BibTeX's crossref
                # copies booktitle, which a BibTeX @proceedings carries for its papers)
                own = {f.key.lower() for f in parent.fields}
                for f in parent.fields:
                    name = renames.get(f.key.lower(), f.key.lower())
                    if name in NOT_INHERITED or name in have or name in ("title", "subtitle"):
                        continue
                    if name != f.key.lower() and name in own:
                        continue
                    fields.append(Field(name if name != f.key.lower() else f.key, f.value))
                    have.add(name)
        fields = [f for f in fields if f.key.lower() not in ("crossref", "xdata")]
        out = Entry(entry.entry_type, entry.key, fields, start_line=entry.start_line)
        done[low] = out
        return out


_MULTIVOLUME = frozenset({"mvbook", "mvcollection", "mvproceedings", "mvreference"})
_IN_BOOK = frozenset({"inbook", "incollection", "inproceedings", "conference", "bookinbook",
                      "suppbook", "suppcollection", "inreference"})  # fmt: skip


def _inherited_names(parent_type: str, child_type: str, link: str) -> dict[str, str]:
    """How a parent's title fields are named in the child (biblatex's inheritance rules).

    A multi-volume work's title is the child's ``maintitle``; a book's, collection's or
    proceedings' title is the ``booktitle`` of a part of it; a periodical's title is its
    articles' ``journaltitle``. ``xdata`` lends fields under their own names.
    """
    parent_type, child_type = parent_type.lower(), child_type.lower()
    if link != "crossref":
        return {}
    if parent_type in _MULTIVOLUME:
        return {"title": "maintitle", "subtitle": "mainsubtitle", "titleaddon": "maintitleaddon"}
    if parent_type in _BOOKLIKE and (child_type in _IN_BOOK or child_type not in _BOOKLIKE):
        return {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon"}
    if parent_type == "periodical":
        return {"title": "journaltitle", "subtitle": "journalsubtitle"}
    return {}


def _writable_copy(block: Block) -> Block:
    """A copy of ``block`` that writing may change (:class:`AddEnclosingMiddleware`
    rewrites the values of entries and strings and pops their parser metadata).

    What ``copy.deepcopy`` would give for what the writer reads, at a fraction of
    its cost; other blocks are written as they are, unchanged.
    """
    if isinstance(block, Entry):
        fields = [Field(f.key, f.value, f.start_line, f.enclosing) for f in block.fields]
        copy: Block = Entry(block.entry_type, block.key, fields, block.start_line, block.raw)
    elif isinstance(block, String):
        copy = String(block.key, block.value, block.start_line, block.raw, block.enclosing)
    else:
        return block
    copy.parser_metadata.update(block.parser_metadata)
    return copy


#: Where values start in written entries (``value_column``): after ``  name = `` padded.
_VALUE_COLUMN = 16


@paused_gc()  # builds an entry's worth of objects per block, none in a cycle
def write_bib(blocks: Iterable[Block]) -> str:
    """BibTeX text for these blocks: values braced, aligned, one blank line between.

    The blocks are not changed (the writer works on copies of entries and strings).
    A list of entries with distinct keys (what export writes) is written entry by
    entry, each plain entry (text values, no enclosing asked for) by
    :func:`_plain_entry_text`, several times faster than bibtexparser's writer and
    to the same text.
    """
    blocks = list(blocks)
    if all(type(b) in (Entry, LazyEntry) for b in blocks) and len(
        {b.key for b in blocks}  # type: ignore[attr-defined]
    ) == len(blocks):
        entries = cast(list[Entry], blocks)
        return "\n".join(_plain_entry_text(e) or _write_blocks([e]) for e in entries)
    return _write_blocks(blocks)


def _plain_entry_text(entry: Entry) -> str | None:
    """An entry as bibtexparser writes it with :func:`write_bib`'s format, if every
    value is text with no enclosing asked for (each is then braced); else ``None``."""
    out = ["@", entry.entry_type, "{", entry.key, ",\n"]
    for f in entry.fields:
        value = f.value
        if f.enclosing is not None or type(value) is not str:
            return None
        pad = _VALUE_COLUMN - len(f.key) - 3
        out += ("  ", f.key, " " * pad if pad > 0 else "", " = {", value, "},\n")
    out.append("}\n")
    return "".join(out)


def _write_blocks(blocks: list[Block]) -> str:
    library = Library([_writable_copy(b) for b in blocks])
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.value_column = _VALUE_COLUMN  # fixed: a long hand-added name does not re-align all
    fmt.block_separator = "\n"
    fmt.trailing_comma = True
    fmt.parsing_failed_comment = ""  # a block difbib could not read is written back as it was
    stack = [
        AddEnclosingMiddleware(
            reuse_previous_enclosing=False,
            enclose_integers=True,
            default_enclosing="{",
            allow_inplace_modification=True,  # on the copies
        )
    ]
    return bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=fmt)
