"""The paper record: what arXiv says about a paper, in plain Python values.

An :class:`ArxivRecord` is what the cache stores and what ``library.bib`` entries are
built from. It is made from an ``arxiv.Result`` once, with white space normalised,
and serialises to a small JSON object, so that the cache does not depend on the
``arxiv`` package's classes.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# Words that mark an author name as an organisation ("Black Forest Labs", "Team
# Seedream", "Z-Image Team", "Google Research", "Meta AI"): none of them is a
# person's given or family name. Such a name is one unit, never split into given
# and family names. Matched as written (capitalised), at the start or the end of
# the name; "AI" counts only in capitals, because "Ai" is a family name (Li Ai).
GROUP_WORDS = {
    "Team", "Teams", "Lab", "Labs", "Laboratory", "Laboratories", "Group", "Consortium",
    "Collaboration", "Project", "Inc", "Inc.", "Ltd", "Ltd.", "LLC", "Corporation", "Corp",
    "Corp.", "Company", "Foundation", "Institute", "University", "Research", "AI",
    "DeepMind", "OpenAI", "Community", "Contributors", "Committee", "Organization",
    "Alliance", "Initiative", "Center", "Centre",
}  # fmt: skip


def is_group_author(name: str) -> bool:
    """True for organisation names, which must stay whole in BibTeX (``{Black Forest Labs}``).

    A name of two or more words counts when its first or last word is an
    organisation word of :data:`GROUP_WORDS`, written capitalised (``Team``,
    ``Labs``, ``AI``). A person's name never does: ``Li Ai``, ``Maria Group-Smith``.
    """
    words = name.replace(",", " ").split()
    if len(words) < 2:
        return False
    return any(
        w.upper() in {g.upper() for g in GROUP_WORDS} and _written_as_group(w)
        for w in (words[0], words[-1])
    )


def _written_as_group(word: str) -> bool:
    """``Team``/``TEAM``/``Labs``/``AI`` yes; ``team``, ``Ai`` no (a person's name)."""
    if word.upper() == "AI":
        return word == "AI"
    return word in GROUP_WORDS or (word.isupper() and len(word) > 2)


def clean_space(text: str) -> str:
    """Collapse arXiv's hard-wrapped white space into single spaces."""
    return re.sub(r"\s+", " ", text or "").strip()


@dataclass
class ArxivRecord:
    """One arXiv paper's metadata, as the arXiv API gives it (latest version)."""

    id: str
    version: int | None
    title: str
    authors: list[str]
    abstract: str
    published: str  # ISO date of v1
    updated: str  # ISO date of the latest version
    primary_class: str
    classes: list[str] = field(default_factory=list)
    doi: str | None = None  # a journal DOI, if the authors gave one
    comment: str | None = None
    journal_ref: str | None = None

    @property
    def year(self) -> int:
        return date.fromisoformat(self.published).year

    @property
    def arxiv_doi(self) -> str:
        """The DOI arXiv registers for every paper."""
        return f"10.48550/arXiv.{self.id}"

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @classmethod
    def from_result(cls, result: Any) -> ArxivRecord:
        """Build a record from an ``arxiv.Result``."""
        short = result.get_short_id()
        m = re.fullmatch(r"(.+?)(?:v(\d+))?", short)
        assert m is not None
        return cls(
            id=m.group(1),
            version=int(m.group(2)) if m.group(2) else None,
            title=clean_space(result.title),
            authors=[clean_space(a.name) for a in result.authors],
            abstract=clean_space(result.summary),
            published=result.published.date().isoformat(),
            updated=result.updated.date().isoformat(),
            primary_class=result.primary_category or "",
            classes=list(result.categories),
            doi=result.doi or None,
            comment=clean_space(result.comment) or None if result.comment else None,
            journal_ref=clean_space(result.journal_ref) or None if result.journal_ref else None,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArxivRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})
