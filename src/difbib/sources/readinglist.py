"""The curated reading list: a Markdown file of papers in sections.

The seed's format, as the group writes it::

    ## 🧪 Model Distillation

    **Improved Distribution Matching Distillation for Fast Image Synthesis** ⭐⭐⭐⭐ \\
    [[Paper](https://arxiv.org/pdf/2405.14867)]
    [[Project Page](https://github.com/...)]

and the layouts of public "awesome" lists: link items (``- [Title](arxiv link), CVPR
2024``), tables (``| Title | Venue | Paper | Code |``), bold titles anywhere in an item
(``* (CVPR 2023) **Title**, A. Author [[Paper](url)]``), links inside the bold,
``***ACRO:*** Rest of the Title``, venue-grouping bullets (``- **CVPR**`` with papers
under it).

Reading goes in two steps. :mod:`difbib.sources.markdown` cuts the text into headings
and *units* (list items, table rows, paragraphs). This module reads each unit: its
title, arXiv id, rating, venue and links; decides whether it is a paper, a label, a
resource (a blog post, a video) or noise; and gives each paper its category.

* **Categories** are the headings of one level, decided from the structure: the
  shallowest level at which two or more headings hold papers; a lone ``#`` title is a
  container, not a category level. Deeper headings are sub-sections of the category
  above them, and papers directly under a category, before its first sub-section,
  belong to it. A heading with no paper under it (``Contents``) is no category.
* **Precision first.** An arXiv id belongs to the paper in whose unit it appears (a
  sub-bullet without a title of its own, such as ``- [Code](...)``, is part of the
  item above it), and to no other. A unit without an id is a paper only when it looks
  like one: it has a paper, PDF or proceedings link, a ``⭐`` rating, or it sits among
  papers (a list item or table row beside papers with ids, or a bold-title paragraph).
  Blog posts, videos and notebooks without a paper link are *resources*: reported,
  never searched for on arXiv.
* The same id under two headings is one paper with two categories; the same title
  with two different ids is two papers.

Real lists are messy, so :func:`parse_list` takes them as they are: CRLF line ends,
a byte-order mark, UTF-8 that was once decoded as Mac Roman (``‚≠ê`` for ``⭐``),
papers without rating or links, malformed arXiv ids. Each such thing becomes a
:class:`Notice` with its line number, never an exception and never a silent drop.
Reading is linear in the size of the list (see :mod:`difbib.sources.markdown`).
"""

from __future__ import annotations

import bisect
import html
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from difbib.errors import ListError
from difbib.gcpause import paused_gc
from difbib.sources.ids import InvalidArxivId, arxiv_id_from_url, parse_arxiv_id
from difbib.sources.links import link_kind, venue_from_url
from difbib.sources.markdown import Document, Heading, Unit, scan
from difbib.sources.textfold import ascii_fold

