"""Reading lists built for tests: every layout of issue 11, with the truth they hold.

:func:`render` writes sections of papers in a chosen layout and returns the text
with the truth: which arXiv id sits in which paper item under which category, and
which ids are only in HTML comments (so must not be found). The property test
(``test_readinglist_property.py``) draws such lists with hypothesis; the speed tests
and ``bench/reading_bench.py`` use :func:`mixed_list`, :func:`many_sections` and
:func:`hostile_lines`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Real diffusion papers: (title, arXiv id).
PAPERS = [
    ("Denoising Diffusion Probabilistic Models", "2006.11239"),
    ("Denoising Diffusion Implicit Models", "2010.02502"),
    ("Score-Based Generative Modeling through Stochastic Differential Equations", "2011.13456"),
    ("Improved Denoising Diffusion Probabilistic Models", "2102.09672"),
    ("Diffusion Models Beat GANs on Image Synthesis", "2105.05233"),
    ("Classifier-Free Diffusion Guidance", "2207.12598"),
    ("High-Resolution Image Synthesis with Latent Diffusion Models", "2112.10752"),
    ("Hierarchical Text-Conditional Image Generation with CLIP Latents", "2204.06125"),
    ("Elucidating the Design Space of Diffusion-Based Generative Models", "2206.00364"),
    ("Flow Matching for Generative Modeling", "2210.02747"),
    ("Flow Straight and Fast: Learning to Generate and Transfer Data with Rectified Flow", "2209.03003"),  # noqa: E501
    ("Scalable Diffusion Models with Transformers", "2212.09748"),
    ("Consistency Models", "2303.01469"),
    ("Progressive Distillation for Fast Sampling of Diffusion Models", "2202.00512"),
    ("DPM-Solver: A Fast ODE Solver for Diffusion Probabilistic Model Sampling in Around 10 Steps", "2206.00927"),  # noqa: E501
    ("DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic Models", "2211.01095"),  # noqa: E501
    ("Adding Conditional Control to Text-to-Image Diffusion Models", "2302.05543"),
    ("Prompt-to-Prompt Image Editing with Cross Attention Control", "2208.01626"),
    ("DreamBooth: Fine Tuning Text-to-Image Diffusion Models for Subject-Driven Generation", "2208.12242"),  # noqa: E501
    ("SDXL: Improving Latent Diffusion Models for High-Resolution Image Synthesis", "2307.01952"),
    ("Scaling Rectified Flow Transformers for High-Resolution Image Synthesis", "2403.03206"),
    ("Latent Consistency Models: Synthesizing High-Resolution Images with Few-Step Inference", "2310.04378"),  # noqa: E501
    ("Adversarial Diffusion Distillation", "2311.17042"),
    ("InstructPix2Pix: Learning to Follow Image Editing Instructions", "2211.09800"),
    ("SDEdit: Guided Image Synthesis and Editing with Stochastic Differential Equations", "2108.01073"),  # noqa: E501
    ("Video Diffusion Models", "2204.03458"),
    ("Stable Video Diffusion: Scaling Latent Video Diffusion Models to Large Datasets", "2311.15127"),  # noqa: E501
    ("Training Diffusion Models with Reinforcement Learning", "2305.13301"),
    ("Diffusion Model Alignment Using Direct Preference Optimization", "2311.12908"),
    ("IP-Adapter: Text Compatible Image Prompt Adapter for Text-to-Image Diffusion Models", "2308.06721"),  # noqa: E501
    ("Stochastic Interpolants: A Unifying Framework for Flows and Diffusions", "2303.08797"),
    ("Deep Unsupervised Learning using Nonequilibrium Thermodynamics", "1503.03585"),
    ("Generative Modeling by Estimating Gradients of the Data Distribution", "1907.05600"),
    ("DeepCache: Accelerating Diffusion Models for Free", "2312.00858"),
    ("Token Merging for Fast Stable Diffusion", "2303.17604"),
    ("Q-Diffusion: Quantizing Diffusion Models", "2302.04304"),
    ("AnimateDiff: Animate Your Personalized Text-to-Image Diffusion Models without Specific Tuning", "2307.04725"),  # noqa: E501
    ("Lumiere: A Space-Time Diffusion Model for Video Generation", "2401.12945"),
    ("Mean Flows for One-step Generative Modeling", "2505.13447"),
    ("One Step Diffusion via Shortcut Models", "2410.12557"),
    ("PixArt-α: Fast Training of Diffusion Transformer for Photorealistic Text-to-Image Synthesis", "2310.00426"),  # noqa: E501
    ("Representation Alignment for Generation: Training Diffusion Transformers Is Easier Than You Think", "2410.06940"),  # noqa: E501
    ("Guiding a Diffusion Model with a Bad Version of Itself", "2406.02507"),
    ("InstantID: Zero-shot Identity-Preserving Generation in Seconds", "2401.07519"),
    ("CogVideoX: Text-to-Video Diffusion Models with An Expert Transformer", "2408.06072"),
]  # fmt: skip

VENUES = ["CVPR 2023", "NeurIPS 2022", "ICLR 2024", "ICML 2023", "ECCV 2024", "arXiv 2024"]


def _half(title: str) -> tuple[str, str]:
    words = title.split()
    cut = max(1, len(words) // 2)
    return " ".join(words[:cut]), " ".join(words[cut:])


def item(layout: str, title: str, aid: str, venue: str) -> str:
    """One paper written in ``layout``; ``aid`` is its arXiv id. Ends with a newline."""
    head, _, tail = title.partition(": ")
    if not tail or len(head.split()) > 3:  # ***ACRO:*** labels are short
        head, _, tail = title.partition(" ")
    first, second = _half(title)
    if layout == "link":
        return f"- [{title}](https://arxiv.org/abs/{aid}), {venue} [[Code](https://github.com/lab/repo)]\n"
    if layout == "star-pdf":
        return f"* [{title}](https://arxiv.org/pdf/{aid}v2.pdf) ![stars](https://img.shields.io/github/stars/lab/repo)\n"
    if layout == "numbered":
        return f"1. [{title}](https://arxiv.org/abs/{aid}v1) {venue}\n"
    if layout == "sub-bullets":
        return (
            f"- [{title}](https://arxiv.org/abs/{aid})\n  - Alice Author, Bob Writer\n"
            f"  - {venue}\n  - [[Code](https://github.com/lab/repo)] [[Project](https://lab.github.io/p)]\n"
        )
    if layout == "bold-anywhere":
        return f"* ({venue}) **{title}**, A. Author et al. [[Paper](https://arxiv.org/abs/{aid})]\n"
    if layout == "bold-link":
        return f"1. **[{title}.](https://arxiv.org/abs/{aid})** [[code](https://github.com/lab/repo)]\n"
    if layout == "acronym":
        return f"- ***{head}:*** {tail} [[Paper]](https://arxiv.org/abs/{aid})\n"
    if layout == "seed":
        return (
            f"\n**{title}** ⭐⭐⭐ \\\n[[Paper](https://arxiv.org/pdf/{aid})]\n"
            "[[Project Page](https://github.com/lab/repo)]\n\n"
        )
    if layout == "two-lines":
        return (
            f"\n**{first}\n{second}** \\\n*Alice Author, Bob Writer* \\\n"
            f"{venue}. [[Paper](https://arxiv.org/abs/{aid})] \\\n19 Dec 2022\n\n"
        )
    if layout == "hf":
        return f"- [{title}](https://huggingface.co/papers/{aid}) [[alphaXiv](https://www.alphaxiv.org/abs/{aid})]\n"
    if layout == "mention":
        return f"- {title}, arXiv:{aid}\n"
    if layout == "html-a":
        return f'- <a href="https://arxiv.org/abs/{aid}">{title}</a> ({venue})\n'
    if layout == "badge":
        return (
            f"- [![arXiv](https://img.shields.io/badge/arXiv-{aid}-b31b1b.svg)]"
            f"(https://arxiv.org/abs/{aid}) {title}\n"
        )
    if layout == "date":
        return f"- [2024.05] [{title}](https://ar5iv.org/abs/{aid}) ⭐ 1.2k\n"
    if layout == "row":
        return f"| [{title}](https://arxiv.org/abs/{aid}) | {venue} | 2023-04 | [Code](https://github.com/lab/repo) |\n"  # noqa: E501
    if layout == "heading":  # the title is a heading over its links
        return f"\n#### {title}\n[[Paper](https://arxiv.org/abs/{aid})] [[Code](https://github.com/lab/repo)]\n\n"
    if layout == "row-any-cell":
        return f"| 2023.11 | {title} | [pdf](https://arxiv.org/pdf/{aid}) | [web](https://lab.github.io/p) |\n"  # noqa: E501
    raise ValueError(layout)


LAYOUTS = [
    "link", "star-pdf", "numbered", "sub-bullets", "bold-anywhere", "bold-link", "acronym",
    "seed", "two-lines", "hf", "mention", "html-a", "badge", "date", "row", "row-any-cell",
    "heading",
]  # fmt: skip
TABLE_HEADS = {
    "row": "| Title | Venue | Date | Code |\n|:---|:---:|:---:|:---:|\n",
    "row-any-cell": "| Date | Method | Paper | Project |\n|---|---|---|---|\n",
}
NOISE = [
    "- [Back to top](#contents)\n",
    "- [The Annotated Diffusion Model](https://huggingface.co/blog/annotated-diffusion)\n",
    "- [A video lecture on diffusion](https://www.youtube.com/watch?v=fbLgFrlTnGU)\n",
    "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re) ![stars](https://img.shields.io/github/stars/a/b)\n",
    "> 📌 **Note:** pull requests welcome.\n",
    "<details>\n<summary>More</summary>\n\n</details>\n",
]  # fmt: skip


@dataclass
class Placed:
    """The truth of a generated list."""

    ids: dict[str, str] = field(default_factory=dict)  # id -> title
    categories: dict[str, list[str]] = field(default_factory=dict)  # id -> categories
    hidden: set[str] = field(default_factory=set)  # ids only inside HTML comments


@dataclass
class Section:
    heading: str
    layout: str
    papers: list[tuple[str, str]]
    noise: list[int] = field(default_factory=list)
    commented: list[tuple[str, str]] = field(default_factory=list)
    sub: str | None = None  # a sub-section heading for the second half of the papers


def render(
    sections: list[Section], *, h1_categories: bool = False, title: bool = True
) -> tuple[str, Placed]:
    """The text of a list of these sections, and what it holds.

    Categories are ``##`` headings under a lone ``#`` title, or (``h1_categories``)
    ``#`` headings with papers directly under them and ``##`` sub-sections.
    """
    truth = Placed()
    out = ["# Awesome Diffusion Papers\n\n"] if title and not h1_categories else []
    out.append(
        "## Contents\n\n"
        + "".join(f"- [{s.heading}](#{s.heading.lower()})\n" for s in sections)
        + "\n"
    )
    level = "#" if h1_categories else "##"
    for sec in sections:
        out.append(f"{level} {sec.heading}\n\n")
        cut = len(sec.papers) // 2 if sec.sub else len(sec.papers)
        for part, papers in ((0, sec.papers[:cut]), (1, sec.papers[cut:])):
            if part == 1 and sec.sub:
                out.append(f"\n{level}# {sec.sub}\n\n")
            if not papers:
                continue
            if sec.layout in TABLE_HEADS:
                out.append(TABLE_HEADS[sec.layout])
            for n, (t, aid) in enumerate(papers):
                out.append(item(sec.layout, t, aid, VENUES[n % len(VENUES)]))
                truth.ids[aid] = t
                cats = truth.categories.setdefault(aid, [])
                if sec.heading not in cats:
                    cats.append(sec.heading)
            out.append("\n")
        for k in sec.noise:
            out.append(NOISE[k % len(NOISE)] + "\n")
        if sec.commented:
            body = "".join(item("link", t, aid, "CVPR 2023") for t, aid in sec.commented)
            out.append(f"<!--\n{body}-->\n\n")
            truth.hidden.update(aid for _, aid in sec.commented)
    truth.hidden -= set(truth.ids)
    return "".join(out), truth


def mixed_list(n: int) -> str:
    """A list of ``n`` papers in 30 sections, cycling through every layout."""
    per = max(1, n // 30)
    sections = []
    made = 0
    k = 0
    while made < n:
        count = min(per, n - made)
        papers = [
            (f"Sampling Paper Number {i} for Diffusion Models", f"24{i % 12 + 1:02d}.{i:05d}")
            for i in range(made, made + count)
        ]
        sections.append(Section(f"Topic {k}", LAYOUTS[k % len(LAYOUTS)], papers, noise=[k]))
        made += count
        k += 1
    return render(sections)[0]


def many_sections(n: int) -> str:
    """``n`` sections in the seed's layout, one paper each."""
    parts = ["# A Very Long List\n\n"]
    for i in range(n):
        parts.append(
            f"## Section {i}\n\n**Paper {i}: A Study of Diffusion Sampling** ⭐⭐⭐ \\\n"
            f"[[Paper](https://arxiv.org/pdf/24{i % 12 + 1:02d}.{i % 100000:05d})]\n\n"
        )
    return "".join(parts)


