"""A local stand-in for the arXiv API, serving recorded responses.

It answers ``/api/query`` as arXiv does, built from one recorded feed per paper
(``tests/data/arxiv/ID.xml``):

* ``id_list=a,b,c`` → one feed with the known entries in the order asked; a
  malformed id → arXiv's HTTP 200 feed with a single ``Error`` entry;
* ``search_query=ti:word AND ti:word`` → the entries whose title holds every word.

Tests can queue faults (``server.faults.append("503")``): each request takes the
next one: ``"503"``, ``"429"`` (both with ``Retry-After: server.retry_after``
when it is set), ``"rate"`` (the plain-text ``Rate exceeded.``),
``"empty"`` (a feed with no entry), ``"garbage"``, ``"hang"`` (3 s of silence,
then the answer), ``"truncate"`` (HTTP 200, the feed cut 700 bytes before its end,
as a dropped connection leaves it), ``"incomplete"`` (a whole feed whose entries
lack authors and primary class), ``"mismatch"`` (the entry of another paper than
the one asked for). Every request is recorded in ``server.requests``.
"""

from __future__ import annotations

import html
import re
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.helpers.local_server import LocalServer

DATA = Path(__file__).resolve().parent.parent / "data" / "arxiv"
_ENTRY = re.compile(r"<entry>.*?</entry>", re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_VALID = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?")

FEED_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query: {query}</title>
  <id>http://arxiv.org/api/local-test-server</id>
  <updated>2026-11-25T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{start}</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{per_page}</opensearch:itemsPerPage>
"""


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


class ArxivRecordings:
    """The recorded entries, by id (the file name) with their titles."""

    def __init__(self, folder: Path = DATA):
        self.entries: dict[str, str] = {}
        self.titles: dict[str, str] = {}
        for path in sorted(folder.glob("*.xml")):
            text = path.read_text(encoding="utf-8")
            m = _ENTRY.search(text)
            if m is None:
                continue
            aid = path.stem.replace("_", "/")
            self.entries[aid] = m.group(0)
            self.titles[aid] = re.sub(r"\s+", " ", _TITLE.findall(m.group(0))[0])
        self.malformed = (folder / "errors" / "malformed-id.xml").read_text(encoding="utf-8")

    def feed(self, entries: list[str], query: str, start: int, per_page: int) -> str:
        page = entries[start : start + per_page]
        head = FEED_HEAD.format(
            query=html.escape(query), total=len(entries), start=start, per_page=per_page
        )
        return head + "".join("  " + e + "\n" for e in page) + "</feed>\n"


class ArxivServer(LocalServer):
    """A threaded HTTP server on 127.0.0.1; use as a context manager."""

    def __init__(self, recordings: ArxivRecordings | None = None):
        self.recordings = recordings or ArxivRecordings()
        self.requests: list[str] = []
        self.faults: list[str] = []
        self.retry_after: str | None = None
        self.lock = threading.Lock()
        self._serve()

    @property
    def url(self) -> str:
        return self.base + "/api/query"

    # -- counting helpers for tests -----------------------------------------------

    @property
    def id_requests(self) -> list[str]:
        return [r for r in self.requests if "id_list=" in r and "id_list=&" not in r]

    @property
    def search_requests(self) -> list[str]:
        return [r for r in self.requests if "search_query=ti" in r]

    # -- answering --------------------------------------------------------------

    def _reply(self, handler, status: int, body: str, ctype: str, headers=None) -> None:
        data = body.encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler, method: str) -> None:
        with self.lock:
            self.requests.append(handler.path)
            fault = self.faults.pop(0) if self.faults else None
        parts = urlparse(handler.path)
        if parts.path != "/api/query":
            return self._reply(handler, 404, "not found", "text/plain")
        after = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        if fault == "503":
            return self._reply(handler, 503, "busy", "text/plain", after)
        if fault == "429":
            return self._reply(handler, 429, "slow down", "text/plain", after)
        if fault == "rate":
            return self._reply(handler, 200, "Rate exceeded.", "text/plain")
        if fault == "garbage":
            return self._reply(handler, 200, "<html><body>oops", "text/html")
        if fault == "hang":
            time.sleep(3)
        qs = parse_qs(parts.query, keep_blank_values=True)
        start = int(qs.get("start", ["0"])[0])
        per_page = int(qs.get("max_results", ["10"])[0])
        ids = [i for i in qs.get("id_list", [""])[0].split(",") if i]
        query = qs.get("search_query", [""])[0]
        rec = self.recordings
        if fault == "empty":
            return self._reply(
                handler, 200, rec.feed([], parts.query, start, per_page), "application/atom+xml"
            )
        if fault == "mismatch":
            others = [e for aid, e in rec.entries.items() if aid not in ids][:1]
            body = rec.feed(others, parts.query, start, per_page)
            return self._reply(handler, 200, body, "application/atom+xml")
        if fault in ("truncate", "incomplete"):
            return self._reply_faulty(handler, fault, ids, query, parts.query, start, per_page)
        if ids:
            bad = [i for i in ids if not _VALID.fullmatch(i)]
            if bad:
                body = rec.malformed.replace("2412.096118", bad[0])
                return self._reply(handler, 200, body, "application/atom+xml")
            body = rec.feed(self._matches(ids, ""), parts.query, start, per_page)
            return self._reply(handler, 200, body, "application/atom+xml")
        body = rec.feed(self._matches(ids, query), parts.query, start, per_page)
        return self._reply(handler, 200, body, "application/atom+xml")

    def _matches(self, ids: list[str], query: str) -> list[str]:
        """The recorded entries an id list or a title query asks for."""
        rec = self.recordings
        if ids:
            return [rec.entries[i.split("v")[0]] for i in ids if i.split("v")[0] in rec.entries]
        terms = re.findall(r"ti:\"?([^\s\"]+)\"?", query)
        words = [w for t in terms for w in _words(t)]
        return [
            rec.entries[aid]
            for aid, title in rec.titles.items()
            if words and all(w in _words(title) for w in words)
        ]

    def _reply_faulty(self, handler, fault, ids, query, raw_query, start, per_page) -> None:
        entries = self._matches(ids, query)
        if fault == "incomplete":
            entries = [
                re.sub(r"<author>.*?</author>|<arxiv:primary_category[^>]*/>", "", e, flags=re.S)
                for e in entries
            ]
        body = self.recordings.feed(entries, raw_query, start, per_page)
        if fault == "truncate":
            body = body.encode("utf-8")[:-700].decode("utf-8", "ignore")
        return self._reply(handler, 200, body, "application/atom+xml")
