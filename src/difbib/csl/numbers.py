"""Number variables as citeproc-js reads them: pages, volumes, issues, numbers.

The CSL specification leaves much of this to processors: a number variable "can
contain ... a range" and is rendered with its range delimiter; ``is-numeric`` is
true for "numbers ... optionally separated by a hyphen, comma or ampersand, with or
without spaces"; a label is plural when the variable holds "multiple numbers".
citeproc-py decides each of these with a regular expression of its own, which
disagrees with citeproc-js on values real ``.bib`` files hold: ``46-??`` (citeproc-js
keeps the hyphen: ``??`` is no page number), ``6 + 120 + 1`` pages (one value for
citeproc-js: ``p.``, not ``pp.``), ``99-02`` as a report number (a range: ``Nos.
99–02``), ``1-3`` as a volume (``Vols. 1–3``).

This module follows citeproc-js 2.4's own procedure (``CSL.Engine.processNumber`` and
``CSL.Util.PageRangeMangler`` in ``citeproc_commonjs.js``), step by step and under
the same names, so that the two can be read side by side:

1. :func:`_parse_string` cuts the value at its joiners (``-``, ``,``, ``;``, ``&``,
   ``and``) and at embedded labels (``p.``, ``vol.``, ``no.``, ...), one
   :class:`Value` per piece; a page value is read as if it began with ``p.``.
2. :func:`_set_plurals_and_numerics` groups pieces under one label: a group is
   *numeric* when it starts with a number (or lowercase roman numeral), and
   *plural* when it has several pieces that all start with a number.
3. :func:`_fix_ranges` turns a hyphen between two numbers of one group into the
   range delimiter (the locale's ``page-range-delimiter``, an en dash), and applies
   the style's ``page-range-format`` to pages (:func:`_page_mangler`).

Legal citation machinery of citeproc-js (statute subdivisions, abbreviation lists,
multilingual fields) has no counterpart in BibTeX and is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The variables citeproc-js reads through ``processNumber`` when rendering them.
RENDERED = frozenset(
    {
        "page",
        "chapter-number",
        "collection-number",
        "edition",
        "issue",
        "number",
        "number-of-pages",
        "number-of-volumes",
        "volume",
    }
)

#: ``CSL.NUMERIC_VARIABLES``: the variables ``is-numeric`` parses (others: false).
NUMERIC = frozenset(
    {
        "chapter-number",
        "citation-number",
        "collection-number",
        "edition",
        "first-reference-note-number",
        "issue",
        "locator",
        "number",
        "number-of-pages",
        "number-of-volumes",
        "page",
        "part-number",
        "printing-number",
        "section",
        "supplement-number",
        "version",
        "volume",
    }
)

#: ``CSL.STATUTE_SUBDIV_STRINGS``: embedded labels and the terms they stand for.
LABELS = {
    "vrs.": "verse",
    "sv.": "sub-verbo",
    "subpara.": "subparagraph",
    "op.": "opus",
    "subch.": "subchapter",
    "add.": "addendum",
    "amend.": "amendment",
    "annot.": "annotation",
    "app.": "appendix",
    "art.": "article",
    "bibliog.": "bibliography",
    "bk.": "book",
    "ch.": "chapter",
    "cl.": "clause",
    "col.": "column",
    "cmt.": "comment",
    "dec.": "decision",
    "dept.": "department",
    "ex.": "example",
    "fig.": "figure",
    "fld.": "field",
    "fol.": "folio",
    "n.": "note",
    "hypo.": "hypothetical",
    "illus.": "illustration",
    "intro.": "introduction",
    "l.": "line",
    "no.": "issue",
    "p.": "page",
    "pp.": "page",
    "para.": "paragraph",
    "pt.": "part",
    "pmbl.": "preamble",
    "princ.": "principle",
    "pub.": "publication",
    "r.": "rule",
    "rn.": "randnummer",
    "sched.": "schedule",
    "sec.": "section",
    "ser.": "series,",
    "subdiv.": "subdivision",
    "subsec.": "subsection",
    "supp.": "supplement",
    "tbl.": "table",
    "tit.": "title",
    "vol.": "volume",
}
#: ``CSL.STATUTE_SUBDIV_STRINGS_REVERSE``: a variable's own label.
LABEL_OF = {term: label for label, term in LABELS.items() if label != "pp."}
LABEL_OF["sub verbo"] = "sv."

# Words up to four lowercase letters (and a few longer ones) followed by a period
# or a space count as labels ("AHA! HERE'S THE CULPRIT!!!" in citeproc-js).
_WORD = (
    r"(?:[a-z]|[a-z][a-z]|[a-z][a-z][a-z]|[a-z][a-z][a-z][a-z]"
    r"|subpara|subch|amend|bibliog|annot|illus|princ|intro|sched|subdiv|subsec)"
)
_LABEL_FIND = re.compile(r"(?:^| )" + _WORD + r"(?:\.| ) *")
_JOINER = r"\s*&\s*|,\s+and\s+|\s+and\s+|;\s+|,\s+|\s*\\*[\-\u2013]+\s*"
_JOINER_NO_HYPHEN = r"\s*&\s*|,\s+and\s+|\s+and\s+|;\s+|,\s+|\s*\\*[\u2013]+\s*"
_ROMAN = re.compile(r"^[ivxlcmIVXLCM]+$")


def js_int(text: str) -> int | None:
    """JavaScript's ``parseInt(text, 10)``: the leading integer, or None for NaN."""
    m = re.match(r"\s*([+-]?\d+)", text)
    return int(m.group(1)) if m else None


