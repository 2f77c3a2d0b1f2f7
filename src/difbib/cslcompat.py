"""Compatibility layer: make citeproc-py render like citeproc-js, the reference.

citeproc-js (inside Zotero and Mendeley) is what survey writers compare against.
citeproc-py 0.11 departs from it, and from the CSL 1.0.2 specification, in a few
places that show on arXiv preprints. Each fix below targets the cause inside
citeproc-py (never the output of one style) and is applied once, by
:func:`install`, which :mod:`difbib.render` calls before rendering. Every fix is
written against the CSL specification; the citeproc-js comparison in
``tests/test_citeproc_js.py`` checks them on six styles.

1. **capitalize-first / capitalize-all touch only lowercase words.** The spec:
   "capitalize-first: capitalizes the first character of the first word, if the
   word is lowercase". citeproc-py capitalised any word, so APA's
   ``(arXiv:2210.02747)`` came out as ``(ArXiv:2210.02747)``.

2. **punctuation-in-quote.** Locales such as en-US set
   ``punctuation-in-quote="true"``: a comma or period that follows a closing quote
   goes inside it (``“Title,”``). citeproc-py ignored the option (IEEE gave
   ``”,``). The quote is marked where it closes (:data:`QUOTE_END`, a private-use
   character) and, once an entry is complete and the following character is known,
   :func:`finish` moves a following ``.`` or ``,`` inside (dropping a period that
   would double one already there) and removes the marks.

3. **second-field-align.** With ``second-field-align`` on the bibliography, the
   first rendered field (IEEE's ``[1]``, Nature's ``1.``) is a margin field set
   apart from the rest of the entry; citeproc-py glued it to the text
   (``[1]Name``). citeproc-js's text output puts one space after it; its HTML
   output wraps the two parts in ``csl-left-margin`` / ``csl-right-inline``
   divs. The formatter in use (``second_field``) decides which.

4. **initialize="false".** CSL 1.0.1's name option: with ``initialize="false"``
   given names are not reduced to initials; ``initialize-with`` is only added after
   initials already present. citeproc-py ignored it, so Chicago author-date gave
   ``Cai, Q., J. Chen`` instead of ``Cai, Qi, Jingwen Chen``. Also, as citeproc-js
   does, a lowercase part of a hyphenated given name gets no initial
   (``Sheng-ming`` becomes ``S.``, not ``S.-. ming .``).

5. **Typographic apostrophes.** citeproc-js prints a straight apostrophe in a
   field value as ``’`` (``It’s Time``); :func:`typographic_apostrophes` does the
   same to the CSL-JSON values before citeproc-py reads them (not to URLs/DOIs).

6. **Sorting like citeproc-js.** Three causes: (a) a ``<text macro=...>`` inside a
   sort macro dropped the sort options, so names were not all inverted
   (``Dalva, Yusuf, Kavana Venkatesh`` sorted by the given name "Kavana"); (b) the
   "et al." term took part in name sort keys (the spec leaves it out, so
   ``Dao, T. et al. (2022)`` sorts before ``Dao, T. (2023)`` by year); (c) keys were
   compared as raw strings, while citeproc-js compares with the locale's collation
   ignoring case, accents and punctuation, word by word, numbers by value
   (``Li`` before ``Liu``, ``Zhang`` before ``Z-Image``). :func:`collation_key`
   approximates that collation.

7. **Title case of hyphenated words.** citeproc-js title-cases each part of a
   hyphenated word (``Training-Free``, ``One-Step``, ``Plug-and-Play``); citeproc-py
   left ``Training-free`` alone.

8. **Cites keep the order given** when the style's citation has no ``<sort>``
   (the spec; citeproc-js). citeproc-py always put them in bibliography order, so
   Chicago gave ``(Dao et al. 2022; Lipman et al. 2022)`` for "Lipman, Dao". With a
   ``<sort>``, ties still fall back to bibliography order, as in citeproc-js.

9. **``<if disambiguate="true">`` is false** unless disambiguation asks for it.
   citeproc-py treated a condition with no test it knows as true, so MLA printed
   every citation with its title (``(Yin et al., “Improved ...”)``). difbib does not
   implement CSL disambiguation (see below), so the condition is always false.

10. **Punctuation seams see through markup.** citeproc-py drops a doubled
    punctuation mark where two pieces meet, but not when the first ends in markup:
    Nature's HTML gave ``<i>et al.</i>.``. The seam now looks past closing tags
    (and Markdown's ``*``), and, like citeproc-js, also drops a period after ``?``
    or ``!``.

11. **HTML escapes as citeproc-js does** (``&#38;``, ``&#60;``, ``&#62;``), so HTML
    output can be compared with it; see :func:`html_escape`.

Not fixed: CSL *disambiguation* (``disambiguate-add-names``,
``disambiguate-add-givenname``, ``disambiguate-add-year-suffix``). citeproc-py has
none, and citeproc-js also applies the expanded names to the bibliography: on the
shipped library, Chicago author-date, MLA and Harvard differ from citeproc-js in
the entries of authors who share a surname and year (``Liu, Jie, Gongye Liu, Jiajun
Liang, Yangguang Li, et al.`` in citeproc-js, one name fewer here).

Speed, without changing output: citeproc-py looks macros up with an XPath query
on every use and recomputes ``calls_variable`` (a walk of the style tree) for every
group of every entry; over half of its time went there. Both depend only on the
style, so :func:`install` memoises them per element (:func:`_get_macro`,
:func:`_memo_calls`, and every XPath lookup in :func:`_xpath_search`), and a
cite's reference is looked up once (:func:`_reference`). The memo holds the
elements, so lxml keeps the same Python proxy objects alive and their ids stay
unique.

Bibliography sorting (citeproc-py sorts only when asked) is handled where the
bibliography is built, in :mod:`difbib.render`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cmp_to_key
from typing import Any

from citeproc import model, source
from citeproc import string as citeproc_string
from citeproc.string import SEAM_PUNCTUATION, MixedString, NoCase, String, _strip_first_char

#: Marks the end of a quoted string while an entry is being rendered.
QUOTE_END = "\ue000"

_installed = False


def _capitalize_if_lower(word):
    """Capitalise ``word``'s first character only if the word is all lowercase."""
    return word.capitalize_first() if str(word).islower() else word


