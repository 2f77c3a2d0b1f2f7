"""Pushing the library into a Zotero library through the Zotero Web API v3.

``difbib zotero push`` keeps a Zotero library in step with ``library.bib``:

* one parent collection (named after the reading list) with one sub-collection per
  category; a paper in two categories sits in both;
* one ``preprint`` item per paper, with title, creators (group authors as
  single-field names), abstract, date, repository ``arXiv``, archive ID
  ``arXiv:ID``, DOI, URL, citation key (difbib's key) and tags for its categories
  and its rating (``rating:4``);
* an item is matched to its paper by arXiv id (archive ID, arXiv DOI or URL), so a
  paper is never added twice, even when the local state file is lost.

Every push records, per arXiv id, the item key and a hash of the managed fields as
Zotero stored them, in a small JSON state file next to the library
(``.difbib-zotero.json``). On the next push an item whose managed fields still hash
the same was not edited in Zotero and is updated when its paper changed; an item
whose managed fields changed in Zotero is a *conflict*: it is skipped and reported,
unless ``force``. Fields difbib does not manage (notes in *Extra*, personal tags,
other collections) are kept on every update.

Writes follow the API's rules: at most 50 objects per request; creations carry a
``Zotero-Write-Token`` (so a retried request never creates twice), updates carry
each item's ``version`` (so an edit made in between fails with 412 rather than being
overwritten); ``Backoff`` and ``Retry-After`` (HTTP 429/503) are waited out; per-object
``failed`` results are reported while the rest of the push goes on.

The API key is held by :class:`ZoteroClient` only, sent in the ``Zotero-API-Key``
header, and scrubbed from any text the server sends back before it is shown.

The HTTP client is ``requests`` (already a dependency of ``arxiv``); ``pyzotero``
pins ``bibtexparser<2`` and cannot be installed next to difbib.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests
from pylatexenc.latex2text import LatexNodes2Text
from urllib3.exceptions import NewConnectionError

from .errors import DifbibError
from .fileio import atomic_write_text
from .ids import arxiv_id_from_url
from .library import Paper
from .record import is_group_author

DEFAULT_API_URL = "https://api.zotero.org"
API_VERSION = "3"
WRITE_LIMIT = 50  # objects per write request (API limit)
PAGE_LIMIT = 100  # objects per read request (API maximum)
STATE_FILE = ".difbib-zotero.json"
CONFIG_NAME = "zotero.toml"
RATING_TAG = "rating:{}"
_RATING_TAG = re.compile(r"rating:[1-5]")
#: Item fields difbib writes and owns (besides creators, its tags and collections).
MANAGED_FIELDS = (
    "title",
    "abstractNote",
    "date",
    "repository",
    "archiveID",
    "DOI",
    "url",
    "citationKey",
    "libraryCatalog",
)
_KEY_CHARS = re.compile(r"[A-Za-z0-9]+")


class ZoteroError(DifbibError):
    """The Zotero API could not be reached, refused the request, or answered badly."""


# -- settings -----------------------------------------------------------------------


@dataclass
class ZoteroSettings:
    """Where to push and with which key. ``repr`` never shows the key."""

    api_key: str = field(repr=False)
    library_type: str
    library_id: str
    api_url: str = DEFAULT_API_URL

    @property
    def prefix(self) -> str:
        """The library's path prefix: ``users/123`` or ``groups/456``."""
        return f"{self.library_type}s/{self.library_id}"


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The config file: ``$DIFBIB_ZOTERO_CONFIG``, else ``$XDG_CONFIG_HOME/difbib/zotero.toml``.

    ``XDG_CONFIG_HOME`` defaults to ``~/.config``.
    """
    env = os.environ if env is None else env
    if env.get("DIFBIB_ZOTERO_CONFIG"):
        return Path(env["DIFBIB_ZOTERO_CONFIG"]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "difbib" / CONFIG_NAME


def read_config(path: Path) -> dict[str, Any]:
    """The settings in a TOML config file (empty when there is none).

    Errors never quote the file's content, which holds the API key.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise ZoteroError(f"cannot read Zotero config {str(path)!r}: {err.strerror}") from None
    try:
        config = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise ZoteroError(
            f"Zotero config {str(path)!r} is not valid TOML; write lines like "
            'api_key = "..." and library_id = "123"'
        ) from None
    return config


