"""Formatted bibliographies and citations with citeproc-py.

Input is CSL-JSON (:mod:`difbib.csl.csljson`); output is text, HTML or Markdown. The
results match citeproc-js (the processor inside Zotero) thanks to the fixes in
:mod:`difbib.csl.compat`, which live in difbib's own subclasses of citeproc-py's
classes (citeproc-py itself is left as it is). What this module adds on top of
citeproc-py:

- the bibliography is always sorted by the style's ``<sort>`` (citeproc-py sorts
  only when asked; citeproc-js always does); styles without a sort keep the
  order the items came in, as citeproc-js does;
- HTML and Markdown values are escaped before citeproc-py sees them (it passes
  variable values through unescaped: a title holding ``<script>`` would reach the
  page as a tag), and Markdown gets italics as ``*...*`` and URLs as
  ``<https://...>`` autolinks;
- a parsed style is kept per (style file, locale) within the process;
- a long bibliography's entries (and the cites its disambiguation compares) are
  rendered on every CPU core (:func:`render_entries`, :mod:`difbib.csl.workers`),
  with the result of one process;
- rendering is serialised by a lock, so threads may render at the same time;
- citeproc-py failing on a style is one error line; difbib's own bugs are not
  disguised as such (:func:`_guarded`).
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, wraps
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from citeproc import model

from difbib.csl import compat, workers
from difbib.errors import DifbibError, SelectionError

if TYPE_CHECKING:
    from difbib.csl.rendercache import RenderCache

_P = ParamSpec("_P")
_R = TypeVar("_R")

OUTPUTS = ("text", "html", "markdown")


# -- output formats -------------------------------------------------------------


def _wrapper(template: str) -> Callable[[str], str]:
    return lambda text: template.format(text)


def _plain_formatter() -> SimpleNamespace:
    ident = str
    return SimpleNamespace(
        preformat=lambda text: text,
        Italic=ident,
        Oblique=ident,
        Bold=ident,
        Light=ident,
        Underline=ident,
        Superscript=ident,
        Subscript=ident,
        SmallCaps=ident,
        second_field=_second_field_text,
    )


def _second_field_text(first: str, rest: str) -> str:
    """An entry's margin field and the rest (compat's fix 3); as citeproc-js, an entry
    that renders nothing after its margin field ends there (``[1]``, no space)."""
    return f"{first} {rest}" if rest else first


def _second_field_html(first: str, rest: str) -> str:
    """:func:`_second_field_text` for HTML: citeproc-js's two divs (no second if empty)."""
    margin = f'<div class="csl-left-margin">{first}</div>'
    return margin + f'<div class="csl-right-inline">{rest}</div>' if rest else margin


def _html_formatter() -> SimpleNamespace:
    return SimpleNamespace(
        preformat=compat.protect_html,
        Italic=_wrapper("<i>{}</i>"),
        Oblique=_wrapper("<i>{}</i>"),
        Bold=_wrapper("<b>{}</b>"),
        Light=_wrapper('<span style="font-weight:lighter;">{}</span>'),
        Underline=_wrapper('<span style="text-decoration:underline;">{}</span>'),
        Superscript=_wrapper("<sup>{}</sup>"),
        Subscript=_wrapper("<sub>{}</sub>"),
        SmallCaps=_wrapper('<span style="font-variant:small-caps;">{}</span>'),
        second_field=_second_field_html,
    )


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&#|~])")


