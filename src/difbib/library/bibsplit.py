"""A fast reader for ``.bib`` files in the common shape, exact or silent.

bibtexparser's splitter walks a file mark by mark (every brace, quote, comma, equals
sign and newline) in Python, then a middleware strips each value's enclosing: about
0.2 ms per entry, two seconds for a 10,000-entry library. Most files, and every file
``difbib sync`` writes, have a simple shape::

    @comment{...}                       (braces balanced)

    @misc{key,
      name = {value with {nested} braces},
      name = "quoted value",
      name = 2024,
    }

:func:`split_blocks` reads that shape with a few regular expressions per field and
returns *the same blocks* bibtexparser returns after
``parse_string(text, parse_stack=[RemoveEnclosingMiddleware()])``: the same types,
keys, values, enclosings, line numbers, raw text and parser metadata. As soon as it
meets anything else it returns ``None``, and the caller parses the whole file with
bibtexparser; the rules for a file with problems (:func:`difbib.library.bibtex.parse_bib`)
then apply exactly as before. "Anything else" is, conservatively:

* ``@string``, ``@preamble`` and blocks delimited by ``( )``;
* an entry without a comma after its key, a key or field name with unusual characters, a value
  that is not one braced group, one quoted string without braces, or
  one plain word (``2024``, ``dec``), e.g. ``{a} # {b}`` or ``jan # " 14"``;
* unbalanced braces, or a block start (``@type{``) first on a line inside a block
  (where bibtexparser aborts the block and starts a new one);
* a key used twice (with the same case) or a field given twice in one entry (the
  problems :func:`~difbib.library.bibtex.parse_bib` reports).

``tests/library/test_bibsplit.py`` checks on generated files that the two readers
agree, block by block, whenever this one answers.

**Lazy entries.** With ``lazy=True`` an entry in the strictest shape (one field per
line, values on one line; the shape ``difbib sync`` writes) is checked by one regular
expression, :data:`_LINE_ENTRY`, and returned as a :class:`LazyEntry`: its fields are
made from the text only when first asked for, by the very code that makes them
otherwise. A command that exports 1,500 entries of a 10,000-entry library then builds
1,500 entries' fields, not 10,000 (:meth:`LazyEntry.peek` reads one value, such as the
``keywords`` a category selection needs, without them). :data:`_LINE_ENTRY` accepts
only what the field-by-field reading accepts too, so a lazy entry, once its fields are
made, equals the entry it stands for; the tests compare them on generated files.
"""

from __future__ import annotations

import re
import sys
from typing import Any, NamedTuple

from bibtexparser.model import Block, Entry, ExplicitComment, Field, ImplicitComment

#: bibtexparser's block start (``splitter._BLOCK_START``): ``@type`` before ``{`` or ``(``.
_BLOCK_START = re.compile(r"@[\w]*( |\t)*(?=[{(])")
#: A block start first on a line inside a block: bibtexparser stops the block there.
_AT_LINE_START = re.compile(r"\n\s*@\w*[ \t]*[{(]")
#: The key of an entry, from its opening brace to the comma after it.
_KEY = re.compile(r"\{[ \t\r\n]*([^\s{}\",=@\\]+)[ \t\r\n]*,")
#: A field name and its ``=``.
_NAME = re.compile(r"[ \t\r\n]*([A-Za-z][\w:.+-]*)[ \t\r\n]*()=[ \t\r\n]*")
#: A quoted value without braces; a backslash escapes the character after it.
_QUOTED = re.compile(r'"((?:[^"{}\\]|\\[^{}\\])*)"')
_WORD = re.compile(r"[A-Za-z0-9_.:+/-]+")
#: What may follow a value: the comma before the next field, or the entry's end.
_AFTER_VALUE = re.compile(r"[ \t\r\n]*([,}])")
_END = re.compile(r"[ \t\r\n]*\}")
#: One character of a braced value that is neither a brace nor makes the next brace
#: text (``\\{``): anything but a brace or backslash, or a backslash before another such.
_PLAIN = r"(?:[^{}\\]|\\[^{}\\])"
#: A braced value with braces one level deep inside (``{{SANA-Sprint}: One-Step ...}``).
#: Each repetition has one way to match: no catastrophic backtracking on a failure.
_NESTED = re.compile(rf"\{{((?:{_PLAIN}|\{{{_PLAIN}*\}})*)\}}")
#: Braces as bibtexparser counts them: a brace after a backslash is text.
_BRACE = re.compile(r"(?<!\\)[{}]")