@dataclass
class Value:
    """One piece of a number variable (citeproc-js's "number info" object)."""

    value: str
    particle: str = ""
    label: str | None = None
    orig_label: str = ""
    label_suffix: str = ""
    label_visible: bool = False
    joining_suffix: str = ""
    plural: int = 0
    numeric: bool = False
    collapsible: bool | None = None


@dataclass
class Number:
    """A parsed number variable: its pieces, and what labels and ``is-numeric`` see."""

    values: list[Value] = field(default_factory=list)

    @property
    def numeric(self) -> bool:
        return bool(self.values) and self.values[0].numeric

    @property
    def plural(self) -> bool:
        return bool(self.values) and bool(self.values[0].plural)


@dataclass
class Context:
    """What the parse needs from the style: the variable, terms, range options."""

    variable: str
    has_term: Callable[[str], bool]
    range_delimiter: str = "\u2013"
    page_range_format: str | None = None


def parse(value: str, ctx: Context) -> Number:
    """``processNumber`` without rendering: the pieces, plural and numeric flags."""
    values = _parse_string(str(value), LABEL_OF.get(ctx.variable, ""), ctx)
    _set_spaces(values)
    _set_plurals_and_numerics(values, ctx, value)
    for v in values:
        if not v.numeric:
            v.plural = 0
    if len(values) == 1 and re.fullmatch(r"[0-9]+(?:/[0-9]+)+", values[0].value):
        v = values[0]
        v.numeric, v.plural, v.collapsible = True, 0, False
    return Number(values)


def render(
    value: str,
    ctx: Context,
    number_format: Callable[[str], object] = str,
    label_term: Callable[[str, bool], str] | None = None,
    value_case: Callable[[str], str] | None = None,
) -> str:
    """The variable as citeproc-js prints it (``outputNumericField``).

    ``number_format`` formats a piece that is a number (``cs:number``'s ordinal,
    roman, ... forms); ``label_term(term, plural)`` gives an embedded label that is
    shown (a page value ``fig. 3``); ``value_case`` is the element's text case, which
    citeproc-js applies to each piece on its own and not to embedded labels (an
    edition "revised and enlarged" with capitalize-first is "Revised and Enlarged").
    """
    number = parse(value, ctx)
    _fix_ranges(number.values, ctx)
    out = []
    for v in number.values:
        if v.label_visible and label_term is not None and v.label:
            term = v.label[4:] if v.label.startswith("var:") else LABELS.get(v.label)
            label = label_term(term, bool(v.plural)) if term else ""
            out.append((label or v.label) + v.label_suffix)
        text = v.value
        if v.collapsible and not v.particle and re.fullmatch(r"[1-9][0-9]*", text):
            # (a number with a particle, "S544", is printed as it is)
            text = str(number_format(text))
        piece = v.particle + text
        piece = value_case(piece) if value_case else piece
        out.append(piece + v.joining_suffix.replace("\\-", "-", 1))
    return "".join(out)