def load_settings(
    *,
    library_type: str | None = None,
    library_id: str | None = None,
    api_url: str | None = None,
    env: Mapping[str, str] | None = None,
    warn: Callable[[str], None] = lambda msg: None,
) -> ZoteroSettings:
    """Settings from the arguments, else the environment, else the config file.

    The key comes from ``ZOTERO_API_KEY`` or the config file's ``api_key``, never
    from an argument. Raises :class:`ZoteroError` naming what is missing.
    """
    env = os.environ if env is None else env
    path = config_path(env)
    config = read_config(path)
    if config.get("api_key") and path.exists() and os.name == "posix":
        mode = path.stat().st_mode
        if mode & 0o077:
            warn(f"{path} holds your Zotero API key but others can read it; run chmod 600 {path}")
    key = (env.get("ZOTERO_API_KEY") or str(config.get("api_key") or "")).strip()
    if not key:
        raise ZoteroError(
            'no Zotero API key: set ZOTERO_API_KEY or put api_key = "..." in '
            f"{path} (create a key at https://www.zotero.org/settings/keys)"
        )
    if not _KEY_CHARS.fullmatch(key):
        raise ZoteroError(
            "the Zotero API key is malformed (a key is letters and digits only); "
            "copy it again from https://www.zotero.org/settings/keys"
        )
    kind = library_type or env.get("ZOTERO_LIBRARY_TYPE") or config.get("library_type") or "user"
    kind = str(kind).strip().lower()
    if kind not in ("user", "group"):
        raise ZoteroError(f"library type {kind!r} is unknown; use 'user' or 'group'")
    lib_id = str(library_id or env.get("ZOTERO_LIBRARY_ID") or config.get("library_id") or "")
    lib_id = lib_id.strip()
    if not lib_id:
        raise ZoteroError(
            "no Zotero library id: pass --library-id or set ZOTERO_LIBRARY_ID (your user id "
            "is shown at https://www.zotero.org/settings/keys; a group's id is in its URL)"
        )
    if not lib_id.isdigit():
        raise ZoteroError(f"Zotero library id {lib_id!r} is not a number; see --library-id")
    url = api_url or env.get("ZOTERO_API_URL") or config.get("api_url") or DEFAULT_API_URL
    url = str(url).strip().rstrip("/")
    if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
        raise ZoteroError(f"Zotero API URL {url!r} is not an http(s) URL; see --api-url")
    return ZoteroSettings(api_key=key, library_type=kind, library_id=lib_id, api_url=url)


# -- the HTTP client ------------------------------------------------------------------


@dataclass
class WriteResult:
    """A multi-object write's outcome, by index of the object sent."""

    successful: dict[int, dict[str, Any]] = field(default_factory=dict)
    unchanged: dict[int, str] = field(default_factory=dict)
    failed: dict[int, tuple[int, str]] = field(default_factory=dict)  # code, message
    already_written: bool = False  # the write token had been used: an earlier try succeeded


