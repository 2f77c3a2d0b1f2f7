"""One reading list per layout of public "awesome" lists (tests/data/lists/), read right.

Each test states what a reader of the list sees in it: the papers (clean title, arXiv
id, categories, venue), the categories, and what is not a paper.
"""

from __future__ import annotations

import re

import pytest

from difbib.errors import ListError
from difbib.sources.readinglist import parse_list, read_list
from tests.helpers import DATA, SHIPPED_LIST

LISTS = DATA / "lists"


def papers(name: str) -> list[tuple[str, str | None, list[str], str | None]]:
    reading = read_list(LISTS / name)
    return [(p.title, p.arxiv_id, p.categories, p.venue) for p in reading.papers]


def test_link_items_with_any_bullet_trailing_text_and_sub_bullets():
    F, G = ["Foundations"], ["Guidance"]
    assert papers("link-items.md") == [
        ("Denoising Diffusion Probabilistic Models", "2006.11239", F, "NeurIPS 2020"),
        ("Denoising Diffusion Implicit Models", "2010.02502", F, "ICLR 2021"),
        (
            "Score-Based Generative Modeling through Stochastic Differential Equations",
            "2011.13456",
            F,
            "ICLR 2021",
        ),  # fmt: skip
        ("Improved Denoising Diffusion Probabilistic Models", "2102.09672", F, "ICML 2021"),
        ("Diffusion Models Beat GANs on Image Synthesis", "2105.05233", F, "NeurIPS 2021"),
        ("Classifier-Free Diffusion Guidance", "2207.12598", G, "NeurIPS 2021 Workshop"),
        ("Guiding a Diffusion Model with a Bad Version of Itself", "2406.02507", G, None),
        ("Self-Attention Guidance", "2210.00939", G, None),
    ]
    reading = read_list(LISTS / "link-items.md")
    score = reading.papers[2]
    # The sub-bullets (authors, venue, code) belong to the item above them.
    assert [link.url for link in score.links] == [
        "https://arxiv.org/pdf/2011.13456.pdf",
        "https://github.com/yang-song/score_sde",
        "https://yang-song.net/blog/2021/score/",
    ]
    # "⭐ 1.2k" is a star count, not a rating; the README's badges are no papers.
    assert all(p.rating is None for p in reading.papers)
    assert reading.resources == []


def test_tables_title_cell_and_arxiv_link_in_any_cell():
    T, I = ["Text-to-Video"], ["Image-to-Video"]  # noqa: E741
    assert papers("tables.md") == [
        ("Video Diffusion Models", "2204.03458", T, "NeurIPS 2022"),
        (
            "Imagen Video: High Definition Video Generation with Diffusion Models",
            "2210.02303",
            T,
            None,
        ),  # fmt: skip
        (
            "Make-A-Video: Text-to-Video Generation without Text-Video Data",
            "2209.14792",
            T,
            "ICLR 2023",
        ),  # fmt: skip
        (
            "Align your Latents: High-Resolution Video Synthesis with Latent Diffusion Models",
            "2304.08818",
            T,
            "CVPR 2023",
        ),  # fmt: skip
        (
            "Stable Video Diffusion: Scaling Latent Video Diffusion Models to Large Datasets",
            "2311.15127",
            I,
            None,
        ),  # fmt: skip
        ("Lumiere: A Space-Time Diffusion Model for Video Generation", "2401.12945", I, None),
        (
            "AnimateDiff: Animate Your Personalized Text-to-Image Diffusion Models without "
            "Specific Tuning",
            None,
            I,
            "ICLR 2024",
        ),  # fmt: skip
    ]
    reading = read_list(LISTS / "tables.md")
    assert [p.line for p in reading.papers] == [7, 8, 9, 10, 16, 17, 18]
    assert reading.papers[-1].links[0].kind == "proceedings"  # the OpenReview link


def test_a_row_shorter_than_its_header_is_read_from_the_cells_it_has():
    # The title column lies past the end of a short row (a cell lost in an edit).
    text = (
        "## Flows\n\n| # | Title |\n|---|---|\n"
        "| [Flow Matching for Generative Modeling](https://arxiv.org/abs/2210.02747) |\n"
        "| 2 | [Consistency Models](https://arxiv.org/abs/2303.01469) |\n"
    )
    reading = parse_list(text)
    assert [(p.title, p.arxiv_id) for p in reading.papers] == [
        ("Flow Matching for Generative Modeling", "2210.02747"),
        ("Consistency Models", "2303.01469"),
    ]