def md_escape(text: str) -> str:
    """Backslash-escape the characters Markdown would read as markup."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _markdown_formatter() -> SimpleNamespace:
    ident = str
    return SimpleNamespace(
        preformat=compat.protect_markdown,
        Italic=_wrapper("*{}*"),
        Oblique=_wrapper("*{}*"),
        Bold=_wrapper("**{}**"),
        Light=ident,
        Underline=ident,
        Superscript=_wrapper("<sup>{}</sup>"),
        Subscript=_wrapper("<sub>{}</sub>"),
        SmallCaps=ident,
        second_field=_second_field_text,
    )


_FORMATTERS = {"text": _plain_formatter, "html": _html_formatter, "markdown": _markdown_formatter}

# A URL in finished Markdown: escaped characters inside it are unescaped and the
# whole is made a CommonMark autolink. It ends before white space or a final
# period/comma that belongs to the sentence.
_MD_URL = re.compile(r"(?<![<(])https?://(?:\\.|[^\s\\<>])+?(?=[.,;]?(?:\s|$))")


def _finish_markdown(text: str) -> str:
    def link(m: re.Match[str]) -> str:
        url = re.sub(r"\\(.)", r"\1", m.group(0))
        return f"<{url}>"

    return _MD_URL.sub(link, text)


def _escape_items(
    items: Sequence[dict[str, Any]], escape: Callable[[str], str]
) -> list[dict[str, Any]]:
    """Items with every string value escaped for the output format."""

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return escape(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return [{k: (v if k in ("id", "type") else walk(v)) for k, v in item.items()} for item in items]


# -- styles and locales ---------------------------------------------------------


def locales() -> list[str]:
    """The locales citeproc-py ships (``en-US``, ``de-DE``, ...)."""
    from citeproc import LOCALES_PATH

    return sorted(
        p.name[len("locales-") : -len(".xml")] for p in Path(LOCALES_PATH).glob("locales-*.xml")
    )


def locale_path(locale: str) -> Path:
    """The locale file for ``locale``; unknown locales name the closest ones."""
    from difflib import get_close_matches

    from citeproc import LOCALES_PATH

    path = Path(LOCALES_PATH) / f"locales-{locale}.xml"
    if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]+)*", locale) and path.is_file():
        return path
    known = locales()
    language = locale.split("-")[0].lower()
    same = [k for k in known if k.split("-")[0].lower() == language]
    close = same[:4] or get_close_matches(locale, known, n=4, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(known[:8])}..."
    raise SelectionError(f"unknown locale {locale!r}{hint}")


@lru_cache(maxsize=16)
def _parsed_style(path: str, mtime: float, locale: str) -> compat.Style:
    from lxml import etree

    locale_path(locale)
    try:
        return compat.Style(path, locale)
    except (etree.XMLSyntaxError, OSError, ValueError) as err:
        raise DifbibError(
            f"style {path} cannot be read ({type(err).__name__}: {err}); "
            "check that it is a CSL 1.0 style"
        ) from None


def load_style(path: str | Path, locale: str = "en-US") -> compat.Style:
    """The parsed citeproc-py style for a ``.csl`` file and locale (kept per process)."""
    path = Path(path)
    return _parsed_style(str(path.resolve()), path.stat().st_mtime, locale)


# -- rendering ------------------------------------------------------------------


def _guarded(style_arg: int) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Report citeproc-py failing on a style as one :class:`DifbibError` line.

    Only the exceptions of :data:`~difbib.csl.compat.STYLE_FAILURES` raised inside citeproc-py are
    turned into a message; anything else (difbib's own bugs included) propagates
    unchanged. ``style_arg`` is the position of the style path among the arguments.
    """

    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        @wraps(function)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                with _LOCK:
                    return function(*args, **kwargs)
            except compat.STYLE_FAILURES as err:
                if not compat.raised_in_citeproc(err):
                    raise
                style = kwargs.get("style_path", args[style_arg] if len(args) > style_arg else "?")
                raise DifbibError(
                    f"citeproc-py could not render with style {Path(str(style)).stem!r} "
                    f"({type(err).__name__}: {err}); try another style"
                ) from err

        return wrapper

    return decorate


#: Rendering is serialised: citeproc-py keeps the state of a render on the parsed
#: style (its formatter, the names already printed), and the styles are shared.
_LOCK = threading.RLock()


@dataclass
class Rendered:
    """A bibliography: entries in the style's order, with the item ids."""

    ids: list[str]
    entries: list[str]


def _rendered(ids: Sequence[str], entries: Sequence[str]) -> Rendered:
    """The entries that are not empty, with their ids: as in citeproc-js, an item
    that renders nothing has no entry (not an empty one)."""
    pairs = [(i, e) for i, e in zip(ids, entries, strict=True) if e]
    return Rendered([i for i, _ in pairs], [e for _, e in pairs])