# -- processNumber's steps, in citeproc-js's order ------------------------------------


def _normalize_field_value(text: str, ctx: Context) -> str:
    text = text.strip()
    m = re.match(r"^([^ ]+)", text)
    if m and m.group(1) not in LABELS:
        embedded = "p." if ctx.variable == "page" else LABEL_OF.get(ctx.variable)
        if embedded:
            text = embedded + " " + text
    return text


def _compose(
    orig_label: str,
    label: str,
    val: str,
    joining_suffix: str | None,
    ctx: Context,
    position: int | None = None,
) -> Value:
    info = Value(value=val)
    if not label and ctx.variable not in LABEL_OF:
        label = "var:" + ctx.variable
    if label:
        m = re.search(r"(\s*)([^\s]+)(\s*)", label)
        assert m is not None
        info.label_visible = (
            ctx.variable == "page" and position == 0 and m.group(2) not in ("p.", "pp.")
        )
        info.label = m.group(2)
        info.orig_label = orig_label
        info.label_suffix = m.group(3) or ""
    m = re.fullmatch(r"([0-9]*[a-zA-Z]+0*)?([0-9]+(?:[a-zA-Z]*|[-,a-zA-Z]+))", val)
    if m:
        info.particle, info.value = m.group(1) or "", m.group(2)
    info.joining_suffix = re.sub(r"\s*-\s*", "-", joining_suffix or "", count=1)
    return info


def _fixup_subsections(elems: list[str]) -> list[str]:
    """``p. 12a-c``: a letter range after a number stays one piece."""
    i = len(elems) - 2
    while i > -1:
        if (
            elems[i] == "-"
            and re.match(
                r"^(?:(?:[a-z]|[a-z][a-z]|[a-z][a-z][a-z]|[a-z][a-z][a-z][a-z])\.  *)*"
                r"[0-9]+[,a-zA-Z]+$",
                elems[i - 1],
            )
            and re.match(r"^[,a-zA-Z]+$", elems[i + 1])
        ):
            elems[i - 1] = "".join(elems[i - 1 : i + 2])
            elems = elems[:i] + elems[i + 2 :]
        i -= 2
    return elems


