"""Fetching paper metadata from arXiv, politely, through the ``arxiv`` package.

* Ids are fetched in batches: one request for up to 100 ids (``id_list=a,b,c``).
* Papers without a usable id are found by one title search each, accepted only when
  arXiv's title closely matches the list's (see :func:`titles_match`).
* Requests follow difbib's one retry policy (:mod:`difbib.sources.http`), with
  arXiv's settings (:data:`ARXIV_POLICY`): 3 seconds between requests, as arXiv
  asks; a timeout on every request (30 s); HTTP 429 and 5xx, timeouts and dropped
  connections retried four times after ``Retry-After`` or with backoff (5 s
  doubling); a refused connection or an unknown host reported at once, in one
  line, as is another HTTP error.
* An answer is accepted only whole: the feed must parse to its end, every entry
  must carry an id, a title, authors, dates and a primary class, and an entry for
  an id that was not asked for is dropped (and said so), never counted as found.
  A feed that fails these checks (cut short, malformed, incomplete, arXiv's
  plain-text ``Rate exceeded.``) is a failed try: retried, then reported.
* Everything fetched goes into the :class:`~difbib.sources.cache.MetadataCache`, so a second
  run asks arXiv nothing.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import arxiv
import requests
from lxml import etree

from difbib.errors import FetchError, OfflineError
from difbib.sources.cache import MetadataCache
from difbib.sources.http import GaveUp, Retryable, RetryPolicy, Service, Unreachable
from difbib.sources.readinglist import normalize_title
from difbib.sources.record import ArxivRecord

log = logging.getLogger("difbib")

BATCH_SIZE = 100
TITLE_MATCH_THRESHOLD = 0.9
_SEARCH_STOPWORDS = {"a", "an", "and", "the", "of", "for", "in", "on", "to", "with", "via", "by"}

#: Seconds each request to arXiv may take (connecting, then between bytes).
DEFAULT_TIMEOUT = 30.0
#: How arXiv is asked: 3 s apart (arXiv's terms of use), five tries, 5 s backoff.
ARXIV_POLICY = RetryPolicy(retries=4, backoff=5.0, timeout=DEFAULT_TIMEOUT, delay=3.0)

_STRICT_XML = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)


def _check_feed_response(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A ``requests`` response hook: an answer that is not a whole feed is a failed try.

    arXiv throttles with a plain-text ``Rate exceeded.`` body (sometimes with HTTP
    200), which the ``arxiv`` package would parse as an empty, malformed feed and
    return as "no results". Raising :class:`~difbib.sources.http.Retryable` here
    makes it a retried try instead.
    """
    if response.status_code != 200:
        return
    head = response.content[:200].lstrip()
    if head.startswith(b"Rate exceeded"):
        raise Retryable("rate exceeded")
    if not head.startswith(b"<"):
        raise Retryable("not a feed")
    # The arxiv package parses in lxml's "recover" mode, which accepts a feed that is
    # not well-formed XML and may silently drop text after the first error (an
    # unescaped ``&`` in one place once cost a ``&lt;`` elsewhere: "(<16GB VRAM)"
    # became "(16GB VRAM)"). Text from a broken feed cannot be trusted: retry it.
    try:
        etree.fromstring(response.content, parser=_STRICT_XML)
    except etree.XMLSyntaxError:
        raise Retryable("malformed feed") from None


def make_client(*, base_url: str | None = None, page_size: int = BATCH_SIZE) -> arxiv.Client:
    """An ``arxiv.Client`` that makes one request per try and checks every answer.

    ``base_url`` points the client at another server (e.g. a local one serving
    recorded responses): ``http://127.0.0.1:8000/api/query``. The client neither
    waits nor retries itself: a :class:`Fetcher` paces, times out and retries its
    requests by :data:`ARXIV_POLICY` (see :func:`arxiv_session`).
    """
    client = arxiv.Client(page_size=page_size, delay_seconds=0, num_retries=0)
    if base_url:
        client.query_url_format = base_url.rstrip("?") + "?{}"
    arxiv_session(client).hooks["response"].append(_check_feed_response)
    return client


