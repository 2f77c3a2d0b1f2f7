"""LaTeX safety for field values: keep arXiv's TeX, make everything else inert.

arXiv titles and abstracts hold raw TeX where authors wrote it (``$\\times$``,
``63\\%``, ````quotes''``), and sometimes characters that break a LaTeX build when
they reach a ``.bbl`` (a bare ``%``, ``&``, ``#``, ``_``, an unbalanced brace).
A hostile or careless value could also hold ``\\input{/etc/passwd}`` or ``\\write18``.

:func:`make_safe` keeps the TeX that typesets text and math (an allow-list of
control sequences) and escapes the rest, so the value compiles and executes
nothing. It is idempotent: ``make_safe(make_safe(x)) == make_safe(x)``.

:func:`protect_capitals` brace-protects words whose capitals must survive a
BibTeX style that lowercases titles (``{FLUX}.1``, ``{DMD}``, ``{SageAttention2}``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from difbib.errors import DifbibError

# Control words that only typeset: text formatting, accents, symbols, Greek and
# the usual math. Anything else (\input, \write, \def, \catcode, \csname, ...)
# is written as \textbackslash{} so that it prints instead of running.
_SAFE_COMMAND_NAMES = """
    textit textbf textsc textsf texttt textrm textup textsl emph em it bf sc rm sf tt
    mathrm mathbf mathit mathcal mathbb mathfrak mathsf mathtt mathscr boldsymbol bm
    text mbox operatorname
    textbackslash textbraceleft textbraceright textless textgreater textasciitilde
    textasciicircum textunderscore textbar textquotesingle textquotedbl textendash
    textemdash textellipsis textdegree textregistered texttrademark textcopyright
    textsuperscript textsubscript ldots dots cdots vdots ddots dag ddag S P copyright
    pounds ss ae AE oe OE aa AA o O l L i j LaTeX TeX relax
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda
    mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
    times cdot div pm mp ast star circ bullet oplus otimes odot cap cup wedge vee
    setminus leq le geq ge neq ne approx sim simeq cong equiv propto ll gg prec succ
    subset supset subseteq supseteq in notin ni forall exists neg partial nabla infty
    emptyset top bot perp parallel mid angle prime to rightarrow leftarrow
    Rightarrow Leftarrow leftrightarrow Leftrightarrow mapsto uparrow downarrow
    longrightarrow longleftarrow gets sum prod int oint lim sup inf max min arg log
    ln exp sin cos tan det dim ker Pr
    frac dfrac tfrac sqrt hat widehat tilde widetilde bar overline underline vec dot
    ddot check breve acute grave mathring left right big Big bigg Bigg langle rangle
    lfloor rfloor lceil rceil lvert rvert lVert rVert vert Vert quad qquad