def _parse_string(text: str, default_label: str, ctx: Context) -> list[Value]:
    text = _normalize_field_value(text, ctx)
    if ctx.variable == "page":
        text = text.replace("\u2013", "-")
    if "\\-" in text:
        joiner = _JOINER_NO_HYPHEN
        parts = [p.replace("-", "\u2013") for p in text.split("\\-")]
        text = "\\-".join(parts).replace("\\", "")
    else:
        joiner = _JOINER
    found = [m.group(0) for m in re.finditer(joiner, text)]
    if found:
        pieces = re.split(joiner, text)
        for i, joint in enumerate(found):
            if re.fullmatch(r"\s*&\s*", joint):
                both = re.search(r"[a-zA-Z]$", pieces[i]) and re.match(r"^[a-zA-Z]", pieces[i])
                found[i] = "&" if both else " & "
        elems: list[str] = []
        for piece, joint in zip(pieces, found, strict=False):
            elems += [piece, joint]
        elems.append(pieces[-1])
        elems = _fixup_subsections(elems)
    else:
        elems = [text]

    values: list[Value] = []
    label = default_label
    orig_label = ""
    for i in range(0, len(elems), 2):
        following = elems[i + 1] if i + 1 < len(elems) else None
        labels = [m.group(0) for m in _LABEL_FIND.finditer(elems[i])]
        if not labels:
            filtered = "" if orig_label == label.strip() else orig_label
            values.append(_compose(filtered, label, elems[i], following, ctx))
            continue
        lst = _LABEL_FIND.split(elems[i])
        # labels on pieces that are not numbers are content, not labels
        for j in range(len(lst) - 1, 0, -1):
            number = r"^[0-9]+([-;,:a-zA-Z]*)$"
            if lst[j - 1] and (not re.match(number, lst[j]) or not re.match(number, lst[j - 1])):
                lst[j - 1] = lst[j - 1] + labels[j - 1] + lst[j]
                lst = lst[:j] + lst[j + 1 :]
                labels = labels[: j - 1] + labels[j:]
        if labels:
            slug = labels[0].strip()
            term = LABELS.get(slug)
            not_a_label = (
                term is None
                or not ctx.has_term(term)
                or (
                    ctx.variable not in ("locator", "number", "locator-extra", "page")
                    and term != ctx.variable
                )
            )
            if not_a_label:
                if i == 0:
                    labels = labels[1:]
                    lst[0] = lst[0] + " " + slug + " " + (lst[1] if len(lst) > 1 else "")
                    lst = lst[:1] + lst[2:]
            else:
                orig_label = slug
        for j, piece in enumerate(lst):
            if piece or j == len(lst) - 1:
                if 0 <= j - 1 < len(labels) and labels[j - 1]:
                    label = labels[j - 1]
                filtered = "" if orig_label == label.strip() else orig_label
                last = j == len(lst) - 1
                values.append(
                    _compose(filtered, label, piece.strip(), following if last else None, ctx, i)
                )
    return values


def _set_spaces(values: list[Value]) -> None:
    for this, following in zip(values, values[1:], strict=False):
        if not this.joining_suffix and following.label:
            this.joining_suffix = " "


@dataclass
class _Group:
    pos: int
    count: int
    label: str | None
    numeric: bool = True
    collapsible: bool | None = None


def _fix_numeric_and_count(values: list[Value], i: int, group: _Group) -> None:
    master = values[group.pos]
    val = values[i].value
    escaped = master.joining_suffix == "\\-"
    m_val = re.match(r"^[0-9]+([-,:a-zA-Z]*)$", val)
    m_master = re.match(r"^(?:[0-9]+|[ixv]+)([-,:a-zA-Z]*|\-[\-0-9]+)$", master.value)
    if not val or not m_val or not m_master or escaped:
        group.collapsible = False
        if not val or not m_master:
            group.numeric = False
        if escaped:
            group.count -= 1
    if (m_val and m_val.group(1)) or (m_master and m_master.group(1)):
        group.collapsible = False
    if values[i].collapsible is None:
        for j in range(i, i + group.count):
            v = values[j].value
            values[j].collapsible = js_int(v) is not None or bool(_ROMAN.match(v))
        group.collapsible = values[i].collapsible
    for j in range(group.pos, group.pos + group.count):
        if group.count > 1 and group.collapsible:
            values[j].plural = 1
        values[j].numeric = group.numeric
        values[j].collapsible = group.collapsible


def _fix_label_visibility(values: list[Value], group: _Group, ctx: Context) -> None:
    if group.label is None or group.label.startswith("var:"):
        return
    term = LABELS.get(group.label)
    if group.pos == 0:
        own = ctx.variable in ("locator", "number", "locator-extra", "page")
        if own and (term is None or not ctx.has_term(term)):
            values[group.pos].label_visible = True
        if not own and term != ctx.variable:
            values[0].label_visible = True
    else:
        values[group.pos].label_visible = True