#: Possessive repeats (``*+``, Python 3.11+) where a repeat is never given back anyway
#: (what follows it starts with a character it cannot take): the same matches, found
#: a fifth faster, as the engine keeps no way back.
_P = "+" if sys.version_info >= (3, 11) else ""
#: One line-bound value (:data:`_LINE_ENTRY`): a braced value with braces one level
#: deep inside, a quoted value without braces, or a number; never a newline, a brace
#: after a backslash or a value ending in a backslash. Unrolled loops (``a*(?:b a*)*``):
#: a long abstract is one run of a character class, scanned in C.
_RUN = rf"[^{{}}\\\n]*{_P}(?:\\[^{{}}\\\n][^{{}}\\\n]*{_P})*{_P}"
_LINE_VALUE = (
    rf"\{{{_RUN}(?:\{{{_RUN}\}}{_RUN})*{_P}\}}"
    rf'|"[^"{{}}\\\n]*{_P}(?:\\[^{{}}\\\n][^"{{}}\\\n]*{_P})*{_P}"'
    rf"|[0-9]+{_P}"
)
_LINE_NAME = r"[A-Za-z][A-Za-z0-9_:.+-]*"
_S = rf"[ \t]*{_P}"  # spaces or tabs
#: An entry in the strictest common shape, from its opening brace to its closing one::
#:
#:     {key,
#:       name = {value},
#:       name = "value",
#:       name = 2024
#:     }
#:
#: Every line but the first and the last holds one field; the last field's comma is
#: optional. Whatever this accepts, :func:`_entry` accepts, to the same end.
_LINE_ENTRY = re.compile(
    r"\{([^\s{}\",=@\\]+)[ \t]*,[ \t]*\n"
    rf"(?:{_S}{_LINE_NAME}{_P}{_S}={_S}(?:{_LINE_VALUE}){_S},{_S}\n)*{_P}"
    rf"(?:{_S}{_LINE_NAME}{_P}{_S}={_S}(?:{_LINE_VALUE}){_S}\n)?{_P}"
    r"[ \t]*\}"
)
#: The fields of an entry :data:`_LINE_ENTRY` accepts: each line's name and the rest of
#: the line (the value, maybe a comma).
_LINE_FIELD = re.compile(rf"\n[ \t]*({_LINE_NAME})[ \t]*=[ \t]*([^\n]*)")

#: The parser metadata key of bibtexparser's ``RemoveEnclosingMiddleware``.
_REMOVED_ENCLOSING = "removed_enclosing"


class _Unusual(Exception):
    """The file leaves the common shape: let bibtexparser read it."""


def _closing_brace(text: str, opening: int) -> int:
    """The index of the brace closing the one at ``opening`` (braces counted as
    bibtexparser counts them); :class:`_Unusual` if there is none."""
    depth = 0
    for m in _BRACE.finditer(text, opening):
        if m.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.start()
    raise _Unusual


def _lines(text: str, start: int, end: int, escaped: bool) -> int:
    """The line breaks in ``text[start:end]`` as bibtexparser counts them: a newline
    right after a backslash is not one (its splitter takes ``\\`` + newline for an
    escaped character), so line numbers after it are one less than an editor's.
    ``escaped``: whether the text has such a newline at all (if not, a plain count)."""
    lines = text.count("\n", start, end)
    if escaped:
        lines -= text.count("\\\n", max(start - 1, 0), end)
    return lines