def arxiv_session(client: arxiv.Client) -> requests.Session:
    """The ``requests`` session an ``arxiv.Client`` sends every page through.

    The ``arxiv`` package (2.x to 4.x) has no public way to give it a session, a
    timeout or a check of the answer, so difbib reaches for its private
    ``_session``: here, and nowhere else. ``tests/sources/test_arxiv.py`` fails if
    a new version of the package stops sending through it.
    """
    session = getattr(client, "_session", None)
    if not isinstance(session, requests.Session):
        raise RuntimeError(
            f"arxiv {getattr(arxiv, '__version__', '')} has no requests session to send "
            "through; difbib needs a version that has (see difbib.sources.arxiv)"
        )
    return session


def titles_match(listed: str, found: str) -> float:
    """Similarity in [0, 1] of two titles after normalising case and punctuation.

    A list title that is the part before a colon of arXiv's title, or arXiv's title
    without a trailing "Technical Report", counts as a match too (0.95).
    """
    a, b = normalize_title(listed), normalize_title(found)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ratio = SequenceMatcher(None, a, b).ratio()
    head = normalize_title(found.split(":")[0])
    if a in (head, re.sub(r" technical report$", "", b)):
        ratio = max(ratio, 0.95)
    return ratio


def title_query(title: str) -> str:
    """An arXiv search query that finds a paper by the words of its title.

    Stop words and short numbers (the ``2`` of ``FlashAttention-2``, which arXiv's
    index may split off or not) are left out; the close-title check picks the paper.
    """
    words = [
        w
        for w in normalize_title(title).split()
        if w not in _SEARCH_STOPWORDS and not (w.isdigit() and len(w) < 3)
    ]
    return " AND ".join(f"ti:{w}" for w in words[:12])


@dataclass
class TitleMatch:
    """The answer of a title search: a record, or the reason there is none."""

    record: ArxivRecord | None
    reason: str | None = None
    cached: bool = False


@dataclass
class FetchStats:
    requests: int = 0
    from_cache: int = 0
    fetched: int = 0
    retries: int = 0
    not_found: list[str] = field(default_factory=list)


