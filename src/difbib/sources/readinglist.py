"""The curated reading list: a Markdown file of papers in sections.

The format, as research groups write it::

    ## 🧪 Model Distillation

    **Improved Distribution Matching Distillation for Fast Image Synthesis** ⭐⭐⭐⭐ \\
    [[Paper](https://arxiv.org/pdf/2405.14867)]
    [[Project Page](https://github.com/...)]

* ``##`` headings are categories (emoji are ignored); a heading with no paper under
  it (``Contents``, ``Rating``) is not a category. Deeper headings inside a
  category are sub-sections of it. A list with no paper under any ``##`` heading
  uses its shallowest heading level that has papers.
* A paper is a bold title, optionally in a list item, followed on the same line by a
  run of ``⭐`` (its rating, 1 to 5) and, on that line or the next ones, by links.
* A paper listed under two headings is one paper with two categories.

Real lists are messy, so :func:`parse_list` takes them as they are: CRLF line ends,
a byte-order mark, UTF-8 that was once decoded as Mac Roman (``‚≠ê`` for ``⭐``),
papers without rating or links, malformed arXiv ids. Each such thing becomes a
:class:`Notice` with its line number, never an exception and never a silent drop.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from difbib.errors import ListError
from difbib.sources.ids import InvalidArxivId, arxiv_id_from_url, arxiv_ids_in_text, parse_arxiv_id
from difbib.sources.textfold import ascii_fold

STAR = "⭐"
_STARS = re.compile(r"[⭐★]")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_PAPER = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?P<pre>[⭐★\s]*)\*\*(?P<title>.+?)\*\*(?P<rest>.*)$"
)
_MD_LINK = re.compile(r"\[(?P<label>[^\[\]]*)\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
# A venue and year written next to a paper: "(CVPR 2025)", "NeurIPS 2024.", "ICLR'25".
_VENUE_HINT = re.compile(
    r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*(?: [A-Z][a-z]+)?\s*(?:'\d\d|(?:19|20)\d\d)\b"
)
_BARE_URL = re.compile(r"<?(?P<url>https?://[^\s<>()\[\]]+)>?")

# Words that say nothing about a topic; they never become a category's slug.
_GENERIC_WORDS = {
    "a", "an", "and", "the", "of", "for", "in", "on", "to", "with", "via", "by",
    "model", "models", "concept", "concepts", "image", "images", "generation",
    "learning", "method", "methods", "paper", "papers", "id",
}  # fmt: skip


@dataclass(frozen=True)
class Notice:
    """Something in the list worth telling the user: where, and what."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Category:
    """A section of the reading list.

    ``slug`` is the short name users type (``distillation``); ``aliases`` are the
    other names that find it: every significant word of the heading, its initials
    (``rl``) and the whole heading in slug form.
    """

    heading: str
    slug: str
    aliases: tuple[str, ...] = ()
    line: int | None = None


@dataclass
class Link:
    label: str
    url: str
    line: int


@dataclass
class ListedPaper:
    """One paper as the reading list gives it.

    ``arxiv_id`` is the validated id its links hold (None when they hold none or
    only a malformed one); ``bad_ids`` keeps malformed ids, so that they are
    reported and the paper is resolved by its title instead.
    """

    title: str
    line: int
    rating: int | None = None
    categories: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    arxiv_id: str | None = None
    bad_ids: list[tuple[int, str, str]] = field(default_factory=list)
    venue_hint: str | None = None  # "CVPR 2025" written next to the paper: a hint, not a source

    @property
    def needs_search(self) -> bool:
        return self.arxiv_id is None


@dataclass
class ReadingList:
    """A parsed reading list: categories in list order, papers in first-seen order."""

    title: str | None
    categories: list[Category]
    papers: list[ListedPaper]
    notices: list[Notice] = field(default_factory=list)
    repaired_encoding: bool = False
    path: Path | None = None
    level: int = 2  # the heading level of categories

    def category(self, heading: str) -> Category:
        for cat in self.categories:
            if cat.heading == heading:
                return cat
        raise KeyError(heading)