def _case(self, text, language=None):
    """``TextCased.case`` with the spec's rule for capitalize-first/-all (fix 1)."""
    text_case = self.get("text-case")
    if text_case == "capitalize-first":
        words = list(text.words()) if isinstance(text, MixedString) else None
        first = words[0] if words else String(str(text).split(" ", 1)[0] if str(text) else "")
        if str(first).islower():
            return text.capitalize_first()
        return text
    if text_case == "title" and (language is None or language == "en"):
        return _title_case(self, text)
    if text_case == "capitalize-all":
        return " ".join(str(_capitalize_if_lower(w)) for w in text.words())
    return _original_case(self, text, language)


def _title_word(word: str, first: bool, stop_words: list[str]) -> str:
    parts = word.split("-")
    out = []
    for i, part in enumerate(parts):
        if part.islower() and (first and i == 0 or part not in stop_words or i == len(parts) - 1):
            part = part[0].upper() + part[1:]
        out.append(part)
    return "-".join(out)


def _title_case(self, text):
    """Title case per CSL, with hyphenated words cased part by part (fix 7)."""
    output = []
    prev = ":"
    for word in text.words():
        plain = str(word)
        if isinstance(word, NoCase):
            output.append(plain)
        elif "-" in plain.strip("-") and not plain.isupper():
            output.append(_title_word(plain, prev in (":", "."), self._stop_words))
        elif word.islower() and (plain not in self._stop_words or prev in (":", ".")):
            output.append(str(word.capitalize_first()))
        elif word.islower():
            output.append(str(word.soft_lower()))
        else:
            output.append(plain)
        prev = plain[-1:] or prev
    return String(" ".join(output))


def _quote(self, string):
    """``Quoted.quote`` that marks the closing quote when punctuation goes inside (fix 2)."""
    if self.get("quotes", "false").lower() != "true":
        return string
    open_quote = self.get_single_term(name="open-quote")
    close_quote = self.get_single_term(name="close-quote")
    piq = self.get_locale_option("punctuation-in-quote").lower() == "true"
    return open_quote + string + close_quote + (QUOTE_END if piq else "")


# (last character inside the quotes)(closing quote)MARK(closing tags)(punctuation)
_MOVE = re.compile(r"(.?)(.)" + QUOTE_END + r"((?:</[a-z]+>)*)([.,])", re.S)


def _move_inside(m: re.Match) -> str:
    inner_last, quote, tags, punct = m.groups()
    if punct == "." and inner_last in (".", "?", "!"):
        # "Why?". and "Etc.". keep the quoted text's own mark (as citeproc-js does)
        return inner_last + quote + tags
    return inner_last + punct + quote + tags


def finish(text: str) -> str:
    """Complete a rendered entry or citation: resolve the quote marks (fix 2)."""
    if QUOTE_END not in text:
        return text
    return _MOVE.sub(_move_inside, text).replace(QUOTE_END, "")


_APOSTROPHE_EXEMPT = {"id", "type", "URL", "DOI", "custom"}