def test_bold_title_anywhere_in_the_item():
    S, D = ["Solvers"], ["Distillation"]
    assert papers("bold-anywhere.md") == [
        (
            "DPM-Solver: A Fast ODE Solver for Diffusion Probabilistic Model Sampling in Around "
            "10 Steps",
            "2206.00927",
            S,
            "NeurIPS 2022",
        ),  # fmt: skip
        (
            "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic Models",
            "2211.01095",
            S,
            None,
        ),  # fmt: skip
        (
            "Fast Sampling of Diffusion Models with Exponential Integrator",
            "2204.13902",
            S,
            "ICLR 2023",
        ),  # fmt: skip
        (
            "UniPC: A Unified Predictor-Corrector Framework for Fast Sampling of Diffusion Models",
            "2302.04867",
            S,
            "NeurIPS 2023",
        ),  # fmt: skip
        (
            "Progressive Distillation for Fast Sampling of Diffusion Models",
            "2202.00512",
            D,
            "ICLR 2022",
        ),  # fmt: skip
        ("Consistency Models", "2303.01469", D, "ICML 2023"),
    ]


def test_link_inside_the_bold_gives_a_clean_title():
    I, E = ["Inversion"], ["Instruction Editing"]  # noqa: E741
    assert papers("bold-link.md") == [
        (
            "Null-text Inversion for Editing Real Images using Guided Diffusion Models",
            "2211.09794",
            I,
            None,
        ),  # fmt: skip
        (
            "Prompt-to-Prompt Image Editing with Cross Attention Control",
            "2208.01626",
            I,
            "ICLR 2023",
        ),  # fmt: skip
        (
            "SDEdit: Guided Image Synthesis and Editing with Stochastic Differential Equations",
            "2108.01073",
            I,
            "ICLR 2022",
        ),  # fmt: skip
        ("InstructPix2Pix: Learning to Follow Image Editing Instructions", "2211.09800", E, None),
        (
            "Imagic: Text-Based Real Image Editing with Diffusion Models",
            "2210.09276",
            E,
            "CVPR 2023",
        ),  # fmt: skip
    ]


def test_bold_title_over_two_lines():
    A = ["Architectures"]
    assert papers("bold-two-lines.md") == [
        ("Scalable Diffusion Models with Transformers", "2212.09748", A, "ICCV 2023"),
        (
            "Scaling Rectified Flow Transformers for High-Resolution Image Synthesis",
            "2403.03206",
            A,
            "ICML 2024",
        ),  # fmt: skip
        (
            "PixArt-α: Fast Training of Diffusion Transformer for Photorealistic Text-to-Image "
            "Synthesis",
            "2310.00426",
            A,
            "ICLR 2024",
        ),  # fmt: skip
    ]


def test_acronym_labels_join_the_title():
    titles = [t for t, *_ in papers("acronym-labels.md")]
    assert titles == [
        "DreamBooth: Fine Tuning Text-to-Image Diffusion Models for Subject-Driven Generation",
        "Textual Inversion: An Image is Worth One Word: Personalizing Text-to-Image Generation "
        "using Textual Inversion",
        "Custom Diffusion: Multi-Concept Customization of Text-to-Image Diffusion",
        "InstantID: Zero-shot Identity-Preserving Generation in Seconds",
        "PhotoMaker: Customizing Realistic Human Photos via Stacked ID Embedding",
        "IP-Adapter: Text Compatible Image Prompt Adapter for Text-to-Image Diffusion Models",
    ]


def test_several_h1_headings_with_papers_are_the_categories():
    reading = read_list(LISTS / "h1-categories.md")
    assert reading.level == 1
    assert [(c.heading, c.level) for c in reading.categories] == [
        ("Image Generation", 1), ("Video Generation", 1), ("Flow Matching", 1),
    ]  # fmt: skip
    cats = {p.arxiv_id: p.categories for p in reading.papers}
    # Directly under the category, before its first sub-section; in sub-sections; deeper.
    assert cats["2112.10752"] == cats["2204.06125"] == cats["2106.15282"] == ["Image Generation"]
    assert cats["2410.13720"] == ["Video Generation"]
    assert len(reading.papers) == 10