def _implicit_comment(text: str, start: int, end: int, line: int) -> ImplicitComment | None:
    """The text between two blocks, as bibtexparser keeps it (``_end_implicit_comment``)."""
    comment = text[start:end]
    body = comment.lstrip()
    if not body.rstrip():
        return None
    leading = comment.count("\n", 0, len(comment) - len(body))  # lines before the text
    comment = body.rstrip()
    return ImplicitComment(start_line=line + leading, raw=comment, comment=comment)


def _entry(
    text: str, at: int, brace: int, entry_type: str, line: int, escaped: bool
) -> tuple[Entry, int]:
    """The entry whose ``@`` is at ``at`` and opening brace at ``brace``; and its end.

    A braced value is found with ``str.find`` (the next ``}``), which runs at memory
    speed; only a value with braces inside is matched by :data:`_NESTED` or, deeper
    still, has its braces counted.
    """
    m = _KEY.match(text, brace)
    if m is None:
        raise _Unusual
    key = m.group(1)
    pos = m.end()
    start_line, line_pos = line, at
    fields: list[Field] = []
    enclosings: dict[str, str] = {}
    count, find, name_match, after_match = text.count, text.find, _NAME.match, _AFTER_VALUE.match
    while True:
        name = name_match(text, pos)
        if name is None:  # after a trailing comma: only the entry's end may follow
            end = _END.match(text, pos)
            if end is None:
                raise _Unusual
            pos = end.end()
            break
        field_name = name.group(1)
        if field_name in enclosings:
            raise _Unusual  # bibtexparser: DuplicateFieldKeyBlock
        equals = name.start(2)
        line += count("\n", line_pos, equals)  # _lines, inline: the hot path
        if escaped:
            line -= count("\\\n", max(line_pos - 1, 0), equals)
        line_pos = equals
        pos = name.end()
        char = text[pos : pos + 1]
        if char == "{":
            close = find("}", pos)
            value = text[pos + 1 : close]
            if close < 0 or "{" in value or value.endswith("\\"):
                nested = _NESTED.match(text, pos)
                if nested is not None:
                    value, close = nested.group(1), nested.end() - 1
                else:  # deeper, or braces after backslashes: count them
                    close = _closing_brace(text, pos)
                    value = text[pos + 1 : close]
            fields.append(Field(field_name, value, line))
            enclosings[field_name] = "{"
            pos = close + 1
        elif char == '"':
            quoted = _QUOTED.match(text, pos)
            if quoted is None:
                raise _Unusual
            fields.append(Field(field_name, quoted.group(1), line))
            enclosings[field_name] = '"'
            pos = quoted.end()
        else:
            word = _WORD.match(text, pos)
            if word is None:
                raise _Unusual
            value = word.group()
            demand = None if value.isdigit() else "no-enclosing"  # a macro, never braced
            fields.append(Field(field_name, value, line, demand))
            enclosings[field_name] = "no-enclosing"
            pos = word.end()
        after = after_match(text, pos)
        if after is None:
            raise _Unusual
        pos = after.end()
        if after.group(1) == "}":
            break
    raw = text[at:pos]
    if find("@", at + 1, pos) >= 0 and _AT_LINE_START.search(raw):
        raise _Unusual
    entry = Entry(entry_type, key, fields, start_line=start_line, raw=raw)
    entry.parser_metadata[_REMOVED_ENCLOSING] = enclosings
    return entry, pos - 1


def split_blocks(text: str, *, lazy: bool = False) -> list[Block] | None:
    """The blocks bibtexparser reads from ``text`` (enclosings removed), or ``None``
    when the file leaves the common shape (see the module's docstring).

    ``lazy``: entries in the shape ``sync`` writes are :class:`LazyEntry` objects,
    whose fields are made when first used.
    """
    try:
        return _split(text, lazy)
    except _Unusual:
        return None


