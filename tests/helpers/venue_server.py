"""A local stand-in for Semantic Scholar's Graph API and DBLP, built from venues.json.

It answers what difbib asks, in the services' own formats:

* ``POST /graph/v1/paper/batch?fields=...`` with ``{"ids": ["ARXIV:2311.18828", ...]}``
  → a JSON list, one paper object (or ``null``) per id, in the order asked; more
  than 500 ids → HTTP 400, as Semantic Scholar does;
* ``GET /rec/KEY.bib`` → DBLP's BibTeX record of KEY, or HTTP 404.

The records are built from ``tests/data/venues/venues.json`` (a copy of the curated
truth) and the recorded arXiv feeds: ``verified`` and ``stated`` papers are
published at their venue (title as the venue gives it, authors as the authors'
venue BibTeX gives them); ``unknown`` ones are what Semantic Scholar says of a
preprint (venue ``arXiv.org``, DBLP key ``journals/corr/...``). ``candidate_venue``
is never used. DBLP records exist for the papers venues.json gives a ``dblp_key``.

Tests change the world with ``server.s2[ARXIV_ID] = {...}`` (or ``None``) and
``server.dblp[KEY] = "@inproceedings{...}"``, and queue faults
(``server.faults.append("429")``): ``"429"`` (with ``Retry-After:
server.retry_after``, 0 by default), ``"503"``, ``"hang"`` (1 s of silence, then
the answer), ``"down"`` (every request from then on answers 503). Every request is
recorded in ``server.requests`` as ``(method, path, number of ids)``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tests.helpers.local_server import LocalServer

DATA = Path(__file__).resolve().parent.parent / "data"
VENUES = DATA / "venues" / "venues.json"
ATOM = "{http://www.w3.org/2005/Atom}"


def arxiv_metadata(arxiv_id: str) -> tuple[str, list[str], int]:
    """Title, authors and v1 year of a recorded arXiv paper."""
    root = ET.parse(DATA / "arxiv" / f"{arxiv_id.replace('/', '_')}.xml").getroot()
    entry = root.find(f"{ATOM}entry")
    assert entry is not None
    title = re.sub(r"\s+", " ", entry.findtext(f"{ATOM}title") or "").strip()
    authors = [a.findtext(f"{ATOM}name") or "" for a in entry.findall(f"{ATOM}author")]
    year = int((entry.findtext(f"{ATOM}published") or "0000")[:4])
    return title, [re.sub(r"\s+", " ", a).strip() for a in authors], year


def bibtex_authors(bib: str) -> list[str] | None:
    """The authors of the authors' own BibTeX, as "Given Family" (``Li*, Muyang`` → Muyang Li)."""
    m = re.search(r"author\s*=\s*\{(.*?)\},\s*\n", bib, re.S)
    if not m:
        return None
    names = []
    for raw in re.split(r"\s+and\s+", m.group(1)):
        raw = raw.replace("*", "").strip()
        if raw == "others" or not raw:
            continue
        if "," in raw:
            family, given = raw.split(",", 1)
            raw = f"{given.strip()} {family.strip()}"
        names.append(re.sub(r"\s+", " ", raw))
    return names


def s2_record(entry: dict[str, Any]) -> dict[str, Any]:
    """Semantic Scholar's paper object for one venues.json entry."""
    aid = entry["arxiv_id"]
    title, authors, year = arxiv_metadata(aid)
    ext: dict[str, Any] = {"ArXiv": aid, "CorpusId": int(re.sub(r"\D", "", aid))}
    if entry["published"] is True and entry["confidence"] in ("verified", "stated"):
        bib = entry.get("authors_bibtex") or ""
        venue_authors = bibtex_authors(bib) if bib.lstrip().lower().startswith("@inproc") else None
        if entry.get("dblp_key"):
            ext["DBLP"] = entry["dblp_key"]
        if entry.get("doi"):
            ext["DOI"] = entry["doi"]
        return {
            "paperId": f"s2-{aid}",
            "externalIds": ext,
            "title": entry.get("venue_title_if_different") or title,
            "authors": [{"authorId": None, "name": n} for n in venue_authors or authors],
            "year": entry["year"],
            "venue": entry["venue_full"],
            "publicationVenue": {
                "id": f"venue-{entry['venue_short']}",
                "name": entry["venue_full"],
                "type": "conference" if entry["type"] == "conference" else "journal",
                "alternate_names": [entry["venue_short"]],
            },
            "journal": {"name": entry["venue_full"], "pages": entry.get("pages")},
            "publicationTypes": ["Conference"],
        }
    ext["DBLP"] = f"journals/corr/abs-{aid.replace('.', '-')}"
    ext["DOI"] = f"10.48550/arXiv.{aid}"
    return {
        "paperId": f"s2-{aid}",
        "externalIds": ext,
        "title": title,
        "authors": [{"authorId": None, "name": n} for n in authors],
        "year": year,
        "venue": "arXiv.org",
        "publicationVenue": {"id": "arxiv", "name": "arXiv.org", "type": "repository"},
        "journal": {"name": "ArXiv", "volume": f"abs/{aid}"},
        "publicationTypes": ["JournalArticle"],
    }