def test_lone_title_is_not_a_category_level():
    reading = parse_list(
        "# My Awesome List\n\n- [Our survey](https://arxiv.org/abs/2209.00796)\n\n"
        "## Sampling\n\n- [Consistency Models](https://arxiv.org/abs/2303.01469)\n\n"
        "## Editing\n\n- [Imagic](https://arxiv.org/abs/2210.09276)\n"
    )
    assert [c.heading for c in reading.categories] == ["Sampling", "Editing"]
    assert [p.arxiv_id for p in reading.papers] == ["2303.01469", "2210.09276"]
    assert any("under no category" in n.message and n.line == 3 for n in reading.notices)


def test_html_comments_are_not_content_details_are_and_headings_lose_tags():
    reading = read_list(LISTS / "html.md")
    assert [c.heading for c in reading.categories] == ["Caching", "Quantization"]
    ids = [p.arxiv_id for p in reading.papers]
    assert ids == ["2312.00858", "2303.17604", "2302.04304", "2306.00980", "2411.05007"]
    for hidden in ("2201.06503", "2202.09778", "2401.00001"):
        assert hidden not in ids
    snap = reading.papers[3]
    assert snap.title == (
        "SnapFusion: Text-to-Image Diffusion Model on Mobile Devices within Two Seconds"
    )
    assert reading.title == "Awesome Diffusion Acceleration"


def test_labels_and_noise_are_not_papers():
    reading = read_list(LISTS / "noise.md")
    assert [c.heading for c in reading.categories] == ["Reward fine-tuning"]
    assert [(p.title, p.arxiv_id, p.venue) for p in reading.papers] == [
        ("Diffusion Model Alignment Using Direct Preference Optimization", "2311.12908", "CVPR"),
        ("Directly Fine-Tuning Diffusion Models on Differentiable Rewards", None, "CVPR"),
        ("Training Diffusion Models with Reinforcement Learning", "2305.13301", "ICLR 2024"),
        (
            "Representation Alignment for Generation: Training Diffusion Transformers Is Easier "
            "Than You Think",
            "2410.06940",
            None,
        ),  # fmt: skip
    ]
    assert all(p.rating is None for p in reading.papers)  # "⭐ 987" counts stars on GitHub
    kinds = [(r.title, r.kind) for r in reading.resources]
    assert kinds == [
        ("What are Diffusion Models?", "blog"),
        ("The Annotated Diffusion Model", "blog"),
        ("Diffusion Models from Scratch (video lecture)", "video"),
        ("Train a diffusion model in Colab", "notebook"),
        ("diffusers", "code"),
    ]


def test_same_title_different_ids_are_two_papers_and_one_id_two_headings_is_one():
    reading = read_list(LISTS / "duplicates.md")
    found = [(p.title, p.arxiv_id, p.categories) for p in reading.papers]
    assert ("Consistency Models", "2303.01469", ["Consistency", "Distillation"]) in found
    assert ("Survey", "2209.00796", ["Distillation"]) in found
    assert ("Survey", "2208.11970", ["Distillation"]) in found
    assert len(found) == 6


