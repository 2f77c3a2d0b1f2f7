"""Where a paper was published: Semantic Scholar to find out, DBLP for the record.

Two services, asked as little as possible:

* **Semantic Scholar's Graph API** (``POST /graph/v1/paper/batch``) takes up to 500
  ``ARXIV:`` ids in one request and answers, per paper, its title, authors, year,
  venue, publication venue, journal (name, volume, pages) and external ids,
  among them the DOI and the DBLP key. That tells which papers have a published
  version: one request per 500 papers.
* **DBLP** holds the canonical record of a CS proceedings or journal paper
  (``GET https://dblp.org/rec/KEY.bib``): booktitle or journal, year, pages,
  publisher, DOI. It is asked once per paper whose Semantic Scholar record names a
  DBLP key that is not an arXiv one (``journals/corr/...``), i.e. at most once per
  published paper.

Both are asked through one ``requests`` session under difbib's one retry policy
(:mod:`difbib.sources.http`), as arXiv is: requests are spaced by ``delay`` seconds
(1 by default) and time out after ``timeout``; an HTTP 429 or 5xx, a dropped
connection or a timeout is retried (four times by default) after the server's
``Retry-After`` when it gives one, or else with exponential backoff (5 s
doubling); a refused connection or an unknown host is not retried. A service that
does not answer raises :class:`VenueServiceError`; the caller keeps what it had.

Every answer goes into a :class:`VenueCache` (``venues-cache.json``, committed for
the shipped list), "not known" answers included, so a second run asks nothing;
``offline`` uses only the cache and ``refresh`` asks again.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares import RemoveEnclosingMiddleware

from difbib.errors import DifbibError, FetchError
from difbib.fileio import atomic_write_text
from difbib.sources.http import GaveUp, RetryPolicy, Service, Unreachable

S2_URL = "https://api.semanticscholar.org/graph/v1"
DBLP_URL = "https://dblp.org"
S2_BATCH_SIZE = 500
S2_FIELDS = "title,authors,year,venue,publicationVenue,journal,externalIds,publicationTypes"
CACHE_FORMAT = 1
#: How the two services are asked: 1 s apart, five tries, 5 s backoff, 30 s timeout.
VENUE_POLICY = RetryPolicy(retries=4, backoff=5.0, timeout=30.0, delay=1.0)


class VenueServiceError(FetchError):
    """Semantic Scholar or DBLP did not answer, even after retries."""


# -- records ----------------------------------------------------------------------


@dataclass
class S2Paper:
    """What Semantic Scholar says about a paper (the fields difbib asks for)."""

    title: str
    authors: list[str]
    year: int | None = None
    venue: str | None = None
    publication_venue: str | None = None
    publication_venue_type: str | None = None  # "conference", "journal", ...
    journal: str | None = None
    volume: str | None = None
    pages: str | None = None
    doi: str | None = None
    dblp: str | None = None
    publication_types: list[str] = field(default_factory=list)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> S2Paper:
        """From one element of the batch answer."""
        ext = data.get("externalIds") or {}
        pv = data.get("publicationVenue") or {}
        journal = data.get("journal") or {}
        return cls(
            title=_clean(data.get("title")) or "",
            authors=[_clean(a.get("name")) for a in data.get("authors") or [] if a.get("name")],
            year=data.get("year"),
            venue=_clean(data.get("venue")) or None,
            publication_venue=_clean(pv.get("name")) or None,
            publication_venue_type=pv.get("type") or None,
            journal=_clean(journal.get("name")) or None,
            volume=_clean(journal.get("volume")) or None,
            pages=_clean(journal.get("pages")) or None,
            doi=ext.get("DOI") or None,
            dblp=ext.get("DBLP") or None,
            publication_types=list(data.get("publicationTypes") or []),
        )


@dataclass
class DblpRecord:
    """A DBLP record, from its BibTeX (``https://dblp.org/rec/KEY.bib``)."""

    key: str
    entry_type: str  # "inproceedings" or "article"
    title: str
    authors: list[str]
    year: int | None = None
    booktitle: str | None = None
    journal: str | None = None
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    publisher: str | None = None
    doi: str | None = None

    @classmethod
    def from_bibtex(cls, key: str, text: str) -> DblpRecord:
        """Parse DBLP's BibTeX answer; raises ValueError when it holds no entry."""
        lib = parse_string(text, parse_stack=[RemoveEnclosingMiddleware()])
        if not lib.entries:
            raise ValueError("no BibTeX entry in DBLP's answer")
        entry = lib.entries[0]
        f = {k.lower(): _clean(_unbrace(v.value)) for k, v in entry.fields_dict.items()}
        year = f.get("year", "")
        return cls(
            key=key,
            entry_type=entry.entry_type.lower(),
            title=f.get("title", ""),
            authors=[_clean(a) for a in re.split(r"\s+and\s+", f.get("author", "")) if a.strip()],
            year=int(year) if year.isdigit() else None,
            booktitle=f.get("booktitle") or None,
            journal=f.get("journal") or None,
            volume=f.get("volume") or None,
            number=f.get("number") or None,
            pages=f.get("pages") or None,
            publisher=f.get("publisher") or None,
            doi=f.get("doi") or None,
        )


def _clean(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def _unbrace(text: str) -> str:
    """DBLP's TeX to plain text: ``{IEEE/CVF}`` → ``IEEE/CVF``, ``Bj{\\"{o}}rn`` → ``Björn``."""
    from pylatexenc.latex2text import LatexNodes2Text

    if "\\" in text:
        text = LatexNodes2Text().latex_to_text(text)
    return text.replace("{", "").replace("}", "")


def is_arxiv_dblp_key(key: str | None) -> bool:
    """DBLP files arXiv preprints under ``journals/corr``: not a published version."""
    return key is not None and key.startswith("journals/corr/")


# -- cache ------------------------------------------------------------------------


@dataclass
class VenueAnswer:
    """What the services said about one arXiv paper (``s2`` None: S2 does not know it)."""

    s2: S2Paper | None
    dblp: DblpRecord | None = None


class VenueCache:
    """``venues-cache.json``: Semantic Scholar answers by arXiv id, DBLP records by key."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path else None
        self.read_only = read_only
        self.s2: dict[str, S2Paper | None] = {}
        self.dblp: dict[str, DblpRecord | None] = {}
        self._dirty = False
        if self.path and self.path.exists():
            self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT:
                raise ValueError(f"unknown cache format {data.get('format')!r}")
            self.s2 = {k: S2Paper(**v) if v else None for k, v in data["semanticscholar"].items()}
            self.dblp = {k: DblpRecord(**v) if v else None for k, v in data["dblp"].items()}
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise DifbibError(
                f"the venues cache {str(self.path)!r} is unreadable ({err}); "
                "delete it and run 'difbib sync' to ask again"
            ) from None

    def answer(self, arxiv_id: str) -> VenueAnswer | None:
        """The cached answer for a paper, or None when it was never asked (or is incomplete)."""
        if arxiv_id not in self.s2:
            return None
        s2 = self.s2[arxiv_id]
        key = s2.dblp if s2 is not None else None
        if key and not is_arxiv_dblp_key(key):
            if key not in self.dblp:
                return None
            return VenueAnswer(s2, self.dblp[key])
        return VenueAnswer(s2)

    def put_s2(self, arxiv_id: str, paper: S2Paper | None) -> None:
        if arxiv_id not in self.s2 or self.s2[arxiv_id] != paper:
            self.s2[arxiv_id] = paper
            self._dirty = True

    def put_dblp(self, key: str, record: DblpRecord | None) -> None:
        if key not in self.dblp or self.dblp[key] != record:
            self.dblp[key] = record
            self._dirty = True

    def to_text(self) -> str:
        data = {
            "format": CACHE_FORMAT,
            "semanticscholar": {k: asdict(v) if v else None for k, v in sorted(self.s2.items())},
            "dblp": {k: asdict(v) if v else None for k, v in sorted(self.dblp.items())},
        }
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"

    def save(self) -> None:
        if self.path and self._dirty and not self.read_only:
            atomic_write_text(self.path, self.to_text())
            self._dirty = False


# -- lookups ----------------------------------------------------------------------


@dataclass
class LookupStats:
    requests: int = 0
    s2_requests: int = 0
    dblp_requests: int = 0
    retries: int = 0
    from_cache: int = 0


@dataclass
class LookupResult:
    """Answers by arXiv id; ``unchecked`` names the papers no answer could be had for, and why."""

    answers: dict[str, VenueAnswer] = field(default_factory=dict)
    unchecked: dict[str, str] = field(default_factory=dict)
    stats: LookupStats = field(default_factory=LookupStats)


class VenueLookup:
    """Finds published versions of arXiv papers; see the module docstring.

    ``policy`` says how the services are asked (:data:`VENUE_POLICY` by default),
    ``sleep`` how to wait; ``progress`` receives one-line messages for the user.
    """

    def __init__(
        self,
        cache: VenueCache,
        *,
        s2_url: str | None = None,
        dblp_url: str | None = None,
        api_key: str | None = None,
        offline: bool = False,
        refresh: bool = False,
        policy: RetryPolicy | None = None,
        progress: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.cache = cache
        self.s2_url = (s2_url or S2_URL).rstrip("/")
        self.dblp_url = (dblp_url or DBLP_URL).rstrip("/")
        self.api_key = api_key
        self.offline = offline
        self.refresh = refresh
        self.progress: Callable[[str], None] = progress or (lambda msg: None)
        # One service for both: the delay spaces every request to either.
        self.service = Service(
            "Semantic Scholar and DBLP",
            policy or VENUE_POLICY,
            session=session,
            sleep=sleep,
            progress=self.progress,
        )

    def lookup(self, arxiv_ids: Iterable[str]) -> LookupResult:
        """Answers for these papers: from the cache, else one S2 batch per 500 and DBLP."""
        result = LookupResult()
        wanted = list(dict.fromkeys(arxiv_ids))
        todo: list[str] = []
        for aid in wanted:
            cached = None if self.refresh else self.cache.answer(aid)
            if cached is not None:
                result.answers[aid] = cached
                result.stats.from_cache += 1
            else:
                todo.append(aid)
        if not todo:
            return result
        if self.offline:
            for aid in todo:
                result.unchecked[aid] = "not in the venues cache (--offline)"
            return result
        need_s2 = [a for a in todo if self.refresh or a not in self.cache.s2]
        batches = [need_s2[i : i + S2_BATCH_SIZE] for i in range(0, len(need_s2), S2_BATCH_SIZE)]
        if batches:
            self.progress(
                f"asking Semantic Scholar about {len(need_s2)} paper(s) in "
                f"{len(batches)} request(s)"
            )
        for batch in batches:
            try:
                papers = self._s2_batch(batch, result.stats)
            except VenueServiceError as err:
                for aid in batch:
                    result.unchecked[aid] = str(err)
                continue
            for aid, paper in zip(batch, papers, strict=True):
                self.cache.put_s2(aid, paper)
            self.cache.save()
        for aid in todo:
            if aid in result.unchecked:
                continue
            s2 = self.cache.s2.get(aid)
            key = s2.dblp if s2 is not None else None
            if key and not is_arxiv_dblp_key(key) and (self.refresh or key not in self.cache.dblp):
                try:
                    self.cache.put_dblp(key, self._dblp_record(key, result.stats))
                except VenueServiceError as err:
                    result.unchecked[aid] = str(err)
                    continue
                self.cache.save()
            answer = self.cache.answer(aid)
            if answer is not None:
                result.answers[aid] = answer
        return result

    # -- the two services ------------------------------------------------------

    def _s2_batch(self, ids: list[str], stats: LookupStats) -> list[S2Paper | None]:
        headers = {"x-api-key": self.api_key} if self.api_key else {}
        response = self._request(
            "Semantic Scholar",
            "POST",
            f"{self.s2_url}/paper/batch",
            stats,
            params={"fields": S2_FIELDS},
            json={"ids": [f"ARXIV:{aid}" for aid in ids]},
            headers=headers,
        )
        stats.s2_requests += 1
        try:
            data = response.json()
            if not isinstance(data, list) or len(data) != len(ids):
                raise ValueError("not one answer per id")
            return [S2Paper.from_api(d) if isinstance(d, dict) else None for d in data]
        except (ValueError, TypeError, AttributeError) as err:
            raise VenueServiceError(
                f"Semantic Scholar answered something unexpected ({err})"
            ) from None

    def _dblp_record(self, key: str, stats: LookupStats) -> DblpRecord | None:
        self.progress(f"asking DBLP for {key}")
        response = self._request(
            "DBLP", "GET", f"{self.dblp_url}/rec/{key}.bib", stats, params={"param": "1"}
        )
        stats.dblp_requests += 1
        if response.status_code == 404:
            return None
        try:
            return DblpRecord.from_bibtex(key, response.text)
        except ValueError as err:
            raise VenueServiceError(
                f"DBLP answered something unexpected for {key} ({err})"
            ) from None

    def _request(
        self, service: str, method: str, url: str, stats: LookupStats, **kwargs: Any
    ) -> requests.Response:
        """One request under the retry policy; an answer other than 404 and 2xx is refused."""

        def attempt(try_number: int) -> requests.Response:
            stats.requests += 1
            response = self.service.session.request(method, url, **kwargs)
            if response.status_code >= 400 and response.status_code != 404:
                raise VenueServiceError(
                    f"{service} refused the request (HTTP {response.status_code})"
                )
            return response

        def count(failure: object, wait: float) -> None:
            stats.retries += 1

        try:
            return self.service.call(attempt, f"  {service}", on_retry=count)
        except Unreachable as err:
            # refused or unknown host: a second try fails the same way (no network)
            raise VenueServiceError(f"{service}: cannot connect ({err.reason})") from None
        except GaveUp as err:
            raise VenueServiceError(
                f"{service} did not answer after {err.tries} tries ({err.reason})"
            ) from None
