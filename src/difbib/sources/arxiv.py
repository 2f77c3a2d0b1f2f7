"""Fetching paper metadata from arXiv, politely, through the ``arxiv`` package.

* Ids are fetched in batches: one request for up to 100 ids (``id_list=a,b,c``).
* Papers without a usable id are found by one title search each, accepted only when
  arXiv's title closely matches the list's (see :func:`titles_match`).
* Requests are spaced by arXiv's 3 seconds (the ``arxiv`` client does this), and
  every request has a timeout (``timeout``, 30 s by default).
* An answer is accepted only whole: the feed must parse to its end, every entry
  must carry an id, a title, authors, dates and a primary class, and an entry for
  an id that was not asked for is dropped (and said so), never counted as found.
* What is worth retrying is retried with exponential backoff: HTTP 429 and 5xx,
  timeouts, arXiv's plain-text ``Rate exceeded.``, an empty, cut-off or incomplete
  feed. What is not is reported at once, in one line: a refused connection, an
  unknown host, another HTTP error.
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

import arxiv
import requests
from lxml import etree
from requests.adapters import HTTPAdapter

from difbib.errors import FetchError, OfflineError
from difbib.sources.cache import MetadataCache
from difbib.sources.readinglist import normalize_title
from difbib.sources.record import ArxivRecord

log = logging.getLogger("difbib")

BATCH_SIZE = 100
TITLE_MATCH_THRESHOLD = 0.9
_SEARCH_STOPWORDS = {"a", "an", "and", "the", "of", "for", "in", "on", "to", "with", "via", "by"}


class RateExceeded(arxiv.ArxivError):
    """arXiv answered with its plain-text throttling message instead of a feed."""


class NotAFeed(arxiv.ArxivError):
    """arXiv answered something that is not an Atom feed."""


class MalformedFeed(NotAFeed):
    """arXiv answered a feed that is not well-formed XML."""


_STRICT_XML = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)


class IncompleteAnswer(arxiv.ArxivError):
    """A feed entry lacks fields every arXiv record has (id, title, authors, ...)."""


#: Seconds each request to arXiv may take (connecting, then between bytes).
DEFAULT_TIMEOUT = 30.0


def _check_feed_response(response: requests.Response, *args, **kwargs) -> None:
    """A ``requests`` response hook: turn non-feed answers into retryable errors.

    arXiv throttles with a plain-text ``Rate exceeded.`` body (sometimes with HTTP
    200), which the ``arxiv`` package would parse as an empty, malformed feed and
    return as "no results". Raising here makes it a retryable error instead.
    """
    if response.status_code != 200:
        return
    head = response.content[:200].lstrip()
    if head.startswith(b"Rate exceeded"):
        raise RateExceeded(response.url, 0, "arXiv answered 'Rate exceeded.'")
    if not head.startswith(b"<"):
        raise NotAFeed(response.url, 0, "arXiv answered something that is not a feed")
    # The arxiv package parses in lxml's "recover" mode, which accepts a feed that is
    # not well-formed XML and may silently drop text after the first error (an
    # unescaped ``&`` in one place once cost a ``&lt;`` elsewhere: "(<16GB VRAM)"
    # became "(16GB VRAM)"). Text from a broken feed cannot be trusted: retry it.
    try:
        etree.fromstring(response.content, parser=_STRICT_XML)
    except etree.XMLSyntaxError as err:
        raise MalformedFeed(response.url, 0, f"arXiv answered a malformed feed ({err})") from None


def make_client(
    *,
    base_url: str | None = None,
    delay_seconds: float = 3.0,
    page_size: int = BATCH_SIZE,
    timeout: float = DEFAULT_TIMEOUT,
) -> arxiv.Client:
    """An ``arxiv.Client`` that makes one request per try (difbib retries itself).

    ``base_url`` points the client at another server (e.g. a local one serving
    recorded responses): ``http://127.0.0.1:8000/api/query``. ``timeout`` bounds
    each request: the connection, and each wait for more of the answer.
    """
    client = arxiv.Client(page_size=page_size, delay_seconds=delay_seconds, num_retries=0)
    if base_url:
        client.query_url_format = base_url.rstrip("?") + "?{}"
    # The arxiv package has no option for timeouts or for checking the body, so we
    # configure the requests Session it sends every page through.
    session = client._session
    session.hooks["response"].append(_check_feed_response)
    adapter = _TimeoutAdapter(timeout)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return client


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout (``requests`` has none by default)."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def send(self, request, **kwargs):  # type: ignore[override]
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().send(request, **kwargs)


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
        retries: int = 4,
        backoff: float = 5.0,
        progress: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_plan: Callable[[int], None] | None = None,
        on_request: Callable[[], None] | None = None,
    ):
        self.cache = cache
        self.client = client
        self.offline = offline
        self.refresh = refresh
        self.retries = retries
        self.backoff = backoff
        self.progress = progress or (lambda msg: None)
        self.sleep = sleep
        self.stats = FetchStats()
        self.on_plan = on_plan or (lambda total: None)
        self._on_request = on_request or (lambda: None)
        self.planned = 0
        self.made = 0

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
        """Run one search (one request) with retries and exponential backoff.

        Only what may pass is retried (see the module docstring); a refused
        connection, an unknown host or an HTTP error other than 429 and 5xx fails at
        once. The answer is checked whole: a record missing a field every arXiv paper
        has makes the request a failed one.
        """
        if self.client is None:
            self.client = make_client()
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                wait = self.backoff * 2 ** (attempt - 1)
                self.stats.retries += 1
                self.progress(f"  {what}: {_describe(last)}; retrying in {wait:g}s")
                self.sleep(wait)
            self.stats.requests += 1
            try:
                records = [_record(r) for r in self.client.results(search)]
            except (arxiv.ArxivError, requests.RequestException) as err:
                if not _worth_retrying(err):
                    raise FetchError(
                        f"arXiv ({_where(self.client)}) cannot be reached for the {what}: "
                        f"{_describe(err)}; check the network (or --arxiv-url), or use "
                        "--offline with the cache"
                    ) from None
                last = err
                continue
            if expect_results and not records and attempt == 0 and self.retries:
                # arXiv sometimes answers an empty page for ids it has: try once more
                # (only once: ids that do not exist also give an empty page).
                last = arxiv.UnexpectedEmptyPageError("", attempt, None)  # type: ignore[arg-type]
                continue
            return records
        raise FetchError(
            f"arXiv did not answer the {what} after {self.retries + 1} tries "
            f"({_describe(last)}); try again later, or use --offline with the cache"
        )


def _record(result: arxiv.Result) -> ArxivRecord:
    """The record of one feed entry, or :class:`IncompleteAnswer` if fields are missing."""
    try:
        rec = ArxivRecord.from_result(result)
    except (AttributeError, TypeError, ValueError, AssertionError) as err:
        raise IncompleteAnswer("", 0, f"an entry cannot be read ({err})") from None
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
        raise IncompleteAnswer("", 0, f"arXiv:{rec.id} has no {', '.join(missing)}")
    return rec


def _worth_retrying(err: Exception) -> bool:
    """Whether a failed request may pass when tried again (429, 5xx, timeouts, ...)."""
    if isinstance(err, arxiv.HTTPError):
        return err.status == 429 or err.status >= 500
    if isinstance(err, requests.Timeout):
        return True
    if isinstance(err, requests.ConnectionError):
        # A refused connection or an unknown host fails the same way a second time,
        # but a connection dropped in the middle of an answer is worth another try.
        return connection_dropped(err)
    # Rate exceeded, an empty, cut or incomplete feed, an answer cut mid-transfer.
    return isinstance(
        err,
        (
            arxiv.ArxivError,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ),
    )


def connection_dropped(err: requests.ConnectionError) -> bool:
    """Whether a connection failed mid-answer (worth a retry), not refused or unresolved."""
    text = repr(err.args)
    return any(
        mark in text
        for mark in (
            "RemoteDisconnected",
            "ProtocolError",
            "Connection reset",
            "IncompleteRead",
            "timed out",
        )
    )


def _where(client: arxiv.Client) -> str:
    url = client.query_url_format.split("?")[0]
    return url


def _describe(err: Exception | None) -> str:
    if isinstance(err, arxiv.HTTPError):
        return f"HTTP {err.status}"
    if isinstance(err, RateExceeded):
        return "rate exceeded"
    if isinstance(err, arxiv.UnexpectedEmptyPageError):
        return "empty answer"
    if isinstance(err, MalformedFeed):
        return "malformed feed"
    if isinstance(err, NotAFeed):
        return "not a feed"
    if isinstance(err, IncompleteAnswer):
        return f"incomplete answer: {err.message}"
    if isinstance(err, requests.Timeout):
        return "timed out"
    if isinstance(err, requests.ConnectionError):
        text = repr(err.args)
        if "NameResolution" in text or "Name or service not known" in text:
            return "unknown host"
        if "Connection refused" in text or "ConnectionRefused" in text:
            return "connection refused"
        return "cannot connect"
    return type(err).__name__ if err else "no answer"