def test_more_id_sources_and_proceedings_links_as_venue_hints():
    got = {t: (aid, venue) for t, aid, _, venue in papers("id-sources.md")}
    assert got["Mean Flows for One-step Generative Modeling"] == ("2505.13447", None)
    assert got["One Step Diffusion via Shortcut Models"][0] == "2410.12557"
    insta = "InstaFlow: One Step is Enough for High-Quality Diffusion-Based Text-to-Image"
    assert got[insta + " Generation"][0] == "2309.06380"
    assert got["Stochastic Interpolants: A Unifying Framework for Flows and Diffusions"][0] == (
        "2303.08797"
    )
    assert got["Building Normalizing Flows with Stochastic Interpolants"][0] == "2209.15571"
    assert got["Elucidating the Design Space of Diffusion-Based Generative Models"][0] == (
        "2206.00364"
    )
    assert got["Deep Unsupervised Learning using Nonequilibrium Thermodynamics"][0] == (
        "1503.03585"
    )
    assert got["Tackling the Generative Learning Trilemma with Denoising Diffusion GANs"] == (
        None, "OpenReview",
    )  # fmt: skip
    assert got["Plug-and-Play Diffusion Features for Text-Driven Image-to-Image Translation"] == (
        None,
        "CVPR 2023",
    )
    assert got["Generative Modeling by Estimating Gradients of the Data Distribution"] == (
        None, "NeurIPS 2019",
    )  # fmt: skip
    assert got[
        "DiffusionBERT: Improving Generative Masked Language Models with Diffusion Models"
    ] == (None, "ACL 2023")


def test_an_id_belongs_to_its_own_item_only():
    # A sub-bullet with a title of its own is its own paper; one without is part of its parent.
    reading = parse_list(
        "# L\n\n## A\n\n- **Consistency Models**\n  - [Paper](https://arxiv.org/abs/2303.01469)\n"
        "  - [Improved Techniques for Training Consistency Models]"
        "(https://arxiv.org/abs/2310.14189)\n- A paper without any link at all, here\n"
    )
    got = [(p.title, p.arxiv_id) for p in reading.papers]
    assert got[:2] == [
        ("Consistency Models", "2303.01469"),
        ("Improved Techniques for Training Consistency Models", "2310.14189"),
    ]


def test_resources_and_tools_are_never_searched():
    reading = parse_list(
        "# L\n\n## A\n\n- [Consistency Models](https://arxiv.org/abs/2303.01469)\n"
        "- [Understanding Diffusion Objectives, a blog post](https://sander.ai/2023/07/20/perspectives.html)\n"
        "- [Lecture: Diffusion Models](https://youtu.be/abc)\n"
    )
    assert [p.arxiv_id for p in reading.papers] == ["2303.01469"]
    assert [r.kind for r in reading.resources] == ["web", "video"]


def test_papers_among_papers_without_links_go_to_title_search():
    reading = parse_list(
        "# L\n\n## A\n\n- [Consistency Models](https://arxiv.org/abs/2303.01469)\n"
        "- Adversarial Diffusion Distillation for Fast Sampling\n"
    )
    assert [(p.title, p.needs_search) for p in reading.papers] == [
        ("Consistency Models", False),
        ("Adversarial Diffusion Distillation for Fast Sampling", True),
    ]
    assert reading.papers[1].no_id_reason == "no link"


def test_a_list_of_only_noise_has_no_papers(tmp_path):
    path = tmp_path / "list.md"
    path.write_text(
        "# Tutorials\n\n- [What are Diffusion Models?](https://lilianweng.github.io/posts/x/)\n"
        "<!-- - [Consistency Models](https://arxiv.org/abs/2303.01469) -->\n"
    )
    with pytest.raises(ListError, match="no papers found"):
        read_list(path)


def test_acronym_outside_the_bold_italic_authors_and_badge_sub_bullets():
    reading = parse_list(
        "# Survey\n\n## Video Editing\n\n"
        "- (CVPR 24') **MaskINT**: Video Editing via Interpolative Non-autoregressive Masked "
        "Transformers, *Ma et al.*\n"
        '    - <a href="https://arxiv.org/abs/2312.12468"><img src="https://img.shields.io/'
        'badge/arXiv-Paper-B31B1B.svg"></a> <a href="https://maskint.github.io/"><img src="x">'
        "</a>\n"
        "- (ICLR 24') Consistent Video-to-Video Transfer Using Synthetic Dataset, *Cheng et al.*\n"
        '    - <a href="https://arxiv.org/abs/2311.00213"><img src="badge.svg"></a>\n'
    )
    assert [(p.title, p.arxiv_id, p.venue) for p in reading.papers] == [
        (
            "MaskINT: Video Editing via Interpolative Non-autoregressive Masked Transformers",
            "2312.12468",
            "CVPR 2024",
        ),  # fmt: skip
        ("Consistent Video-to-Video Transfer Using Synthetic Dataset", "2311.00213", "ICLR 2024"),
    ]