def engine(
    style: compat.Style, items: Sequence[dict[str, Any]], output: str, rich_text: bool = False
) -> compat.Bibliography:
    """A :class:`~difbib.csl.compat.Bibliography` of ``items`` (CSL-JSON) for ``output``,
    with every item registered in the order given.

    Text values are prepared as difbib renders them: straight apostrophes become
    typographic, and for HTML and Markdown every value is escaped. With
    ``rich_text``, values hold CSL-JSON's inline markup (``<i>``, ``<b>``,
    ``<span class="nocase">``, ...), which is rendered as formatting
    (:func:`~difbib.csl.compat.escape_value`); difbib's own items come from BibTeX,
    where such tags are text, so by default they are escaped like any text.
    """
    from citeproc import Citation
    from citeproc.source.json import CiteProcJSON

    if output not in _FORMATTERS:
        raise SelectionError(f"unknown output {output!r}; use one of {', '.join(OUTPUTS)}")
    formatter = _FORMATTERS[output]()
    data = compat.citation_labels(compat.short_titles(compat.parse_names(list(items))))
    data = compat.et_al_flags(data)
    data = compat.typographic_apostrophes(data, quotations=True)
    if rich_text:
        data = _escape_items(data, lambda v: compat.escape_value(v, formatter.preformat))
    elif output != "text":
        data = _escape_items(data, formatter.preformat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "unsupported arguments: custom, categories"
        source = CiteProcJSON(data)
    compat.fix_seasons(source)
    bib = compat.Bibliography(style, source, formatter)
    for item in items:
        bib.register(Citation([compat.CitationItem(str(item["id"]))]))
    return bib


def finish(text: object, output: str) -> str:
    """A rendered entry or citation completed for ``output`` (quote marks resolved,
    Markdown URLs as autolinks)."""
    done = compat.unprotect(compat.finish(str(text)), output)
    if output == "markdown":
        done = _finish_markdown(done)
    return done


def render_entries(
    style: compat.Style,
    items: Sequence[Any],
    output: str,
    jobs: int | None = None,
) -> tuple[list[str], bool]:
    """The bibliography entries of ``items`` (a :class:`~difbib.csl.compat.Bibliography`'s
    items, sorted and disambiguated), finished for ``output``, and whether one of
    them read the bibliography-wide name register (fix 23 of :mod:`~difbib.csl.compat`).

    With ``jobs`` above 1 (``None``: :func:`~difbib.csl.workers.jobs`) the items are
    cut into runs of at least :data:`~difbib.csl.workers.MIN_RUN` entries, rendered in
    as many processes (:func:`~difbib.csl.workers.fork_map`). The result is the same
    as in one process: an entry depends on nothing rendered before it but the names
    of the last entry with names (subsequent-author-substitute,
    :func:`~difbib.csl.compat.render_entries`).
    A run's worker learns them by rendering the entry before its run first; when
    that entry has no names, it may guess wrong, and the run is rendered again here
    from the right names.
    """
    runs = workers.runs(len(items), workers.jobs(jobs))

    def work(run: range) -> tuple[list[str], str | None, str | None, bool]:
        before = None
        if run.start > 0:  # the entry before the run, for its names only
            _, before = compat.render_entries(style, [items[run.start - 1]])
        compat._sort_state["register"] = None  # (set again when an entry reads it)
        texts, after = compat.render_entries(style, items[run.start : run.stop], before)
        done = [finish(text, output) for text in texts]
        return done, before, after, compat._sort_state["register"] is not None

    entries: list[str] = []
    names: str | None = None  # the names before the next run
    register = False
    for run, (texts, before, after, read) in zip(runs, workers.fork_map(work, runs), strict=True):
        if before != names:  # the worker's guess was wrong: render the run again
            compat._sort_state["register"] = None
            again, after = compat.render_entries(style, items[run.start : run.stop], names)
            texts = [finish(text, output) for text in again]
            read = compat._sort_state["register"] is not None
        entries += texts
        names = after
        register = register or read
    return entries, register


@_guarded(1)
def bibliography(
    items: Sequence[dict[str, Any]],
    style_path: str | Path,
    locale: str = "en-US",
    output: str = "text",
    rich_text: bool = False,
    jobs: int | None = None,
) -> Rendered:
    """The bibliography of ``items`` (CSL-JSON), sorted as the style says.

    ``rich_text``: the values hold CSL-JSON's inline markup (see :func:`engine`).
    ``jobs``: processes to render the entries in (see :func:`render_entries`).
    """
    style = load_style(style_path, locale)
    if style.root.bibliography is None:
        raise SelectionError(
            f"style {style_path} has no bibliography (it is a citation-only style)"
        )
    bib = engine(style, items, output, rich_text)
    bib.sort()
    bib.difbib_jobs = workers.jobs(jobs)
    bib.disambiguate()
    by_key = {str(item["id"]).lower(): str(item["id"]) for item in items}
    entries, _ = render_entries(style, bib.items, output, bib.difbib_jobs)
    return _rendered([by_key[k] for k in bib.keys], entries)


@_guarded(2)
def citation(
    items: Sequence[dict[str, Any]],
    cited: Sequence[str],
    style_path: str | Path,
    locale: str = "en-US",
    output: str = "text",
) -> str:
    """The in-text citation of the ``cited`` ids (one cluster), e.g. ``(Yin et al., 2024)``.

    ``items`` are the document's references; numbered styles number them in the
    bibliography's order.
    """
    from citeproc import Citation

    style = load_style(style_path, locale)
    bib = engine(style, items, output)
    if style.root.bibliography is not None:
        bib.sort()
    bib.disambiguate()
    cluster = Citation([compat.CitationItem(str(k)) for k in cited])
    bib.register(cluster)
    missing: list[str] = []
    text = bib.cite(cluster, lambda item: missing.append(item.key))
    if missing:
        raise SelectionError(f"cannot cite {', '.join(missing)}: not among the items")
    return finish(text, output)


def uses_variable(style_path: str | Path, variable: str) -> bool:
    """Whether a style may print ``variable``: its file names it somewhere (any
    mention counts, so the answer errs on the side of yes)."""
    pattern = rb"(?<![\w-])" + re.escape(variable.encode()) + rb"(?![\w-])"
    return re.search(pattern, Path(style_path).read_bytes()) is not None


def cached_entries(ids: Sequence[str], hashes: Sequence[str], cache: Any) -> Rendered | None:
    """The bibliography of the items with these ids and item digests, entirely from
    ``cache`` (a :class:`~difbib.csl.rendercache.RenderCache`); ``None`` unless the
    same list of items was rendered before and every entry is still cached."""
    ids = [str(i) for i in ids]
    known = cache.orders.get(cache.order_key(list(hashes)))
    if not isinstance(known, dict) or sorted(known.get("ids", [])) != sorted(ids):
        return None
    hash_of = dict(zip(ids, hashes, strict=True))
    order, extras, register = known["ids"], known.get("extras", {}), known.get("register", "")
    keys = [
        cache.entry_key(hash_of[i], n, extras.get(i, ""), register) for n, i in enumerate(order, 1)
    ]
    texts = [cache.get_entry(k) for k in keys]
    if any(t is None for t in texts):
        return None
    return _rendered(order, [str(t) for t in texts])


def _key_to_json(key: compat.CollationKey | None) -> list[list[Any]] | None:
    """A collation key (:func:`~difbib.csl.compat.collation_key`) as the cache keeps
    it, compactly: per word, a text chunk ``(1, 0, text)`` as its text and a number
    chunk ``(0, number, "")`` as its number (anything else as a list)."""
    if key is None:
        return None
    out = []
    for word in key:
        chunks: list[Any] = []
        for chunk in word:
            kind, number, text = chunk
            if kind == 1 and type(number) is int and number == 0:
                chunks.append(text)
            elif kind == 0 and text == "" and type(number) in (int, float):
                chunks.append(number)
            else:
                chunks.append(list(chunk))
        out.append(chunks)
    return out


def _key_from_json(value: Any) -> compat.CollationKey | None:
    """:func:`_key_to_json` undone; ``ValueError`` for anything it does not write."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValueError("not a sort key")
    words = []
    for word in value:
        if not isinstance(word, list):
            raise ValueError("not a sort key")
        chunks: list[tuple[int, float, str]] = []
        for chunk in word:
            if isinstance(chunk, str):
                chunks.append((1, 0, chunk))
            elif type(chunk) in (int, float):
                chunks.append((0, chunk, ""))
            elif (
                isinstance(chunk, list)
                and len(chunk) == 3
                and type(chunk[0]) is int
                and type(chunk[1]) in (int, float)
                and isinstance(chunk[2], str)
            ):
                chunks.append((chunk[0], chunk[1], chunk[2]))
            else:
                raise ValueError("not a sort key")
        words.append(tuple(chunks))
    return tuple(words)


def _sort(bib: compat.Bibliography, style: compat.Style, cache: Any, hashes: list[str]) -> None:
    """``bib.sort()``, with the sort keys of items already seen read from ``cache``.

    An item's sort keys are computed afresh only when the cache does not hold them
    for its digest. Keys are kept only when they depend on the item alone: not in
    numbered styles (a key may be the citation number), and not when a key asked
    for the bibliography-wide name register (fix 16; then nothing is kept, and
    when some keys came from the cache every item is keyed again).
    ``hashes``: the digests of ``bib.items``, in order.
    """
    element = style.root.bibliography
    assert element is not None  # the caller checked
    layout = element.layout
    sort = element.find("cs:sort", layout.nsmap)
    if not isinstance(sort, model.Sort) or cache.numbered:
        bib.sort()
        return
    columns = len(sort.findall("cs:key", layout.nsmap))
    keys: list[list[Any] | None] = []
    for item_hash in hashes:
        found = cache.get_sort_keys(item_hash)
        try:
            if not isinstance(found, list) or len(found) != columns:
                raise ValueError("no sort keys")
            keys.append([_key_from_json(k) for k in found])
        except ValueError:
            keys.append(None)
    missing = [n for n, k in enumerate(keys) if k is None]
    descending = [
        key.get("sort", "ascending").lower() == "descending"
        for key in sort.findall("cs:key", layout.nsmap)
    ]
    if missing:
        fresh, descending, _ = compat._sort_columns(sort, [bib.items[n] for n in missing], layout)
        shared = compat._sort_state["register"] is not None  # keys depend on every item
        if shared and len(missing) < len(keys):
            bib.sort()  # the kept keys may be stale: all afresh
            return
        for j, n in enumerate(missing):
            mine = keys[n] = [column[j] for column in fresh]
            if not shared:
                cache.put_sort_keys(hashes[n], [_key_to_json(k) for k in mine])
    table = [[k[c] for k in keys if k is not None] for c in range(columns)]
    order = compat._sorted_order(table, descending, len(bib.items))
    bib.items = [bib.items[i] for i in order]
    bib.keys = [item.key for item in bib.items]


@_guarded(1)
def cached_bibliography(
    items: Sequence[dict[str, Any]],
    style_path: str | Path,
    locale: str = "en-US",
    output: str = "text",
    cache: RenderCache | None = None,
    hashes: Sequence[str] | None = None,
    jobs: int | None = None,
) -> Rendered:
    """:func:`bibliography`, reusing entries from a :class:`~difbib.csl.rendercache.RenderCache`.

    Only entries whose key (item content, style, locale, output, number,
    disambiguation) is not in the cache are rendered; when the list of items is
    unchanged, the order and disambiguation come from the cache too and nothing is
    rendered at all. ``hashes``: the items' digests, when the caller has them.
    ``jobs``: processes to render the entries in (see :func:`render_entries`).
    """
    if cache is None:
        return bibliography(items, style_path, locale, output, jobs=jobs)
    from difbib.csl.rendercache import item_digest

    ids = [str(item["id"]) for item in items]
    if hashes is None:
        hashes = [item_digest(item) for item in items]
    done = cached_entries(ids, hashes, cache)
    if done is not None:
        return done
    order_key = cache.order_key(list(hashes))
    hash_of = dict(zip(ids, hashes, strict=True))
    known = cache.orders.get(order_key)
    order = None
    if isinstance(known, dict) and sorted(known.get("ids", [])) == sorted(ids):
        # Same items as a previous run: same order and same disambiguation.
        order = known["ids"]
    # Render what is missing: sort (unless the order is known) and render the
    # entries without a cached text, numbering from the full list.
    style = load_style(style_path, locale)
    if style.root.bibliography is None:
        raise SelectionError(
            f"style {style_path} has no bibliography (it is a citation-only style)"
        )
    bib = engine(style, items, output)
    by_key = {i.lower(): i for i in ids}
    if order is not None:
        position = {i.lower(): n for n, i in enumerate(order)}
        bib.items = sorted(bib.items, key=lambda it: position[it.key])
        bib.keys = [it.key for it in bib.items]
    else:
        _sort(bib, style, cache, [hash_of[by_key[it.key]] for it in bib.items])
        order = [by_key[k] for k in bib.keys]
    # An entry's text also depends on what disambiguation decided for it; the cites
    # it compares are kept by item (unless numbered: a number is no item's own).
    if not cache.numbered:
        bib.difbib_cites = {i.lower(): cache.get_cite(hash_of[i]) for i in ids}
    bib.difbib_jobs = workers.jobs(jobs)
    decided = bib.disambiguate()
    if not cache.numbered:
        for key, text in getattr(bib, "difbib_new_cites", {}).items():
            cache.put_cite(hash_of[by_key[key]], text)
    extras = {by_key[k]: repr(v) for k, v in decided.items() if v != compat.Disambiguation()}
    substitute = style.root.bibliography.get("subsequent-author-substitute") is not None
    if substitute:
        # An entry's names may print as the substitute ("———") when they are the
        # previous entry's: its text depends on that entry too (content and decision).
        after = {
            i: f"{extras.get(i, '')}|after {hash_of[prev]} {extras.get(prev, '')}"
            for prev, i in zip(order, order[1:], strict=False)
        }
        extras = {i: text for i in order if (text := after.get(i, extras.get(i, "")))}
    register = _register_digest(bib, style) if cache.register_keyed else ""

    def entry_keys(register: str) -> list[str]:
        return [
            cache.entry_key(hash_of[i], n, extras.get(i, ""), register)
            for n, i in enumerate(order, 1)
        ]

    keys = entry_keys(register)
    texts = [cache.get_entry(k) for k in keys]
    missing = [n for n, t in enumerate(texts) if t is None]
    if missing and substitute:
        missing = list(range(len(order)))  # an entry depends on the one before it
    rendered, read_register = render_entries(
        style, [bib.items[n] for n in missing], output, bib.difbib_jobs
    )
    if read_register and not cache.register_keyed:
        # These entries read the bibliography's name register (fix 23), so their text
        # may change with any other entry: from now on the register is in their keys.
        # (The texts read from the cache above were rendered without it.)
        cache.set_register_keyed()
        register = _register_digest(bib, style)
        keys = entry_keys(register)
        for key, text in zip(keys, texts, strict=True):
            if text is not None:
                cache.put_entry(key, text)
    for n, entry in zip(missing, rendered, strict=True):
        texts[n] = entry
        cache.put_entry(keys[n], entry)
    cache.put_order(order_key, {"ids": order, "extras": extras, "register": register})
    return _rendered(order, [str(t) for t in texts])


def _register_digest(bib: compat.Bibliography, style: compat.Style) -> str:
    """The digest of the bibliography-wide name register (fix 23 of
    :mod:`~difbib.csl.compat`): what an entry's names may read besides its own item."""
    from difbib.csl.rendercache import digest

    citation = style.root.citation
    rule = citation.get("givenname-disambiguation-rule", "by-cite") if citation is not None else ""
    if not bib.items or rule in ("", "by-cite"):
        return digest("register", rule)  # per item, if any
    compat._sort_state["register"] = None
    register = compat._name_register(bib.items[0], rule)
    return digest(
        "register",
        rule,
        {
            family: {k: sorted(v) for k, v in initials.items()}
            for family, initials in register.items()
        },
    )
