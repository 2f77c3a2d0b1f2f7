"""difbib's CSL-JSON against pandoc's, field by field: what the bench and the tests share.

pandoc (``pandoc FILE.bib -f bibtex -t csljson``, citeproc's BibTeX reader) is an
independent reference for the BibTeX → CSL mapping; difbib never depends on it. Items
are paired by ``id``, and for each compared field (:data:`FIELDS`) that pandoc fills,
difbib agrees when the two values are equal *as a reader would see them*
(:func:`value`):

* text is compared after Unicode NFC, white space collapsed and case folded (pandoc
  sentence-cases some titles; a style decides the case anyway), with typographic
  quotes read as straight ones (pandoc writes ``'`` as ``’``);
* ``page``: every dash is a hyphen (``--``, ``–``, ``-`` print as a page-range dash);
* ``DOI``: case folded (DOIs are case-insensitive);
* ``year``: the first year of ``issued``;
* ``author``: the family names in order (a ``literal`` name counts as its family),
  without pandoc's literal name "others" for BibTeX's ``and others``.

Where pandoc is wrong, the difference is *excused* (:func:`excuse`) and not counted:
each excuse is one general rule, stated in ``docs/mapping.md``, and the bench prints
how many fields each excused.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The compared fields (issue 14's list), as CSL names; ``year`` is ``issued``'s year.
FIELDS = ("type", "container-title", "volume", "issue", "page", "publisher", "DOI", "year",
          "author")  # fmt: skip

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def _text(value: Any) -> str:
    # pandoc writes emphasis as <i>...</i> in CSL-JSON: markup, not text
    text = re.sub(r"</?(?:i|b|sc|sup|sub|span)(?:\s[^>]*)?>", "", str(value)).translate(_QUOTES)
    # a dotless i under an accent ({\'\i}, as pandoc writes it) is the accented i
    text = unicodedata.normalize("NFC", re.sub("ı(?=[\u0300-\u036f])", "i", text))
    return re.sub(r"\s+", " ", text).strip().casefold()


def family(name: dict[str, Any]) -> str:
    """A CSL name's family as cited: its particles and family (``van der Vorst``), or
    the literal. pandoc and difbib may put a particle apart or in ``family`` (a braced
    ``{van der Vorst}`` is one family name to BibTeX, a particle and a family to pandoc)."""
    if name.get("literal"):
        return _text(name["literal"])
    parts = (name.get("dropping-particle"), name.get("non-dropping-particle"), name.get("family"))
    # a particle that ends in an apostrophe or hyphen joins the family (d'Alembert)
    return _text(re.sub(r"(?<=['’-]) ", "", " ".join(p for p in parts if p)))


def _names(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in item.get("author") or [] if n.get("literal") != "others"]


def value(item: dict[str, Any], name: str) -> str | None:
    """The comparable form of one field of a CSL-JSON item (``None``: not filled)."""
    if name == "year":
        parts = (item.get("issued") or {}).get("date-parts") or [[]]
        return str(parts[0][0]) if parts and parts[0] else None
    if name == "author":
        return "|".join(family(n) for n in _names(item)) or None
    raw = item.get(name)
    if raw in (None, ""):
        return None
    text = _text(raw)
    if name == "page":
        text = re.sub(r"\s*[-–—‐‑]+\s*", "-", text)
    return text or None


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def _without_commands(text: str) -> str:
    """``text`` without TeX control words and their braced arguments (as pandoc drops
    a command it does not know: ``\\acro{TUG} Board`` → ``Board``)."""
    return re.sub(r"\s+", " ", re.sub(r"\\[A-Za-z]+(?:\{[^{}]*\})*", "", text)).strip()


#: Why pandoc and difbib differ on a text where pandoc drops what it cannot read.
DROPS = "pandoc drops TeX commands it does not know (\\emdash, \\acro{TUG})"


def _name_excuse(theirs: dict[str, Any], mine: dict[str, Any] | None) -> str | None:
    if mine is not None and family(theirs) == family(mine):
        return ""
    if mine is None:
        return None
    if "\\" in family(mine) and _without_commands(family(mine)) == family(theirs):
        return DROPS
    if not family(theirs) and family(mine):  # pandoc dropped the whole name: \hologo{...}
        return DROPS
    if "(" in family(theirs) and re.sub(r"\([^()]*\)\s*", "", family(theirs)) == family(mine):
        return "pandoc reads a parenthesised given name (John (John F. R.) Collins) as family"
    if mine.get("given") and family(theirs) == _text(f"{mine['given']} {family(mine)}"):
        return "pandoc reads a given name that starts with a braced accent as family"
    if mine and mine.get("literal") and family(mine).endswith(" " + family(theirs)):
        return "difbib reads an unbraced group (LaTeX3 Project Team) as a group name"
    return None


def excuse(
    name: str, ref: dict[str, Any], mine: dict[str, Any], dois: dict[str, str] | None = None
) -> str | None:
    """Why a difference is pandoc's error and not difbib's (``None``: it is not).

    ``dois``: difbib's DOIs (comparable form) and the ids that have them. Each rule is
    general and documented in ``docs/mapping.md`` ("Where pandoc is wrong").
    """
    theirs, ours = value(ref, name), value(mine, name)
    if theirs is None:
        return None
    if name == "DOI":
        bare = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", theirs)
        if bare == ours:
            return "pandoc keeps a doi.org or doi: prefix in DOI"
        if re.sub(r"[{}\\]", "", bare) == ours:
            return "pandoc keeps TeX escapes in a DOI (10.1000/a{\\_}b)"
        if ours is None and dois and dois.get(bare, ref["id"]) != ref["id"]:
            return "pandoc gives a crossref child its parent's DOI"
    if (
        name == "type"
        and theirs == "webpage"
        and ours == "article"
        and mine.get("publisher") == "arXiv"
    ):
        return "pandoc calls an arXiv preprint in @online a webpage"
    if name == "type" and (theirs, ours) in (("legislation", "standard"), ("book", "software")):
        return "pandoc 2 predates CSL 1.0.2's standard and software types"
    if name == "year" and theirs == "0" and ours is None:
        return 'pandoc reads an empty or unreadable year (year = "", 19xx) as the year 0'
    if name == "publisher" and ours is None and re.fullmatch(r"https?://\S+", theirs):
        return "pandoc takes a howpublished URL for a publisher"
    if name == "publisher" and ours is not None:
        parts = list(dict.fromkeys(p.strip() for p in theirs.split(";")))
        if "; ".join(parts) == ours:
            return "pandoc repeats a publisher given twice"
    if (
        name in ("container-title", "publisher")
        and ours
        and (_letters(theirs) == _letters(ours) or _without_commands(ours) == theirs)
    ):
        return DROPS
    if name == "author":
        ours_names = _names(mine)
        theirs_names = _names(ref)
        joined = " ".join(str(v) for n in theirs_names for v in n.values())
        if len(theirs_names) < len(ours_names) and re.search(r"\sAND\s|\sAnd\s", joined):
            return "pandoc splits names at a lowercase 'and' only (BibTeX ignores case)"
        if len(ours_names) != len(theirs_names):
            return None
        why = [_name_excuse(a, b) for a, b in zip(theirs_names, ours_names, strict=True)]
        if all(w is not None for w in why):
            return next(w for w in why if w)
    return None


@dataclass
class FieldCount:
    """Fields pandoc fills, how many difbib agrees on, how many are excused."""

    filled: int = 0
    agree: int = 0
    excused: int = 0

    @property
    def counted(self) -> int:
        return self.filled - self.excused

    @property
    def share(self) -> float:
        return 100.0 * self.agree / self.counted if self.counted else 100.0


@dataclass
class Agreement:
    """One file's comparison: per-field counts, the differences, the excuses."""

    fields: dict[str, FieldCount] = field(default_factory=lambda: {n: FieldCount() for n in FIELDS})
    #: (id, field, pandoc's value, difbib's value) of every counted difference
    diffs: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    excuses: dict[str, int] = field(default_factory=dict)
    #: ids pandoc has and difbib does not
    missing: list[str] = field(default_factory=list)
    #: ids not compared (:func:`ambiguous_keys`)
    skipped: list[str] = field(default_factory=list)

    @property
    def total(self) -> FieldCount:
        out = FieldCount()
        for c in self.fields.values():
            out.filled += c.filled
            out.agree += c.agree
            out.excused += c.excused
        return out