class ZoteroClient:
    """A small Zotero Web API v3 client: paged reads and batched, retried writes.

    ``sleep`` and ``clock`` are injectable so that tests can check the waits
    without waiting.
    """

    def __init__(
        self,
        settings: ZoteroSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 30.0,
        max_retries: int = 5,
        progress: Callable[[str], None] = lambda msg: None,
    ):
        self._settings = settings
        self.base = f"{settings.api_url}/{settings.prefix}"
        self.prefix = settings.prefix
        self.session = session or requests.Session()
        self.sleep = sleep
        self.clock = clock
        self.timeout = timeout
        self.max_retries = max_retries
        self.progress = progress
        self.library_version: int | None = None
        self.requests_made = 0
        self.writes_made = 0
        self._not_before = 0.0

    def __repr__(self) -> str:
        return f"ZoteroClient({self.base!r})"

    # -- plumbing ---

    def redact(self, text: str) -> str:
        """``text`` with the API key replaced (server messages are shown to users)."""
        return text.replace(self._settings.api_key, "<api key>")

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {
            "Zotero-API-Version": API_VERSION,
            "Zotero-API-Key": self._settings.api_key,
            "User-Agent": "difbib",
        }
        headers.update(extra or {})
        return headers

    def _wait_backoff(self) -> None:
        remaining = self._not_before - self.clock()
        if remaining > 0:
            self.progress(f"Zotero asked for a pause (Backoff); waiting {remaining:.0f} s")
            self.sleep(remaining)
        self._not_before = 0.0

    @staticmethod
    def _seconds(value: str | None) -> float | None:
        if value is None:
            return None
        try:
            seconds = float(value.strip())
        except ValueError:
            return None
        return max(seconds, 0.0)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """One request, retried on connection errors, 429, 409 and 5xx.

        ``Retry-After`` says how long to wait before the retry; ``Backoff`` on any
        response how long to wait before the next request.
        """
        url = f"{self.base}/{path}"
        data = json.dumps(body).encode("utf-8") if body is not None else None
        extra = dict(headers or {})
        if data is not None:
            extra["Content-Type"] = "application/json"
        attempt = 0
        while True:
            self._wait_backoff()
            self.requests_made += 1
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=self._headers(extra),
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as err:
                reason = getattr(err.args[0], "reason", None) if err.args else None
                if isinstance(reason, NewConnectionError):  # nothing listens there: no retry
                    raise ZoteroError(
                        f"cannot connect to the Zotero API at {self._settings.api_url}; "
                        "check your connection or --api-url"
                    ) from None
                attempt += 1
                if attempt > self.max_retries:
                    raise ZoteroError(
                        f"cannot reach the Zotero API at {self._settings.api_url} "
                        f"({type(err).__name__}) after {self.max_retries} retries; "
                        "check your connection or --api-url, then push again"
                    ) from None
                wait = min(2.0 ** (attempt - 1), 60.0)
                self.progress(
                    f"Zotero did not answer ({type(err).__name__}); retry in {wait:.0f} s"
                )
                self.sleep(wait)
                continue
            except requests.RequestException as err:
                raise ZoteroError(
                    f"request to the Zotero API failed ({type(err).__name__}); check --api-url"
                ) from None
            backoff = self._seconds(resp.headers.get("Backoff"))
            if backoff:
                self._not_before = self.clock() + backoff
            if resp.status_code in (409, 429) or resp.status_code >= 500:
                attempt += 1
                if attempt > self.max_retries:
                    raise ZoteroError(
                        f"the Zotero API kept answering HTTP {resp.status_code} "
                        f"after {self.max_retries} retries; try again later"
                    )
                wait = self._seconds(resp.headers.get("Retry-After"))
                if wait is None:
                    wait = min(2.0 ** (attempt - 1), 60.0)
                reason = {409: "library locked", 429: "too many requests"}.get(
                    resp.status_code, "server busy"
                )
                self.progress(
                    f"Zotero answered HTTP {resp.status_code} ({reason}); waiting {wait:.0f} s"
                )
                self.sleep(wait)
                self._not_before = 0.0
                continue
            version = resp.headers.get("Last-Modified-Version")
            if version and version.isdigit():
                self.library_version = int(version)
            return resp

    def _fail(self, resp: requests.Response, what: str) -> ZoteroError:
        """The error for an unexpected status, without the key."""
        if resp.status_code == 403:
            return ZoteroError(
                f"Zotero refused access to {self.prefix} while {what} (HTTP 403): check that "
                "ZOTERO_API_KEY is right and allows reading and writing this library "
                "(https://www.zotero.org/settings/keys)"
            )
        if resp.status_code == 404:
            return ZoteroError(
                f"Zotero has no library {self.prefix} (HTTP 404 while {what}); check "
                "--library-type and --library-id"
            )
        body = self.redact(re.sub(r"\s+", " ", resp.text or "").strip())[:200]
        return ZoteroError(
            f"Zotero answered HTTP {resp.status_code} while {what}" + (f": {body}" if body else "")
        )

    def _json(self, resp: requests.Response, what: str) -> Any:
        try:
            return resp.json()
        except ValueError:
            raise ZoteroError(f"Zotero answered something that is not JSON while {what}") from None

    # -- reads ---

    def get_all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every object at ``path`` (``items/top``, ``collections``), page by page.

        Pages of :data:`PAGE_LIMIT` are asked for with ``start``/``limit`` until
        ``Total-Results`` objects have come.
        """
        out: list[dict[str, Any]] = []
        start = 0
        while True:
            query = {"format": "json", "limit": PAGE_LIMIT, "start": start, **(params or {})}
            resp = self._send("GET", path, params=query)
            if resp.status_code != 200:
                raise self._fail(resp, f"reading {path}")
            page = self._json(resp, f"reading {path}")
            if not isinstance(page, list):
                raise ZoteroError(f"Zotero answered an unexpected document while reading {path}")
            out.extend(page)
            total = resp.headers.get("Total-Results")
            start += len(page)
            if not page or total is None or not total.isdigit() or start >= int(total):
                return out

    def get_item(self, key: str) -> dict[str, Any] | None:
        """One item (``None`` when it is gone)."""
        resp = self._send("GET", f"items/{key}", params={"format": "json"})
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise self._fail(resp, f"reading item {key}")
        return self._json(resp, f"reading item {key}")

    # -- writes ---

    def write(self, path: str, objects: Sequence[dict[str, Any]]) -> WriteResult:
        """POST up to :data:`WRITE_LIMIT` objects to ``path`` (``items``, ``collections``).

        Objects without a ``key`` are new: the request carries a write token, so a
        retry after a lost answer cannot create them twice (the server answers 412,
        reported as ``already_written``). Objects with a ``key`` carry their
        ``version``; one edited since fails alone with code 412.
        """
        if len(objects) > WRITE_LIMIT:
            raise ValueError(f"at most {WRITE_LIMIT} objects per write")
        headers = {}
        creating = all("key" not in o for o in objects)
        if creating:
            headers["Zotero-Write-Token"] = uuid.uuid4().hex
        self.writes_made += 1
        resp = self._send("POST", path, body=list(objects), headers=headers)
        if resp.status_code == 412 and creating:
            return WriteResult(already_written=True)
        if resp.status_code != 200:
            raise self._fail(resp, f"writing {path}")
        doc = self._json(resp, f"writing {path}")
        result = WriteResult()
        for index, obj in (doc.get("successful") or {}).items():
            result.successful[int(index)] = obj
        for index, key in (doc.get("unchanged") or {}).items():
            result.unchanged[int(index)] = key
        for index, info in (doc.get("failed") or {}).items():
            message = self.redact(str(info.get("message", "")))
            result.failed[int(index)] = (int(info.get("code", 0)), message)
        return result


# -- mapping papers to items ------------------------------------------------------------

_LATEX = LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def plain_text(tex: str) -> str:
    """Unicode text for a TeX field value (``{FLUX}.1`` → ``FLUX.1``, ``$\\times$`` → ``×``)."""
    try:
        text = _LATEX.latex_to_text(tex)
    except Exception:  # pylatexenc is lenient; be safe on odd input
        text = re.sub(r"(?<!\\)[{}]", "", tex)
    return re.sub(r"\s+", " ", text).strip()


def split_name(name: str) -> tuple[str, str]:
    """(given, family) of a ``Given Family`` name; particles stay with the family name."""
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

    try:
        parts = parse_single_name_into_parts(name, strict=False)
    except InvalidNameError:
        words = name.split()
        return " ".join(words[:-1]), words[-1] if words else name
    family = " ".join(parts.von + parts.last)
    given = " ".join(parts.first)
    if parts.jr:
        given = f"{given}, {' '.join(parts.jr)}" if given else " ".join(parts.jr)
    return given, family


def creators(author_field: str) -> list[dict[str, str]]:
    """Zotero creators for a BibTeX ``author`` value.

    A braced whole name (``{Black Forest Labs}``), a group name or a one-word name
    is a single-field ``name``; others are split into ``firstName``/``lastName``.
    """
    out: list[dict[str, str]] = []
    for raw in re.split(r"\s+and\s+", author_field.strip()):
        raw = raw.strip()
        if not raw:
            continue
        braced = raw.startswith("{") and raw.endswith("}") and raw.count("{") == 1
        name = plain_text(raw[1:-1] if braced else raw)
        if braced or is_group_author(name) or len(name.split()) < 2:
            out.append({"creatorType": "author", "name": name})
        else:
            given, family = split_name(name)
            out.append({"creatorType": "author", "firstName": given, "lastName": family})
    return out


def rating_tag(rating: int) -> str:
    return RATING_TAG.format(rating)


def item_for(paper: Paper, collection_keys: Iterable[str]) -> dict[str, Any]:
    """The Zotero ``preprint`` item for a paper (without key and version)."""
    eprint = paper.eprint or ""
    tags = [{"tag": c} for c in paper.categories]
    if paper.rating:
        tags.append({"tag": rating_tag(paper.rating)})
    return {
        "itemType": "preprint",
        "title": plain_text(paper.title),
        "creators": creators(paper.get("author", "") or ""),
        "abstractNote": plain_text(paper.get("abstract", "") or ""),
        "date": str(paper.year or paper.get("year", "") or ""),
        "repository": "arXiv",
        "archiveID": f"arXiv:{eprint}" if eprint else "",
        "DOI": paper.get("doi", "") or (f"10.48550/arXiv.{eprint}" if eprint else ""),
        "url": paper.get("url", "") or (f"https://arxiv.org/abs/{eprint}" if eprint else ""),
        "citationKey": paper.key,
        "libraryCatalog": "arXiv.org",
        "tags": tags,
        "collections": sorted(set(collection_keys)),
    }


_ARCHIVE_ID = re.compile(r"^\s*arxiv:\s*(\S+?)(?:v\d+)?\s*$", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^\s*(?:https?://doi\.org/)?10\.48550/arxiv\.(\S+?)\s*$", re.IGNORECASE)


def arxiv_id_of(data: dict[str, Any]) -> str | None:
    """The arXiv id an item is about, from its archive ID, arXiv DOI or arXiv URL."""
    m = _ARCHIVE_ID.match(str(data.get("archiveID") or ""))
    if m:
        return m.group(1)
    m = _ARXIV_DOI.match(str(data.get("DOI") or ""))
    if m:
        return re.sub(r"v\d+$", "", m.group(1))
    url = str(data.get("url") or "")
    if url:
        try:
            return arxiv_id_from_url(url)
        except ValueError:
            return None
    return None


@dataclass
class Ownership:
    """What in a Zotero item difbib owns: its fields, some tags, some collections."""

    tags: set[str]  # category headings (rating tags are recognised by their form)
    collections: set[str]  # the parent collection and its sub-collections

    def owns_tag(self, tag: str) -> bool:
        return tag in self.tags or bool(_RATING_TAG.fullmatch(tag))

    def view(self, data: dict[str, Any]) -> dict[str, Any]:
        """The part of an item difbib manages, normalised for comparison."""
        people = []
        for c in data.get("creators") or []:
            if c.get("name"):
                people.append([c.get("creatorType", ""), c["name"]])
            else:
                people.append(
                    [c.get("creatorType", ""), c.get("firstName", ""), c.get("lastName", "")]
                )
        return {
            "itemType": data.get("itemType", ""),
            **{f: str(data.get(f) or "") for f in MANAGED_FIELDS},
            "creators": people,
            "tags": sorted({t["tag"] for t in data.get("tags") or [] if self.owns_tag(t["tag"])}),
            "collections": sorted(set(data.get("collections") or []) & self.collections),
        }

    def digest(self, data: dict[str, Any]) -> str:
        text = json.dumps(self.view(data), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def merge(self, current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
        """``current`` with difbib's fields, tags and collections replaced by ``desired``'s.

        Everything else (Extra, personal tags, other collections, relations) stays.
        """
        merged = dict(current)
        merged["itemType"] = desired["itemType"]
        for name in (*MANAGED_FIELDS, "creators"):
            merged[name] = desired[name]
        mine = [t for t in current.get("tags") or [] if not self.owns_tag(t["tag"])]
        merged["tags"] = mine + desired["tags"]
        others = [c for c in current.get("collections") or [] if c not in self.collections]
        merged["collections"] = others + [c for c in desired["collections"] if c not in others]
        for stamp in ("dateAdded", "dateModified"):
            merged.pop(stamp, None)
        return merged


# -- state ----------------------------------------------------------------------------


class PushState:
    """What the last push left in each Zotero library, kept in a JSON file.

    ``items[arxiv_id] = {"key", "version", "zotero", "local"}``: the item key, its
    version after the push, and hashes of the managed fields as Zotero stored them
    and as difbib wanted them.
    """

    def __init__(self, path: Path, library: str):
        self.path = path
        self.library = library
        self.doc: dict[str, Any] = {"libraries": {}}
        if path.exists():
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(doc, dict) and isinstance(doc.get("libraries"), dict):
                    self.doc = doc
                else:
                    raise ValueError
            except (OSError, ValueError):
                raise ZoteroError(
                    f"cannot read the Zotero push state {str(path)!r}; delete it (difbib "
                    "then finds items by arXiv id and reports differing ones as conflicts)"
                ) from None
        self.lib = self.doc["libraries"].setdefault(library, {"items": {}})
        self.items: dict[str, dict[str, Any]] = self.lib.setdefault("items", {})

    def record(self, arxiv_id: str, key: str, version: int, zotero: str, local: str) -> None:
        self.items[arxiv_id] = {"key": key, "version": version, "zotero": zotero, "local": local}

    def save(self, library_version: int | None) -> None:
        if library_version is not None:
            self.lib["library_version"] = library_version
        text = json.dumps(self.doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        atomic_write_text(self.path, text)


# -- plan and push ----------------------------------------------------------------------

CREATE, UPDATE, UNCHANGED, CONFLICT = "create", "update", "unchanged", "conflict"


@dataclass
class Action:
    """What a push does (or would do) with one paper."""

    kind: str  # create | update | unchanged | conflict
    paper: Paper
    arxiv_id: str
    desired: dict[str, Any]
    current: dict[str, Any] | None = None  # the Zotero item (key, version, data)
    result: str = ""  # after the push: created, updated, unchanged, skipped, failed: ...

    @property
    def item_key(self) -> str | None:
        return self.current["key"] if self.current else None


@dataclass
class PushReport:
    """A push's plan and outcome."""

    parent: str
    collections_created: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    skipped: list[tuple[Paper, str]] = field(default_factory=list)  # papers not pushed, why
    failed: list[tuple[Action, str]] = field(default_factory=list)
    writes: int = 0

    def count(self, result: str) -> int:
        return sum(1 for a in self.actions if a.result == result)

    def planned(self, kind: str) -> int:
        return sum(1 for a in self.actions if a.kind == kind)