def _set_plurals_and_numerics(values: list[Value], ctx: Context, raw: str) -> None:
    if not values:
        return
    start, count = 0, 1
    for i in range(1, len(values)):
        last, this = values[i - 1], values[i]
        if last.label == this.label:  # (citeproc-js compares the particle with itself)
            count += 1
            continue
        group = _Group(start, count, values[start].label, collapsible=values[start].collapsible)
        _fix_numeric_and_count(values, start, group)
        _fix_label_visibility(values, group, ctx)
        start, count = i, 1
    group = _Group(start, count, values[start].label, collapsible=values[start].collapsible)
    _fix_numeric_and_count(values, start, group)
    _fix_label_visibility(values, group, ctx)
    many = (js_int(str(raw)) or 0) > 1
    if values[0].numeric and ctx.variable.startswith("number-of-") and many:
        values[0].plural = 1


# -- ranges ---------------------------------------------------------------------------


def _check_page(ctx: Context, val: Value) -> bool:
    return ctx.variable == "page" or (
        ctx.variable in ("locator", "locator-extra") and "p." in (val.label, val.orig_label)
    )


def _check_term(ctx: Context, val: Value) -> bool:
    if ctx.variable in ("locator", "locator-extra", "page"):
        term = LABELS.get(val.orig_label or val.label or "")
        return term is not None and ctx.has_term(term)
    return True


def _fixup_range_delimiter(ctx: Context, val: Value, delimiter: str, numeric: bool) -> str:
    if _check_term(ctx, val) and delimiter == "-" and numeric:
        if _check_page(ctx, val) or ctx.variable in (
            "locator",
            "locator-extra",
            "issue",
            "volume",
            "edition",
            "number",
        ):
            delimiter = ctx.range_delimiter or "\u2013"
        if ctx.variable == "collection-number":
            delimiter = "\u2013"
    return delimiter


_RANGE_STR = re.compile(
    r"^((?:[0-9]*[a-zA-Z]+0*))?([0-9]+[a-z]*)(\s*[^0-9]+\s*)([-,a-zA-Z]?0*)([0-9]+[a-z]*)$"
)


def _mangle_page_numbers(values: list[Value], i: int, info: dict[str, Any], ctx: Context) -> None:
    if i < 1 or info["count"] != 2:
        return
    before, val = values[i - 1], values[i]
    if before.particle != val.particle:
        return
    if before.joining_suffix != "-":
        info["count"] = 1
        return
    first, last = js_int(before.value), js_int(val.value)
    if not ctx.page_range_format and first is not None and last is not None and first > last:
        before.joining_suffix = _fixup_range_delimiter(ctx, val, before.joining_suffix, True)
        return
    if _check_page(ctx, val) and first is not None and last is not None:
        text = _page_mangler(before.particle + before.value + " - " + val.particle + val.value, ctx)
    else:
        digits = r"^([0-9]+|[ivxlcmIVXLCM]+)$"
        if re.match(digits, before.value) and re.match(digits, val.value):
            before.joining_suffix = ctx.range_delimiter
        text = before.value + before.joining_suffix.replace("\\-", "-", 1) + val.value
    m = _RANGE_STR.match(text)
    if m:
        before.particle = m.group(1) or ""
        before.value = m.group(2)
        before.joining_suffix = _fixup_range_delimiter(ctx, val, m.group(3), val.numeric)
        val.particle = m.group(4)
        val.value = m.group(5)
    info["count"] = 0


def _fix_ranges(values: list[Value], ctx: Context) -> None:
    if ctx.variable not in RENDERED | {"locator", "locator-extra"}:
        return
    info: dict[str, Any] = {"count": 0, "label": None}
    for i, val in enumerate(values):
        if not val.collapsible:
            info["count"], info["label"] = 0, None
            val.joining_suffix = _fixup_range_delimiter(ctx, val, val.joining_suffix, val.numeric)
        elif info["label"] == val.label and val.joining_suffix == "-":
            info["count"] = 1
        elif info["label"] == val.label:
            info["count"] += 1
            if info["count"] == 2:
                _mangle_page_numbers(values, i, info, ctx)
        else:
            info["label"], info["count"] = val.label, 1
    if info["count"] == 2:
        _mangle_page_numbers(values, len(values) - 1, info, ctx)


