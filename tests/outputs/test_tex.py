"""The exported BibTeX compiles with real TeX Live, and hostile values stay inert.

Each test writes an exported ``.bib`` and a small document that ``\\nocite{*}``s it
into a scratch folder, runs ``pdflatex`` + ``bibtex`` (plainnat, IEEEtran) or
``pdflatex`` + ``biber`` (biblatex), and requires zero errors and zero warnings in
the ``.blg`` and no error in the LaTeX log.

The tests skip when TeX is absent, except in CI (``CI`` set), where they must run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import SHIPPED_LIBRARY, SHIPPED_LIST, Run

pytestmark = pytest.mark.tex

TOOLS = ("pdflatex", "bibtex", "biber")


def require_tex() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"TeX Live tools not installed: {', '.join(missing)}")
    if missing:
        pytest.fail(f"CI must have TeX Live, but these are missing: {', '.join(missing)}")


# A library entry with every kind of hostile value a hand edit could bring in.
HOSTILE_BIB = r"""@misc{evil2024input,
  author        = {Mallory \input{/etc/passwd} Evil and {Evil & Sons Lab} and Eve O'Neil},
  title         = "Unbalanced { brace \input{/etc/passwd} \write18{touch pwned} 100% & #1 a_b $x",
  year          = {2024},
  eprint        = {2401.00001},
  archivePrefix = {arXiv},
  primaryClass  = {cs.CV},
  doi           = {10.48550/arXiv.2401.00001_{x}},
  url           = {https://example.org/a b{c}\input{x}%zz#frag&x=1_y~z%20ok},
  abstract      = "\catcode`\%=11 \def\x{\input{/etc/passwd}}\x \csname input\endcsname{/etc/passwd}
                  50% of $\alpha$ & more_stuff # and } close} \immediate\write18{touch pwned2} ^ ~",
  keywords      = {R&D_100%, Model Distillation},
  ranking       = {rank4},
}

@misc{evil2024closing,
  author        = {Trudy Closer},
  title         = "A title that closes } too early and opens {{ more, NUL@@CTRL@@ and all",
  year          = {2024},
  note          = {\end{document} \makeatletter\@@end},
}
""".replace("@@CTRL@@", "\x00\x01\x08\x0b\x1b\x7f\x85")  # pdflatex stops on these

NATBIB_DOC = r"""\documentclass{article}
\usepackage[%(enc)s]{inputenc}
\usepackage{url}
\usepackage[numbers]{natbib}
\begin{document}
\nocite{*}
\bibliographystyle{%(style)s}
\bibliography{refs}
\end{document}
"""

BIBLATEX_DOC = r"""\documentclass{article}
\usepackage[%(enc)s]{inputenc}
\usepackage[backend=biber]{biblatex}
\addbibresource{refs.bib}
\begin{document}
\nocite{*}
\printbibliography
\end{document}
"""


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=300, check=False
    )


def build(folder: Path, bib: str, *, style: str, ascii_input: bool = False) -> dict[str, str]:
    """Compile doc.tex against ``bib``; returns the .log, .blg, .bbl and .fls texts."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "refs.bib").write_text(bib, encoding="utf-8")
    enc = "ascii" if ascii_input else "utf8"
    template = BIBLATEX_DOC if style == "biblatex" else NATBIB_DOC
    (folder / "doc.tex").write_text(template % {"enc": enc, "style": style})
    latex = ["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "-recorder", "doc"]
    first = _run(latex, folder)
    assert first.returncode == 0, first.stdout[-2000:]
    backend = _run(["biber", "doc"] if style == "biblatex" else ["bibtex", "doc"], folder)
    blg = (folder / "doc.blg").read_text(errors="replace")
    assert backend.returncode == 0, blg[-3000:]
    for _ in range(2):
        last = _run(latex, folder)
        assert last.returncode == 0, last.stdout[-3000:]
    return {
        ext: (folder / f"doc.{ext}").read_text(errors="replace")
        for ext in ("log", "blg", "bbl", "fls")
    }


def assert_clean(out: dict[str, str], *, biber: bool) -> None:
    """No error or warning from bibtex/biber, no error or undefined citation in LaTeX."""
    blg, log = out["blg"], out["log"]
    if biber:
        problems = [line for line in blg.splitlines() if re.search(r"> (WARN|ERROR) - ", line)]
    else:
        problems = [
            line
            for line in blg.splitlines()
            if line.startswith("Warning--") or "error message" in line or "---line" in line
        ]
        assert not re.search(r"\(There (was|were) \d+ (warning|error)", blg)
    assert not problems, problems
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert not errors, errors
    assert "undefined references" not in log
    assert not re.search(r"Citation `[^']*' .*undefined", log)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """The shipped library exported once per format and encoding."""
    require_tex()
    base = tmp_path_factory.mktemp("exports")
    hostile = base / "hostile.bib"
    hostile.write_text(HOSTILE_BIB, encoding="utf-8")
    run = Run()
    out: dict[str, str] = {}
    for name, lib, args in [
        ("bibtex", SHIPPED_LIBRARY, []),
        ("bibtex-ascii", SHIPPED_LIBRARY, ["--ascii"]),
        ("biblatex", SHIPPED_LIBRARY, ["--format", "biblatex"]),
        ("biblatex-ascii", SHIPPED_LIBRARY, ["--format", "biblatex", "--ascii"]),
        ("hostile-bibtex", hostile, []),
        ("hostile-biblatex", hostile, ["--format", "biblatex"]),
    ]:
        listed = SHIPPED_LIST if lib == SHIPPED_LIBRARY else base / "none.md"
        res = run("export", "--library", str(lib), "--list", str(listed), *args)
        assert res.exit_code == 0, res.stderr
        out[name] = res.stdout
    return out


SHIPPED_CASES = [
    ("bibtex", "plainnat"),
    ("bibtex-ascii", "plainnat"),
    ("bibtex", "IEEEtran"),
    ("bibtex-ascii", "IEEEtran"),
    ("biblatex", "biblatex"),
    ("biblatex-ascii", "biblatex"),
]


@pytest.mark.parametrize("export_name,style", SHIPPED_CASES)
def test_shipped_library_compiles_without_warnings(exports, tmp_path, export_name, style):
    # inputenc[ascii] rejects any 8-bit byte in the .bbl. biber reads macros into
    # Unicode and writes the .bbl in the document's encoding, so biblatex takes utf8.
    ascii_input = export_name.endswith("-ascii") and style != "biblatex"
    out = build(tmp_path, exports[export_name], style=style, ascii_input=ascii_input)
    assert_clean(out, biber=style == "biblatex")
    items = out["bbl"].count("\\entry{" if style == "biblatex" else "\\bibitem")
    assert items == 33
    assert "Micha" in out["bbl"] and "Gharbi" in out["bbl"]


@pytest.mark.parametrize(
    "export_name,style",
    [
        ("hostile-bibtex", "plainnat"),
        ("hostile-bibtex", "IEEEtran"),
        ("hostile-biblatex", "biblatex"),
    ],
)
def test_hostile_values_are_inert(exports, tmp_path, export_name, style):
    out = build(tmp_path, exports[export_name], style=style)
    assert_clean(out, biber=style == "biblatex")
    # nothing was read, nothing was run
    assert "/etc/passwd" not in out["fls"]
    assert "runsystem" not in out["log"]
    assert not list(tmp_path.glob("pwned*"))
    # the document was not ended early: both entries are typeset, text is printed
    assert out["bbl"].count("\\entry{" if style == "biblatex" else "\\bibitem") == 2
    assert "\\textbackslash{}input" in out["bbl"]
    assert re.search(r"Output written on doc\.pdf \(\d+ page", out["log"])


CITING_DOC = r"""\documentclass{article}
%(preamble)s
\begin{document}
\cite{yin2023one,chen2025sana} \nocite{liu2025decoupled} \cite{vaswani2017attention}
\include{chapter}
%(bibliography)s
\end{document}
"""


@pytest.mark.parametrize("engine", ["natbib", "biblatex"])
def test_aux_of_a_real_document(tmp_path, monkeypatch, engine):
    """--aux reads what LaTeX really writes, \\include'd chapters too."""
    require_tex()
    if engine == "natbib":
        preamble, bibliography = (
            r"\usepackage{natbib}",
            r"\bibliographystyle{plainnat}\bibliography{refs}",
        )
    else:
        preamble, bibliography = (
            "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}",
            r"\printbibliography",
        )
    (tmp_path / "paper.tex").write_text(
        CITING_DOC % {"preamble": preamble, "bibliography": bibliography}
    )
    (tmp_path / "chapter.tex").write_text("\\cite{yin2024improved}\n")
    latex = ["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "paper"]
    assert _run(latex, tmp_path).returncode in (0, 1)  # citations undefined before bibtex
    monkeypatch.chdir(tmp_path)
    lib = ["--library", str(SHIPPED_LIBRARY), "--list", str(SHIPPED_LIST)]
    run = Run()
    res = run("export", *lib, "--aux", "paper.aux")
    assert res.exit_code == 1 and "vaswani2017attention" in res.stderr and res.stdout == ""
    res = run("list", *lib, "--json", "--aux", "paper.aux", "--allow-missing")
    assert res.exit_code == 0
    keys = {p["key"] for p in json.loads(res.stdout)}
    assert keys == {"yin2023one", "chen2025sana", "liu2025decoupled", "yin2024improved"}


# -- what TeX prints: titles and names in the .bbl ------------------------------------


def test_biblatex_export_fits_biblatex_data_model(exports, tmp_path):
    """biber --validate-datamodel: not one field outside biblatex's data model."""
    build(tmp_path, exports["biblatex"], style="biblatex")
    res = _run(["biber", "--validate-datamodel", "doc"], tmp_path)
    assert res.returncode == 0, res.stdout[-2000:]
    warnings = [line for line in res.stdout.splitlines() if "WARN" in line]
    assert not warnings, warnings[:5]
    assert "rating:4" in (tmp_path / "doc.bbl").read_text()  # the rating, as a keyword


def _synthetic_bib(tmp_path) -> str:
    """Entries made by difbib from arXiv-like records, exported as BibTeX by the CLI."""
    from difbib.library import bibtex
    from difbib.sources.record import ArxivRecord

    def record(aid, title, authors):
        return ArxivRecord(aid, 1, title, authors, "", "2025-01-02", "2025-01-02", "cs.CV")

    records = [
        record("2501.00001", "Qwen-Image Technical Report", ["Sheng-ming Yin", "Jun-Yan Zhu"]),
        record("2501.00002", "Exact Attention with IO-Awareness", ["Jia-wei Liu", "Li Ai"]),
        record(
            "2501.00003",
            "FLUX.1 Kontext: Flow Matching for In-Context Editing",
            ["Black Forest Labs", "Laurens van der Maaten"],
        ),
        record("2501.00004", r"Typesetting \LaTeX{} Titles in $O(N)$ Time", ["Ada Lovelace"]),
    ]
    entries = [
        bibtex.make_entry(f"k{n}", bibtex.arxiv_fields(r, ["FLUX.1 Kontext", "Qwen"]))
        for n, r in enumerate(records)
    ]
    lib = tmp_path / "synthetic.bib"
    lib.write_text(bibtex.write_bib(entries), encoding="utf-8")
    res = Run()("export", "--library", str(lib), "--list", str(tmp_path / "none.md"))
    assert res.exit_code == 0, res.stderr
    return res.stdout


@pytest.mark.parametrize("style", ["plainnat", "IEEEtran"])
def test_bibtex_prints_titles_and_names_right(tmp_path, style):
    require_tex()
    bbl = build(tmp_path / "doc", _synthetic_bib(tmp_path), style=style)["bbl"]
    flat = " ".join(bbl.split())
    # titles: sentence-casing styles keep the protected names
    assert "{Qwen-Image} technical report" in flat or "{Qwen-Image} Technical Report" in flat
    assert "{FLUX.1 Kontext}: Flow" in flat
    assert "{IO}-awareness" in flat or "{IO}-Awareness" in flat
    # BibTeX lowercases control words and math it finds outside braces: an undefined
    # \latex would stop the build, $o(n)$ would be another bound
    assert (
        r"{\LaTeX}{} titles in {$O(N)$} time" in flat
        or r"{\LaTeX}{} Titles in {$O(N)$} Time" in flat
    )
    # names: the hyphenated given name is a given name, "van der" is still a particle
    if style == "plainnat":
        assert "Sheng-ming Yin" in flat and "Jia-wei Liu" in flat
        assert "Sheng ming" not in flat
        assert "Laurens van~der Maaten" in flat or "Laurens van der Maaten" in flat
        assert "Li~Ai" in flat or "Li Ai" in flat
    else:
        assert "S.-m. Yin" in flat and "J.-w. Liu" in flat
        assert "~ming" not in flat and "~wei" not in flat
        assert "L. van der Maaten" in flat or "L.~van~der Maaten" in flat
        assert "L.~Ai" in flat or "L. Ai" in flat
    assert "Black Forest Labs" in flat and "Labs, Black" not in flat


def test_biber_reads_titles_and_names_right(tmp_path):
    require_tex()
    bbl = build(tmp_path / "doc", _synthetic_bib(tmp_path), style="biblatex")["bbl"]
    flat = " ".join(bbl.split())
    assert r"\field{title}{{Qwen-Image} Technical Report}" in flat
    assert r"\field{title}{{FLUX.1 Kontext}: Flow Matching for In-Context Editing}" in flat
    assert "family={Yin}" in flat and "given={Sheng-ming}" in flat
    assert "family={Liu}" in flat and "given={Jia-wei}" in flat
    assert "family={Maaten}" in flat and r"prefix={van\bibnamedelima der}" in flat
    assert "family={Ai}" in flat and "given={Li}" in flat


def test_shipped_library_names_in_the_bbl(exports, tmp_path):
    require_tex()
    flat = " ".join(build(tmp_path, exports["bibtex"], style="plainnat")["bbl"].split())
    assert "Sheng-ming Yin" in flat and "Sheng ming" not in flat
    assert "{Qwen-Image} technical report" in flat