def test_a_row_titled_by_a_link_to_a_web_page_is_a_resource_not_a_search():
    reading = parse_list(
        "# Awesome Transformers\n\n| Title | Date | Venue |\n| --- | --- | --- |\n"
        "| [Scalable Diffusion Models with Transformers](https://arxiv.org/abs/2212.09748) "
        "| 19 Dec 2022 | ICCV'2023 |\n"
        "| [Sora](https://openai.com/research/video-generation-models) | 15 Feb 2024 | OpenAI |\n"
    )
    assert [(p.arxiv_id, p.venue) for p in reading.papers] == [("2212.09748", "ICCV 2023")]
    assert [(r.title, r.kind) for r in reading.resources] == [("Sora", "web")]
    # A table directly under a lone '#' title: that heading is the category.
    assert reading.papers[0].categories == ["Awesome Transformers"]


def test_an_id_in_a_paragraph_without_a_title_is_reported_not_guessed():
    reading = parse_list(
        "# L\n\n## A\n\n[[Paper](https://arxiv.org/pdf/2412.07517)]\n\n"
        "**FlowEdit: Inversion-Free Text-Based Editing** ⭐⭐\n"
        "[[Paper](https://arxiv.org/pdf/2412.08629)]\n"
    )
    assert [p.arxiv_id for p in reading.papers] == ["2412.08629"]
    assert any(
        n.line == 5 and "arXiv:2412.07517 is in a paragraph without a title" in n.message
        for n in reading.notices
    )


def test_a_heading_can_be_a_papers_title():
    reading = parse_list(
        "# Awesome Flow Matching\n\n## Foundations\n\n### Flow Matching for Generative Modeling\n"
        "[[Paper](https://arxiv.org/abs/2210.02747)] [[Code](https://github.com/fb/fm)]\n\n"
        "### [Flow Straight and Fast: Learning to Generate and Transfer Data with Rectified Flow]"
        "(https://arxiv.org/abs/2209.03003)\nSome description.\n\n## Applications\n\n"
        "- [Pyramidal Flow Matching for Efficient Video Generative Modeling]"
        "(https://arxiv.org/abs/2410.05954)\n"
    )
    assert [(p.title, p.arxiv_id, p.categories) for p in reading.papers] == [
        ("Flow Matching for Generative Modeling", "2210.02747", ["Foundations"]),
        (
            "Flow Straight and Fast: Learning to Generate and Transfer Data with Rectified Flow",
            "2209.03003",
            ["Foundations"],
        ),  # fmt: skip
        (
            "Pyramidal Flow Matching for Efficient Video Generative Modeling",
            "2410.05954",
            ["Applications"],
        ),  # fmt: skip
    ]
    assert [c.heading for c in reading.categories] == ["Foundations", "Applications"]


def test_a_mixed_list():
    reading = read_list(LISTS / "mixed.md")
    assert [c.heading for c in reading.categories] == ["Foundations", "Fast Sampling",
                                                       "Applications"]  # fmt: skip
    got = {p.arxiv_id: (p.title, p.categories, p.venue, p.rating) for p in reading.papers}
    assert set(got) == {
        "2210.02747", "2209.03003", "2303.08797", "2303.01469", "2410.12557", "2505.13447",
        "2206.00364", "2206.00927", "2304.08818", "2410.13720",
    }  # fmt: skip
    assert got["2303.01469"] == (
        "Consistency Models",
        ["Fast Sampling", "Applications"],
        "ICML 2023",
        None,
    )
    assert got["2303.08797"][3] == 3
    assert got["2410.12557"][:3] == (
        "One Step Diffusion via Shortcut Models",
        ["Fast Sampling"],
        "ICLR 2025",
    )
    assert got["2206.00927"][2] == got["2206.00364"][2] == "NeurIPS 2022"
    assert got["2410.13720"][0] == "Movie Gen: A Cast of Media Foundation Models"
    assert got["2304.08818"][1:3] == (["Applications"], "CVPR 2023")
    assert "2501.00001" not in got  # in a comment
    assert [r.kind for r in reading.resources] == ["blog", "video"]
    # The survey's own badge sits above every category: reported, not a paper.
    assert any("2506.02070" in n.message for n in reading.notices)