def ambiguous_keys(path: Path) -> set[str]:
    """Keys of entries the file gives twice, or with a field given twice: BibTeX (and
    difbib) take the first, pandoc the last, so the two are not compared there."""
    import warnings

    from difbib.library import bibtex

    problems: list[bibtex.BibProblem] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bibtex.read_bib(path, problems=problems, warn=False)
    return {p.key for p in problems if p.key and p.kind in ("duplicate-key", "duplicate-field")}


def compare(
    ours: Iterable[dict[str, Any]],
    reference: Iterable[dict[str, Any]],
    skip: Collection[str] = (),
) -> Agreement:
    """difbib's items (``ours``) against pandoc's (``reference``), paired by id; the ids
    in ``skip`` (:func:`ambiguous_keys`) are counted in :attr:`Agreement.skipped` only."""
    by_id: dict[str, dict[str, Any]] = {}
    dois: dict[str, str] = {}
    for item in ours:
        by_id.setdefault(str(item["id"]), item)
        if (doi := value(item, "DOI")) is not None:
            dois.setdefault(doi, str(item["id"]))
    result = Agreement()
    seen: set[str] = set()
    for ref in reference:
        key = str(ref["id"])
        if key in seen:  # a key given twice: both readers keep one entry for it
            continue
        seen.add(key)
        if key in skip:
            result.skipped.append(key)
            continue
        mine_item = by_id.get(key)
        if mine_item is None:
            result.missing.append(key)
            mine_item = {}
        for name in FIELDS:
            theirs = value(ref, name)
            if theirs is None:
                continue
            count = result.fields[name]
            count.filled += 1
            mine = value(mine_item, name)
            if mine == theirs:
                count.agree += 1
                continue
            why = excuse(name, ref, mine_item, dois)
            if why:
                count.excused += 1
                result.excuses[why] = result.excuses.get(why, 0) + 1
            else:
                result.diffs.append((key, name, theirs, mine))
    return result