def _decide(action: Action, own: Ownership, state: PushState, force: bool) -> str:
    """create / update / unchanged / conflict for a paper whose item exists."""
    assert action.current is not None
    data = action.current["data"]
    now_zotero = own.digest(data)
    now_local = own.digest(action.desired)
    last = state.items.get(action.arxiv_id)
    untouched = (
        bool(last)
        and last.get("key") == action.current["key"]
        and (last.get("zotero") == now_zotero)
    )
    if untouched and last.get("local") == now_local:
        return UNCHANGED
    if own.view(data) == own.view(action.desired):
        return UNCHANGED
    if untouched or force:
        return UPDATE
    return CONFLICT


def _batches(seq: Sequence[Any], size: int = WRITE_LIMIT) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def push(
    client: ZoteroClient,
    papers: Sequence[Paper],
    *,
    parent_name: str,
    category_order: Sequence[str],
    state_path: Path,
    force: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda msg: None,
) -> PushReport:
    """Make the Zotero library hold ``papers`` under ``parent_name``; returns the report.

    ``category_order`` lists every category heading of the library (reading-list
    order): their tags belong to difbib. With ``dry_run`` nothing is written (not
    even the state file) and each action's ``result`` stays empty.
    """
    report = PushReport(parent=parent_name)
    state = PushState(state_path, f"{client.base}")
    # 1. collections: the parent and one per category the papers use.
    progress(f"reading collections of Zotero library {client.prefix}")
    collections = client.get_all("collections")
    parent = next(
        (
            c
            for c in collections
            if c["data"].get("name") == parent_name and not c["data"].get("parentCollection")
        ),
        None,
    )
    used = [h for h in category_order if any(h in p.categories for p in papers)]
    children: dict[str, str] = {}
    if parent is not None:
        for c in collections:
            if c["data"].get("parentCollection") == parent["key"]:
                children.setdefault(c["data"].get("name", ""), c["key"])
    parent_key = parent["key"] if parent else None
    missing = [h for h in used if h not in children]
    if parent is None:
        report.collections_created.append(parent_name)
    report.collections_created += missing
    if not dry_run:
        if parent_key is None:
            parent_key = _create_collections(client, [{"name": parent_name}])[0]
        if missing:
            objs = [{"name": h, "parentCollection": parent_key} for h in missing]
            children.update(zip(missing, _create_collections(client, objs), strict=True))
    own = Ownership(
        tags=set(category_order),
        collections={k for k in [parent_key, *children.values()] if k},
    )
    if dry_run:  # collections still to be made have stand-in keys in the plan
        own.collections |= {f"<new:{h}>" for h in missing} | {"<new parent>"}
    # 2. items already there, by arXiv id.
    progress(f"reading items of Zotero library {client.prefix}")
    by_id: dict[str, dict[str, Any]] = {}
    for item in client.get_all("items/top"):
        aid = arxiv_id_of(item.get("data") or {})
        if not aid:
            continue
        if aid not in by_id:
            by_id[aid] = item
            continue
        # Several items for one paper: keep the one the last push wrote.
        progress(f"Zotero holds more than one item for arXiv:{aid}; keeping one in step")
        if (state.items.get(aid) or {}).get("key") == item["key"]:
            by_id[aid] = item
    # 3. the plan.
    for paper in papers:
        if not paper.eprint:
            report.skipped.append((paper, "no arXiv id (eprint) to match a Zotero item by"))
            continue
        keys = [children.get(h, f"<new:{h}>") for h in paper.categories] or [
            parent_key or "<new parent>"
        ]
        desired = item_for(paper, keys)
        action = Action(CREATE, paper, paper.eprint, desired, by_id.get(paper.eprint))
        if action.current is not None:
            action.kind = _decide(action, own, state, force)
        report.actions.append(action)
    if dry_run:
        return report
    # 4. the writes.
    try:
        _write_creates(client, report, own, state, progress)
        _write_updates(client, report, own, state, force, progress)
        for action in report.actions:
            if action.kind == UNCHANGED:
                action.result = "unchanged"
                data = action.current["data"]
                state.record(
                    action.arxiv_id,
                    action.current["key"],
                    int(action.current.get("version", 0)),
                    own.digest(data),
                    own.digest(action.desired),
                )
            elif action.kind == CONFLICT:
                action.result = "skipped"
    finally:
        report.writes = client.writes_made
        state.save(client.library_version)
    return report