def typographic_apostrophes(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items with straight apostrophes in text values turned into ``’`` (fix 5)."""

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("'", "\u2019")
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return [{k: (v if k in _APOSTROPHE_EXEMPT else walk(v)) for k, v in i.items()} for i in items]


def _initialize(self, given, mark, context):
    """``Name.initialize`` honouring ``initialize="false"`` (fix 4)."""
    if str(self.get_option("initialize", context)).lower() == "false":
        words = []
        for word in str(given).split():
            if re.fullmatch(r"[^\W\d_]\.?", word) and word[0].isupper():
                words.append(word[0] + mark.rstrip())
            else:
                words.append(word)
        return " ".join(words)
    if self.get_option("initialize-with-hyphen", context) and "-" in str(given):
        # "Sheng-ming" -> "S.": a lowercase part after a hyphen is not a name of
        # its own and gets no initial (citeproc-py gave "S.-. ming .").
        parts = [p for p in str(given).split("-") if p and not p[0].islower()]
        given = "-".join(parts) if parts else given
    return _original_initialize(self, given, mark, context)


def _render_bibliography(self, citation_items):
    """``Layout.render_bibliography`` that sets the margin field apart (fix 3)."""
    bibliography = self.getparent()
    if bibliography.get("second-field-align") is None:
        return _original_render_bibliography(self, citation_items)
    children = list(self.iterchildren())
    output_items = []
    for item in citation_items:
        self.repressed = {}
        first = None
        rest = []
        for child in children:
            try:
                text = child.render(item)
            except model.VariableError:
                continue
            if text is None:
                continue
            if first is None:
                first = text
            else:
                rest.append(text)
        if first is None:
            continue
        body = model.join(rest, self.get("delimiter", "")) if rest else String("")
        body = self.format(self.wrap(body)) if rest else body
        formatter = self.get_formatter()
        joiner = getattr(formatter, "second_field", None)
        if joiner is not None:
            output_items.append(joiner(str(first), str(body)))
        else:
            output_items.append(String(str(first) + " " + str(body)))
    return output_items


_sorting = False


def collation_key(value: Any) -> Any:
    """A sort key comparing like citeproc-js's collator (fix 6c).

    citeproc-js turns white space in sort keys into ``|`` and compares with ICU
    (``sensitivity: base, ignorePunctuation, numeric``): case, accents and
    punctuation are ignored, ``|`` is not and sorts before letters, so keys compare
    word by word (``Li`` before ``Liu``, ``Zhang`` before ``Z-Image``); runs of
    digits compare by value.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return (((0, value, ""),),)
    text = unicodedata.normalize("NFKD", str(value).replace(QUOTE_END, "")).casefold()
    words = []
    for raw in text.split():
        word = "".join(c for c in raw if not unicodedata.category(c).startswith(("P", "M")))
        if word:
            words.append(
                tuple(
                    (0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk)
                    for chunk in re.findall(r"\d+|\D+", word)
                )
            )
    return tuple(words)


def _sort(self, items, context):
    """``Sort.sort`` with citeproc-js's comparison (fix 6); stable, missing keys last."""
    global _sorting
    keys, descending = [], []
    _sorting = True
    try:
        for key in self.findall("cs:key", self.nsmap):
            descending.append(key.get("sort", "ascending").lower() == "descending")
            keys.append([collation_key(k) for k in key.sort_keys(items, context)])
    finally:
        _sorting = False

    def compare(a: int, b: int) -> int:
        for column, desc in zip(keys, descending, strict=True):
            left, right = column[a], column[b]
            if left == right:
                continue
            if left is None:
                return 1
            if right is None:
                return -1
            result = (left > right) - (left < right)
            return -result if desc else result
        return 0

    order = sorted(range(len(items)), key=cmp_to_key(compare))
    return [items[i] for i in order]


def _et_al(self):
    """No "et al." in name sort keys (fix 6b)."""
    return None if _sorting else _original_et_al(self)


def _text_process(self, item, context=None, **kwargs):
    """``Text.process`` passing the sort options on to a called macro (fix 6a)."""
    if "macro" in self.attrib and kwargs.get("sort_options") is not None:
        if context is None:
            context = self
        try:
            language = item.reference.language[:2]
        except model.VariableError:
            language = self.get_root().get("default-locale", "en")[:2]
        macro = self.get_macro(self.get("macro"))
        return macro.render(item, context, sort_options=kwargs["sort_options"]), language
    return _original_text_process(self, item, context=context, **kwargs)


_macros: dict[int, tuple[Any, dict[str, Any]]] = {}
_calls: dict[int, tuple[Any, bool]] = {}


def _get_macro(self, name):
    """``get_macro`` with the style's macros indexed once (speed)."""
    root = self.get_root()
    entry = _macros.get(id(root))
    if entry is None or entry[0] is not root:
        index = {m.get("name"): m for m in root.findall("cs:macro", root.nsmap)}
        entry = _macros[id(root)] = (root, index)
    try:
        return entry[1][name]
    except KeyError:
        return _original_get_macro(self, name)


def _memo_calls(original):
    def calls_variable(self):
        hit = _calls.get(id(self))
        if hit is not None and hit[0] is self:
            return hit[1]
        value = original(self)
        _calls[id(self)] = (self, value)
        return value

    return calls_variable


_xpaths: dict[tuple[int, str], tuple[Any, list]] = {}


def _xpath_search(self, expression):
    """``xpath_search`` memoised: the style tree does not change (speed)."""
    key = (id(self), expression)
    hit = _xpaths.get(key)
    if hit is not None and hit[0] is self:
        return hit[1]
    result = _original_xpath_search(self, expression)
    _xpaths[key] = (self, result)
    return result


def _reference(self):
    """``CitationItem.reference`` looked up once per cite, not on every variable (speed)."""
    try:
        return dict.__getitem__(self, "_difbib_reference")
    except KeyError:
        reference = self.citation.bibliography.source[self.key]
        dict.__setitem__(self, "_difbib_reference", reference)
        return reference


def _render_citation(self, citation, callback):
    """``Layout.render_citation`` without re-ordering cites the style leaves alone (fix 8)."""
    good = [cite for cite in citation.cites if not cite.is_bad()]
    bad = [cite for cite in citation.cites if cite.is_bad()]
    if self.getparent().sort is not None:
        # ties in the citation sort keep bibliography order (citeproc-js)
        keys = citation.bibliography.keys
        good.sort(key=lambda cite: keys.index(cite.key))
        good = self.getparent().sort.sort(good, self)
    out = []
    for item in good:
        self.repressed = {}
        prefix = item.get("prefix", "")
        suffix = item.get("suffix", "")
        try:
            output = self.render_children(item)
        except model.VariableError:
            continue
        if output is not None:
            out.append(prefix + output + suffix)
            self.getparent().cites.append(item)
    for item in bad:
        value = callback(item)
        out.append(value or f"{item.key}?")
    return self.format(self.wrap(self.join(out)))


def _if_render(self, item, context=None, delimiter="", **kwargs):
    """``If.render`` with ``disambiguate="true"`` evaluating to false (fix 9)."""
    if self.get("disambiguate", "").lower() == "true":
        if self.get("match") == "none":
            pass  # "none of: false, ..." leaves the other tests to decide
        elif self.get("match") != "any" or len(self.attrib) <= 2:
            raise model.ConditionFailed
    return _original_if_render(self, item, context=context, delimiter=delimiter, **kwargs)


_TRAILING_MARKUP = re.compile(r"(?:</[a-z]+>|(?<!\\)\*)+$")


def _normalize_seam(left, other):
    """``normalize_seam`` looking past closing markup; ``?.``/``!.`` lose the period (fix 10)."""
    left_str = str(left)
    other_str = str(other)
    if not left_str or not other_str:
        return other
    visible = _TRAILING_MARKUP.sub("", left_str)
    if not visible:
        return other
    last, first = visible[-1], other_str[0]
    if last == " " and first == " ":
        return _strip_first_char(other)
    if first in SEAM_PUNCTUATION and (last == first or (first == "." and last in "?!")):
        return _strip_first_char(other)
    return other


def html_escape(text: str) -> str:
    """Escape for HTML as citeproc-js does (fix 11)."""
    return str(text).replace("&", "&#38;").replace("<", "&#60;").replace(">", "&#62;")


def install() -> None:
    """Apply the fixes to citeproc-py (idempotent)."""
    global _installed
    if _installed:
        return
    model.TextCased.case = _case
    model.Quoted.quote = _quote
    model.Name.initialize = _initialize
    model.Layout.render_bibliography = _render_bibliography
    model.Sort.sort = _sort
    citeproc_string.normalize_seam = _normalize_seam
    model.normalize_seam = _normalize_seam
    model.Layout.render_citation = _render_citation
    model.If.render = _if_render
    model.Name.et_al = _et_al
    model.Text.process = _text_process
    model.CitationStylesElement._default_options.setdefault("initialize", "true")
    model.CitationStylesElement.get_macro = _get_macro
    source.CitationItem.reference = property(_reference)
    model.CitationStylesElement.xpath_search = _xpath_search
    for cls in (model.Parent, model.Text, model.Group):
        if "calls_variable" in cls.__dict__:
            cls.calls_variable = _memo_calls(cls.__dict__["calls_variable"])
    _installed = True


# citeproc-py's own functions, kept for the cases the fixes do not change.
_original_case = model.TextCased.case
_original_initialize = model.Name.initialize
_original_render_bibliography = model.Layout.render_bibliography
_original_et_al = model.Name.et_al
_original_text_process = model.Text.process
_original_get_macro = model.CitationStylesElement.get_macro
_original_if_render = model.If.render
_original_xpath_search = model.CitationStylesElement.xpath_search