class PandocError(Exception):
    """pandoc could not read a file at all."""


def pandoc_csl(path: Path, *, max_drops: int = 50) -> tuple[list[dict[str, Any]], list[int]]:
    """pandoc's CSL-JSON for a ``.bib`` file, and the lines of blocks it could not read.

    pandoc stops at the first block it cannot parse (an ``@string`` name with a
    hyphen, an unusual entry type); that block is left out of pandoc's input (only
    pandoc's: the reference then lacks those entries, which are not compared) and
    pandoc runs again, up to ``max_drops`` times.
    """
    if shutil.which("pandoc") is None:
        raise PandocError("pandoc is not installed")
    data = path.read_bytes()
    try:  # pandoc reads UTF-8 only: give it the text difbib reads (cp1252 if not UTF-8)
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines(keepends=True)
    dropped: list[int] = []
    while True:
        proc = subprocess.run(
            ["pandoc", "-f", "bibtex", "-t", "csljson"],
            input="".join(lines),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode == 0:
            return json.loads(proc.stdout), dropped
        m = re.search(r"\(line (\d+), column \d+\)", proc.stderr)
        if not m or len(dropped) >= max_drops:
            raise PandocError(proc.stderr.strip().splitlines()[0] if proc.stderr else "failed")
        at = min(int(m.group(1)) - 1, len(lines) - 1)
        start = at
        while start > 0 and not lines[start].lstrip().startswith("@"):
            start -= 1
        end = at + 1
        while end < len(lines) and not lines[end].lstrip().startswith("@"):
            end += 1
        dropped.append(start + 1)
        lines[start:end] = ["\n"] * (end - start)  # keep line numbers