def dblp_bibtex(entry: dict[str, Any]) -> str:
    """DBLP's BibTeX for one venues.json entry with a ``dblp_key``, in DBLP's layout."""
    key = entry["dblp_key"]
    title, authors, _ = arxiv_metadata(entry["arxiv_id"])
    lines = [
        f"@inproceedings{{DBLP:{key},",
        "  author       = {" + " and\n                  ".join(authors) + "},",
        f"  title        = {{{entry.get('venue_title_if_different') or title}}},",
        f"  booktitle    = {{{entry['venue_full']}, {{{entry['venue_short']}}} {entry['year']}}},",
    ]
    for name in ("pages", "publisher", "doi"):
        if entry.get(name):
            lines.append(f"  {name:<12} = {{{entry[name]}}},")
    lines += [
        f"  year         = {{{entry['year']}}},",
        f"  biburl       = {{https://dblp.org/rec/{key}.bib}},",
        "  bibsource    = {dblp computer science bibliography, https://dblp.org}",
        "}",
    ]
    return "\n".join(lines) + "\n"


class VenueServer(LocalServer):
    """Semantic Scholar and DBLP on one local port; use as a context manager."""

    methods = ("GET", "POST")

    def __init__(self, venues_path: Path = VENUES):
        entries = json.loads(venues_path.read_text(encoding="utf-8"))
        self.truth = {e["arxiv_id"]: e for e in entries}
        self.s2: dict[str, dict | None] = {e["arxiv_id"]: s2_record(e) for e in entries}
        self.dblp: dict[str, str] = {
            e["dblp_key"]: dblp_bibtex(e)
            for e in entries
            if e.get("dblp_key") and e["published"] is True
        }
        self.requests: list[tuple[str, str, int]] = []
        self.faults: list[str] = []
        self.down = False
        self.retry_after = "0"
        self.lock = threading.Lock()
        self._serve()

    @property
    def s2_url(self) -> str:
        return self.base + "/graph/v1"

    @property
    def dblp_url(self) -> str:
        return self.base

    @property
    def env(self) -> dict[str, str]:
        """The environment that points the CLI here, without waits."""
        return {
            "DIFBIB_S2_URL": self.s2_url,
            "DIFBIB_DBLP_URL": self.dblp_url,
            "DIFBIB_VENUES_DELAY": "0",
            "DIFBIB_VENUES_BACKOFF": "0",
        }

    def count(self, method: str) -> int:
        return sum(1 for r in self.requests if r[0] == method)

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
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        ids: list[str] = []
        if body:
            try:
                ids = list(json.loads(body).get("ids", []))
            except (ValueError, AttributeError):
                ids = []
        with self.lock:
            self.requests.append((method, handler.path, len(ids)))
            fault = self.faults.pop(0) if self.faults else None
            if fault == "down":
                self.down = True
        if fault == "hang":
            time.sleep(1.0)
        if self.down or fault == "503":
            return self._reply(handler, 503, '{"message": "unavailable"}', "application/json")
        if fault == "429":
            return self._reply(
                handler,
                429,
                '{"message": "Too Many Requests"}',
                "application/json",
                {"Retry-After": self.retry_after},
            )
        path = urlparse(handler.path).path
        if method == "POST" and path == "/graph/v1/paper/batch":
            if not ids:
                return self._reply(
                    handler, 400, '{"error": "No valid paper ids given"}', "application/json"
                )
            if len(ids) > 500:
                return self._reply(handler, 400, '{"error": "Too many ids"}', "application/json")
            out = [self.s2.get(i[6:]) if i.upper().startswith("ARXIV:") else None for i in ids]
            return self._reply(handler, 200, json.dumps(out), "application/json")
        m = re.fullmatch(r"/rec/(.+)\.bib", path)
        if method == "GET" and m:
            text = self.dblp.get(m.group(1))
            if text is None:
                return self._reply(handler, 404, "Not Found", "text/plain")
            return self._reply(handler, 200, text, "application/x-bibtex; charset=utf-8")
        return self._reply(handler, 404, "Not Found", "text/plain")