def hostile_lines(scale: float = 1.0) -> list[tuple[str, str]]:
    """Lists with one line built to make a backtracking regex take quadratic time.

    ``scale`` multiplies the length of every run (1.0: the sizes in the names), so
    that a test can compare the time of two sizes.
    """

    def n(count: int) -> int:
        return max(1, int(count * scale))

    runs = {
        "1,000,000 spaces": " " * n(1_000_000),
        "heading of 1,000,000 spaces": "# " + " " * n(1_000_000) + "x",
        "bold then 1,000,000 spaces": "**" + " " * n(1_000_000),
        "100,000 ['s": "[" * n(100_000),
        "100,000 '[a's": "[a" * n(100_000),
        "100,000 ']('s": "](" * n(100_000),
        "100,000 '<'s": "<" * n(100_000),
        "20,000 '<a href='s": "<a href=" * n(20_000),
        "1,000,000 stars": "⭐" * n(1_000_000),
        "100,000 pipes": "|" * n(100_000),
        "100,000 '- 's": "- " * n(100_000),
        "1,000,000 asterisks": "*" * n(1_000_000),
        "1,000,000 underscores": "_" * n(1_000_000),
        "1,000,000 characters of URL": "https://" + "a" * n(1_000_000),
        "100,000 'arXiv:'s": "arXiv:" * n(100_000),
        "1,000,000 '>'s": ">" * n(1_000_000),
        "1,000,000 '#'s": "#" * n(1_000_000),
        "100,000 '{#'s": "## x " + "{#" * n(100_000),
        "100,000 '!['s": "![" * n(100_000),
        "100,000 '('s": "(" * n(100_000),
        "100,000 '[x](y'": "[x](y" * n(100_000),
        "100,000 '**a'": "**a" * n(100_000),
        "200,000 tabs and spaces": " \t" * n(100_000) + "- x",
        "a table of 20,000 title columns": "\n|"
        + "title |" * n(20_000)
        + "\n|"
        + "-|" * n(20_000)
        + "\n|"
        + "x|" * n(20_000),
        "50,000 '**ACRO**: x'": "**x**: y " * n(50_000),
        "300 labels of 301 bracketed parts": ("[" + "[b]" * 301 + "](u) ") * n(300),
    }
    head = "# L\n\n## A\n\n- [Some Paper Title](https://arxiv.org/abs/2401.00001)\n"
    return [(name, head + run + "\n") for name, run in runs.items()]
