"""The block structure of a Markdown reading list, read in one pass over its lines.

A reading list is read in two steps. This module does the first: it cuts the text
into *headings* and *units*, the places a paper can be written in:

* a **list item** (``-``, ``*``, ``+``, ``1.`` or ``1)``), with its continuation lines;
  an item indented under another is its child (sub-bullets hold authors, venues and
  code links, or papers of their own: :mod:`difbib.sources.readinglist` decides);
* a **table row** of a pipe table (the header row names the columns; the alignment
  row and the header are not units);
* a **paragraph**, cut where a line starts with a bold title, so that papers written
  one per line (``**Title** ⭐⭐ [[Paper](...)]``) are units of their own.

It follows CommonMark where that matters for lists of papers: fenced code is not
content, HTML comments are not content (however many lines they span), ATX and
setext headings, blockquotes are read as their content, and lines that hold only
layout tags (``<details>``, ``<summary>``, ``<p align="center">``) separate units
without hiding what is between them.

**Linear time.** Every line is looked at a bounded number of times, with string
methods and regular expressions whose repetitions are bounded, so a list of 100,000
sections or a line of a million spaces reads in time proportional to its size.
A full CommonMark parser (markdown-it-py) was measured for this: 0.8 s for a list of
3,000 papers and 28 s for 100,000 sections (4 s for its block pass alone), which is
too slow for the reader's budget; what the reader needs of Markdown is the block
structure above, kept here in one small module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BULLET = re.compile(r"(?P<marker>[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_TAG = re.compile(r"<[^<>\n]{0,1000}>")
_DELIM_CELL = re.compile(r":?-{1,}:?")


@dataclass
class Heading:
    """A heading: its line, level (1 for ``#``) and raw text (markup not yet removed)."""

    line: int
    level: int
    text: str


@dataclass
class Unit:
    """A list item, table row or paragraph: where one paper can be written.

    ``lines`` are the unit's own lines (line number, text without the list marker);
    a list item's children are separate units whose ``parent`` is the item. ``group``
    is shared by siblings: the items of one list (at one depth), the rows of one
    table, or the paragraphs of one section. ``section`` is the index in
    :attr:`Document.headings` of the heading above the unit (-1 for none).
    """

    kind: str  # "item", "row" or "para"
    lines: list[tuple[int, str]]
    section: int
    group: int
    parent: Unit | None = None
    indent: int = 0
    cells: list[str] | None = None
    header: list[str] | None = None
    children: list[Unit] = field(default_factory=list)
    from_heading: bool = False  # the text of a heading that links to arXiv

    @property
    def line(self) -> int:
        return self.lines[0][0]


@dataclass
class Document:
    """Headings and units in document order, and the link reference definitions."""

    headings: list[Heading]
    units: list[Unit]
    references: dict[str, str] = field(default_factory=dict)
    #: headings that are a paper's title, not a section (set by the reader)
    paper_headings: set[int] = field(default_factory=set)


def strip_comments(text: str) -> str:
    """The text with every ``<!-- ... -->`` comment blanked out, line numbers kept.

    An unclosed comment runs to the end of the text, as it does on GitHub.
    """
    if "<!--" not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            out.append(text[pos:])
            break
        out.append(text[pos:start])
        end = text.find("-->", start + 4)
        stop = len(text) if end < 0 else end + 3
        out.append("\n" * text.count("\n", start, stop))
        pos = stop
    return "".join(out)


def split_cells(row: str) -> list[str]:
    """The cells of a pipe-table row (``\\|`` and pipes in code spans stay in a cell)."""
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    cells: list[str] = []
    current: list[str] = []
    in_code = False
    prev = ""
    for ch in row:
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code and prev != "\\":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        prev = ch
    cells.append("".join(current).strip())
    return cells


def _is_delimiter_row(stripped: str) -> bool:
    if "-" not in stripped or not set(stripped) <= set("|:- \t"):
        return False
    cells = [c for c in split_cells(stripped)]
    return bool(cells) and all(_DELIM_CELL.fullmatch(c) for c in cells if c) and any(cells)


def _is_layout_only(stripped: str) -> bool:
    """A line of tags only (``<details>``, ``</p>``, ``<summary>2024</summary>``, an image).

    Such a line separates units, as a blank line does; a line with a link is content.
    """
    if not stripped.startswith("<") or "href" in stripped.lower():
        return False
    if stripped.lower().startswith("<summary"):
        return True
    return not _TAG.sub("", stripped).strip()


def _is_break(stripped: str) -> bool:
    """``---``, ``***``, ``___`` (spaces allowed): a thematic break."""
    compact = stripped.replace(" ", "")
    return len(compact) >= 3 and not compact.strip(compact[0])


def _indent(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


_REFERENCE = re.compile(
    r" {0,3}\[(?P<label>[^\[\]\n]{1,200})\]:[ \t]{0,10}<?(?P<url>\S{1,2000}?)>?(?:[ \t].{0,300})?"
)


def scan(text: str) -> Document:
    """Cut reading-list text (already decoded) into headings and units."""
    lines = strip_comments(text).splitlines()
    headings: list[Heading] = []
    units: list[Unit] = []
    references: dict[str, str] = {}
    stack: list[Unit] = []  # open list items, outermost first
    para: Unit | None = None
    table: Unit | None = None  # the header row of the open table (not a unit)
    in_table = False
    fence = ""
    blank_before = True
    group = 0
    list_groups: dict[int, int] = {}  # id(parent item) or 0 -> group of its children
    section_group = -1

    def new_group() -> int:
        nonlocal group
        group += 1
        return group

    def close_lists() -> None:
        stack.clear()
        list_groups.clear()

    for no, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if fence:
            if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = ""
            continue
        if not stripped:  # a blank line (the most common line: tested first)
            blank_before = True
            para = None
            in_table = False
            continue
        if stripped[0] == ">":
            raw = stripped.lstrip("> \t")
            stripped = raw.strip()
        if stripped[:3] in ("```", "~~~"):
            marker = stripped[0]
            fence = marker * (len(stripped) - len(stripped.lstrip(marker)))
            para = None
            in_table = False
            continue
        if not stripped or (stripped[0] == "<" and _is_layout_only(stripped)):
            blank_before = True
            para = None
            in_table = False
            continue
        indent = _indent(raw) if raw[:1] in " \t" else 0

        # Headings: ATX (# Title) and setext (Title / ===).
        if stripped[0] == "#" and indent <= 3:
            hashes = len(stripped) - len(stripped.lstrip("#"))
            rest = stripped[hashes:]
            if hashes <= 6 and (not rest or rest[0] in " \t"):
                body = rest.strip()
                trimmed = body.rstrip("#")
                if trimmed != body and (not trimmed or trimmed[-1] in " \t"):
                    body = trimmed.rstrip()
                headings.append(Heading(no, hashes, body))
                para, in_table, blank_before = None, False, True
                close_lists()
                section_group = new_group()
                if "](" in body and "arxiv" in body.lower():  # ### [Title](arXiv link)
                    units.append(Unit("para", [(no, body)], len(headings) - 1, section_group,
                                      from_heading=True))  # fmt: skip
                continue
        if (
            para is not None
            and not stack
            and len(para.lines) == 1
            and indent <= 3
            and len(stripped) >= 2
            and stripped[0] in "=-"
            and not stripped.strip(stripped[0])  # all '=' or all '-'
            and "](" not in para.lines[0][1]
            and "http" not in para.lines[0][1]
        ):
            assert units[-1] is para  # an open paragraph is always the last unit
            units.pop()
            headings.append(Heading(para.line, 1 if stripped[0] == "=" else 2, para.lines[0][1]))
            para, blank_before = None, True
            close_lists()
            section_group = new_group()
            continue
        first = stripped[0]
        if first in "-*_" and stripped[-1] == first and indent <= 3 and _is_break(stripped):
            para, in_table, blank_before = None, False, True  # a thematic break
            continue
        ref = _REFERENCE.fullmatch(raw) if stripped[0] == "[" and "]:" in stripped else None
        if ref:
            references[ref["label"].strip().lower()] = ref["url"]
            para, blank_before = None, False
            continue

        # Tables: a header row followed by an alignment row, then body rows.
        if "|" in stripped:
            if in_table and table is not None:
                if not _is_delimiter_row(stripped):
                    units.append(
                        Unit("row", [(no, stripped)], len(headings) - 1, table.group,
                             cells=split_cells(stripped), header=table.cells)
                    )  # fmt: skip
                blank_before = False
                continue
            nxt = lines[no].strip() if no < len(lines) else ""
            if _is_delimiter_row(nxt) and not _is_delimiter_row(stripped):
                table = Unit("row", [(no, stripped)], len(headings) - 1, new_group(),
                             cells=split_cells(stripped))  # fmt: skip
                in_table, para, blank_before = True, None, False
                if indent <= 1:
                    close_lists()
                continue
        in_table = False

        # List items.
        first = stripped[0]
        maybe_bullet = (  # the quick test before the regex
            stripped[1:2] in ("", " ", "\t") if first in "-*+" else first.isdigit()
        )
        bullet = _BULLET.match(stripped) if maybe_bullet and indent < 40 else None
        if bullet and bullet["marker"][0].isdigit() and para is not None and not blank_before:
            bullet = bullet if bullet["marker"][:-1] == "1" else None  # as CommonMark
        if bullet:
            while stack and stack[-1].indent >= indent:
                stack.pop()
            parent = stack[-1] if stack else None
            key = id(parent) if parent is not None else 0
            if key not in list_groups:
                list_groups[key] = new_group()
            content = stripped[bullet.end() :]
            item = Unit("item", [(no, content)], len(headings) - 1, list_groups[key],
                        parent=parent, indent=indent)  # fmt: skip
            if parent is not None:
                parent.children.append(item)
            units.append(item)
            stack.append(item)
            para, blank_before = None, False
            continue

        # Continuation lines of an item, or paragraphs.
        if stack:
            if blank_before:
                while stack and stack[-1].indent >= indent:
                    stack.pop()
            if stack:
                stack[-1].lines.append((no, stripped))
                blank_before = False
                continue
            list_groups.clear()
        if para is not None and not blank_before and not _starts_title(stripped, para):
            para.lines.append((no, stripped))
        else:
            para = Unit("para", [(no, stripped)], len(headings) - 1, section_group)
            units.append(para)
        blank_before = False
    return Document(headings, units, references)


def _starts_title(stripped: str, para: Unit) -> bool:
    """Whether a line starts a new paper inside a paragraph.

    A bold title starts one (``**Title** ⭐⭐``), and so does an HTML table row or list
    item (``<tr><td><a href="...">Title</a></td>...``); so does a link at the start of the
    line (``[Title](url)``, not ``[[Paper](url)]``) once the paragraph holds a link:
    lists written one paper per line, without bullets.
    """
    s = stripped.lstrip("⭐★ \t")
    if s.startswith(("**", "__", "<tr", "<li", "<TR", "<LI")):  # HTML rows and items too
        return True
    if s.startswith("<a ") or (s.startswith("[") and s[1:2] not in ("[", "!", "")):
        return any("](" in t or "href" in t for _, t in para.lines)
    return False