class Fetcher:
    """Gets :class:`ArxivRecord` s by id or title, from the cache or from arXiv.

    ``offline`` forbids requests; ``refresh`` ignores (and rewrites) cached answers.
    ``client`` is an ``arxiv.Client`` from :func:`make_client` (one by default);
    ``policy`` how arXiv is asked (:data:`ARXIV_POLICY` by default: delay, timeout,
    retries, backoff), with ``sleep`` to wait.
    ``progress`` receives one-line messages for the user (stderr in the CLI);
    ``on_plan`` the number of requests still to make (see :meth:`plan`, and again when
    it grows) and ``on_request`` a call after each request done, for a progress bar.
    Every answer is saved in the cache as soon as it comes, so an interrupted run
    loses nothing: the next one asks only for the rest.
    """

    def __init__(
        self,
        cache: MetadataCache,
        *,
        client: arxiv.Client | None = None,
        offline: bool = False,
        refresh: bool = False,
        policy: RetryPolicy = ARXIV_POLICY,
        progress: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_plan: Callable[[int], None] | None = None,
        on_request: Callable[[], None] | None = None,
    ) -> None:
        self.cache = cache
        self._client = client
        self.offline = offline
        self.refresh = refresh
        self.progress: Callable[[str], None] = progress or (lambda msg: None)
        self.service = Service("arXiv", policy, sleep=sleep, progress=self.progress)
        if client is not None:
            self._use(client)
        self.stats = FetchStats()
        self.on_plan: Callable[[int], None] = on_plan or (lambda total: None)
        self._on_request: Callable[[], None] = on_request or (lambda: None)
        self.planned = 0
        self.made = 0

    @property
    def client(self) -> arxiv.Client:
        """The ``arxiv.Client`` requests go through (made on first use)."""
        if self._client is None:
            self._client = make_client()
            self._use(self._client)
        return self._client

    def _use(self, client: arxiv.Client) -> None:
        """Send ``client``'s requests under this fetcher's policy, checking every answer."""
        session = arxiv_session(client)
        self.service.attach(session)
        if _check_feed_response not in session.hooks["response"]:
            session.hooks["response"].append(_check_feed_response)

    def plan(self, ids: Iterable[str], titles: Iterable[str]) -> int:
        """The requests fetching these ids and searching these titles will make.

        One per batch of up to 100 ids the cache lacks, one per title it has no answer
        for (none offline). Tells ``on_plan``.
        """
        if self.offline:
            return 0
        ids = [aid for aid in dict.fromkeys(ids) if self.refresh or self.cache.get(aid) is None]
        searches = {
            norm
            for norm in map(normalize_title, titles)
            if self.refresh or not self.cache.title_answer(norm)[0]
        }
        todo = -(-len(ids) // BATCH_SIZE) + len(searches)
        self.planned = self.made + todo  # a second round of sync adds to the first
        self.on_plan(self.planned)
        return todo

    def on_request(self) -> None:
        """One planned request is done (a request beyond the plan makes it grow)."""
        self.made += 1
        if self.made > self.planned:
            self.planned = self.made
            self.on_plan(self.planned)
        self._on_request()

    # -- by id ------------------------------------------------------------------

    def fetch_ids(self, ids: Iterable[str]) -> dict[str, ArxivRecord]:
        """Records for these (validated, version-less) ids; missing ones are left out.

        Ids arXiv does not know end up in ``stats.not_found``.
        """
        wanted = list(dict.fromkeys(ids))
        found: dict[str, ArxivRecord] = {}
        todo: list[str] = []
        for aid in wanted:
            rec = None if self.refresh else self.cache.get(aid)
            if rec is not None:
                found[aid] = rec
                self.stats.from_cache += 1
            else:
                todo.append(aid)
        if not todo:
            return found
        if self.offline:
            raise OfflineError(
                f"--offline, but the cache has no metadata for {len(todo)} paper(s): "
                f"{', '.join(todo[:5])}{' ...' if len(todo) > 5 else ''}; run 'difbib sync' "
                "without --offline once"
            )
        batches = [todo[i : i + BATCH_SIZE] for i in range(0, len(todo), BATCH_SIZE)]
        self.progress(f"fetching {len(todo)} paper(s) from arXiv in {len(batches)} request(s)")
        for n, batch in enumerate(batches, start=1):
            search = arxiv.Search(id_list=batch, max_results=len(batch))
            records = self._run(search, f"batch {n}/{len(batches)}", expect_results=True)
            got: dict[str, ArxivRecord] = {}
            asked = set(batch)
            for rec in records:
                if rec.id in asked:
                    got[rec.id] = rec
                else:
                    self.progress(
                        f"  batch {n}/{len(batches)}: arXiv answered arXiv:{rec.id}, "
                        "which was not asked for; ignored"
                    )
            for aid in batch:
                if aid in got:
                    self.cache.put(got[aid])
                    found[aid] = got[aid]
                    self.stats.fetched += 1
                else:
                    self.stats.not_found.append(aid)
            self.cache.save()
            self.on_request()
            self.progress(f"  batch {n}/{len(batches)}: {len(got)} of {len(batch)} found")
        return found

    # -- by title ---------------------------------------------------------------

    def find_by_title(self, title: str) -> TitleMatch:
        """The arXiv paper whose title closely matches ``title``, by one search.

        The answer is a :class:`TitleMatch`: the record, or the reason there is none.
        """
        norm = normalize_title(title)
        known, aid = (False, None) if self.refresh else self.cache.title_answer(norm)
        if known:
            if aid and self.cache.get(aid):
                self.stats.from_cache += 1
                return TitleMatch(self.cache.get(aid), cached=True)
            if aid is None:
                return TitleMatch(
                    None, "no arXiv title matched (cached answer; --refresh searches again)", True
                )
        if self.offline:
            return TitleMatch(
                None, "not in the cache (--offline); run 'difbib sync' without --offline"
            )
        query = title_query(title)
        if not query:
            return TitleMatch(None, "the title has no words to search for")
        self.progress(f"searching arXiv for {title!r}")
        records = self._run(arxiv.Search(query=query, max_results=10), "title search")
        self.on_request()
        best: tuple[float, ArxivRecord] | None = None
        for rec in records:
            score = titles_match(title, rec.title)
            if best is None or score > best[0]:
                best = (score, rec)
        if best and best[0] >= TITLE_MATCH_THRESHOLD:
            rec = best[1]
            self.cache.put(rec)
            self.cache.put_title(norm, rec.id)
            self.cache.save()
            self.stats.fetched += 1
            return TitleMatch(rec)
        self.cache.put_title(norm, None)
        self.cache.save()
        if best:
            return TitleMatch(None, f"closest arXiv title {best[1].title!r} is not close enough")
        return TitleMatch(None, "arXiv found no paper with these title words")

    # -- requests ---------------------------------------------------------------

    def _run(
        self, search: arxiv.Search, what: str, expect_results: bool = False
    ) -> list[ArxivRecord]:
        """Run one search (one request per try) under the retry policy.

        Only what may pass is retried (see the module docstring); a refused
        connection, an unknown host or an HTTP error other than 429 and 5xx fails at
        once. The answer is checked whole: a record missing a field every arXiv paper
        has makes the try a failed one.
        """
        client = self.client
        where = client.query_url_format.split("?")[0]

        def cannot_reach(reason: str) -> FetchError:
            return FetchError(
                f"arXiv ({where}) cannot be reached for the {what}: {reason}; check the "
                "network (or --arxiv-url), or use --offline with the cache"
            )

        def attempt(try_number: int) -> list[ArxivRecord]:
            self.stats.requests += 1
            try:
                records = [_record(r) for r in client.results(search)]
            except arxiv.HTTPError as err:  # not 429 or 5xx: those are retried
                raise cannot_reach(f"HTTP {err.status}") from None
            except arxiv.UnexpectedEmptyPageError:
                raise Retryable("empty answer") from None
            except requests.RequestException as err:  # a bad URL, too many redirects
                raise cannot_reach(type(err).__name__) from None
            if expect_results and not records and try_number == 0 and self.service.policy.retries:
                # arXiv sometimes answers an empty page for ids it has: try once more
                # (only once: ids that do not exist also give an empty page).
                raise Retryable("empty answer")
            return records

        def count(failure: Retryable, wait: float) -> None:
            self.stats.retries += 1

        try:
            return self.service.call(attempt, f"  {what}", on_retry=count)
        except Unreachable as err:
            raise cannot_reach(err.reason) from None
        except GaveUp as err:
            raise FetchError(
                f"arXiv did not answer the {what} after {err.tries} tries "
                f"({err.reason}); try again later, or use --offline with the cache"
            ) from None


def _record(result: arxiv.Result) -> ArxivRecord:
    """The record of one feed entry; a failed try if fields every arXiv paper has are missing."""
    try:
        rec = ArxivRecord.from_result(result)
    except (AttributeError, TypeError, ValueError, AssertionError) as err:
        raise Retryable(f"incomplete answer: an entry cannot be read ({err})") from None
    missing = [
        name
        for name, value in (
            ("id", rec.id),
            ("title", rec.title),
            ("authors", rec.authors),
            ("published", rec.published),
            ("primary class", rec.primary_class),
        )
        if not value
    ]
    if missing:
        raise Retryable(f"incomplete answer: arXiv:{rec.id} has no {', '.join(missing)}")
    return rec