# -- CSL.Util.PageRangeMangler --------------------------------------------------------

_RANGE = re.compile(
    r"([0-9]*[a-zA-Z]+0*)?([0-9]+[a-z]*)\s*(?:\u2013|-)\s*([0-9]*[a-zA-Z]+0*)?([0-9]+[a-z]*)"
)
_RANGE_IN_TEXT = r"(?:[0-9]*[a-zA-Z]+0*)?[0-9]+[a-z]*\s+\-\s+(?:[0-9]*[a-zA-Z]+0*)?[0-9]+[a-z]*"


def _listify(text: str, delimiter: str) -> list[Any]:
    own = "" if delimiter == "-" else re.escape(delimiter)
    text = re.sub(r"([^\\])[-" + own + r"\u2013]", r"\1 - ", text)
    text = re.sub(r"\s+-\s+", " - ", text)
    ranges = re.findall(_RANGE_IN_TEXT, text)
    rest = re.split(_RANGE_IN_TEXT, text)
    out: list[Any] = [rest[0]]
    for pos in range(1, len(rest)):
        out.append(re.sub(r"\s*\-\s*", "-", ranges[pos - 1]))
        out.append(rest[pos])
    return out


def _expand(text: str, delimiter: str) -> list[Any]:
    lst = _listify(text, delimiter)
    for pos in range(1, len(lst), 2):
        m = _RANGE.search(lst[pos])
        if m:
            g = [m.group(1), m.group(2), m.group(3), m.group(4)]
            if not g[2] or g[0] == g[2]:
                if len(g[3]) < len(g[1]):
                    g[3] = g[1][: len(g[1]) - len(g[3])] + g[3]
                if (js_int(g[1]) or 0) < (js_int(g[3]) or 0):
                    g[2] = delimiter + (g[0] or "")
                    lst[pos] = [g[0] or "", g[1], g[2], g[3]]
        if isinstance(lst[pos], str):
            lst[pos] = lst[pos].replace("-", delimiter)
    return lst


def _stringify(lst: list[Any], delimiter: str) -> str:
    text = "".join("".join(p) if isinstance(p, list) else p for p in lst)
    return re.sub(r"([^\\])\-", lambda m: m.group(1) + delimiter, text)


def _minimize_internal(begin: str, end: str, minchars: int) -> str:
    b, e = list(begin), list(end)
    ret = list(reversed(e))
    if len(b) == len(e):
        for i in range(len(b)):
            if b[i] == e[i] and len(ret) > minchars:
                ret.pop()
            else:
                break
    return "".join(reversed(ret))


def _page_mangler(text: str, ctx: Context) -> str:
    """``CSL.Util.PageRangeMangler``: a page range in the style's page-range-format."""
    delimiter = ctx.range_delimiter
    lst = _expand(text, delimiter)
    fmt = ctx.page_range_format
    if fmt in ("minimal", "minimal-two"):
        for part in lst[1::2]:
            if isinstance(part, list):
                part[3] = _minimize_internal(part[1], part[3], 2 if fmt == "minimal-two" else 0)
                if part[2][1:] == part[0]:
                    part[2] = delimiter
    elif fmt in ("chicago", "chicago-15", "chicago-16"):
        for part in lst[1::2]:
            if isinstance(part, list):
                begin, end = js_int(part[1]) or 0, js_int(part[3]) or 0
                if fmt == "chicago-16":
                    digits = str(end)
                    if begin > 100 and begin % 100:
                        for i in range(2, len(digits)):
                            divisor = 10**i
                            if begin // divisor == end // divisor:
                                part[3] = str(end % divisor)
                                break
                elif begin > 100 and begin % 100 and begin // 100 == end // 100:
                    part[3] = str(end % 100)
                elif begin >= 10000:
                    part[3] = str(end % 1000)
                if part[2][1:] == part[0]:
                    part[2] = delimiter
    return _stringify(lst, delimiter)