def test_a_section_whose_first_paper_lost_its_title_stays_a_section():
    text = SHIPPED_LIST.read_text(encoding="utf-8")
    text = re.sub(r"\*\*FireFlow:[^\n]*\n", "", text)
    reading = parse_list(text)
    assert "Image Editing" in [c.heading for c in reading.categories]
    flowedit = next(p for p in reading.papers if p.arxiv_id == "2412.08629")
    assert flowedit.categories == ["Image Editing"]
    assert "2412.07517" not in [p.arxiv_id for p in reading.papers]
    assert any("arXiv:2412.07517 is in a paragraph without a title" in n.message
               for n in reading.notices)  # fmt: skip


def test_html_tables_and_lists_one_paper_per_row_or_item():
    reading = parse_list(
        "# Awesome HTML\n\n## Editing\n\n<table>\n<tr><th>Title</th><th>Venue</th></tr>\n"
        '<tr><td><a href="https://arxiv.org/abs/2211.09794">Null-text Inversion for Editing '
        "Real Images using Guided Diffusion Models</a></td><td>CVPR 2023</td></tr>\n"
        '<tr><td><a href="https://arxiv.org/abs/2208.01626">Prompt-to-Prompt Image Editing '
        "with Cross Attention Control</a></td><td>ICLR 2023</td></tr>\n</table>\n\n<ul>\n"
        "<li><b>Imagic: Text-Based Real Image Editing with Diffusion Models</b> "
        '<a href="https://arxiv.org/abs/2210.09276">[paper]</a></li>\n</ul>\n\n'
        "## Sampling\n\n<table>\n<tr>\n"
        '<td><a href="https://arxiv.org/abs/2206.00927">DPM-Solver: A Fast ODE Solver for '
        "Diffusion Probabilistic Model Sampling in Around 10 Steps</a></td>\n"
        "<td>NeurIPS 2022</td>\n</tr>\n<tr>\n"
        '<td><a href="https://arxiv.org/abs/2211.01095">DPM-Solver++: Fast Solver for Guided '
        "Sampling of Diffusion Probabilistic Models</a></td>\n<td>arXiv</td>\n</tr>\n</table>\n"
    )
    assert [(p.arxiv_id, p.venue, p.categories) for p in reading.papers] == [
        ("2211.09794", "CVPR 2023", ["Editing"]),
        ("2208.01626", "ICLR 2023", ["Editing"]),
        ("2210.09276", None, ["Editing"]),
        ("2206.00927", "NeurIPS 2022", ["Sampling"]),
        ("2211.01095", None, ["Sampling"]),
    ]
    assert reading.papers[2].title == "Imagic: Text-Based Real Image Editing with Diffusion Models"


def test_sub_bullets_of_metadata_with_links_belong_to_the_paper():
    reading = parse_list(
        "# Awesome\n\n## Papers\n\n### Offline RL\n\n"
        "- [Optimizing DDPM Sampling with Shortcut Fine-Tuning](https://arxiv.org/abs/2301.13362)\n"
        "  - Ying Fan, Kangwook Lee\n  - Publisher: ICML 2023\n"
        "  - Code: [official](https://github.com/UW-Madison-Lee-Lab/SFT-PG)\n"
        "  - ExpEnv: [D4RL](https://github.com/rail-berkeley/d4rl)\n\n### Planning\n\n"
        "- [Planning with Diffusion for Flexible Behavior Synthesis](https://arxiv.org/abs/2205.09991)\n"
        "  - Publisher:  ICML 2022 (long talk)\n"
    )
    first = reading.papers[0]
    assert (first.arxiv_id, first.venue) == ("2301.13362", "ICML 2023")
    assert [link.url for link in first.links][1:] == [
        "https://github.com/UW-Madison-Lee-Lab/SFT-PG",
        "https://github.com/rail-berkeley/d4rl",
    ]
    assert reading.resources == []  # "ExpEnv: [D4RL](...)" is no tool of its own
    assert [c.heading for c in reading.categories] == ["Offline RL", "Planning"]
    assert reading.papers[1].venue == "ICML 2022"
