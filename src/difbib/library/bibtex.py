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

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares import AddEnclosingMiddleware, RemoveEnclosingMiddleware
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import Block, Entry, Field

from difbib.errors import BibError
from difbib.library.latex import make_safe, protect_capitals, tex_to_text
from difbib.sources.record import ArxivRecord, is_group_author
from difbib.sources.textfold import ascii_fold

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
        particle = []
        while len(words) > 1 and words[0][:1].islower():
            particle.append(words.pop(0))
        return given.strip(), " ".join(particle), " ".join(words)
    words = name.split()
    if len(words) < 2:
        return "", "", name
    family = words.pop()
    particle: list[str] = []
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


def split_authors(value: str) -> list[str]:
    """The names of a BibTeX ``author`` value (split on top-level ``and``)."""
    return [n.strip() for n in split_multiple_persons_names(value) if n.strip()]


def person(name: str) -> Person:
    """Split one BibTeX name by BibTeX's grammar; groups (``{Black Forest Labs}``) stay whole."""
    braced = name.startswith("{") and name.endswith("}") and name.count("{") == 1
    bare = name[1:-1] if braced else name
    if braced or is_group_author(bare) or len(bare.split()) < 2:
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


def split_keywords(value: str | None) -> list[str]:
    if not value:
        return []
    return [k.strip() for k in re.split(r"[,;]", value) if k.strip()]


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


def parse_bib(text: str, *, source: str = "<string>") -> Library:
    """Parse BibTeX text; raises :class:`BibError` naming the first broken block."""
    library = bibtexparser.parse_string(text, parse_stack=[RemoveEnclosingMiddleware()])
    if library.failed_blocks:
        block = library.failed_blocks[0]
        line = (block.start_line or 0) + 1
        reason = str(block.error).splitlines()[0] if str(block.error) else "cannot be parsed"
        more = len(library.failed_blocks) - 1
        raise BibError(
            f"{source} line {line}: {reason}"
            + (f" (and {more} more broken block(s))" if more else "")
            + "; fix it by hand (or restore the file from version control) and run again"
        )
    return library


def read_bib(path: str | Path) -> Library:
    """Read a ``.bib`` file (a missing file is an empty library)."""
    path = Path(path)
    if not path.exists():
        return Library()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise BibError(
            f"{str(path)!r} is not UTF-8 (byte {err.start}); convert it to UTF-8 and run again"
        ) from None
    except OSError as err:
        raise BibError(f"cannot read {str(path)!r}: {err.strerror}") from None
    return parse_bib(text, source=str(path))


def write_bib(blocks: Iterable[Block]) -> str:
    """BibTeX text for these blocks: values braced, aligned, one blank line between."""
    library = Library(list(blocks))
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.value_column = 16  # fixed, so a long hand-added field name does not re-align all
    fmt.block_separator = "\n"
    fmt.trailing_comma = True
    stack = [
        AddEnclosingMiddleware(
            reuse_previous_enclosing=False,
            enclose_integers=True,
            default_enclosing="{",
            allow_inplace_modification=False,
        )
    ]
    return bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=fmt)