# -- encoding ---------------------------------------------------------------------

_MOJIBAKE_RUN = re.compile(r"[^\x00-\x7f]+")


def repair_mojibake(text: str) -> tuple[str, int]:
    """Undo UTF-8 that was decoded as Mac Roman, returning the text and the repair count.

    The whole-text round trip (encode as Mac Roman, decode as UTF-8) is tried first;
    when the text also holds characters Mac Roman cannot encode, each run of
    non-ASCII characters is repaired on its own. A run is only replaced when its
    round trip decodes as valid UTF-8, so correct text (``Michaël``) stays as it is.
    """
    try:
        fixed = text.encode("mac_roman").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    else:
        if fixed != text:
            return fixed, sum(1 for _ in _MOJIBAKE_RUN.finditer(text))
        return text, 0

    count = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        run = m.group(0)
        try:
            out = run.encode("mac_roman").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run
        if out != run:
            count += 1
        return out

    return _MOJIBAKE_RUN.sub(fix, text), count


def decode_list_bytes(data: bytes) -> tuple[str, list[Notice], bool]:
    """Decode a reading list's bytes, repairing Mac Roman mojibake if present."""
    notices: list[Notice] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        text = data.decode("cp1252", errors="replace")
        line = data[: err.start].count(b"\n") + 1
        notices.append(Notice(line, "the list is not valid UTF-8; read it as Windows-1252 instead"))
    text, repaired = repair_mojibake(text)
    if repaired:
        notices.append(
            Notice(
                None,
                f"repaired broken encoding in {repaired} places "
                "(UTF-8 that was read as Mac Roman, e.g. '‚≠ê' for '⭐')",
            )
        )
    return text, notices, bool(repaired)


# -- categories -------------------------------------------------------------------


def clean_heading(text: str) -> str:
    """A heading without emoji, symbols, Markdown emphasis or anchors."""
    text = re.sub(r"\{#[^}]*\}\s*$", "", text)
    text = re.sub(r"[*_`]", "", text)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] in "LNZ" or ch in "-&/+.,:'()":
            kept.append(ch)
        else:
            kept.append(" ")
    out = re.sub(r"\s+", " ", "".join(kept)).strip(" -:")
    return out