def _create_collections(client: ZoteroClient, objects: list[dict[str, Any]]) -> list[str]:
    """Create collections; their keys, in order. A failure stops the push."""
    keys: list[str] = []
    for batch in _batches(objects):
        result = client.write("collections", batch)
        if result.already_written:  # an earlier try went through: find them by name
            existing = client.get_all("collections")
            for obj in batch:
                match = next(
                    (
                        c["key"]
                        for c in existing
                        if c["data"].get("name") == obj["name"]
                        and (c["data"].get("parentCollection") or None)
                        == obj.get("parentCollection")
                    ),
                    None,
                )
                if match is None:
                    raise ZoteroError(
                        f"Zotero accepted collection {obj['name']!r} but does not list it; "
                        "push again"
                    )
                keys.append(match)
            continue
        for i, obj in enumerate(batch):
            if i in result.successful:
                keys.append(result.successful[i]["key"])
            else:
                code, message = result.failed.get(i, (0, "no answer for it"))
                raise ZoteroError(
                    f"Zotero could not create collection {obj['name']!r} ({code}: {message})"
                )
    return keys


def _write_creates(
    client: ZoteroClient,
    report: PushReport,
    own: Ownership,
    state: PushState,
    progress: Callable[[str], None],
) -> None:
    creates = [a for a in report.actions if a.kind == CREATE]
    for n, batch in enumerate(_batches(creates), start=1):
        progress(f"creating items: batch {n} ({len(batch)} item(s))")
        result = client.write("items", [a.desired for a in batch])
        if result.already_written:
            # The answer to an earlier try was lost but the items were made: find them.
            found = {arxiv_id_of(i["data"]): i for i in client.get_all("items/top")}
            for action in batch:
                item = found.get(action.arxiv_id)
                if item is None:
                    _failed(report, action, "the write was accepted but the item is not found")
                    continue
                _done(action, "created", item, own, state)
            continue
        for i, action in enumerate(batch):
            if i in result.successful:
                _done(action, "created", result.successful[i], own, state)
            else:
                code, message = result.failed.get(i, (0, "Zotero gave no result for it"))
                _failed(report, action, f"HTTP {code}: {message}")