"""
SAFE_COMMANDS = set(_SAFE_COMMAND_NAMES.split())
# Control symbols (backslash + one non-letter) that are harmless: escapes,
# accents and spacing.
SAFE_SYMBOLS = set("%&#_$ {}'`\"^~=.,;:!-/|@\\")
_ACCENT_LETTERS = set("cvuHdbtrk")  # \c{c}, \v{s}, \u{a}, \H{o}, ... (one-letter words)
SAFE_COMMANDS |= _ACCENT_LETTERS

_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|\$|[{}%&#_^<>~]|[^\\${}%&#_^<>~]+", re.S)


def _escape_text_char(ch: str) -> str:
    return {
        "%": r"\%",
        "&": r"\&",
        "#": r"\#",
        "_": r"\_",
        "^": r"\^{}",
        "<": r"\textless{}",
        ">": r"\textgreater{}",
        "$": r"\$",
        "{": r"\textbraceleft{}",
        "}": r"\textbraceright{}",
    }.get(ch, ch)


def _braces_balanced(tokens: list[str]) -> bool:
    """Whether braces balance as BibTeX counts them (``\\{`` counts as a brace too)."""
    depth = 0
    for tok in tokens:
        if tok in ("{", "\\{"):
            depth += 1
        elif tok in ("}", "\\}"):
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _math_delimited(tokens: list[str]) -> list[tuple[int, int, bool]]:
    """(start, end, safe) token indexes of the ``$...$`` and ``$$...$$`` spans.

    As in TeX, ``$$`` opens display math only outside math: ``$4.53$$\\times$`` is two
    inline formulas, ``$4.53$`` and ``$\\times$``. ``safe`` says whether the content
    is made only of safe math (see :func:`make_safe`).
    """
    spans: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(tokens):
        if tokens[i] != "$":
            i += 1
            continue
        display = i + 1 < len(tokens) and tokens[i + 1] == "$"
        start = i + 2 if display else i + 1
        end = None
        for j in range(start, len(tokens)):
            if tokens[j] == "$" and (not display or (j + 1 < len(tokens) and tokens[j + 1] == "$")):
                end = j
                break
        if end is None:
            i += 1
            continue
        inner = tokens[start:end]
        last = end + 1 if display else end
        safe = bool(inner) and _braces_balanced(inner) and all(_safe_math_token(t) for t in inner)
        spans.append((i, last, safe))
        i = last + 1
    return spans


def _math_spans(tokens: list[str]) -> list[tuple[int, int]]:
    """(start, end) token indexes of the math spans whose content is safe math."""
    return [(start, end) for start, end, safe in _math_delimited(tokens) if safe]


def _safe_math_token(tok: str) -> bool:
    if tok.startswith("\\"):
        name = tok[1:]
        return name in SAFE_COMMANDS or (len(name) == 1 and name in SAFE_SYMBOLS)
    return tok not in ("%", "#", "$")


#: Text that :func:`make_safe` leaves as it is, braces aside: no control sequence, math,
#: character to escape or control character (:data:`CONTROL_CHARS`).
_INERT = re.compile(r"[^\\$%&#_^<>\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*")


def _text_braces_balanced(value: str) -> bool:
    """Whether the braces of a value without backslashes balance."""
    if "{" not in value and "}" not in value:
        return True
    depth = 0
    for brace in _BRACES.findall(value):
        depth += 1 if brace == "{" else -1
        if depth < 0:
            return False
    return depth == 0


_BRACES = re.compile(r"[{}]")


def make_safe(value: str) -> str:
    """Make a field value compile under LaTeX/BibTeX and execute nothing.

    * ``$...$`` math made only of safe commands is kept as it is;
    * safe control sequences and escapes (``\\%``, ``\\emph``, ``\\'e``) are kept;
    * any other control sequence prints as text: ``\\input`` becomes
      ``\\textbackslash{}input``;
    * bare ``% & # _ ^ < >`` and stray ``$`` are escaped;
    * braces are kept when they balance, and printed as text (never counted by
      BibTeX) when they do not;
    * control characters (NUL, ESC, DEL, ...; see :func:`strip_control`) are dropped:
      TeX stops on them with "invalid character".

    Most values (every value ``sync`` writes) hold none of these: they are returned at
    once, as the rules above would return them.
    """
    if _INERT.fullmatch(value) and _text_braces_balanced(value):
        return value
    return _make_safe(value)


def _make_safe(value: str) -> str:
    """:func:`make_safe` by its rules, token by token."""
    value, urls = _hold_urls(strip_control(value))
    tokens = _TOKEN.findall(value)
    math = _math_spans(tokens)
    in_math: set[int] = set()  # the tokens inside math
    for start, end in math:
        in_math.update(range(start, end + 1))
    balanced = _braces_balanced([t for k, t in enumerate(tokens) if k not in in_math])
    out: list[str] = []
    for k, tok in enumerate(tokens):
        if k in in_math:
            out.append(tok)
        elif tok.startswith("\\"):
            name = tok[1:]
            if name in SAFE_COMMANDS or (len(name) == 1 and name in SAFE_SYMBOLS):
                if name in ("{", "}") and not balanced:
                    out.append(r"\textbraceleft{}" if name == "{" else r"\textbraceright{}")
                else:
                    out.append(tok)
            elif name in ("\n", "\t", "\r"):
                out.append(" ")
            else:
                out.append(r"\textbackslash{}" + name)
        elif tok in ("{", "}"):
            out.append(tok if balanced else _escape_text_char(tok))
        elif tok == "~":
            out.append(tok)
        elif len(tok) == 1 and tok in "%&#_^<>$":
            out.append(_escape_text_char(tok))
        else:
            out.append(tok)
    return _restore("".join(out), urls)


#: What ``\\url`` takes verbatim even inside another command's argument (url.sty):
#: no ``%``, ``#``, ``^``, backslash, brace or space.
_URL_ARG = r"[^{}\\%#^\s]+"
_URL = re.compile(r"\\url\{(" + _URL_ARG + r")\}")
_HREF = re.compile(r"\\href\{(" + _URL_ARG + r")\}\{([^{}]*)\}")
_HELD = re.compile("\ue000(\\d+)\ue001")
#: A link alone in math (``$\\href{...}{...}$``, as some arXiv abstracts have it) is text.
_LINK_IN_MATH = re.compile(r"\$\s*(\\(?:href|url)\{[^{}]*\}(?:\{[^{}]*\})?)\s*\$")


def _hold(held: list[str], tex: str) -> str:
    held.append(tex)
    return f"\ue000{len(held) - 1}\ue001"


def _restore(text: str, held: list[str]) -> str:
    return _HELD.sub(lambda m: held[int(m.group(1))], text) if held else text


def _hold_urls(value: str) -> tuple[str, list[str]]:
    """``\\url{...}`` set aside whole (it is harmless: natbib, IEEEtran and biblatex
    define it), and ``\\href{URL}{text}`` as ``text (\\url{URL})``, which needs no
    hyperref. A URL that ``\\url`` cannot take is left to the rules for text."""
    held: list[str] = []
    if "\\url" not in value and "\\href" not in value:
        return value, held
    value = _LINK_IN_MATH.sub(lambda m: m.group(1), value)
    value = _HREF.sub(
        lambda m: (
            _hold(held, f"\\url{{{m.group(1)}}}")
            if m.group(2).strip() in ("", m.group(1))
            else make_safe(m.group(2)) + " (" + _hold(held, f"\\url{{{m.group(1)}}}") + ")"
        ),
        value,
    )
    value = _URL.sub(lambda m: _hold(held, m.group(0)), value)
    return re.sub(r"\\url\{([^{}]*)\}", lambda m: m.group(1), value), held


_WORD = re.compile(r"[^\W_](?:[\w'’]|-(?=\w))*")
_ACRONYM = re.compile(r"[A-Z]{2,}[0-9]*")


def _part_needs_protection(
    part: str, alone: bool, first: bool, terms: frozenset[str], auto: bool = True
) -> bool:
    """Whether one part of a word (between hyphens) holds capitals a style must keep."""
    if part in terms:
        return True  # a protected term: Qwen, Kontext
    if auto and any(c.isupper() for c in part[1:]):
        return True  # FLUX, SageAttention2, GRPO, iPhone
    # a lone capital letter: "Z-Image", "Model X" (not the pronoun or article "I", "A")
    lone = part.isupper() and len(part) == 1 and (not alone or not first) and part not in "AI"
    return auto and lone


def _protect_word(
    word: str, first: bool, terms: frozenset[str], name: bool = False, auto: bool = True
) -> str:
    """A word, or a hyphenated compound, with the braces it needs.

    A compound is protected whole when any part needs it (``{Qwen-Image}``,
    ``{Z-Image}``, ``{Flow-GRPO}``, ``{HiDream-I1}``), so that a style lowercases
    none of a name. The exception: leading acronyms that modify ordinary words are
    protected alone (``{IO}-Awareness``, ``{ID}-Preserving``), since "awareness"
    is just a word, unless the compound is the ``name`` a title gives itself (its
    first word, before a colon: ``{SANA-Sprint}: One-Step ...``). Title-case
    compounds (``One-Step``, ``Training-Free``) are left to the style.
    """
    if word in terms:
        return "{" + word + "}"
    parts = word.split("-")
    needs = [_part_needs_protection(p, len(parts) == 1, first, terms, auto) for p in parts]
    if not any(needs):
        return word
    if needs[0] and not name:  # (a word without hyphens comes out whole either way)
        lead = 0
        while lead < len(parts) and needs[lead] and _ACRONYM.fullmatch(parts[lead]):
            lead += 1
        if lead and not any(needs[lead:]):
            return "-".join("{" + p + "}" if needs[k] else p for k, p in enumerate(parts))
    return "{" + word + "}"


def _protect_phrases(title: str, phrases: list[str]) -> str:
    """Brace each protected term that spans more than one word (``{FLUX.1 Kontext}``).

    A term is found even where difbib's own braces cut through it (``{FLUX}.1
    Kontext``), and braced anew as one group; inside a group the user braced, or
    inside math, nothing changes.
    """
    for term in sorted(phrases, key=len, reverse=True):
        body = r"[{}]*".join(re.escape(c) for c in term)
        pattern = re.compile(r"(?<![\w\\])\{*" + body + r"\}*(?![\w])")
        out, pos = [], 0
        for m in pattern.finditer(title):
            region = m.group(0)
            before = title[: m.start()]
            depth = before.count("{") - before.count("}")
            if depth != 0 or region.count("{") != region.count("}") or before.count("$") % 2:
                continue
            out.append(title[pos : m.start()] + "{" + term + "}")
            pos = m.end()
        title = "".join(out) + title[pos:]
    return title


def load_terms(path: str | Path) -> list[str]:
    """Protected terms from a file: one term per line, ``#`` starts a comment line.

    The spirit of JabRef's protected-terms lists: terms are matched case-sensitively
    as whole words, and braced so that no style lowercases them (``Kontext``,
    ``FLUX.1 Kontext``, ``Qwen``). A missing file is no terms.
    """
    path = Path(path)
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise DifbibError(f"cannot read the protected terms {str(path)!r}: {err}") from None
    terms = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            terms.append(line)
    return terms


#: A control sequence (or a lone backslash at the end), or math: to the next ``$``, or
#: to the end of the title when left open.
_TEX = re.compile(r"\\(?:[A-Za-z]+|.)?|\$[^$]*\$?", re.DOTALL)
#: BibTeX's "foreign letters": it changes their case itself (``\AA`` to ``\aa``).
_FOREIGN_LETTERS = frozenset({"\\AA", "\\AE", "\\OE", "\\O", "\\L"})
_DEPTH_STEP = {"{": 1, "}": -1}


def _no_term_in(title: str, terms: list[str]) -> bool:
    """Whether no term can be found in ``title`` (not even cut by braces, as
    :func:`_protect_phrases` finds them)."""
    text = title.replace("{", "").replace("}", "")
    return not any(t in text for t in terms)


def protect_capitals(title: str, terms: Iterable[str] = (), *, auto: bool = True) -> str:
    """Brace-protect the words whose capitals a BibTeX style must not lowercase.

    A word (letters, digits and inner hyphens) is protected when it has a capital
    after its first character (``FLUX``, ``SageAttention2``, ``DMD``), is a lone
    capital (``Model X``) or is a protected term (``terms``, see :func:`load_terms`);
    compounds follow :func:`_protect_word`. Already-braced groups are left as they are,
    so protecting twice changes nothing. BibTeX lowercases math and control words too,
    so a closed ``$...$`` with a capital is braced whole (``{$O(N)$}``, not ``$o(n)$``)
    and so is a control word with a capital (``{\\LaTeX}``, not the undefined
    ``\\latex``), except the letters BibTeX lowercases itself (``\\AA``, ``\\O``);
    math left open runs to the end of the title and is left as it is.
    With ``auto=False`` only the terms are protected (what export adds to titles
    that sync, or a hand edit, already protected).
    """
    terms = [t for t in terms if t.strip()]
    if not auto and _no_term_in(title, terms):
        return title  # nothing to protect: the loop below would give the title back
    return _protect_capitals(title, terms, auto)


def _protect_capitals(title: str, terms: list[str], auto: bool) -> str:
    """:func:`protect_capitals` word by word (``terms`` without blank ones)."""
    words = frozenset(t for t in terms if _WORD.fullmatch(t))
    title = _protect_phrases(title, [t for t in terms if t not in words])
    out: list[str] = []
    depth = 0
    i = 0
    first = True
    while i < len(title):
        ch = title[i]
        if ch in "\\$":  # a control sequence or math, braced whole if BibTeX would
            # lowercase it (\LaTeX to the undefined \latex, $O(N)$ to $o(n)$); math left
            # open and the letters BibTeX lowercases itself (\AA) are left as they are
            m = _TEX.match(title, i)
            assert m
            tex = m.group(0)
            closed = ch == "\\" or tex.endswith("$")
            capital = any(c.isupper() for c in tex) and closed and tex not in _FOREIGN_LETTERS
            out.append("{" + tex + "}" if capital and depth == 0 and auto else tex)
            i = m.end()
            continue
        if ch in "{}":
            depth += _DEPTH_STEP[ch]
            out.append(ch)
            i += 1
            first = False
            continue
        m = _WORD.match(title, i)
        if m:
            word = m.group(0)
            if depth == 0:
                name = first and title.startswith(":", m.end())
                word = _protect_word(word, first, words, name, auto)
                first = False
            out.append(word)
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def strip_protection(value: str) -> str:
    """A title without the braces :func:`protect_capitals` adds (for display)."""
    return re.sub(r"(?<!\\)[{}]", "", value)


_TEX_MARKUP = re.compile(r"[\\{}$%&#_^~<>]|--|``|''")


@functools.lru_cache(maxsize=1)
def text_converter() -> Any:
    """pylatexenc's TeX-to-text converter, knowing the escapes :func:`make_safe` writes."""
    from pylatexenc.latex2text import (
        LatexNodes2Text,
        MacroTextSpec,
        get_default_latex_context_db,
    )

    def text_of_arg(node: Any, l2tobj: Any) -> str:
        args = node.nodeargd.argnlist if node.nodeargd else []
        text: str = l2tobj.nodelist_to_text([a for a in args if a is not None])
        return text

    def accent(combining: str) -> Any:
        def put(node: Any, l2tobj: Any) -> str:
            text = text_of_arg(node, l2tobj).strip()
            return text + combining if text else combining

        return put

    db = get_default_latex_context_db()
    db.add_context_category(
        "difbib-escapes",
        prepend=True,
        macros=[
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textless", "<"),
            MacroTextSpec("textgreater", ">"),
            MacroTextSpec("textasciicircum", "^"),
            MacroTextSpec("textunderscore", "_"),
            MacroTextSpec("textbar", "|"),
            # pylatexenc drops these (or their accent) entirely
            MacroTextSpec("texttt", text_of_arg),
            MacroTextSpec("textsf", text_of_arg),
            MacroTextSpec("textup", text_of_arg),
            MacroTextSpec("mbox", text_of_arg),
            MacroTextSpec("widetilde", accent("\u0303")),
            MacroTextSpec("widehat", accent("\u0302")),
            MacroTextSpec("overline", accent("\u0305")),
            MacroTextSpec("underline", accent("\u0332")),
        ],
    )
    return LatexNodes2Text(latex_context=db, math_mode="text")


def _drop_comments(value: str) -> str:
    """TeX comments removed: an unescaped ``%`` to the end of its line.

    A ``%`` right after a number (``63%``, ``50 %``) is a percent sign written as plain
    text, as arXiv abstracts often have it, and stays.
    """

    out: list[str] = []
    i = 0
    for m in re.finditer(r"%", value):
        if m.start() < i or re.search(r"(?:\\|\d ?)$", value[max(0, m.start() - 2) : m.start()]):
            continue
        out.append(value[i : m.start()])
        end = value.find("\n", m.start())
        i = len(value) if end < 0 else end
    return "".join(out) + value[i:]


def _hold_unconvertible(value: str, held: list[str]) -> str:
    """Set aside, as TeX, what has no faithful text form: control words difbib does not
    know (``\\foo{x}`` stays ``\\foo{x}``) and math using them (as Zotero keeps arXiv's TeX)."""
    tokens = _TOKEN.findall(value)
    math = {start: (end, safe) for start, end, safe in _math_delimited(tokens)}
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if i in math:
            end, safe = math[i]
            raw = "".join(tokens[i : end + 1])
            out.append(raw if safe else _hold(held, raw))
            i = end + 1
            continue
        name = tok[1:]
        if tok.startswith("\\") and name.isalpha() and name not in SAFE_COMMANDS:
            j = i + 1
            while j < len(tokens) and tokens[j] == "{":
                depth, k = 0, j
                while k < len(tokens):
                    depth += {"{": 1, "}": -1}.get(tokens[k], 0)
                    if depth == 0:
                        break
                    k += 1
                if k >= len(tokens):
                    break
                j = k + 1
            out.append(_hold(held, "".join(tokens[i:j])))
            i = j
            continue
        out.append(tok)
        i += 1
    return "".join(out)


#: Macros that bibliographies define for themselves or take from a package, and the text
#: they print (``\\noopsort{key}`` only sorts, ``{\\TeX}`` is a logo).
_TEXT_MACRO_TEXT = {
    "TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2ε", "BibTeX": "BibTeX",
    "XeTeX": "XeTeX", "LuaTeX": "LuaTeX", "METAFONT": "METAFONT", "MF": "METAFONT",
    "emdash": "—", "endash": "–", "slash": "/", "S": "§", "P": "¶", "textsection": "§",
    "textparagraph": "¶",
    # biblatex's punctuation and spaces (its manual, "Punctuation" and "Spacing")
    "addcomma": ",", "addsemicolon": ";", "addcolon": ":", "addperiod": ".", "adddot": ".",
    "addspace": " ", "space": " ", "addabbrvspace": " ", "addnbspace": " ",
    "addthinspace": " ", "addnbthinspace": " ", "addlowpenspace": " ",
    "addhighpenspace": " ", "bibrangedash": "–", "adddotspace": ". ", "addslash": "/",
    "recto": "r", "verso": "v",  # folios (biblatex-manuscripts-philology): 11r–12v
}  # fmt: skip
#: Of these, the ones that join two words: the space after them is TeX's end of the
#: command name, not a space (``Brooks\\slash Cole`` is "Brooks/Cole").
_JOINERS = frozenset({"slash", "emdash", "endash"}) | (
    set(_TEXT_MACRO_TEXT)
    - {
        "TeX",
        "LaTeX",
        "LaTeXe",
        "BibTeX",
        "XeTeX",
        "LuaTeX",
        "METAFONT",
        "MF",
        "S",
        "P",
    }  # fmt: skip
)
#: biblatex's (and hologo's) commands that print their argument, with what goes around
#: it: ``\mkbibquote{x}`` is “x”; ``\foreignlanguage{lang}{text}`` is the text.
_WRAPPERS = {
    "mkbibemph": ("", ""), "mkbibitalic": ("", ""), "mkbibbold": ("", ""),
    "mkbibacro": ("", ""), "hologo": ("", ""), "mkbibquote": ("“", "”"),
    "mkbibparens": ("(", ")"), "mkbibbrackets": ("[", "]"),
}  # fmt: skip
_ARG = r"\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
_WRAPPER = re.compile(r"\\(" + "|".join(_WRAPPERS) + r")(?![A-Za-z])\s*" + _ARG)
_FOREIGN = re.compile(r"\\foreignlanguage\s*(?:\[[^\]]*\])?\s*\{[^{}]*\}\s*" + _ARG)
_TEXT_MACROS = re.compile(
    r"\\(" + "|".join(sorted(_TEXT_MACRO_TEXT, key=len, reverse=True)) + r")(?![A-Za-z])"
    r"(\{\}|[ \t\r\n]*)"
)


def _url_text(url: str) -> str:
    """A URL as TeX that prints exactly that URL."""
    return "".join({"~": r"\textasciitilde{}"}.get(c) or _escape_text_char(c) for c in url)


#: ``\\url{...}`` with its argument (which may hold escapes in braces, ``{\\_}``).
URL_COMMAND = re.compile(r"\\url\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}")
_LITERAL_ESCAPE = re.compile(r"\{?\\([_&%#$])\}?|\{?\\(?:textasciitilde|~)(?:\{\})?\}?")


def tex_literal(value: str) -> str:
    """An identifier (a DOI, a URL) as its characters, from TeX that escapes some of them.

    Reference managers escape a DOI or URL as if it were text (Mendeley writes
    ``10.1000/a{\\_}b`` and ``{\\~{}}``); those escapes and grouping braces are undone,
    and nothing else is read as TeX: ``%20`` and ``<`` stay as they are.
    """
    if "\\" not in value and "{" not in value:
        return value.strip()
    value = _LITERAL_ESCAPE.sub(lambda m: m.group(1) or "~", value)
    return value.replace("{", "").replace("}", "").strip()


def tex_to_text(value: str, converter: Any = None) -> str:
    """Plain Unicode text from a TeX field value (``63\\%`` → ``63%``, ``{FLUX}`` → ``FLUX``).

    * accents, escapes, ``~``, ``--`` and font commands become the text they print,
      and runs of white space one space;
    * ``\\url{U}`` becomes ``U``, ``\\href{U}{text}`` becomes ``text (U)``;
    * math becomes text where Unicode has it (``$3\\times$`` → ``3×``,
      ``$\\widetilde P$`` → ``P̃``);
    * TeX comments (``% ...``) are dropped; ``63%`` stays a percent sign;
    * what has no text form (an unknown command, math using one) stays TeX, as typed.

    Nothing is ever interpreted: ``\\input{x}`` comes out as the text ``\\input{x}``.
    """
    if not _TEX_MARKUP.search(value):  # plain already: most names, many abstracts
        return re.sub(r"\s+", " ", value).strip()
    converter = converter or text_converter()
    held: list[str] = []
    value = _drop_comments(value)
    value = _LINK_IN_MATH.sub(lambda m: m.group(1), value)
    value = _HREF.sub(
        lambda m: (
            _url_text(m.group(1))
            if m.group(2).strip() in ("", m.group(1))
            else f"{m.group(2)} ({_url_text(m.group(1))})"
        ),
        value,
    )
    value = URL_COMMAND.sub(lambda m: _url_text(tex_literal(m.group(1))), value)
    value = value.replace("\\-", "")  # a hyphenation point prints nothing
    value = re.sub(r"\\noopsort\{[^{}]*\}", "", value)
    for _ in range(3):  # nested: \mkbibquote{\mkbibemph{x}}
        if not _WRAPPER.search(value) and "\\foreignlanguage" not in value:
            break
        value = _FOREIGN.sub(lambda m: "{" + m.group(1) + "}", value)
        value = _WRAPPER.sub(
            lambda m: _WRAPPERS[m.group(1)][0] + "{" + m.group(2) + "}" + _WRAPPERS[m.group(1)][1],
            value,
        )
    value = _TEXT_MACROS.sub(
        lambda m: (
            _TEXT_MACRO_TEXT[m.group(1)]
            + ("" if m.group(1) in _JOINERS or m.group(2) == "{}" else m.group(2))
        ),
        value,
    )
    value = _hold_unconvertible(value, held)
    value = make_safe(value).replace(r"\^{}", r"\textasciicircum{}")
    text = _restore(converter.latex_to_text(value), held)
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


# -- characters TeX cannot take, and nesting it cannot bear ---------------------------

#: Control characters other than tab, line feed and carriage return (C0, DEL and C1):
#: pdflatex stops on them ("Text line contains an invalid character").
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: Deepest brace nesting difbib reads in a field. Real titles nest two or three
#: levels; TeX-to-text converters recurse per level and fail far below 10,000.
MAX_BRACE_DEPTH = 100


def strip_control(value: str) -> str:
    """``value`` without control characters (tab, line feed and carriage return stay)."""
    return CONTROL_CHARS.sub("", value)


def control_chars(value: str) -> list[str]:
    """The control characters in ``value``, as ``U+0000`` names, each once."""
    return list(dict.fromkeys(f"U+{ord(c):04X}" for c in CONTROL_CHARS.findall(value)))


def brace_depth(value: str) -> int:
    """The deepest nesting of ``{...}`` in ``value`` (escaped ``\\{`` not counted)."""
    depth = deepest = 0
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "}":
            depth = max(depth - 1, 0)
    return deepest


def too_deep(value: str) -> bool:
    """Whether braces in ``value`` nest deeper than :data:`MAX_BRACE_DEPTH` (fast when not)."""
    return value.count("{") > MAX_BRACE_DEPTH and brace_depth(value) > MAX_BRACE_DEPTH
