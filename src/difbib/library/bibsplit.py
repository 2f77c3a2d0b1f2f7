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
"""

from __future__ import annotations

import re

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


def split_blocks(text: str) -> list[Block] | None:
    """The blocks bibtexparser reads from ``text`` (enclosings removed), or ``None``
    when the file leaves the common shape (see the module's docstring)."""
    try:
        return _split(text)
    except _Unusual:
        return None


def _split(text: str) -> list[Block]:
    escaped = "\\\n" in text  # a backslash before a newline (see _lines)
    blocks: list[Block] = []
    keys: set[str] = set()
    comment_start, comment_line = 0, 0  # where the text between blocks starts
    line_pos, line = 0, 0  # the line of text[line_pos], from 0 as bibtexparser counts
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
        line += _lines(text, line_pos, at, escaped)
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
        elif kind.startswith(("@preamble", "@string")):
            raise _Unusual
        else:
            entry, close = _entry(text, at, brace, kind[1:].strip(), line, escaped)
            if entry.key in keys:
                raise _Unusual  # bibtexparser: DuplicateBlockKeyBlock
            keys.add(entry.key)
            blocks.append(entry)
        line += _lines(text, line_pos, close, escaped)
        line_pos = close
        comment_start, comment_line = close + 1, line