STAR = "⭐"
_STARS = re.compile(r"[⭐★]+(?:[ \t]{0,3}:?[ \t]{0,3}\d)?")

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
    (``rl``) and the whole heading in slug form. ``level`` is its heading level.
    """

    heading: str
    slug: str
    aliases: tuple[str, ...] = ()
    line: int | None = None
    level: int | None = None


@dataclass
class Link:
    """A link of a paper: its label, URL, line, and kind (see :mod:`difbib.sources.links`)."""

    label: str
    url: str
    line: int
    kind: str = "web"


@dataclass
class ListedPaper:
    """One paper as the reading list gives it.

    ``arxiv_id`` is the validated id its unit holds (None when it holds none or only
    a malformed one); ``bad_ids`` keeps malformed ids, so that they are reported and
    the paper is resolved by its title instead; ``other_ids`` are further valid ids
    the same unit mentions (reported, never used). ``venue`` is the venue written
    next to it (``CVPR 2024``), given by a grouping bullet, or hinted by a
    proceedings link; None when the list says nothing.
    """

    title: str
    line: int
    rating: int | None = None
    categories: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    arxiv_id: str | None = None
    bad_ids: list[tuple[int, str, str]] = field(default_factory=list)
    venue: str | None = None
    other_ids: list[str] = field(default_factory=list)

    @property
    def needs_search(self) -> bool:
        return self.arxiv_id is None

    @property
    def venue_hint(self) -> str | None:
        """The venue when the list names one with its year (``CVPR 2025``), for checking
        a published version against; a bare ``OpenReview`` or ``PMLR`` is no such hint."""
        return self.venue if self.venue and _YEAR.search(self.venue) else None

    @property
    def no_id_reason(self) -> str | None:
        """Why the paper has no arXiv id (None when it has one)."""
        if self.arxiv_id:
            return None
        if self.bad_ids:
            _, raw, why = self.bad_ids[0]
            return f"malformed arXiv id {raw!r}: {why}"
        if not self.links:
            return "no link"
        return "no arXiv link"


@dataclass
class Resource:
    """A titled item that is not a paper: a blog post, video, notebook, repository, page."""

    title: str
    line: int
    kind: str
    links: list[Link] = field(default_factory=list)
    category: str | None = None


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
    resources: list[Resource] = field(default_factory=list)

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
    """A heading without emoji, symbols, HTML tags, Markdown emphasis, links or anchors."""
    if "](" in text:
        text = _MD_LINK.sub(lambda m: m["label"], _IMAGE.sub(" ", text))
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "{#" in text:
        text = _ANCHOR.sub("", text)
    if text.isascii():
        text = _HEADING_JUNK.sub(" ", _EMPHASIS.sub("", text))
    else:
        text = "".join(
            ch if unicodedata.category(ch)[0] in "LNZ" or ch in "-&/+.,:'()" else " "
            for ch in _EMPHASIS.sub("", text)
        )
    return " ".join(text.split()).strip(" -:")


_ANCHOR = re.compile(r"\{#[^{}]{0,200}\}")
_EMPHASIS = re.compile(r"[*_`]")
_HEADING_JUNK = re.compile(r"[^A-Za-z0-9\s\-&/+.,:'()]")  # in ASCII headings
_WORD = re.compile(r"[a-z0-9]+")


def heading_words(heading: str) -> list[str]:
    """The lowercase ASCII words (runs of letters and digits) of a heading or title."""
    folded = heading if heading.isascii() else ascii_fold(heading)
    lowered = folded.lower()
    if lowered.replace(" ", "").isalnum():  # words and spaces only: split is enough
        return lowered.split()
    return _WORD.findall(lowered)


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
        aliases.add("".join([w[0] for w in words]))
    aliases.discard(slug)
    return Category(heading, slug, tuple(sorted(aliases)), line)


def _dedupe_slugs(categories: list[Category]) -> None:
    seen: dict[str, int] = {}
    for cat in categories:
        if cat.slug in seen:
            seen[cat.slug] += 1
            cat.slug = "-".join(heading_words(cat.heading)) or f"{cat.slug}-{seen[cat.slug]}"
        seen.setdefault(cat.slug, 1)


# -- inline Markdown --------------------------------------------------------------
# Every repetition is bounded, so no pattern can scan far from where it starts: the
# reader stays linear on any input (see tests/sources/test_reading_speed.py).

_IMAGE = re.compile(
    r"!\[[^\[\]\n]{0,500}\]\(\s{0,5}<?[^()\s<>]{0,2000}>?(?:\s{1,5}\"[^\"\n]{0,300}\")?\s{0,5}\)"
)
_HTML_IMG = re.compile(r"<img\b[^<>]{0,2000}>", re.I)
_HTML_A = re.compile(
    r"<a\b[^<>]{0,1000}?\bhref\s{0,3}=\s{0,3}[\"'](?P<url>[^\"'<>\s]{1,2000})[\"'][^<>]{0,1000}>"
    r"(?P<label>(?:[^<]|<(?!/a>)){0,1000}?)</a>",
    re.I,
)
_LINK_TARGET = (
    r"\(\s{0,5}<?(?P<url>[^()\s<>]{1,2000}(?:\([^()\s]{0,200}\)[^()\s<>]{0,200})?)>?"
    r"(?:\s{1,5}[\"'][^\"'\n]{0,300}[\"'])?\s{0,5}\)"
)
#: ``[label](url "title")``: the label is up to 300 characters or ``[bracketed]`` parts.
_MD_LINK = re.compile(r"\[(?P<label>(?:[^\[\]\n]|\[[^\[\]\n]{0,300}\]){0,300})\]" + _LINK_TARGET)
# The same links, found faster: the label's plain runs are single-character repeats,
# which the regex engine scans in C; see md_links. A label splits into its runs and
# [bracketed] parts in one way only (a run holds no bracket), so giving back a
# character or a part can never lead to a match: the repeats are possessive (``+``,
# Python 3.11 and later), and the engine does not try. That is what makes a ``[``
# that starts no link cheap (the outer one of ``[[Paper](url)]``, one in every item
# of many lists); the URL's run is possessive for the same reason.
_FAST_PATTERN = (
    r"\[(?P<label>[^\[\]\n]{0,300}+(?:\[[^\[\]\n]{0,300}+\][^\[\]\n]{0,300}+){0,300}+)\]"
    + _LINK_TARGET.replace("{1,2000}", "{1,2000}+", 1)
)
if sys.version_info < (3, 11):  # no possessive repeats: the same matches, found slower
    _FAST_PATTERN = _FAST_PATTERN.replace("}+", "}")
_MD_LINK_FAST = re.compile(_FAST_PATTERN)
_BRACKETED = re.compile(r"\[[^\[\]]*\]")


def md_links(text: str) -> Iterator[re.Match[str]]:
    """The Markdown links of ``text``: the matches of ``_MD_LINK.finditer(text)``.

    ``_MD_LINK`` counts its label in parts (a character or a ``[bracketed]`` part,
    300 at most), which makes the engine step through a complex repeat for every
    character, and back again where a ``[`` starts no link (``[[Paper](url)]``).
    ``_MD_LINK_FAST`` accepts the same labels and longer ones; a match whose label
    has more than 300 parts is one ``_MD_LINK`` would not make there, so the search
    goes on from the next character, as ``_MD_LINK.finditer`` does.
    """
    pos = 0
    while (m := _MD_LINK_FAST.search(text, pos)) is not None:
        label = m["label"]
        parts = len(label)
        if "[" in label:
            parts -= sum(len(b) - 1 for b in _BRACKETED.findall(label))
        if parts > 300:
            pos = m.start() + 1
            continue
        yield m
        pos = m.end()


_REF_LINK = re.compile(r"\[(?P<label>[^\[\]\n]{1,300})\](?:\[(?P<ref>[^\[\]\n]{0,200})\])?")
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"'`|\x02\x03]{1,2000}")
_TAG = re.compile(r"<[^<>\n]{0,1000}>")
_TEXT_MENTION = re.compile(r"[,;(\[]?\s{0,3}\barXiv:\s{0,3}[\w.\-/]{1,60}[)\]]?", re.I)
_YEAR = re.compile(r"(?:19|20)\d\d")
_LETTER = re.compile(r"[^\W\d_]")
_TWO_LETTERS = re.compile(r"[^\W\d_][\W\d_]*[^\W\d_]")  # searched in 40 characters only
_LINK_MARK = re.compile(r"\x02[^\x02\x03]{0,2000}\x03")
_TEXT_MENTION_ID = re.compile(
    r"\barXiv:\s{0,3}(?P<id>[\w.\-/]{1,60})|10\.48550/arXiv\.(?P<doi>[\w.\-/]{1,60})", re.I
)
_BR = re.compile(r"<br\s{0,3}/?>", re.I)
_LEADING_GROUP = re.compile(r"\s{0,5}[\[(【][^\[\]()【】\n]{0,60}[\])】][\s:,\-–—|]{0,5}")
_DATE = re.compile(r"(?:19|20)\d{2}(?:[./\-]\d{1,2}){0,2}|\d{1,2}[./\-](?:19|20)\d{2}")
_MARKS = re.compile(r"[\x02\x03\x04*`]")

# Venue names (conferences and journals of the field); a venue may carry a year.
_VENUE_NAMES = (
    "NeurIPS", "NIPS", "ICLR", "ICML", "CVPR", "ICCV", "ECCV", "WACV", "BMVC", "ACCV",
    "AAAI", "IJCAI", "ACL", "EMNLP", "NAACL", "EACL", "COLING", "SIGGRAPH Asia",
    "SIGGRAPH", "TOG", "TPAMI", "T-PAMI", "IJCV", "TIP", "TMLR", "JMLR", "ICASSP",
    "Interspeech", "INTERSPEECH", "ACM MM", "ACMMM", "MICCAI", "KDD", "CoRL", "ICRA",
    "IROS", "3DV", "AISTATS", "UAI", "COLT", "TVCG", "TCSVT", "TMM", "ICME", "ISMIR",
    "Neurips", "NeuRIPS", "NeurIPSW", "CVPRW", "ICCVW", "ECCVW", "ICLRW", "RSS", "TOMM",
    "Nature", "Science", "PMLR",
)  # fmt: skip
_VENUE = re.compile(
    r"(?<![\w/.\-])(?P<name>"
    + "|".join(re.escape(v) for v in sorted(_VENUE_NAMES, key=len, reverse=True))
    + r")(?P<work>[ \-]?Workshops?)?"
    + r"(?:[ '’\-]{0,2}(?P<year>(?:19|20)\d{2}|'?\d{2}))?(?P<work2>[ \-]Workshops?)?(?![\w])"
)
_VENUE_HINT = re.compile(r"[A-Z][A-Z0-9]|Neur|Interspeech|Nature|Science|CoRL")
_VENUE_WORDS = {w.lower() for v in _VENUE_NAMES for w in v.split()}
_VENUE_STARTS = {v[:2] for v in _VENUE_NAMES}  # every name has three characters or more

# Link labels and bold labels that are not titles (all their words are in this set).
_LABEL_WORDS = {
    "paper", "papers", "pdf", "arxiv", "code", "codes", "github", "project", "page",
    "website", "homepage", "home", "demo", "demos", "video", "videos", "blog", "slides",
    "poster", "dataset", "datasets", "data", "model", "models", "weights", "checkpoint",
    "checkpoints", "hf", "hugging", "face", "huggingface", "colab", "notebook",
    "openreview", "supp", "supplementary", "supplement", "bibtex", "bib", "citation",
    "cite", "talk", "link", "links", "here", "official", "unofficial", "pytorch", "jax",
    "tensorflow", "repo", "repository", "source", "doc", "docs", "documentation", "abs",
    "abstract", "html", "ar5iv", "alphaxiv", "paperswithcode", "pwc", "twitter",
    "tweet", "youtube", "zhihu", "medium", "report", "tech", "technical", "web", "site",
    "space", "spaces", "leaderboard", "benchmark", "preprint", "publication", "oral",
    "spotlight", "accepted", "note", "notes", "news", "update", "updates", "tl", "dr",
    "tldr", "authors", "author", "venue", "conference", "journal", "keywords",
    "year", "date", "stars", "star", "new", "hot", "online", "available", "soon",
    "coming", "open", "sourced", "implementation", "and", "the", "or", "of", "in", "on",
    "at", "a", "v1", "v2", "v3", "full", "version", "extended", "workshop", "main",
    "track", "long", "short", "findings", "highlight", "best", "award", "page1",
}  # fmt: skip

_RESOURCE_KINDS = {
    "video": ("youtube.com", "youtu.be", "vimeo.com", "bilibili.com"),
    "notebook": ("colab.research.google.com", "kaggle.com", ".ipynb"),
    "post": ("twitter.com", "x.com", "reddit.com", "zhihu.com"),
}


def is_label(text: str) -> bool:
    """Whether a link or bold text is a label (``Paper``, ``Code``, ``CVPR 2024``)."""
    words = re.findall(r"[a-z0-9]+", text.lower()[:300])
    return all(
        w in _LABEL_WORDS or w in _VENUE_WORDS or w.isdigit() or _DATE.fullmatch(w) for w in words
    )


def is_venue(text: str) -> str | None:
    """The venue ``text`` consists of (``CVPR 2024``, ``NeurIPS'23 Oral``), or None."""
    core = text.strip(" \t*_[]()【】:,.-–—|")
    if core[:2] not in _VENUE_STARTS:
        return None  # the quick test: no venue name starts so (most titles)
    m = _VENUE.match(core)
    if not m:
        return None
    rest = re.sub(r"[^a-z0-9]+", " ", core[m.end() :].lower()).split()
    if all(w in _LABEL_WORDS or w.isdigit() for w in rest):
        return _venue_text(m)
    return None


def _venue_text(m: re.Match[str]) -> str:
    year = (m["year"] or "").lstrip("'")
    if len(year) == 2:
        year = "20" + year
    workshop = " Workshop" if m["work"] or m["work2"] else ""
    return " ".join(f"{m['name']} {year}".split()) + workshop


def clean_title(raw: str) -> str:
    """A title as users want to read it: no markup, emoji, stars or trailing period."""
    if raw.isalnum():  # one word (a label such as "Paper"): nothing to clean
        return raw
    return _clean_title(raw)


def _clean_title(raw: str) -> str:
    """:func:`clean_title` without its quick exit."""
    text = raw
    if "*" in text or "`" in text or "\x02" in text or "\x03" in text or "\x04" in text:
        text = _MARKS.sub("", text)  # (most titles hold none: the test is cheaper)
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "\\" in text:
        text = re.sub(r"\\(?=[^\w\s])", "", text).replace("\\", " ")
    if not text.isascii():
        text = "".join(
            " " if unicodedata.category(ch) in ("So", "Cs", "Co") or ch in "\ufe0f\u200d" else ch
            for ch in text
        )
    if not text.isprintable() or "  " in text:  # (every other space is a plain one)
        text = " ".join(text.split())
    text = text.strip(" _:;,|-–—").rstrip(" [(").lstrip(" ])")
    if len(text) > 1 and text[0] in "\"“'‘«" and text[-1] in "\"”'’»":
        text = text[1:-1].strip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    return text


def normalize_title(title: str) -> str:
    """Lowercase ASCII words of a title, for matching titles that differ in punctuation."""
    return " ".join(heading_words(title))


def _titleish(title: str, min_words: int = 1) -> bool:
    """Whether cleaned text can be a paper's title (not a label, date or venue)."""
    if len(title) < 2 or len(title) > 400 or not _TWO_LETTERS.search(title, 0, 40):
        return False
    words = title.count(" ") + 1
    if words < min_words:
        return False
    # Labels, venues and dates are short: a title of many words is none of them.
    return words > 5 or not (is_label(title) or is_venue(title) or _DATE.fullmatch(title))


@dataclass
class _Read:
    """What one unit says about itself, before it is judged paper or not."""

    title: str | None = None
    title_source: str = ""  # "bold", "link", "text" or "cell"
    links: list[Link] = field(default_factory=list)
    raw_ids: list[tuple[int, str]] = field(default_factory=list)
    rating: int | None = None
    venue: str | None = None
    label_venue: str | None = None  # the unit is only a venue: "- **CVPR 2024**"
    own_links: bool = False
    flat: str = ""  # the flat text (see _read_inline)

    def kinds(self) -> set[str]:
        return {link.kind for link in self.links}


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group())


def _read_inline(lines: list[tuple[int, str]], refs: dict[str, str], read: _Read) -> str:
    """Collect the links, ids and rating of some lines; return their *flat* text.

    In the flat text each link is ``\x02label\x03``, a ``<br>`` is ``\x04``, and
    images and URLs are gone. Its newlines are those of the lines, so the line of a
    position is the number of newlines before it.
    """
    single = lines[0][0] if len(lines) == 1 else 0  # the line of every position, if one
    text = lines[0][1] if single else "\n".join([t for _, t in lines])
    if "<" in text:
        text = _HTML_IMG.sub(_blank, text)
        text = _BR.sub(lambda m: "\x04".ljust(len(m.group())), text)
        if "href" in text:
            text = _HTML_A.sub(lambda m: f"[{m['label']}]({m['url']})".ljust(len(m.group())), text)
    if "![" in text:
        text = _IMAGE.sub(_blank, text)

    breaks: dict[int, tuple[str, list[int]]] = {}  # source text -> its newline offsets

    def line_at(source: str, offset: int) -> int:
        if single:
            return single
        if id(source) not in breaks:
            found, pos = [], source.find("\n")
            while pos >= 0:
                found.append(pos)
                pos = source.find("\n", pos + 1)
            breaks[id(source)] = (source, found)  # holding it keeps its id unique
        return lines[bisect.bisect_left(breaks[id(source)][1], offset)][0]

    links = read.links
    if "](" in text:
        flat: list[str] = []
        last = 0
        for m in md_links(text):
            flat.append(text[last : m.start()])
            label = m["label"].strip()
            line = single or line_at(text, m.start())
            links.append(Link(clean_title(label), m["url"], line))
            flat.append(f"\x02{label}\x03")
            last = m.end()
        flat.append(text[last:])
        out = "".join(flat)
    else:
        out = text
    if refs and "[" in out:

        def ref_link(m: re.Match[str]) -> str:
            url = refs.get((m["ref"] or m["label"]).strip().lower())
            if url is None or m["label"].startswith("\x02"):
                return m.group()
            links.append(Link(clean_title(m["label"]), url, line_at(out, m.start())))
            return f"\x02{m['label']}\x03"

        out = _REF_LINK.sub(ref_link, out)
    if "http" in out:

        def bare(m: re.Match[str]) -> str:
            url = m.group().rstrip(".,;:!?*_>")
            links.append(Link("", url, line_at(out, m.start())))
            return " "

        out = _BARE_URL.sub(bare, out)
    for link in links:
        raw = arxiv_id_from_url(link.url)
        link.kind = link_kind(link.url, arxiv_id=raw)
        if raw:
            read.raw_ids.append((link.line, raw))
    if "arxiv" in out.lower() or "10.48550" in out:
        for m in _TEXT_MENTION_ID.finditer(out):
            raw = (m["id"] or m["doi"]).rstrip(".,;)")
            read.raw_ids.append((line_at(out, m.start()), raw))
    if "⭐" in out or "★" in out:
        read.rating = _rating(out) or read.rating
    read.own_links = bool(links)
    return out


def _rating(flat: str) -> int:
    """The stars in runs of ``⭐`` (or ``★``) outside link labels; ``⭐ 1.2k`` is a star
    count on GitHub, not a rating, so a run followed by a number does not count."""
    if "\x02" in flat:
        flat = _LINK_MARK.sub(" ", flat)
    if "★" in flat:
        runs = _STARS.findall(flat)
    else:  # the common case: go from star to star, never through the text between
        runs = []
        pos = flat.find(STAR)
        while pos >= 0:
            m = _STARS.match(flat, pos)
            assert m is not None  # a run starts at every star
            runs.append(m.group())
            pos = flat.find(STAR, m.end())
    return sum([len(run) for run in runs if not run[-1].isdigit()])


def _bold_spans(flat: str) -> list[tuple[int, int]]:
    """(start, end) of the contents of ``**bold**`` and ``__bold__`` spans, in order."""
    spans = []
    for mark in ("**", "__"):
        pos = flat.find(mark)
        while pos >= 0:
            end = flat.find(mark, pos + 2)
            if end < 0:
                break
            spans.append((pos + 2, end))
            pos = flat.find(mark, end + 2)
    spans.sort()
    return spans


def _title_from_flat(flat: str, read: _Read, min_words: int = 1) -> tuple[int, int] | None:
    """Find the title in a unit's flat text; return the span it came from."""
    for start, end in _bold_spans(flat):
        content = flat[start:end]
        title = clean_title(content)
        if is_venue(title):
            read.venue = read.venue or is_venue(title)
            continue
        after = end
        while after < len(flat) and flat[after] in "*_":  # no slicing: spans may be many
            after += 1
        colon_inside = content.rstrip("*_ ").endswith(":")
        colon_after = flat.startswith(":", after)
        if (
            (colon_inside or colon_after)
            and 0 < len(title.rstrip(":").split()) <= 4
            and not is_label(title)
        ):
            # ***ACRO:*** Rest of the Title [[Paper]](url), or **ACRO**: Rest, *Authors*
            tail = flat[after + (0 if colon_inside else 1) :].lstrip("*_ ")
            marks = ("\x02", "[", "\n", "(", "*", "\x04", " _")
            stop = min((i for i in map(tail.find, marks) if i >= 0), default=len(tail))
            rest = clean_title(tail[:stop])
            if rest and _LETTER.search(rest):
                read.title, read.title_source = f"{title.rstrip(':')}: {rest}", "bold"
                return start, len(flat) - len(tail) + stop
        if _titleish(title):
            read.title, read.title_source = title, "bold"
            return start, end
    for link in read.links:
        if link.label and _titleish(link.label) and link.kind != "anchor":
            read.title, read.title_source = link.label, "link"
            pos = flat.find(link.label)
            return (pos, pos + len(link.label)) if pos >= 0 else None
    if "arxiv" in flat.lower():
        flat = _TEXT_MENTION.sub(lambda m: " " * len(m.group()), flat)
    for segment in re.split(r"\x02[^\x02\x03]{0,2000}\x03", flat):
        head = segment.replace("\x04", "\n").split("\n")[0] if segment.strip() else ""
        while True:
            m = _LEADING_GROUP.match(head)
            if not m:
                break
            inner = m.group().strip(" \t[]()【】:,-–—|")
            if inner and not (is_label(inner) or is_venue(inner) or _DATE.search(inner)):
                break
            if inner:
                read.venue = read.venue or is_venue(inner)
            head = head[m.end() :]
        sentence = head.split(". ")[0]
        italic = min((i for i in (sentence.find(" *"), sentence.find(" _")) if i > 0), default=-1)
        if italic > 0:  # Title, *A. Author et al.*
            sentence = sentence[:italic]
        title = clean_title(sentence)
        if _titleish(title, max(min_words, 1)) and len(title.split()) <= 40:
            read.title, read.title_source = title, "text"
            start = flat.find(sentence)
            return (start, start + len(sentence)) if start >= 0 else None
        if segment.strip() and not is_label(clean_title(segment)):
            break  # only labels and dates may come before the title
    return None


def _venue_in(flat: str, skip: tuple[int, int] | None) -> str | None:
    """The first venue written in ``flat`` outside the ``skip`` span (the title)."""
    if skip:
        flat = flat[: skip[0]] + " " + flat[skip[1] :]
    if not _VENUE_HINT.search(flat):
        return None  # the quick test: every venue name has two capitals, or is one of these
    m = _VENUE.search(flat.replace("\x02", " ").replace("\x03", " "))
    return _venue_text(m) if m else None


def _read_unit(unit: Unit, refs: dict[str, str]) -> _Read:
    read = _Read()
    if unit.kind == "row":
        return _read_row(unit, refs, read)
    flat = read.flat = _read_inline(unit.lines, refs, read)
    span = _title_from_flat(flat, read, 1 if read.links or read.raw_ids else 3)
    read.venue = read.venue or _venue_in(flat, span)
    if read.title is None and not read.links:
        read.label_venue = is_venue(clean_title(flat))
    return read


_TITLE_HEADERS = ("title", "paper", "name", "method", "model", "work", "publication")
_SKIP_HEADERS = ("date", "year", "venue", "conf", "code", "star", "link", "pdf", "#", "no",
                 "time", "journal", "pub", "rating", "author", "github", "project")  # fmt: skip


def _read_row(unit: Unit, refs: dict[str, str], read: _Read) -> _Read:
    """A table row: links and ids from every cell, the title from the title cell."""
    cells = unit.cells or []
    header = [clean_title(h).lower() for h in (unit.header or [])]
    cell_reads: list[tuple[str, _Read]] = []
    for cell in cells:
        cell_read = _Read()
        flat = _read_inline([(unit.line, cell)], refs, cell_read)
        read.links += cell_read.links
        read.raw_ids += cell_read.raw_ids
        read.rating = read.rating or cell_read.rating
        if "<br" in cell.lower():  # Title<br>Authors: the title is the first part
            first = re.split(r"<br\s{0,3}/?>", cell, maxsplit=1, flags=re.I)[0]
            cell_read = _Read()
            flat = _read_inline([(unit.line, first)], refs, cell_read)
        cell_reads.append((flat, cell_read))
    order = list(range(len(cells)))
    for want in _TITLE_HEADERS:
        hits = [i for i, h in enumerate(header[: len(cells)]) if want in h]
        if hits:
            first = set(hits)
            order = hits + [i for i in order if i not in first]
            break
    title_cell = -1
    for i in order:
        h = header[i] if i < len(header) else ""
        if h and any(h.startswith(s) for s in _SKIP_HEADERS) and i != order[0]:
            continue
        flat, cell_read = cell_reads[i]
        if _title_from_flat(flat, cell_read) is not None or cell_read.title:
            source = "link" if cell_read.title_source == "link" else "cell"
            read.title, read.title_source, title_cell = cell_read.title, source, i
            break
    for i, (flat, cell_read) in enumerate(cell_reads):
        if i == title_cell:
            venue = cell_read.venue
        else:
            h = header[i] if i < len(header) else ""
            venue = _venue_in(flat, None) if not h.startswith(("code", "star")) else None
        if venue:
            read.venue = venue
            break
    read.own_links = bool(read.links)
    return read


# -- papers -----------------------------------------------------------------------


def _resource_kind(read: _Read) -> str | None:
    """ "video", "notebook", "post" or "blog" for a unit whose links are such resources."""
    for link in read.links:
        if link.kind != "resource":
            continue
        url = link.url.lower()
        for kind, marks in _RESOURCE_KINDS.items():
            if any(mark in url for mark in marks):
                return kind
        return "blog"
    return None


def _valid_ids(raw_ids: list[tuple[int, str]]) -> tuple[list[str], list[tuple[int, str, str]]]:
    """The valid ids (each once, in order) and the malformed ones with their reasons."""
    if len(raw_ids) == 1:  # the common case, without the bookkeeping
        line, raw = raw_ids[0]
        try:
            return [parse_arxiv_id(raw).id], []
        except InvalidArxivId as err:
            return [], [(line, raw, str(err))]
    good: dict[str, None] = {}
    bad: dict[tuple[int, str], str] = {}
    for line, raw in raw_ids:
        try:
            good.setdefault(parse_arxiv_id(raw).id)
        except InvalidArxivId as err:
            bad.setdefault((line, raw), str(err))
    return list(good), [(line, raw, why) for (line, raw), why in bad.items()]


def _merge_into(target: _Read, child: _Read) -> None:
    """A sub-bullet without a title of its own is part of the item above it."""
    target.links += child.links
    target.raw_ids += child.raw_ids
    target.venue = target.venue or child.venue or child.label_venue or _venue_in(child.flat, None)
    target.rating = target.rating or child.rating


def _judge(doc: Document) -> list[tuple[Unit, _Read, str]]:
    """Read every unit and judge it: ``paper``, ``weak`` (a paper only by its place),
    ``resource``, ``orphan`` (an id in a paragraph with no title), or ``none`` (labels,
    tables of contents, prose, noise)."""
    reads = [_read_unit(unit, doc.references) for unit in doc.units]
    index = {id(unit): n for n, unit in enumerate(doc.units)}
    label = [False] * len(reads)

    def strong(read: _Read) -> bool:
        return bool(read.raw_ids) or (
            read.title is not None and bool(read.kinds() & {"paper", "proceedings"})
        )

    # Children first: a sub-bullet with no title of its own joins its parent; an item
    # with no link of its own whose children are papers is a label for them.
    for n in range(len(reads) - 1, -1, -1):
        unit, read = doc.units[n], reads[n]
        if unit.kind != "item" or not unit.children:
            continue
        kids = [index[id(c)] for c in unit.children]
        if (
            not read.own_links
            and any(strong(reads[k]) and reads[k].title for k in kids)
            and not any(strong(reads[k]) and reads[k].title is None for k in kids)
        ):
            label[n] = True
            continue
        for k in kids:
            if reads[k].title is None and not label[k]:
                _merge_into(read, reads[k])
                reads[k] = _Read()
            elif not strong(reads[k]) and not label[k] and read.title is not None:
                # Authors, a venue, "Code: [official](...)": part of the paper above.
                _merge_into(read, reads[k])
                reads[k] = _Read()
    # Venue labels give their venue to the papers under them.
    for n, unit in enumerate(doc.units):
        if unit.parent is not None and reads[n].venue is None:
            p = index[id(unit.parent)]
            if label[p]:
                reads[n].venue = reads[p].label_venue or reads[p].venue
    # A title-less paragraph of links right after a paper's paragraph belongs to it.
    for n in range(1, len(reads)):
        unit, read, prev = doc.units[n], reads[n], doc.units[n - 1]
        if (
            unit.kind == "para"
            and prev.kind == "para"
            and read.title is None
            and read.links
            and prev.section == unit.section
            and reads[n - 1].title is not None
            and not reads[n - 1].raw_ids
        ):
            _merge_into(reads[n - 1], read)
            reads[n] = _Read()

    # A heading may be a paper's title: "### Title" over a paragraph of its links, or
    # "### [Title](arXiv link)". Such a heading is no section: see _parse_list.
    # Only a heading over one unit with an arXiv id and no sub-heading: a section heading
    # with a stray link at its top stays a section.
    first_in_section: dict[int, int] = {}
    linked: dict[int, int] = {}
    for n, unit in enumerate(doc.units):
        first_in_section.setdefault(unit.section, n)
        if reads[n].raw_ids:
            linked[unit.section] = linked.get(unit.section, 0) + 1
    has_sub = {
        n - 1
        for n in range(1, len(doc.headings))
        if doc.headings[n].level > doc.headings[n - 1].level
    }
    candidates: list[tuple[int, str | None]] = []  # (unit, title from the heading)
    for n, (unit, read) in enumerate(zip(doc.units, reads, strict=True)):
        sec = unit.section
        if unit.from_heading and read.raw_ids:  # ### [Title](arXiv link): unambiguous
            candidates.append((n, None))
            continue
        if sec < 0 or first_in_section[sec] != n or linked.get(sec) != 1 or sec in has_sub:
            continue
        if (
            unit.kind == "para"
            and read.title is None
            and read.raw_ids
            and doc.headings[sec].level > 1  # a '#' heading is the list's title
        ):
            heading = _IMAGE.sub(" ", doc.headings[sec].text)
            title = clean_title(_MD_LINK.sub(lambda m: m["label"], heading))
            if _titleish(title):
                candidates.append((n, title))
    # One such heading alone is more likely a section that lost its paper's title: it
    # takes two at one heading level to make a layout.
    per_level: dict[int, int] = {}
    for n, _ in candidates:
        level = doc.headings[doc.units[n].section].level
        per_level[level] = per_level.get(level, 0) + 1
    for n, found in candidates:
        sec = doc.units[n].section
        if found is not None and per_level[doc.headings[sec].level] < 2:
            continue
        if found is not None:
            reads[n].title, reads[n].title_source = found, "heading"
        doc.paper_headings.add(sec)

    verdicts: list[str] = []
    groups_with_papers: set[int] = set()
    for n, read in enumerate(reads):
        verdict = "none"
        if label[n]:
            verdict = "none"
        elif read.raw_ids and (read.title is not None or doc.units[n].kind != "para"):
            verdict = "paper"
        elif read.title is None:
            verdict = "orphan" if read.raw_ids else "none"
        elif (kinds := read.kinds()) & {"paper", "proceedings"}:
            verdict = "paper"
        elif "resource" in kinds:
            verdict = "resource" if read.title_source != "text" else "none"
        elif read.rating:
            verdict = "paper"
        elif read.title_source == "link":
            # A title linking to code or a web page: a tool, a site (a local file: noise).
            verdict = "resource" if kinds - {"local", "anchor"} else "none"
        elif doc.units[n].kind in ("item", "row") or read.title_source == "bold":
            verdict = "weak"
        verdicts.append(verdict)
        if verdict == "paper":
            groups_with_papers.add(doc.units[n].group)
    out = []
    for n, verdict in enumerate(verdicts):
        if verdict == "weak":
            verdict = "paper" if doc.units[n].group in groups_with_papers else "none"
        out.append((doc.units[n], reads[n], verdict))
    return out


def _heading_parents(headings: list[Heading]) -> list[int]:
    """For each heading, the index of the heading it is under (-1 for none)."""
    parent = [-1] * len(headings)
    stack: list[int] = []
    for n, h in enumerate(headings):
        while stack and headings[stack[-1]].level >= h.level:
            stack.pop()
        parent[n] = stack[-1] if stack else -1
        stack.append(n)
    return parent


def _category_level(levels: dict[int, int], direct_top: bool) -> int:
    """The heading level of categories, from how many headings of each level hold papers.

    From the shallowest level down: a level where two or more headings hold papers is
    the category level. A level with one such heading is a container when a deeper
    level has several (``## Papers`` over ``### Video``, ``### Image``), and so is a
    lone ``#`` title that holds no paper directly; otherwise it is the category level.
    ``direct_top`` says whether a ``#`` heading holds papers directly.
    """
    order = sorted(levels)
    for n, level in enumerate(order):
        if levels[level] >= 2:
            return level
        if any(levels[deeper] >= 2 for deeper in order[n + 1 :]):
            continue
        if level == 1 and not direct_top and n + 1 < len(order):
            continue
        return level
    return 2


def parse_list(text: str, *, path: Path | None = None) -> ReadingList:
    """Parse reading-list text (already decoded) into categories and papers."""
    with paused_gc():  # reading builds many objects, none in a cycle
        return _parse_list(text, path)


def _parse_list(text: str, path: Path | None) -> ReadingList:
    doc = scan(text)
    judged = _judge(doc)
    headings = doc.headings
    clean = [clean_heading(h.text) for h in headings]
    parent = _heading_parents(headings)
    holds = [False] * len(headings)
    direct_top = False
    for unit, _, verdict in judged:
        h = unit.section
        if verdict != "paper":
            continue
        if h in doc.paper_headings:
            h = parent[h]
        direct_top = direct_top or (h >= 0 and headings[h].level == 1)
        while h >= 0 and not holds[h]:
            holds[h] = True
            h = parent[h]
    levels: dict[int, int] = {}
    for n, heading_n in enumerate(headings):
        if holds[n]:
            levels[heading_n.level] = levels.get(heading_n.level, 0) + 1
    level = _category_level(levels, direct_top)

    def category_of(section: int) -> int:
        """The heading of ``section``'s category: its shallowest ancestor at ``level`` or deeper."""
        found = -1
        if section in doc.paper_headings:
            section = parent[section]
        while section >= 0 and headings[section].level >= level:
            found = section
            section = parent[section]
        return found

    owner_cache: dict[int, int] = {}
    notices: list[Notice] = []
    categories: dict[str, Category] = {}
    papers: list[ListedPaper] = []
    resources: list[Resource] = []
    by_id: dict[str, ListedPaper] = {}
    by_title: dict[str, ListedPaper] = {}
    for unit, read, verdict in judged:
        if verdict == "orphan":
            listed = ", ".join(dict.fromkeys(f"arXiv:{raw}" for _, raw in read.raw_ids))
            notices.append(
                Notice(unit.line, f"{listed} is in a paragraph without a title; skipped")
            )
            continue
        if verdict == "none":
            continue
        sec = unit.section
        if sec not in owner_cache:
            owner_cache[sec] = category_of(sec)
        owner = owner_cache[sec]
        heading = clean[owner] if owner >= 0 else None
        if verdict == "resource":
            kind = _resource_kind(read) or ("code" if "code" in read.kinds() else "web")
            resources.append(Resource(read.title or "", unit.line, kind, read.links, heading))
            continue
        ids, bad = _valid_ids(read.raw_ids)
        title = read.title or ""
        if heading is None:
            if ids or bad or read.kinds() & {"paper", "proceedings"} or read.rating:
                shown = repr(title) + (f" (arXiv:{ids[0]})" if ids else "")
                notices.append(Notice(unit.line, f"paper {shown} is under no category; skipped"))
            continue
        cat = categories.get(heading)
        if cat is None:
            cat = make_category(heading, headings[owner].line)
            cat.level = headings[owner].level
            categories[heading] = cat
        rating = read.rating
        if rating and rating > 5:
            notices.append(Notice(unit.line, f"{rating} stars is more than 5; rating set to 5"))
            rating = 5
        venue = read.venue
        if venue is None and any([link.kind == "proceedings" for link in read.links]):
            venue = next(filter(None, (venue_from_url(link.url) for link in read.links)), None)
        links = read.links
        if len(links) > 1:  # each URL once, where it first appears
            first: dict[str, Link] = {}
            for link in links:
                first.setdefault(link.url, link)
            links = list(first.values())
        paper = ListedPaper(
            title, unit.line, rating, [], links, ids[0] if ids else None, bad, venue, ids[1:]
        )
        norm = normalize_title(title)
        existing = by_id.get(paper.arxiv_id) if paper.arxiv_id else None
        if existing is None and norm:
            same = by_title.get(norm)
            if same is not None and (same.arxiv_id is None or paper.arxiv_id is None):
                existing = same
        if existing is None:
            paper.categories.append(heading)
            papers.append(paper)
            if paper.arxiv_id:
                by_id[paper.arxiv_id] = paper
            if norm:
                by_title.setdefault(norm, paper)
        else:
            _merge_duplicate(existing, paper, heading, notices)
            if existing.arxiv_id:
                by_id.setdefault(existing.arxiv_id, existing)

    cats = list(categories.values())
    _dedupe_slugs(cats)
    rated = 2 * sum(1 for p in papers if p.rating) >= len(papers)  # the list uses ratings
    for paper in papers:
        if rated and paper.rating is None:
            notices.append(Notice(paper.line, f"{paper.title!r} has no ⭐ rating"))
        for line, raw, reason in paper.bad_ids:
            notices.append(
                Notice(line, f"malformed arXiv id {raw!r}: {reason}; to be found by its title")
            )
        if paper.arxiv_id is None and not paper.bad_ids:
            notices.append(
                Notice(paper.line, f"{paper.title!r} has no arXiv link; to be found by its title")
            )
        if not paper.title:
            notices.append(Notice(paper.line, f"arXiv:{paper.arxiv_id} has no title in the list"))
        for other in paper.other_ids:
            notices.append(
                Notice(
                    paper.line,
                    f"{paper.title!r} also links arXiv:{other}; kept arXiv:{paper.arxiv_id}",
                )
            )
    skipped = [r for r in resources if r.kind in ("video", "notebook", "post", "blog")]
    if skipped:
        notices.append(
            Notice(
                None,
                f"{len(skipped)} item(s) are blog posts, videos, notebooks or posts without a "
                "paper link: not papers, never searched on arXiv ('difbib scan' lists them)",
            )
        )
    notices.sort(key=lambda n: n.line or 0)
    title_heading = next((clean[n] for n, h in enumerate(headings) if h.level == 1), None)
    return ReadingList(
        title_heading, cats, papers, notices, path=path, level=level, resources=resources
    )


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
        existing.bad_ids = []
    existing.venue = existing.venue or dup.venue
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
            f"no papers found in {str(path)!r}; a paper is a list item, table row or "
            f"paragraph with a title and an arXiv link, e.g. '- [Title](https://arxiv.org/abs/"
            f"2405.14867)' or '**Title** {STAR}{STAR}{STAR}', under a '## Section' heading"
        )
    return reading