def heading_words(heading: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", ascii_fold(heading).lower()) if w]


def make_category(heading: str, line: int | None = None) -> Category:
    """A category with its slug and aliases, derived from the heading alone."""
    words = heading_words(heading)
    significant = [w for w in words if w not in _GENERIC_WORDS] or words or ["misc"]
    if len(significant) == 1 or (len(significant) == 2 and len(words) <= 3):
        slug = "-".join(significant)
    else:
        slug = max(significant, key=len)
    aliases = {"-".join(words), *significant}
    if len(words) > 1:
        aliases.add("".join(w[0] for w in words))
    aliases.discard(slug)
    return Category(heading, slug, tuple(sorted(aliases)), line)


def _dedupe_slugs(categories: list[Category]) -> None:
    seen: dict[str, int] = {}
    for cat in categories:
        if cat.slug in seen:
            seen[cat.slug] += 1
            cat.slug = "-".join(heading_words(cat.heading)) or f"{cat.slug}-{seen[cat.slug]}"
        seen.setdefault(cat.slug, 1)


# -- papers -----------------------------------------------------------------------


def normalize_title(title: str) -> str:
    """Lowercase ASCII words of a title, for matching titles that differ in punctuation."""
    return " ".join(heading_words(title))


def _clean_title(raw: str) -> str:
    title = re.sub(r"\s+", " ", raw).strip()
    return title.strip("*").strip()


def _links_in(text: str, line: int) -> list[Link]:
    links = [Link(m["label"].strip(), m["url"], line) for m in _MD_LINK.finditer(text)]
    rest = _MD_LINK.sub(" ", text)
    links += [Link("", m["url"].rstrip(".,;"), line) for m in _BARE_URL.finditer(rest)]
    return links


def _resolve_ids(paper: ListedPaper, block_text: Iterable[tuple[int, str]]) -> None:
    """Find the paper's arXiv id in its links (and ``arXiv:ID`` mentions)."""
    candidates: list[tuple[int, str]] = []
    for link in paper.links:
        raw = arxiv_id_from_url(link.url)
        if raw:
            candidates.append((link.line, raw))
    for line, text in block_text:
        candidates += [(line, raw) for raw in arxiv_ids_in_text(_MD_LINK.sub(" ", text))]
    for line, raw in candidates:
        try:
            aid = parse_arxiv_id(raw)
        except InvalidArxivId as err:
            paper.bad_ids.append((line, raw, str(err)))
            continue
        if paper.arxiv_id is None:
            paper.arxiv_id = aid.id


def parse_list(text: str, *, path: Path | None = None) -> ReadingList:
    """Parse reading-list text (already decoded) into categories and papers."""
    lines = text.splitlines()
    headings: list[tuple[int, int, str]] = []  # (line, level, clean heading)
    raw_papers: list[tuple[int, str, str]] = []  # (line, title, rest of line)
    for no, line in enumerate(lines, start=1):
        h = _HEADING.match(line)
        if h:
            headings.append((no, len(h.group(1)), clean_heading(h.group(2))))
            continue
        p = _PAPER.match(line)
        if p and _looks_like_paper(p["title"], p["rest"], lines, no):
            raw_papers.append((no, p["title"], p["pre"] + p["rest"]))

    level = _category_level(headings, raw_papers)
    notices: list[Notice] = []
    title = next((h for _, lvl, h in headings if lvl == 1), None)

    # Walk the document: each paper belongs to the nearest category heading above it.
    events = sorted([(no, "h", (lvl, h)) for no, lvl, h in headings] + [
        (no, "p", (t, rest)) for no, t, rest in raw_papers
    ])  # fmt: skip
    categories: dict[str, Category] = {}
    current: Category | None = None
    papers: list[ListedPaper] = []
    by_identity: dict[str, ListedPaper] = {}
    paper_lines = [no for no, _, _ in raw_papers]
    heading_lines = [no for no, _, _ in headings]

    for no, kind, payload in events:
        if kind == "h":
            lvl, heading = payload
            if lvl < level:
                current = None
            elif lvl == level:
                current = categories.get(heading) or make_category(heading, no)
            continue
        raw_title, rest = payload
        if current is None:
            notices.append(Notice(no, f"paper {raw_title!r} is under no category; skipped"))
            continue
        end = _block_end(no, paper_lines, heading_lines, len(lines))
        paper = _make_paper(no, raw_title, rest, lines, end, notices)
        key = paper.arxiv_id or normalize_title(paper.title)
        existing = by_identity.get(key) or by_identity.get(normalize_title(paper.title))
        if existing is None:
            paper.categories.append(current.heading)
            papers.append(paper)
            by_identity[key] = paper
            by_identity.setdefault(normalize_title(paper.title), paper)
        else:
            _merge_duplicate(existing, paper, current.heading, notices)
        categories.setdefault(current.heading, current)

    cats = [c for c in categories.values()]
    _dedupe_slugs(cats)
    for paper in papers:
        if paper.rating is None:
            notices.append(Notice(paper.line, f"{paper.title!r} has no ⭐ rating"))
        for line, raw, reason in paper.bad_ids:
            notices.append(
                Notice(line, f"malformed arXiv id {raw!r}: {reason}; to be found by its title")
            )
        if paper.arxiv_id is None and not paper.bad_ids:
            notices.append(
                Notice(paper.line, f"{paper.title!r} has no arXiv link; to be found by its title")
            )
    notices.sort(key=lambda n: n.line or 0)
    return ReadingList(title, cats, papers, notices, path=path, level=level)


def _looks_like_paper(title: str, rest: str, lines: list[str], no: int) -> bool:
    """A bold line is a paper when it carries stars or links, here or just below."""
    if _STARS.search(rest) or _MD_LINK.search(rest) or _BARE_URL.search(rest):
        return True
    for nxt in lines[no : no + 3]:
        if _HEADING.match(nxt) or _PAPER.match(nxt):
            return False
        if _MD_LINK.search(nxt) or _BARE_URL.search(nxt):
            return True
    # A bold line alone is still a paper if it is not a note like "**Note:** ..."
    return not title.rstrip().endswith(":") and len(title) > 12 and not rest.strip()


def _category_level(headings: list[tuple[int, int, str]], papers: list[tuple[int, str, str]]):
    """The heading level that holds categories: 2, else the shallowest with papers."""
    owners: set[int] = set()
    for pno, _, _ in papers:
        above = [lvl for no, lvl, _ in headings if no < pno]
        owners.update(above[-1:])
        # any ## above this paper (before a shallower heading) also owns it
        for _, lvl, _ in reversed([h for h in headings if h[0] < pno]):
            if lvl == 2:
                owners.add(2)
                break
            if lvl < 2:
                break
    if 2 in owners or not owners:
        return 2
    return min(owners)


def _block_end(no: int, paper_lines: list[int], heading_lines: list[int], last: int) -> int:
    """Last line (inclusive) of the paper block starting at ``no``."""
    following = [n for n in paper_lines + heading_lines if n > no]
    return (min(following) - 1) if following else last


def _make_paper(
    no: int, raw_title: str, rest: str, lines: list[str], end: int, notices: list[Notice]
) -> ListedPaper:
    paper = ListedPaper(title=_clean_title(raw_title), line=no)
    stars = len(_STARS.findall(rest))
    if stars:
        if stars > 5:
            notices.append(Notice(no, f"{stars} stars is more than 5; rating set to 5"))
        paper.rating = min(stars, 5)
    block = [(no, rest)] + [(n, lines[n - 1]) for n in range(no + 1, end + 1)]
    for n, text in block:
        paper.links += _links_in(text, n)
        hint = _VENUE_HINT.search(_MD_LINK.sub(" ", text))
        paper.venue_hint = paper.venue_hint or (hint.group(0) if hint else None)
    _resolve_ids(paper, block)
    return paper


def _merge_duplicate(
    existing: ListedPaper, dup: ListedPaper, heading: str, notices: list[Notice]
) -> None:
    if heading not in existing.categories:
        existing.categories.append(heading)
    if dup.rating and existing.rating and dup.rating != existing.rating:
        notices.append(
            Notice(
                dup.line,
                f"{dup.title!r} is rated {existing.rating} on line {existing.line} and "
                f"{dup.rating} here; keeping {max(dup.rating, existing.rating)}",
            )
        )
    if dup.rating:
        existing.rating = max(existing.rating or 0, dup.rating)
    if existing.arxiv_id is None and dup.arxiv_id:
        existing.arxiv_id = dup.arxiv_id
    known = {link.url for link in existing.links}
    existing.links += [link for link in dup.links if link.url not in known]


def utf16_bom(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when ``data`` starts with that byte-order mark."""
    return {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}.get(data[:2])


def read_list(path: str | Path) -> ReadingList:
    """Read and parse a reading list file; raises :class:`ListError` if unreadable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ListError(
            f"reading list {str(path)!r} not found; pass --list PATH or create it"
        ) from None
    except IsADirectoryError:
        raise ListError(f"reading list {str(path)!r} is a folder; pass a Markdown file") from None
    except OSError as err:
        raise ListError(f"cannot read reading list {str(path)!r}: {err.strerror}") from None
    if utf16_bom(data):  # Windows editors save "Unicode" so: read it as the text it is
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as err:
            raise ListError(f"{str(path)!r} is broken UTF-16 (byte {err.start})") from None
    if b"\x00" in data[:4096]:
        raise ListError(f"{str(path)!r} is a binary file, not a Markdown reading list")
    text, notices, repaired = decode_list_bytes(data)
    reading = parse_list(text, path=path)
    reading.notices[:0] = notices
    reading.repaired_encoding = repaired
    if not reading.papers:
        raise ListError(
            f"no papers found in {str(path)!r}; a paper is a line like "
            f"'**Title** {STAR}{STAR}{STAR}' under a '## Section' heading"
        )
    return reading
