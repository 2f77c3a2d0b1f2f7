"""Deterministic synthetic CSL-JSON items shaped like the shipped library's arXiv papers."""

from __future__ import annotations

import random
from typing import Any

GIVEN = [
    "Qi",
    "Jingwen",
    "Yang",
    "Junsong",
    "Tianwei",
    "Yusuf",
    "Pinar",
    "Tri",
    "Jie",
    "Gongye",
    "Jintao",
    "Ye",
    "Xin",
    "Hao",
    "Lin",
    "Wei",
    "Yu",
    "Chen",
]
FAMILY = [
    "Cai",
    "Chen",
    "Zhang",
    "Liu",
    "Yin",
    "Dalva",
    "Yanardag",
    "Dao",
    "Wang",
    "Li",
    "Wu",
    "Tian",
    "Xia",
    "Ren",
    "Gao",
    "Zhou",
    "Huang",
    "Sun",
]
WORDS = [
    "flow",
    "matching",
    "diffusion",
    "transformer",
    "distillation",
    "consistency",
    "rectified",
    "latent",
    "image",
    "video",
    "editing",
    "attention",
    "quantization",
    "sampling",
    "guidance",
    "reward",
    "alignment",
    "efficient",
    "scalable",
    "one-step",
]


def synthetic_items(n: int, seed: int = 2024) -> list[dict[str, Any]]:
    """``n`` arXiv-preprint CSL items, the same for the same ``n`` and ``seed``."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        authors = [
            {"family": rng.choice(FAMILY), "given": rng.choice(GIVEN)}
            for _ in range(rng.choice([1, 2, 3, 5, 9, 25]))
        ]
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 11)))
        year = rng.randint(2019, 2025)
        arxiv = f"{year % 100:02d}{rng.randint(1, 12):02d}.{rng.randint(0, 99999):05d}"
        items.append(
            {
                "id": f"item{i:05d}",
                "type": "article",
                "author": authors,
                "title": title[0].upper() + title[1:],
                "issued": {"date-parts": [[year]]},
                "publisher": "arXiv",
                "number": f"arXiv:{arxiv}",
                "DOI": f"10.48550/arXiv.{arxiv}",
                "URL": f"https://arxiv.org/abs/{arxiv}",
            }
        )
    return items