def _split(text: str, lazy: bool) -> list[Block]:
    # Whether the text has a backslash before a newline (see _lines): looked up only
    # when an entry is read field by field; the short stretches between blocks, and
    # comments, are counted as if it had (always right, the flag only saves time).
    escaped: bool | None = None
    blocks: list[Block] = []
    keys: set[str] = set()
    comment_start, comment_line = 0, 0  # where the text between blocks starts
    line_pos, line = 0, 0  # the line of text[line_pos], from 0 as bibtexparser counts
    line_entry = _LINE_ENTRY.match if lazy else None
    while True:
        m = _BLOCK_START.search(text, comment_start)
        if m is None:
            comment = _implicit_comment(text, comment_start, len(text), comment_line)
            if comment is not None:
                blocks.append(comment)
            return blocks
        at, brace = m.start(), m.end()
        if text[brace] != "{":
            raise _Unusual  # ( ) delimited
        comment = _implicit_comment(text, comment_start, at, comment_line)
        if comment is not None:
            blocks.append(comment)
        line += _lines(text, line_pos, at, True)
        line_pos = at
        kind = m.group().lower()
        if kind.startswith("@comment"):
            close = _closing_brace(text, brace)
            raw = text[at : close + 1]
            if _AT_LINE_START.search(raw):
                raise _Unusual
            blocks.append(
                ExplicitComment(start_line=line, comment=text[brace + 1 : close].strip(), raw=raw)
            )
            line += _lines(text, line_pos, close, True)
        elif kind.startswith(("@preamble", "@string")):
            raise _Unusual
        else:
            strict = line_entry(text, brace) if line_entry is not None else None
            entry: Entry
            if strict is not None:  # the shape sync writes: fields made when used
                close = strict.end() - 1
                names, rests = _fields_of(_LINE_FIELD.findall(text, brace, close))
                values = _by_name(names, rests)
                source = _Source(text, at, brace, close + 1, line, True, names, rests, values)
                entry = LazyEntry(source, kind[1:].strip(), strict.group(1))
                # The key's line and one per field; no backslash before a line break.
                line += len(names) + 1
            else:
                if escaped is None:
                    escaped = "\\\n" in text
                entry, close = _entry(text, at, brace, kind[1:].strip(), line, escaped)
                line += _lines(text, line_pos, close, escaped)
            if entry.key in keys:
                raise _Unusual  # bibtexparser: DuplicateBlockKeyBlock
            keys.add(entry.key)
            blocks.append(entry)
        line_pos = close
        comment_start, comment_line = close + 1, line


# -- lazy entries ---------------------------------------------------------------------


class _Source(NamedTuple):
    """Where a lazy entry's fields are: the arguments :func:`_entry` takes, the end of
    the entry, and its fields' lines as :data:`_LINE_FIELD` finds them: the names, the
    rest of each line after ``=``, and those by lower-case name (the first of a name)."""

    text: str
    at: int
    brace: int
    end: int
    line: int
    escaped: bool
    names: tuple[str, ...]
    rests: tuple[str, ...]
    values: dict[str, str]


