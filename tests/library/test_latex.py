"""LaTeX safety and capital protection of field values."""

from __future__ import annotations

import pytest

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
        (r"Speed of $O(N)$ Attention", r"Speed of $O(N)$ Attention"),
    ],
)
def test_protect_capitals(title, protected):
    assert protect_capitals(title) == protected


@pytest.mark.parametrize(
    "name, group",
    [
        ("Black Forest Labs", True),
        ("Team Seedream", True),
        ("Z-Image Team", True),
        ("Tianwei Yin", False),
        ("Christopher Ré", False),
    ],
)
def test_group_authors(name, group):
    assert is_group_author(name) is group


def record(title: str, first_author: str, published: str = "2024-05-23") -> ArxivRecord:
    return ArxivRecord("2405.14867", 2, title, [first_author], "", published, published, "cs.CV")


def test_keys_are_google_scholar_style_ascii():
    assert base_key(record("Improved Distribution Matching", "Tianwei Yin")) == "yin2024improved"
    assert base_key(record("The Art of Diffusion", "Christopher Ré")) == "re2024art"
    assert base_key(record("On Flows", "Vincent van Gogh")) == "gogh2024flows"
    assert base_key(record("FLUX.1 Kontext", "Black Forest Labs")) == "blackforestlabs2024flux1"


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
