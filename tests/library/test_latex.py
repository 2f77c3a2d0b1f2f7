"""LaTeX safety and capital protection of field values."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from difbib.library import latex
from difbib.library.bibtex import base_key, unique_key
from difbib.library.latex import make_safe, protect_capitals
from difbib.sources.arxiv import TITLE_MATCH_THRESHOLD, title_query, titles_match
from difbib.sources.record import ArxivRecord, is_group_author


@pytest.mark.parametrize(
    "value, safe",
    [
        (r"3$\times$ faster, 61.4% accuracy", r"3$\times$ faster, 61.4\% accuracy"),
        (r"50-73\% of peak", r"50-73\% of peak"),
        (r"INT4 $QK^\top$ and $(\widetilde P, V)$", r"INT4 $QK^\top$ and $(\widetilde P, V)$"),
        (r"\input{/etc/passwd}", r"\textbackslash{}input{/etc/passwd}"),
        (r"\write18{rm -rf /}", r"\textbackslash{}write18{rm -rf /}"),
        (r"$\input{x}$", r"\$\textbackslash{}input{x}\$"),
        ("R&D # 1 under_score", r"R\&D \# 1 under\_score"),
        ("costs $5", r"costs \$5"),
        ("a {b c", r"a \textbraceleft{}b c"),
        ("a}b{c", r"a\textbraceright{}b\textbraceleft{}c"),
        ("<16GB VRAM>", r"\textless{}16GB VRAM\textgreater{}"),
        (r"``quoted'' \'e", r"``quoted'' \'e"),
    ],
)
def test_make_safe(value, safe):
    assert make_safe(value) == safe
    assert make_safe(safe) == safe  # idempotent


def test_make_safe_output_never_unbalances_braces():
    for value in ["}{", "{{{", "x}", r"\{", r"a \} b"]:
        out = make_safe(value)
        depth = 0
        for ch in out:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0
        assert depth == 0, out


@pytest.mark.parametrize(
    "title, protected",
    [
        ("FLUX.1 Kontext: Flow Matching", "{FLUX}.1 Kontext: Flow Matching"),
        ("Decoupled DMD: CFG Augmentation", "Decoupled {DMD}: {CFG} Augmentation"),
        ("SageAttention2: Efficient Attention", "{SageAttention2}: Efficient Attention"),
        ("Z-Image: An Efficient Model", "{Z-Image}: An Efficient Model"),
        ("SANA-Sprint: One-Step Diffusion", "{SANA-Sprint}: One-Step Diffusion"),
        ("Training-free Diffusion Acceleration", "Training-free Diffusion Acceleration"),
        ("Already {Protected} NeRF", "Already {Protected} {NeRF}"),
        (r"Speed of $O(N)$ Attention", r"Speed of {$O(N)$} Attention"),
        # a compound is protected whole when a part needs it ...
        ("Flow-GRPO: Training Flow Matching", "{Flow-GRPO}: Training Flow Matching"),
        ("HiDream-I1: A Model", "{HiDream-I1}: A Model"),
        ("Using FlashAttention-2 Today", "Using {FlashAttention-2} Today"),
        # ... but a leading acronym that modifies an ordinary word is protected alone
        ("Exact Attention with IO-Awareness", "Exact Attention with {IO}-Awareness"),
        ("Towards ID-Preserving Generation", "Towards {ID}-Preserving Generation"),
        ("Plug-and-play Inference, Per-thread INT4", "Plug-and-play Inference, Per-thread {INT4}"),
    ],
)
def test_protect_capitals(title, protected):
    assert protect_capitals(title) == protected
    assert protect_capitals(protected) == protected  # protecting twice changes nothing


@pytest.mark.parametrize(
    "title, protected",
    [
        ("Qwen-Image Technical Report", "{Qwen-Image} Technical Report"),
        ("FLUX.1 Kontext: Flow Matching", "{FLUX.1 Kontext}: Flow Matching"),
        # difbib's own braces do not hide a term; a user's group is left alone
        ("{FLUX}.1 Kontext: Flow Matching", "{FLUX.1 Kontext}: Flow Matching"),
        ("{FLUX.1 Kontext}: Flow", "{FLUX.1 Kontext}: Flow"),
        ("Kontext and Qwen, not qwen", "{Kontext} and {Qwen}, not qwen"),
        # no term braced inside math; math with a capital is braced whole
        (r"$Qwen$ in math", r"{$Qwen$} in math"),
    ],
)
def test_protected_terms(title, protected):
    terms = ["Qwen", "FLUX.1 Kontext", "Kontext"]
    assert protect_capitals(title, terms) == protected
    assert protect_capitals(protected, terms) == protected


# -- the shortcuts give what the rules give ------------------------------------------
# make_safe and protect_capitals(auto=False) return most values at once (export runs
# them on every field of every entry); on any text they must give what the rules give.

#: Text made mostly of plain words, with every character the rules care about mixed in.
TEXT = st.lists(
    st.one_of(
        st.sampled_from(["Flow", " ", "Qwen", "FLUX.1", "Kontext", "-Image", "é", "\n", ":"]),
        st.sampled_from(list("{}\\$%&#_^<>~\x00\x1b\x7f\x85\ue000\ue001\r")),
        st.sampled_from(["\\'e", "\\emph", "\\url{http://x}", "$x$", "\\\n", "\\"]),
        st.text(max_size=3),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(value=TEXT)
@example(value="a}b")
@example(value="{a} {b}")
def test_make_safe_gives_what_its_rules_give(value):
    assert make_safe(value) == latex._make_safe(value)


@settings(max_examples=300, deadline=None)
@given(
    title=TEXT,
    terms=st.lists(st.sampled_from(["Qwen", "FLUX.1 Kontext", "Kontext", " ", "", "x y"])),
)
@example(title="{FLUX}.1 Kontext", terms=["FLUX.1 Kontext"])
@example(title="a Qwen-Image", terms=["Qwen"])
def test_protecting_only_terms_gives_what_its_rules_give(title, terms):
    try:
        expected = latex._protect_capitals(title, [t for t in terms if t.strip()], False)
    except AssertionError:  # a backslash before a line break: the rules stop there
        with pytest.raises(AssertionError):
            protect_capitals(title, terms, auto=False)
        return
    assert protect_capitals(title, terms, auto=False) == expected


def test_protected_terms_file(tmp_path):
    from difbib.library.latex import load_terms

    path = tmp_path / "terms.txt"
    path.write_text("# model names\nQwen\n\n  FLUX.1 Kontext  \n", encoding="utf-8")
    assert load_terms(path) == ["Qwen", "FLUX.1 Kontext"]
    assert load_terms(tmp_path / "missing.txt") == []


@pytest.mark.parametrize(
    "name, group",
    [
        ("Black Forest Labs", True),
        ("Team Seedream", True),
        ("Z-Image Team", True),
        ("Tianwei Yin", False),
        ("Christopher Ré", False),
        ("Meta AI", True),
        ("Google Research", True),
        # a person's name never counts, even with a family name like "Ai"
        ("Li Ai", False),
        ("Ai Li", False),
        ("Maria Group-Smith", False),
    ],
)
def test_group_authors(name, group):
    assert is_group_author(name) is group


def record(title: str, first_author: str, published: str = "2024-05-23") -> ArxivRecord:
    return ArxivRecord("2405.14867", 2, title, [first_author], "", published, published, "cs.CV")


@pytest.mark.parametrize(
    "title, author, key",
    [
        ("Improved Distribution Matching", "Tianwei Yin", "yin2024improved"),
        # the first significant word is cut at its first character that is not a letter
        # or digit, as Google Scholar does
        ("FlashAttention-2: Faster Attention", "Tri Dao", "dao2024flashattention"),
        ("Flow-GRPO: Training Flow Matching", "Jie Liu", "liu2024flow"),
        ("One-step Diffusion", "Tianwei Yin", "yin2024one"),
        ("FLUX.1 Kontext", "Stephen Batifol", "batifol2024flux"),
        ("Don't Stop Pretraining", "Suchin Gururangan", "gururangan2024don"),
        ("3D Gaussian Splatting", "Bernhard Kerbl", "kerbl20243d"),
        ("SageAttention2: Efficient", "Jintao Zhang", "zhang2024sageattention2"),
        # Scholar's stop words; "towards" and "does" are not among them
        ("The Art of Diffusion", "Christopher Ré", "re2024art"),
        ("From Reusing to Forecasting", "Jiacheng Liu", "liu2024reusing"),
        ("Why Should I Trust You?", "Marco Ribeiro", "ribeiro2024should"),
        ("Towards Blockchain-based Systems", "Alex Afanasyev", "afanasyev2024towards"),
        ("When Does Label Smoothing Help?", "Rafael Müller", "muller2024does"),
        # family names: the particle counts, accents fold (Ł as ł), apostrophes cut
        ("On Flows", "Vincent van Gogh", "van2024flows"),
        ("Lossy Compression", "El Kaafarani, Rami", "el2024lossy"),
        ("Underspecification", "Alexander D'Amour", "d2024underspecification"),
        ("Graphs", "Łukasz Łuczak", "luczak2024graphs"),
        ("Graphs", "Sheng-ming Yin", "yin2024graphs"),
        # a group author is read as a name: its last word
        ("FLUX.1 Kontext", "Black Forest Labs", "labs2024flux"),
        ("Seedream 4.0: Toward", "Team Seedream", "seedream2024seedream"),
        ("Z-Image: An Efficient Model", "Z-Image Team", "team2024z"),
    ],
)
def test_keys_are_google_scholars(title, author, key):
    assert base_key(record(title, author)) == key


def test_one_ascii_fold_for_keys_slugs_and_search():
    from difbib.library.queries import fold
    from difbib.sources.readinglist import heading_words

    assert fold("Łuczak Gröbner Ørsted") == "luczak grobner orsted"
    assert heading_words("Łódź Models") == ["lodz", "models"]


def test_colliding_keys_get_letter_suffixes_and_existing_keys_never_move():
    taken = {"yin2024improved"}
    assert unique_key("yin2024improved", taken) == "yin2024improvedb"
    taken.add("yin2024improvedb")
    assert unique_key("yin2024improved", taken) == "yin2024improvedc"
    assert unique_key("Yin2024Improved", {"yin2024improved"}) == "Yin2024Improvedb"


@pytest.mark.parametrize(
    "listed, arxiv_title, close",
    [
        ("WithAnyone: Towards Controllable and ID-Consistent Image Generation",
         "WithAnyone: Towards Controllable and ID Consistent Image Generation", True),
        ("SVDQUANT: ABSORBING OUTLIERS BY LOW-RANK COMPONENTS FOR 4-BIT DIFFUSION MODELS",
         "SVDQuant: Absorbing Outliers by Low-Rank Components for 4-Bit Diffusion Models", True),
        ("Qwen-Image", "Qwen-Image Technical Report", True),
        ("NAMI: Efficient Image Generation via Progressive Rectified Flow Transformers",
         "NAMI: Efficient Image Generation via Bridged Progressive Rectified Flow Transformers",
         True),
        ("FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning",
         "FlashAttention-3: Fast and Accurate Attention with Asynchrony and Low-precision", False),
        ("Improved Distribution Matching Distillation for Fast Image Synthesis",
         "One-step Diffusion with Distribution Matching Distillation", False),
    ],
)  # fmt: skip
def test_title_matching_accepts_only_close_titles(listed, arxiv_title, close):
    assert (titles_match(listed, arxiv_title) >= TITLE_MATCH_THRESHOLD) is close


def test_title_query_uses_significant_words():
    query = title_query("FlashAttention-2: Faster Attention with Better Parallelism")
    assert (
        query == "ti:flashattention AND ti:faster AND ti:attention AND ti:better AND ti:parallelism"
    )


@pytest.mark.parametrize(
    "name, written",
    [
        # BibTeX would read "ming" as a particle ("Sheng ming Yin", "S.~ming Yin")
        ("Sheng-ming Yin", "Yin, Sheng-ming"),
        ("Jia-wei Liu", "Liu, Jia-wei"),
        ("Anna-lena Maria Schmidt", "Schmidt, Anna-lena Maria"),
        # read right as they are
        ("Jun-Yan Zhu", "Jun-Yan Zhu"),
        ("Laurens van der Maaten", "Laurens van der Maaten"),
        ("Li Ai", "Li Ai"),
        ("Black Forest Labs", "{Black Forest Labs}"),
        ("Tianwei Yin", "Tianwei Yin"),
    ],
)
def test_names_are_written_as_bibtex_reads_them(name, written):
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    from difbib.library.bibtex import format_name, name_parts

    assert format_name(name) == written
    given, particle, family = name_parts(name)
    parts = parse_single_name_into_parts(written, strict=False)
    if not written.startswith("{"):
        assert " ".join(parts.first) == given
        assert " ".join(parts.von) == particle
        assert " ".join(parts.last) == family