def _fields_of(lines: list[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names and the rests of field lines (two tuples: fewer objects to keep)."""
    if not lines:
        return (), ()
    names, rests = zip(*lines, strict=True)
    return names, rests


def _by_name(names: tuple[str, ...], rests: tuple[str, ...]) -> dict[str, str]:
    """The rest of each field line by lower-case name, the first of a name winning;
    :class:`_Unusual` if a name is given twice (with the same case)."""
    values = dict(zip(map(str.lower, names), rests, strict=True))  # in C: no step per field
    if len(values) != len(names):  # a name given twice, in some case
        if len(set(names)) != len(names):
            raise _Unusual  # bibtexparser: DuplicateFieldKeyBlock
        pairs = reversed(list(zip(names, rests, strict=True)))
        values = {name.lower(): rest for name, rest in pairs}
    return values


def _line_value(rest: str) -> str:
    """The value of a field line's rest (``{value},``): what :func:`_entry` reads."""
    value = rest.rstrip(" \t")
    if value.endswith(","):
        value = value[:-1].rstrip(" \t")
    return value[1:-1] if value[0] in '{"' else value


class LazyEntry(Entry):
    """An entry read in the shape ``sync`` writes, whose fields are made on first use.

    It is an :class:`~bibtexparser.model.Entry` in every way: asking for its fields
    (``fields``, ``parser_metadata``, ``raw``, or anything that reads them) makes them
    with the same code, and from then on it is the entry :func:`split_blocks` makes
    without ``lazy``. Before that, :meth:`peek` reads one value from the entry's text.

    :meth:`resolved` is the copy :func:`difbib.library.bibtex.resolve_entries` makes of
    it (fields without line numbers or enclosings, no raw text), lazy too.
    """

    __slots__ = ("_source", "_resolved")

    def __init__(self, source: _Source, entry_type: str, key: str, *, resolved: bool = False):
        # Entry.__init__ would set the fields: only what is known without them here.
        self._start_line_in_file = source.line
        self._entry_type = entry_type
        self._key = key
        self._source = source
        self._resolved = resolved
        if resolved:
            self._raw = None
            self._parser_metadata = {}

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes not set yet: the fields, metadata and raw text.
        if name == "_raw":
            source = self._source
            self._raw = source.text[source.at : source.end]
            return self._raw
        if name in ("_fields", "_parser_metadata"):
            self._make_fields()
            return self.__dict__[name]
        raise AttributeError(name)

    @property
    def made(self) -> bool:
        """Whether the fields are made (read, or set by the caller)."""
        return "_fields" in self.__dict__

    def _make_fields(self) -> None:
        source = self._source
        if self._resolved:  # no line numbers, no enclosings: the lines say it all
            pairs = zip(source.names, source.rests, strict=True)
            fields = [Field(name, _line_value(rest)) for name, rest in pairs]
            self.__dict__.setdefault("_fields", fields)
        else:
            text, at, brace, _, line, escaped, *_ = source
            entry, _ = _entry(text, at, brace, self._entry_type, line, escaped)
            self.__dict__.setdefault("_fields", entry.fields)
            self.__dict__.setdefault("_parser_metadata", entry.parser_metadata)
            self.__dict__.setdefault("_raw", entry.raw)
        del self._source  # every attribute is set: the text is no longer needed

    def peek(self, name: str) -> str | None:
        """The value of the first field called ``name`` (any case), without making the
        fields; ``None`` if there is none."""
        name = name.lower()
        if self.made:
            return next((f.value for f in self._fields if f.key.lower() == name), None)
        rest = self._source.values.get(name)
        return _line_value(rest) if rest is not None else None

    def resolves_to_itself(self) -> bool:
        """Whether resolving it (:func:`~difbib.library.bibtex.resolve_entries`) only
        copies its values: its fields are not made yet (so they are as read, without
        macros: the shape has none), and it has no field twice in different case (the
        first would win), no ``crossref`` and no ``xdata``."""
        if self.made:
            return False
        values = self._source.values
        return len(values) == len(self._source.names) and not {"crossref", "xdata"} & values.keys()

    def resolved(self) -> LazyEntry:
        """The copy resolving makes of it (see :meth:`resolves_to_itself`), lazy too."""
        return LazyEntry(self._source, self._entry_type, self._key, resolved=True)

    def __eq__(self, other: object) -> bool:
        # As Block.__eq__ compares entries (same class, same attributes), with a lazy
        # entry counted as an Entry and its fields made.
        if not isinstance(other, Entry) or type(other) not in (Entry, LazyEntry):
            return False
        for entry in (self, other):
            _ = (entry.fields, entry.raw, entry.parser_metadata)  # made, if lazy
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        # Entry.__hash__, with the class an entry read eagerly has.
        return hash((Entry, self._start_line_in_file, self.raw, self._entry_type, self._key))
