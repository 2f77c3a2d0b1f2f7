"""``difbib add``: put a paper on the reading list, in the list's own format.

The paper is given by its arXiv id or URL; its title comes from arXiv (through the
cache). It is written at the end of its category's section::

    **Improved Distribution Matching Distillation for Fast Image Synthesis** ⭐⭐⭐⭐ \\
    [[Paper](https://arxiv.org/abs/2405.14867)]

A new category (``--new-category "Video Generation"``) becomes a new ``##`` section
at the end of the list. The list is rewritten atomically, with its line endings
kept; everything else in it stays byte for byte as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from difbib.errors import DifbibError, SelectionError
from difbib.fileio import atomic_write_bytes, locked
from difbib.sources.arxiv import Fetcher
from difbib.sources.ids import InvalidArxivId, arxiv_id_from_url, parse_arxiv_id
from difbib.sources.readinglist import (
    STAR,
    Category,
    ReadingList,
    parse_list,
    read_list,
    utf16_bom,
)
from difbib.sources.record import ArxivRecord

_HEADING = re.compile(r"^(#{1,6})\s")


@dataclass
class Added:
    record: ArxivRecord
    category: str
    new_category: bool


def parse_paper_ref(ref: str) -> str:
    """The arXiv id in ``ref`` (an id, ``arXiv:ID`` or an arXiv URL), validated."""
    raw = arxiv_id_from_url(ref) if "://" in ref else ref
    if raw is None:
        raise DifbibError(f"{ref!r} is not an arXiv link; give an id like 2405.14867 or its URL")
    try:
        return parse_arxiv_id(raw).id
    except InvalidArxivId as err:
        raise DifbibError(f"malformed arXiv id {raw!r}: {err}") from None


def find_category(reading: ReadingList, name: str) -> Category:
    """The list's category a user means (same rules as ``--category`` elsewhere)."""
    from difbib.library.queries import Library

    return Library([], reading.categories).category(name)


def add_paper(
    list_path: str | Path,
    ref: str,
    fetcher: Fetcher,
    *,
    category: str | None = None,
    new_category: str | None = None,
    rating: int | None = None,
) -> Added:
    """Add one paper to the reading list file; returns what was added.

    The list is checked before arXiv is asked (a wrong category fails at once), then
    read, edited and written again under its lock (:func:`difbib.fileio.locked`), so
    a paper another process added meanwhile stays.
    """
    if (category is None) == (new_category is None):
        raise DifbibError("say where the paper goes: --category NAME or --new-category HEADING")
    aid = parse_paper_ref(ref)
    list_path = Path(list_path)
    _place(read_list(list_path), list_path, aid, category, new_category)
    found = fetcher.fetch_ids([aid])
    if aid not in found:
        raise DifbibError(f"arXiv has no paper {aid}; check the id")
    record = found[aid]
    fetcher.cache.save()
    with locked(list_path, waiting=fetcher.progress):
        reading = read_list(list_path)
        cat, heading = _place(reading, list_path, aid, category, new_category)
        if rating is None:  # a paper listed elsewhere keeps its rating
            rating = next((p.rating for p in reading.papers if p.arxiv_id == aid), None)
        data = list_path.read_bytes()
        encoding = utf16_bom(data) or "utf-8"  # written back as it came
        text = data.decode(encoding if encoding != "utf-8" else "utf-8-sig", "surrogateescape")
        newline = "\r\n" if "\r\n" in text else "\n"
        bom = "\ufeff" if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) else ""
        text = text.removeprefix("\ufeff")
        block = [f"**{record.title}** {STAR * rating if rating else ''}".rstrip() + " \\",
                 f"[[Paper](https://arxiv.org/abs/{aid})]"]  # fmt: skip
        lines = text.splitlines()
        if cat is None:
            while lines and not lines[-1].strip():
                lines.pop()
            lines += ["", "#" * reading.level + " " + heading, "", *block]
        else:
            end = _section_end(lines, cat, reading.level)
            while end > 0 and not lines[end - 1].strip():
                end -= 1
            lines[end:end] = ["", *block]
        out = bom + newline.join(lines) + newline
        parse_list(out)  # the new list must still read
        atomic_write_bytes(list_path, out.encode(encoding, "surrogateescape"))
    return Added(record, heading, cat is None)


def _place(
    reading: ReadingList,
    list_path: Path,
    aid: str,
    category: str | None,
    new_category: str | None,
) -> tuple[Category | None, str]:
    """(category, heading) where the paper goes; None for a new category."""
    if new_category is not None:
        heading = new_category.strip()
        if any(c.heading.casefold() == heading.casefold() for c in reading.categories):
            raise SelectionError(
                f"category {heading!r} exists already; use --category to add to it"
            )
        return None, heading
    cat = find_category(reading, category or "")
    for paper in reading.papers:
        if paper.arxiv_id == aid and cat.heading in paper.categories:
            raise DifbibError(
                f"arXiv:{aid} is already listed under {cat.heading!r} "
                f"(first listed on {list_path} line {paper.line})"
            )
    return cat, cat.heading


def _section_end(lines: list[str], cat: Category, level: int) -> int:
    """Index (0-based, exclusive) of the end of a category's section."""
    start = (cat.line or 1) - 1
    for i in range(start + 1, len(lines)):
        m = _HEADING.match(lines[i])
        if m and len(m.group(1)) <= level:
            return i
    return len(lines)
