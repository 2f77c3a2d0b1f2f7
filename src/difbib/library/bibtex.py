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
import unicodedata
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
#: Fields difbib writes from the reading list (the list is their source of truth).
LIST_FIELDS = ("keywords", "ranking")
FIELD_ORDER = ARXIV_FIELDS + LIST_FIELDS

_KEY_STOPWORDS = {
    "a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "at", "by", "from",
    "is", "are", "via", "towards", "toward",
}  # fmt: skip


def ascii_fold(text: str) -> str:
    """``Michaël Ré`` → ``Michael Re`` (drops what has no ASCII form)."""
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# -- keys -------------------------------------------------------------------------


def family_name(author: str) -> str:
    """The family name of an author as arXiv writes it (``Given Family``)."""
    if is_group_author(author):
        return author
    try:
        parts = parse_single_name_into_parts(author, strict=False)
    except InvalidNameError:
        return author.split()[-1] if author.split() else author
    return " ".join(parts.last) or author


def base_key(record: ArxivRecord) -> str:
    """Google-Scholar-style key: first author's family name, year of v1, first title word.

    ASCII lowercase: ``yin2024improved``, ``blackforestlabs2025flux1``.
    """
    name = family_name(record.authors[0]) if record.authors else "anon"
    name = re.sub(r"[^a-z0-9]", "", ascii_fold(name).lower()) or "anon"
    word = ""
    for raw in record.title.split():
        w = re.sub(r"[^a-z0-9]", "", ascii_fold(raw).lower())
        if w and w not in _KEY_STOPWORDS:
            word = w
            break
    return f"{name}{record.year}{word}"


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


def format_authors(authors: Iterable[str]) -> str:
    """BibTeX ``author`` value: ``and``-separated, group names braced whole."""
    out = []
    for name in authors:
        name = make_safe(name)
        out.append("{" + name + "}" if is_group_author(name) else name)
    return " and ".join(out)


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


def arxiv_fields(record: ArxivRecord) -> dict[str, str]:
    """The BibTeX fields difbib makes from an arXiv record, LaTeX-safe."""
    fields = {
        "author": format_authors(record.authors),
        "title": protect_capitals(make_safe(record.title)),
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