def _write_updates(
    client: ZoteroClient,
    report: PushReport,
    own: Ownership,
    state: PushState,
    force: bool,
    progress: Callable[[str], None],
) -> None:
    updates = [a for a in report.actions if a.kind == UPDATE]
    for n, batch in enumerate(_batches(updates), start=1):
        progress(f"updating items: batch {n} ({len(batch)} item(s))")
        objects = []
        for action in batch:
            assert action.current is not None
            obj = own.merge(action.current["data"], action.desired)
            obj["key"] = action.current["key"]
            obj["version"] = action.current["version"]
            objects.append(obj)
        result = client.write("items", objects)
        for i, action in enumerate(batch):
            if i in result.successful:
                _done(action, "updated", result.successful[i], own, state)
            elif i in result.unchanged:
                _done(action, "unchanged", action.current, own, state)
            else:
                code, message = result.failed.get(i, (0, "Zotero gave no result for it"))
                if code == 412:
                    # Edited in Zotero between our read and our write (or our own
                    # earlier try went through): look again.
                    now = client.get_item(action.current["key"])
                    if now is not None and own.view(now["data"]) == own.view(action.desired):
                        _done(action, "updated", now, own, state)
                    else:
                        action.kind = CONFLICT
                        action.result = "skipped"
                        if now is not None:
                            action.current = now
                    continue
                _failed(report, action, f"HTTP {code}: {message}")


def _done(
    action: Action, result: str, item: dict[str, Any], own: Ownership, state: PushState
) -> None:
    action.result = result
    action.current = item
    state.record(
        action.arxiv_id,
        item["key"],
        int(item.get("version") or item["data"].get("version") or 0),
        own.digest(item["data"]),
        own.digest(action.desired),
    )


def _failed(report: PushReport, action: Action, why: str) -> None:
    action.result = "failed"
    report.failed.append((action, why))


def default_state_path(library_path: Path) -> Path:
    """The state file next to the library: ``.difbib-zotero.json``."""
    return library_path.parent / STATE_FILE
