"""The Zotero Web API v3: settings (where, with which key) and a small HTTP client.

The client does paged reads (``start``/``limit`` until ``Total-Results``) and
multi-object writes of at most 50 objects, under difbib's one retry policy
(:mod:`difbib.sources.http`): it waits out ``Backoff`` and ``Retry-After`` (HTTP
429/503), retries 409 (library locked), 5xx and lost answers (creations carry a
``Zotero-Write-Token``, so a retry never creates twice: the server answers 412,
``already_written``), fails at once when nothing listens, and reports per-object
``successful``/``unchanged``/``failed`` results.

The API key comes from ``ZOTERO_API_KEY`` or the config file, never from an
argument; it is sent in the ``Zotero-API-Key`` header only, hidden from ``repr``, and
scrubbed from any text the server sends back before difbib shows it.

The HTTP client is ``requests`` (already a dependency of ``arxiv``): ``pyzotero``
pins ``bibtexparser<2`` and cannot be installed next to difbib, and difbib needs only
a handful of calls, with its own retry and write-token rules.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

from difbib.errors import DifbibError
from difbib.sources.http import (
    GaveUp,
    Retryable,
    RetryPolicy,
    Service,
    Unreachable,
    parse_retry_after,
)
from difbib.userdirs import user_config_dir

DEFAULT_API_URL = "https://api.zotero.org"
API_VERSION = "3"
WRITE_LIMIT = 50  # objects per write request (API limit)
PAGE_LIMIT = 100  # objects per read request (API maximum)
CONFIG_NAME = "zotero.toml"
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
    """The config file: ``$DIFBIB_ZOTERO_CONFIG``, else ``zotero.toml`` in the user's
    config folder (:func:`difbib.userdirs.user_config_dir`: ``~/.config/difbib`` on
    Linux, the platform's own elsewhere, ``$DIFBIB_CONFIG_DIR`` if set).
    """
    env = os.environ if env is None else env
    if env.get("DIFBIB_ZOTERO_CONFIG"):
        return Path(env["DIFBIB_ZOTERO_CONFIG"]).expanduser()
    path = user_config_dir(env) / CONFIG_NAME
    if not path.exists() and not env.get("DIFBIB_CONFIG_DIR"):
        # Where difbib looked on every platform before it used the platform's folder
        # (the same folder on Linux): a file there is still found on macOS and Windows.
        base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        legacy = Path(base) / "difbib" / CONFIG_NAME
        if legacy.exists():
            return legacy
    return path


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

    ``timeout`` bounds each request; a failed one is tried ``max_retries`` more
    times, 1 s backoff doubling unless Zotero says how long. ``sleep`` and ``clock``
    are injectable so that tests can check the waits without waiting.
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
    ) -> None:
        self._settings = settings
        self.base = f"{settings.api_url}/{settings.prefix}"
        self.prefix = settings.prefix
        policy = RetryPolicy(retries=max_retries, backoff=1.0, timeout=timeout)
        self.service = Service(
            "Zotero", policy, session=session, sleep=sleep, clock=clock, progress=progress
        )
        self.session = self.service.session
        self.library_version: int | None = None
        self.requests_made = 0
        self.writes_made = 0

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

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """One request under the retry policy; 409 (library locked) is retried too.

        ``Retry-After`` says how long to wait before the retry; ``Backoff`` on any
        response how long to wait before the next request.
        """
        url = f"{self.base}/{path}"
        data = json.dumps(body).encode("utf-8") if body is not None else None
        extra = dict(headers or {})
        if data is not None:
            extra["Content-Type"] = "application/json"

        def attempt(try_number: int) -> requests.Response:
            self.requests_made += 1
            try:
                resp = self.session.request(
                    method, url, params=params, data=data, headers=self._headers(extra)
                )
            except requests.RequestException as err:
                raise ZoteroError(
                    f"request to the Zotero API failed ({type(err).__name__}); check --api-url"
                ) from None
            if resp.status_code == 409:
                raise Retryable(
                    "HTTP 409 (library locked)",
                    retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                )
            version = resp.headers.get("Last-Modified-Version")
            if version and version.isdigit():
                self.library_version = int(version)
            return resp

        try:
            return self.service.call(attempt)
        except Unreachable as err:  # nothing listens there: no retry
            raise ZoteroError(
                f"cannot connect to the Zotero API at {self._settings.api_url} ({err.reason}); "
                "check your connection or --api-url"
            ) from None
        except GaveUp as err:
            raise ZoteroError(
                f"the Zotero API at {self._settings.api_url} did not answer after "
                f"{err.tries} tries ({err.reason}); check your connection, or try again later"
            ) from None

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
        item = self._json(resp, f"reading item {key}")
        if not isinstance(item, dict):
            raise ZoteroError(f"Zotero answered an unexpected document while reading item {key}")
        return item

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
